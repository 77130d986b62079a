"""The saved state of one fitted component: a JSON-ready config and named tensors.

Every component of a fitted model (scaling, embedding, operator, decomposer, bank)
turns itself into a :class:`State` and back; :mod:`rte.persistence` only writes the
states of a model's components side by side, so it never reads a private attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rte.errors import ValidationError

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class State:
    """``config``: JSON-ready settings and scalars; ``tensors``: arrays by name."""

    config: Mapping[str, Any] = field(default_factory=dict)
    tensors: Mapping[str, torch.Tensor] = field(default_factory=dict)

    def tensor(self, name: str) -> torch.Tensor:
        """A stored tensor, or a clear error naming the missing one."""
        if name not in self.tensors:
            raise ValidationError(f"saved state lacks the tensor {name!r}.")
        return self.tensors[name]

    def array(self, name: str) -> np.ndarray:
        """A stored tensor as a numpy array."""
        return self.tensor(name).numpy()

    def value(self, name: str) -> Any:
        """A stored config value, or a clear error naming the missing one."""
        if name not in self.config:
            raise ValidationError(f"saved state lacks the setting {name!r}.")
        return self.config[name]


def as_tensor(array: np.ndarray | torch.Tensor) -> torch.Tensor:
    """A contiguous CPU copy, as safetensors stores it."""
    import torch  # here, not at the top: a bank is built and checked without torch

    if isinstance(array, torch.Tensor):
        return array.detach().cpu().contiguous().clone()
    return torch.from_numpy(np.ascontiguousarray(array)).clone()
