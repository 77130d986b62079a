"""A method that fails numerically on one episode (diverged training, non-finite
predictions) is recorded as a failure and the suite runs on; a bug still stops it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import rte.bench
from rte.base import Estimator, estimator
from rte.bench.report import report
from rte.errors import MethodFailedError
from rte.registry import _METHODS, register_method

SMALL = {"families": ["quadratic"], "seeds": 2, "n_tasks": 8, "n_targets": 2}


def _context_mean(targets):  # type: ignore[no-untyped-def]
    mean = targets.context_y.mean(1, keepdims=True)
    return np.broadcast_to(mean, targets.query_x.shape[:2]).copy()


@estimator()
class DivergesOnSeed1(Estimator):
    """Each target's context mean; its training "diverges" on seed 1."""

    sees: ClassVar[str] = "BC"
    fitted: ClassVar[dict[str, str]] = {"dim_": "input dimension"}

    def fit(self, bank):  # type: ignore[no-untyped-def]
        if self.seed == 1:
            raise MethodFailedError("Training diverged at step 3: the loss is nan.")
        self.dim_ = bank.dim
        return self

    def predict_targets(self, targets):  # type: ignore[no-untyped-def]
        return _context_mean(targets)


@estimator()
class NaNOnSeed1(DivergesOnSeed1):
    """Non-finite predictions on seed 1."""

    def fit(self, bank):  # type: ignore[no-untyped-def]
        self.dim_ = bank.dim
        return self

    def predict_targets(self, targets):  # type: ignore[no-untyped-def]
        pred = _context_mean(targets)
        return pred * np.nan if self.seed == 1 else pred


@estimator()
class Buggy(DivergesOnSeed1):
    """A bug, not a numerical failure: it must stop the run."""

    def fit(self, bank):  # type: ignore[no-untyped-def]
        raise KeyError("a bug")


@pytest.fixture
def registered() -> Iterator[None]:
    names = {"test_diverges": DivergesOnSeed1, "test_nan": NaNOnSeed1, "test_buggy": Buggy}
    for name, cls in names.items():
        register_method(name, cls)
    try:
        yield
    finally:
        for name in names:
            _METHODS.pop(name, None)


@pytest.mark.parametrize(
    ("method", "message"),
    [("test_diverges", "Training diverged"), ("test_nan", "non-finite predictions")],
)
def test_a_failing_method_is_recorded_and_the_suite_runs_on(
    tmp_path: Path, registered: None, method: str, message: str
) -> None:
    path = rte.bench.run("param", methods=[method, "nearest_task"], jobs=1, out=tmp_path, **SMALL)
    data = json.loads(path.read_text())
    [failure] = data["failures"]
    assert (failure["family"], failure["method"], failure["seed"]) == ("quadratic", method, 1)
    assert message in failure["error"]
    ran = {(r["method"], r["seed"]) for r in data["records"] if r["metric"] == "mse"}
    assert ran == {(method, 0), ("nearest_task", 0), ("nearest_task", 1)}
    assert not any(t["method"] == method and t["seed"] == 1 for t in data["targets"])
    text = report(path)
    assert "Failures:" in text and f"{method} failed on quadratic seed 1" in text


def test_a_bug_in_a_method_still_stops_the_suite(tmp_path: Path, registered: None) -> None:
    with pytest.raises(KeyError, match="a bug"):
        rte.bench.run("param", methods=["test_buggy"], jobs=1, out=tmp_path, **SMALL)
    assert not (tmp_path / "results.json").exists()


def test_a_run_without_failures_writes_no_failures_key(tmp_path: Path) -> None:
    path = rte.bench.run("param", methods=["nearest_task"], jobs=1, out=tmp_path, **SMALL)
    assert "failures" not in json.loads(path.read_text())
