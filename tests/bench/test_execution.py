"""Where episodes run never changes a record: in process, worker processes, Ray."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rte.bench
from rte.bench.execution import Execution, map_ordered
from rte.errors import ValidationError

SMALL = {
    "families": ["sine_trend"],
    "methods": ["rte", "context_mlp"],
    "seeds": 2,
    "n_tasks": 12,
    "n_targets": 3,
}
OPTIONS = {"rte": {"steps": 20}, "context_mlp": {"steps": 20}}


def _values(path: Path) -> dict:
    data = json.loads(path.read_text())
    return {
        (r["family"], r["method"], r["band"], r["seed"], r["metric"]): r["value"]
        for r in data["records"]
        if r["metric"] != "seconds"
    }


def test_results_come_back_in_order_whatever_ran_where() -> None:
    done = []
    out = list(map_ordered(abs, [-3, -1, -2], 3, Execution(jobs=2), lambda: done.append(1)))
    assert out == [3, 1, 2] and len(done) == 3


def test_execution_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="backend"):
        Execution(backend="spark")
    with pytest.raises(ValidationError, match="jobs"):
        Execution(jobs=-1)


def test_ray_backend_writes_the_records_of_the_local_backend(tmp_path: Path) -> None:
    """A local Ray instance (2 CPUs, no dashboard) runs the episodes as Ray tasks."""
    ray = pytest.importorskip("ray")
    local = rte.bench.run("param", out=tmp_path / "local", options=OPTIONS, jobs=1, **SMALL)
    try:
        remote = rte.bench.run(
            "param", out=tmp_path / "ray", options=OPTIONS, backend="ray", jobs=2, **SMALL
        )
    finally:
        ray.shutdown()
    assert _values(local) == _values(remote)
