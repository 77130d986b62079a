"""Where episodes run never changes a record: in process, worker processes, Ray."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

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


def test_registered_family_and_method_travel_to_worker_processes(tmp_path: Path) -> None:
    """A family and a method registered in this process run in two worker processes: the
    method writes the process id of each fit, and family_fit looks the family up by name
    in the worker (it failed there with "Unknown family" before)."""
    import os

    import numpy as np

    from rte import TaskFamily, register_family
    from rte.base import Estimator, estimator
    from rte.registry import _METHODS, register_method
    from rte.tasks.family import _FAMILIES

    pids = tmp_path / "pids"
    pids.mkdir()

    @estimator()
    class ContextMean(Estimator):
        """Each target's context mean; records the process that fitted it."""

        sees: ClassVar[str] = "C"
        fitted: ClassVar[dict[str, str]] = {"pid_": "the process that fitted it"}

        def fit(self, bank):  # type: ignore[no-untyped-def]
            (pids / f"{os.getpid()}-{self.seed}").touch()
            self.pid_ = os.getpid()
            return self

        def predict_targets(self, targets):  # type: ignore[no-untyped-def]
            mean = targets.context_y.mean(1, keepdims=True)
            return np.broadcast_to(mean, targets.query_x.shape[:2]).copy()

    family = TaskFamily("test_damped", lambda x, theta: np.exp(-theta * x), (1.0, 2.0), (0, 2))
    try:
        register_family(family)
        register_method("test_context_mean", ContextMean)
        path = rte.bench.run(
            "param",
            families=["test_damped"],
            methods=["test_context_mean", "family_fit"],
            seeds=2,
            n_tasks=8,
            n_targets=2,
            jobs=2,
            out=tmp_path / "run",
        )
    finally:
        _FAMILIES.pop("test_damped", None)
        _METHODS.pop("test_context_mean", None)
    workers = {int(p.name.split("-")[0]) for p in pids.iterdir()}
    assert len(list(pids.iterdir())) == 2 and os.getpid() not in workers
    methods = {r["method"] for r in json.loads(path.read_text())["records"]}
    assert methods == {"test_context_mean", "family_fit"}
