"""The base of the baselines that learn in the bank's scaled units (``nearest_task``, the
inductive MLPs, the meta-learners, the neural processes, ``dkt``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import torch

from rte.base import Estimator
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank


class BankScaled(Estimator):
    """A method that works in the bank's scaled units: ``fit`` scales the bank first
    (:meth:`scale_bank`), predictions read the targets scaled the same way
    (:meth:`scaled_targets`) and map their outputs back with ``scaling_``."""

    fitted: ClassVar[Mapping[str, str]] = {
        "scaling_": "inputs and outputs scaled as over the bank (Scaling)",
    }

    def scale_bank(self, bank: TaskBank) -> Scaling:
        """Fit ``scaling_`` on every observed point of ``bank``, and return it."""
        self.scaling_ = Scaling.fit(bank)
        return self.scaling_

    def scaled_targets(
        self, targets: TargetSet, dtype: torch.dtype = torch.float32
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The targets' context inputs (T, k, d), context outputs (T, k) and query inputs
        (T, Q, d) in the bank's scaled units, as tensors of ``dtype``."""
        sc = self.scaling_
        cx, cy, qx = sc.x(targets.context_x), sc.y(targets.context_y), sc.x(targets.query_x)
        return (
            torch.as_tensor(cx, dtype=dtype),
            torch.as_tensor(cy, dtype=dtype),
            torch.as_tensor(qx, dtype=dtype),
        )
