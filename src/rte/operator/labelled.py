"""Psi for the discrete regimes: phi is a relation *label*, embedded by a learned table.

    Psi(x, f_anchor(x), phi) = f_anchor(x) + MLP([x, f_anchor(x), E[phi]])

It is the residual operator of :mod:`rte.operator.psi` with phi looked up in a
learned embedding E instead of computed as an embedding difference; the residual
form keeps the anchor's values as the starting point, so Psi only learns the change
a label causes. Trained on the bank's labelled relations (anchor i, task j, label p):
Psi(x, f_i(x), p) ~ f_j(x) at task j's observed points, in scaled units.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rte.errors import ValidationError
from rte.nn import train_regressor
from rte.operator.psi import RelationalOperator
from rte.tasks.bank import TaskBank
from rte.tasks.interpolate import AnchorInterpolator


class LabelledOperator(nn.Module):
    """Residual Psi on (x, anchor value, learned embedding of the relation label)."""

    def __init__(
        self, dim_x: int, n_labels: int, dim_phi: int = 8, width: int = 128, depth: int = 3
    ) -> None:
        super().__init__()
        self.phi = nn.Embedding(n_labels, dim_phi)
        self.psi = RelationalOperator(dim_x, dim_phi, width, depth)

    def forward(self, x: torch.Tensor, anchor_y: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """x (..., d), anchor_y (...), label indices (...) -> predicted target values (...)."""
        return self.psi(x, anchor_y, self.phi(label))


def bank_relations(bank: TaskBank) -> tuple[np.ndarray, tuple[str, ...]]:
    """The labelled relations of ``bank``: rows (anchor index, task index, label index), and
    the sorted label vocabulary. Tasks whose anchor is not in the bank carry no relation."""
    if bank.labels is None:
        raise ValidationError(
            "This method needs a bank with relation labels (TaskBank.labels), as built by the "
            "length and composition suites. Got a bank without labels."
        )
    index = {tid: i for i, tid in enumerate(bank.task_ids)}
    usable = [
        (index[lb.anchor], j, lb.phi)
        for j, lb in enumerate(bank.labels)
        if lb.phi is not None and lb.anchor in index
    ]
    if not usable:
        raise ValidationError(
            "The bank's labels name no relation between two of its tasks; at least one task "
            "needs an anchor (a task id of the bank) and a phi label."
        )
    vocab = tuple(sorted({p for _, _, p in usable}))
    rows = np.array([(i, j, vocab.index(p)) for i, j, p in usable], dtype=np.int64)
    return rows, vocab


def fit_labelled_operator(
    psi: LabelledOperator,
    relations: np.ndarray,
    z: np.ndarray,
    yt: np.ndarray,
    mask: np.ndarray,
    interpolator: AnchorInterpolator,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> list[float]:
    """Train ``psi`` on random (relation, observed point of its task) pairs; scaled units."""
    rel = torch.as_tensor(relations)
    zt = torch.as_tensor(z, dtype=torch.float32)
    ys = torch.as_tensor(yt, dtype=torch.float32)
    counts = torch.as_tensor(mask.sum(1))
    d = zt.shape[-1]

    def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        r = rel[torch.randint(0, len(rel), (batch_size,), generator=gen)]
        i, j, p = r.unbind(1)
        point = (torch.rand(batch_size, generator=gen) * counts[j]).long()
        x = zt[j, point]
        anchor_y = interpolator(i, x[:, None, :])[:, 0]
        return torch.cat([x, anchor_y[:, None], p[:, None].float()], 1), ys[j, point]

    def loss(model: LabelledOperator, inputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        pred = model(inputs[:, :d], inputs[:, d], inputs[:, d + 1].long())
        return torch.mean((pred - target) ** 2)

    return train_regressor(psi, sample, steps=steps, lr=lr, seed=seed, loss_fn=loss)
