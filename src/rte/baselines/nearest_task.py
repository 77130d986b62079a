"""``nearest_task``: the bank task whose curve best fits the target's context.

No learning: every bank task is evaluated at the context inputs (interpolated from
its observations, as RTE evaluates anchors), the one with the lowest squared error
on the context wins and its curve is the prediction. It is what a practitioner
tries first with a bank of curves, and the floor any bank-based method must clear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import torch

from rte._params import at_least, param
from rte.base import check_is_fitted, estimator
from rte.baselines._scaled import BankScaled
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.interpolate import AnchorInterpolator


@estimator()
class NearestTask(BankScaled):
    """Predicts the curve of the bank task closest to each context."""

    fitted: ClassVar[Mapping[str, str]] = {
        "curves_": "the bank's curves on a common grid",
        "n_tasks_": "tasks in the bank",
    }

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = "the bank task whose curve best fits the context (no learning)"

    chunk: int = param(256, "Bank tasks compared per batch (memory bound).", at_least(1))

    def fit(self, bank: TaskBank) -> NearestTask:
        """Keep the bank's observations as interpolation tables."""
        self.validate_params()
        scaling = self.scale_bank(bank)
        self.curves_ = AnchorInterpolator(scaling.x(bank.x), scaling.y(bank.y), bank.mask)
        self.n_tasks_ = bank.n_tasks
        return self

    def nearest(self, targets: TargetSet) -> np.ndarray:
        """Index of the closest bank task per target, (T,)."""
        check_is_fitted(self, "curves_")
        x, y, _ = self.scaled_targets(targets)
        t = len(x)
        best = torch.full((t,), float("inf"))
        index = torch.zeros(t, dtype=torch.long)
        for start in range(0, self.n_tasks_, self.chunk):
            tasks = torch.arange(start, min(start + self.chunk, self.n_tasks_))
            values = self.curves_(tasks.repeat(t), x.repeat_interleave(len(tasks), 0))
            loss = ((values.reshape(t, len(tasks), -1) - y[:, None]) ** 2).mean(-1)
            low, arg = loss.min(1)
            better = low < best
            best = torch.where(better, low, best)
            index = torch.where(better, tasks[arg], index)
        return index.numpy()

    def curves_at(self, index: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Bank task ``index[t]``'s curve at inputs ``x[t]`` (T, n, d), original units (T, n)."""
        check_is_fitted(self, "curves_")
        z = torch.as_tensor(self.scaling_.x(x), dtype=torch.float32)
        with torch.no_grad():
            out = self.curves_(torch.as_tensor(index), z).double().numpy()
        return self.scaling_.y_inverse(out)

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The closest bank task's curve at each target's queries, (T, Q)."""
        return self.curves_at(self.nearest(targets), targets.query_x)
