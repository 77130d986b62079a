"""Shared pieces of the bring-your-own-tasks tests: tiny tables and one cached tiny model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rte import RelationalTaskExtrapolator

# Small enough that a fit takes well under a second on one busy core.
TINY = {
    "steps": 30,
    "width": 16,
    "depth": 1,
    "probe_width": 16,
    "batch_size": 64,
    "embedding_dim": 3,
}


def bank_frame(n_tasks: int = 8, n_points: int = 12, dim: int = 1, seed: int = 0) -> pd.DataFrame:
    """A valid long-format bank: y = a * |x|^2 + x_last per task, parameter column a."""
    rng = np.random.default_rng(seed)
    rows = []
    for t, a in enumerate(np.linspace(1.0, 2.0, n_tasks)):
        x = rng.uniform(-2, 2, (n_points, dim))
        y = a * (x**2).sum(1) + x[:, -1]
        for xi, yi in zip(x, y, strict=True):
            rows.append({"task": f"t{t}", **_inputs(xi), "y": yi, "a": a})
    return pd.DataFrame(rows)


def context_frames(
    dim: int = 1, a: float = 3.0, seed: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A context table (8 points) and a query table (5 points) of one target task."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (8, dim))
    q = rng.uniform(-2, 2, (5, dim))
    ctx = pd.DataFrame([{"task": "new", **_inputs(xi)} for xi in x])
    ctx["y"] = a * (x**2).sum(1) + x[:, -1]
    return ctx, pd.DataFrame([{"task": "new", **_inputs(qi)} for qi in q])


def _inputs(x: np.ndarray) -> dict[str, float]:
    if len(x) == 1:
        return {"x": float(x[0])}
    return {f"x{i + 1}": float(v) for i, v in enumerate(x)}


@pytest.fixture(scope="session")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Valid bank, context and query CSVs (1-D inputs)."""
    root = tmp_path_factory.mktemp("tables")
    ctx, qry = context_frames()
    paths = {"bank": root / "bank.csv", "context": root / "ctx.csv", "query": root / "q.csv"}
    bank_frame().to_csv(paths["bank"], index=False)
    ctx.to_csv(paths["context"], index=False)
    qry.to_csv(paths["query"], index=False)
    return paths


@pytest.fixture(scope="session")
def fitted(tables: dict[str, Path]) -> RelationalTaskExtrapolator:
    """One tiny model fitted on the 1-D bank, shared by every test that only reads it."""
    from rte.tasks.table import load_bank

    return RelationalTaskExtrapolator(**TINY).fit(load_bank(tables["bank"]))


@pytest.fixture(scope="session")
def model_dir(fitted: RelationalTaskExtrapolator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model saved once; tests copy it before damaging it."""
    path = tmp_path_factory.mktemp("saved") / "model"
    fitted.save(path, {"columns": {"task": "task", "x": ["x"], "y": "y", "params": []}})
    return path
