"""Helpers several test folders share: tiny task tables and tiny model settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rte.tasks.bank import TargetSet, TaskBank

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


def mse(pred: np.ndarray, targets: TargetSet) -> float:
    """Mean squared error of predictions at a target set's queries."""
    return float(np.mean((np.asarray(pred) - targets.query_y) ** 2))


def wrong_answers(bank: TaskBank, targets: TargetSet) -> dict[str, float]:
    """MSE of zeros, of the context mean and of the best anchor's own curve (1-D banks on
    one shared grid): an accurate method must be far below every one of them."""
    errors = {
        "zeros": mse(np.zeros_like(targets.query_y), targets),
        "context mean": mse(
            np.broadcast_to(targets.context_y.mean(1, keepdims=True), targets.query_y.shape),
            targets,
        ),
    }
    # The bank curve closest to each target's truth: no anchor copy can do better.
    grid = bank.x[0, :, 0]
    curves = np.stack([np.interp(targets.query_x[0, :, 0], grid, y) for y in bank.y])
    errors["anchor's curve"] = float(
        np.mean(((curves[None] - targets.query_y[:, None]) ** 2).mean(-1).min(1))
    )
    return errors
