"""RTE for the discrete regimes without relation labels: the relations are discovered.

:class:`UnlabelledRTE` never reads ``TaskBank.labels``: it finds which bank pairs one
relation explains and which relation that is (:mod:`rte.operator.discovery`), then
trains Psi on the discovered codes exactly as :class:`DiscreteRTE` does on labels, and
decomposes a target over (any bank task, discovered code) candidates. Its access code
is ``BC``: no ``L``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np
import torch

from rte._params import at_least, optional, param, positive
from rte.base import check_is_fitted, estimator
from rte.models.discrete import DiscreteRTE
from rte.operator.discovery import discover_relations
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank, task_groups


@estimator()
class UnlabelledRTE(DiscreteRTE):
    """Relational extrapolation with relations discovered from the bank's tasks alone.

    Example:
        >>> import numpy as np
        >>> from rte.tasks.length import LengthTasks
        >>> tasks = LengthTasks.sample(6, np.random.default_rng(0))
        >>> model = UnlabelledRTE(steps=300).fit(tasks.bank(32))
        >>> len(model.vocab_) >= 1
        True
    """

    sees: ClassVar[str] = "BC"
    # Every bank task anchors: which may is label information (can_anchor) it does not see.
    searches_candidates: ClassVar[bool] = False
    description: ClassVar[str] = (
        "Psi on relations discovered without labels; curve-index decomposition"
    )

    discovery_tol: float = param(
        0.02, "Agreement (scaled units) of two children where their anchors cross.", positive
    )
    discovery_evidence: float = param(
        8.0, "Least -log chance of an agreement for two pairs to be linked.", positive
    )
    discovery_triangles: int = param(
        2, "Triangles a link must close to seed a relation (higher: purer, fewer).", at_least(1)
    )
    discovery_rounds: int = param(
        4, "Refinement rounds (a Psi fit, then reassignment).", at_least(1)
    )
    explained_below: float = param(
        1e-3, "Psi's MSE (scaled) under which a code explains a task from an anchor.", positive
    )
    explained_factor: float = param(
        2.0, "... or under this multiple of Psi's median error on its training pairs.", positive
    )
    discovery_steps: int | None = param(
        None, "Psi steps per refinement round (default: steps).", optional(at_least(1))
    )

    def fit(self, bank: TaskBank) -> UnlabelledRTE:
        """Discover the relations of ``bank`` (its labels are dropped unread), train Psi on
        them, and store every (task, code) candidate's curve."""
        self.validate_params()
        bank = replace(bank, labels=None)
        scaling = Scaling.fit(bank)
        group = task_groups(bank)
        relations, vocab = discover_relations(
            scaling.x(bank.x),
            scaling.y(bank.y),
            bank.mask,
            group,
            tol=self.discovery_tol,
            evidence=self.discovery_evidence,
            triangles=self.discovery_triangles,
            fit_tol=self.explained_below,
            fit_factor=self.explained_factor,
            round_steps=self.discovery_steps,
            rounds=self.discovery_rounds,
            psi_options={
                "steps": self.steps,
                "batch_size": self.batch_size,
                "lr": self.lr,
                "dim_phi": self.dim_phi,
                "width": self.width,
                "depth": self.depth,
            },
            seed=self.seed,
        )
        return self._fit_relations(bank, relations, vocab, np.ones(bank.n_tasks, dtype=bool))

    def relation_codes(self, anchors: np.ndarray, tasks: np.ndarray) -> list[str]:
        """The discovered code (a phi of :attr:`vocab_`) that best explains each bank pair
        (anchors[n] -> tasks[n])."""
        check_is_fitted(self, "curves_")
        bank = self.bank_
        z = torch.as_tensor(self.scaling_.x(bank.x[tasks]), dtype=torch.float32)
        yt = torch.as_tensor(self.scaling_.y(bank.y[tasks]), dtype=torch.float32)
        a = torch.as_tensor(anchors)
        with torch.no_grad():
            anchor_y = self.interpolator_(a, z)
            errors = torch.stack(
                [
                    ((self.psi_(z, anchor_y, torch.full(yt.shape, c)) - yt) ** 2).mean(-1)
                    for c in range(len(self.vocab_))
                ],
                1,
            )
        return [self.vocab_[int(c)] for c in errors.argmin(1)]
