"""RTE for the discrete regimes (length, composition) and its transductive oracle.

:class:`DiscreteRTE` learns Psi on the bank's labelled relations and decomposes a
target either with strategy B (amortized top-k proposal, then search) or by
exhaustive search over every (anchor, phi) candidate. Three registered methods
share one fitted model per (bank, seed):

- ``rte_discrete``: strategy B. The length and composition suites record it as
  ``rte`` (their ``rte`` *is* this method; the registry's ``rte`` is the
  parameter regime's strategy-A extrapolator, which needs no labels).
- ``rte_exhaustive``: the same Psi with exhaustive search, for accuracy and time.
- ``transductive_oracle_discrete``: the same Psi with the true (anchor, phi); the
  suites record it as ``transductive_oracle``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np
import torch

from rte._validation import (
    check_batch,
    check_choice,
    check_context,
    check_inputs,
    check_positive,
    check_positive_int,
)
from rte.base import check_is_fitted
from rte.baselines._shared import SharedFits
from rte.decompose.amortized import propose, search
from rte.errors import ValidationError
from rte.operator.discrete import LabelledOperator, bank_relations, fit_labelled_operator
from rte.registry import BANK, CONTEXT, TRUE_PARAMS, register_method
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.interpolate import AnchorInterpolator

Strategy = Literal["amortized", "exhaustive"]
STRATEGIES = ("amortized", "exhaustive")


@dataclass(frozen=True)
class DiscreteRTEConfig:
    """Hyperparameters of :class:`DiscreteRTE` (chosen on validation seeds 100..)."""

    dim_phi: int = field(default=8, metadata={"help": "Size of the learned label embedding."})
    width: int = field(default=128, metadata={"help": "Hidden units per layer of Psi."})
    depth: int = field(default=3, metadata={"help": "Hidden layers of Psi."})
    steps: int = field(default=2000, metadata={"help": "Adam steps training Psi."})
    batch_size: int = field(default=256, metadata={"help": "Relation points per Psi step."})
    lr: float = field(default=2e-3, metadata={"help": "Adam learning rate of Psi."})
    probe_points: int = field(
        default=64, metadata={"help": "Inputs at which candidate curves are stored (B)."}
    )
    top_k: int = field(default=8, metadata={"help": "Candidates strategy B scores with Psi."})
    seed: int = field(default=0, metadata={"help": "Seed of every random choice in fit."})

    def __post_init__(self) -> None:
        for name in ("dim_phi", "width", "depth", "steps", "batch_size", "probe_points"):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.top_k, "top_k")
        check_positive_int(self.seed, "seed", 0)
        check_positive(self.lr, "lr")


@dataclass(frozen=True)
class DiscreteDecomposition:
    """Predictions ``y`` (T, Q) and the decomposition behind each: the chosen anchor
    (index and id), the relation label ``phi`` (and its index), Psi's context MSE
    (original units) and the decomposition time per target in seconds."""

    y: np.ndarray
    anchor_index: np.ndarray
    anchor_id: tuple[str, ...]
    phi: tuple[str, ...]
    phi_index: np.ndarray
    context_mse: np.ndarray
    seconds_per_target: float


class DiscreteRTE:
    """Relational extrapolation with relation labels: f_target = Psi(x, f_anchor, phi).

    Example:
        >>> import numpy as np
        >>> from rte.tasks.composition import CompositionTasks
        >>> tasks = CompositionTasks()
        >>> model = DiscreteRTE(steps=20).fit(tasks.bank(32))
        >>> t = tasks.targets("unseen", tasks.held_out[:2], 1, np.random.default_rng(0))
        >>> model.predict_batch(t.context_x, t.context_y, t.query_x).y.shape
        (2, 100)
    """

    def __init__(self, **params: Any) -> None:
        known = {f.name for f in fields(DiscreteRTEConfig)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValidationError(
                f"Unknown setting(s) {unknown}. Expected some of: {', '.join(sorted(known))}."
            )
        self.config = DiscreteRTEConfig(**params)

    def fit(self, bank: TaskBank) -> DiscreteRTE:
        """Train Psi on the labelled relations; store every candidate's Psi curve (strategy B)."""
        cfg = self.config
        relations, vocab = bank_relations(bank)
        scaling = Scaling.fit(bank)
        z, yt = scaling.x(bank.x), scaling.y(bank.y)
        interpolator = AnchorInterpolator(z, yt, bank.mask)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            psi = LabelledOperator(bank.dim, len(vocab), cfg.dim_phi, cfg.width, cfg.depth)
        fit_labelled_operator(
            psi,
            relations,
            z,
            yt,
            bank.mask,
            interpolator,
            steps=cfg.steps,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            seed=cfg.seed,
        )
        assert bank.labels is not None  # bank_relations checked it
        # Tasks with identical observations are one task: one candidate, and either id is a
        # right answer (low-depth length chains repeat, some compositions equal a primitive).
        rows = np.concatenate([bank.x.reshape(bank.n_tasks, -1), bank.y, bank.mask], 1)
        group = np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1)
        can = np.flatnonzero([lb.can_anchor for lb in bank.labels])
        anchors = can[np.unique(group[can], return_index=True)[1]]
        if len(anchors) == 0:
            raise ValidationError(
                "No bank task may serve as an anchor (every label has can_anchor=False); "
                "mark the anchor tasks with can_anchor=True."
            )
        cand_anchor, cand_label = (a.ravel() for a in np.meshgrid(anchors, np.arange(len(vocab))))
        self.bank_, self.scaling_, self.vocab_, self.task_group_ = bank, scaling, vocab, group
        self.psi_, self.interpolator_ = psi, interpolator
        self.candidates_ = torch.as_tensor(np.stack([cand_anchor, cand_label], 1))
        inputs = np.unique(z[bank.mask], axis=0)
        pick = np.random.default_rng(cfg.seed).permutation(len(inputs))[: cfg.probe_points]
        probe = torch.as_tensor(inputs[np.sort(pick)], dtype=torch.float32)
        self.curves_ = self._candidate_curves(probe)
        return self

    @property
    def n_candidates(self) -> int:
        """Number of (distinct anchor task, phi) candidates exhaustive search scores per target."""
        check_is_fitted(self, "curves_")
        return len(self.candidates_)

    def _candidate_curves(self, probe: torch.Tensor) -> AnchorInterpolator:
        """Every candidate's Psi curve at the probe inputs (P, d), stored as an interpolation
        table over candidates (fit time, once)."""
        a, lab = self.candidates_.unbind(1)
        x = probe[None].expand(len(a), -1, -1)
        with torch.no_grad():
            y = self.psi_(x, self.interpolator_(a, x), lab[:, None].expand(-1, len(probe)))
        return AnchorInterpolator(x.numpy(), y.numpy(), np.ones(y.shape, dtype=bool))

    def _context_loss(
        self, x: torch.Tensor, y: torch.Tensor, anchors: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        t, n_cand = anchors.shape
        k = x.shape[1]
        xx = x[:, None].expand(t, n_cand, k, x.shape[-1]).reshape(t * n_cand, k, -1)
        anchor_y = self.interpolator_(anchors.reshape(-1), xx)
        pred = self.psi_(xx, anchor_y, labels.reshape(-1, 1).expand(-1, k)).reshape(t, n_cand, k)
        return ((pred - y[:, None]) ** 2).mean(-1)

    def decompose(
        self, context_x: np.ndarray, context_y: np.ndarray, strategy: Strategy = "amortized"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Best (anchor index, label index) per target, its scaled context MSE, and the
        seconds per target the decomposition took. Inputs as checked by :meth:`predict_batch`."""
        check_is_fitted(self, "curves_")
        check_choice(strategy, STRATEGIES, "strategy")
        start = time.perf_counter()
        x = torch.as_tensor(self.scaling_.x(context_x), dtype=torch.float32)
        y = torch.as_tensor(self.scaling_.y(context_y), dtype=torch.float32)
        if strategy == "amortized":
            top = propose(self.curves_, self.n_candidates, x, y, self.config.top_k)
            cand = self.candidates_[top]
        else:
            cand = self.candidates_[None].expand(len(x), -1, -1)
        best, losses = search(self._context_loss, x, y, cand[..., 0], cand[..., 1])
        rows = torch.arange(len(x))
        chosen = cand[rows, best]
        seconds = (time.perf_counter() - start) / len(x)
        return chosen[:, 0].numpy(), chosen[:, 1].numpy(), losses[rows, best].numpy(), seconds

    def evaluate_psi(self, anchors: np.ndarray, labels: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Psi(x, f_anchor, phi) in original units: anchors, labels (B,), x (B, n, d)."""
        check_is_fitted(self, "curves_")
        z = torch.as_tensor(self.scaling_.x(x), dtype=torch.float32)
        a = torch.as_tensor(anchors, dtype=torch.long)
        lab = torch.as_tensor(labels, dtype=torch.long)[:, None].expand(-1, z.shape[1])
        with torch.no_grad():
            out = self.psi_(z, self.interpolator_(a, z), lab).double().numpy()
        return self.scaling_.y_inverse(out)

    def predict(
        self, context_x: Any, context_y: Any, query_x: Any, strategy: Strategy = "amortized"
    ) -> DiscreteDecomposition:
        """Predict one target at ``query_x`` from its context; inputs (k,) or (k, d)."""
        check_is_fitted(self, "curves_")
        cx, cy = check_context(context_x, context_y, self.bank_.dim)
        qx = check_inputs(query_x, "query_x", self.bank_.dim)
        out = self.predict_batch(cx[None], cy[None], qx[None], strategy)
        return replace(out, y=out.y[0])

    def predict_batch(
        self,
        context_x: np.ndarray,
        context_y: np.ndarray,
        query_x: np.ndarray,
        strategy: Strategy = "amortized",
    ) -> DiscreteDecomposition:
        """Decompose T targets (context_x (T, k, d), context_y (T, k)) and predict query_x."""
        check_is_fitted(self, "curves_")
        cx, cy, qx = check_batch(context_x, context_y, query_x, self.bank_.dim)
        anchors, labels, loss, seconds = self.decompose(cx, cy, strategy)
        return DiscreteDecomposition(
            y=self.evaluate_psi(anchors, labels, qx),
            anchor_index=anchors,
            anchor_id=tuple(self.bank_.task_ids[a] for a in anchors),
            phi=tuple(self.vocab_[p] for p in labels),
            phi_index=labels,
            context_mse=loss * self.scaling_.y_std**2,
            seconds_per_target=seconds,
        )

    def true_decomposition(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """The targets' true (anchor index, label index) from their relation labels."""
        check_is_fitted(self, "curves_")
        index = {tid: i for i, tid in enumerate(self.bank_.task_ids)}
        if targets.labels is None or not all(
            lb.anchor in index and lb.phi in self.vocab_ for lb in targets.labels
        ):
            raise ValidationError(
                f"Band {targets.band!r}: every target needs a relation label whose anchor is a "
                "bank task and whose phi was seen in training."
            )
        return (
            np.array([index[lb.anchor] for lb in targets.labels]),
            np.array([self.vocab_.index(lb.phi) for lb in targets.labels]),
        )


fitted_discrete: SharedFits[DiscreteRTE] = SharedFits(
    lambda bank, seed: DiscreteRTE(seed=seed).fit(bank)
)
"""The :class:`DiscreteRTE` fitted on a bank with a seed, shared by the methods below."""


class _SharedFit:
    """Methods built on the shared :func:`fitted_discrete` model."""

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    def fit(self, bank: TaskBank) -> _SharedFit:
        self.model_ = fitted_discrete(bank, self.seed)
        return self


class _DiscreteMethod(_SharedFit):
    """Benchmark face of :class:`DiscreteRTE`: one decomposition strategy, with metrics."""

    strategy: Strategy = "amortized"

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "model_")
        out = self.model_.predict_batch(
            targets.context_x, targets.context_y, targets.query_x, self.strategy
        )
        self.last_ = (targets, out)
        return out.y

    def target_metrics(self, targets: TargetSet) -> dict[str, float]:
        """Decomposition top-1 accuracy and seconds per target of the last prediction.

        The anchor counts as right when it is the true anchor task or a bank task with
        identical observations; phi must be the true label.
        """
        check_is_fitted(self, "last_")
        seen, out = self.last_
        if seen is not targets:
            raise ValidationError("target_metrics must follow predict_targets on the same targets.")
        anchors, labels = self.model_.true_decomposition(targets)
        group = self.model_.task_group_
        correct = (group[out.anchor_index] == group[anchors]) & (out.phi_index == labels)
        return {"decomposition_accuracy": float(correct.mean()), "seconds": out.seconds_per_target}


@register_method(
    "rte_discrete", (BANK, CONTEXT), "Psi on relation labels; strategy-B (amortized) decomposition"
)
class AmortizedRTE(_DiscreteMethod):
    """Strategy B: the set encoder proposes the top-k candidates, Psi's context loss picks."""


@register_method(
    "rte_exhaustive", (BANK, CONTEXT), "Psi on relation labels; exhaustive decomposition search"
)
class ExhaustiveRTE(_DiscreteMethod):
    """Every (anchor, phi) candidate scored by Psi's context loss."""

    strategy: Strategy = "exhaustive"


@register_method(
    "transductive_oracle_discrete",
    (BANK, TRUE_PARAMS),
    "Psi on relation labels with the true (anchor, phi) of each target",
)
class DiscreteOracle(_SharedFit):
    """Upper reference for decomposition: the same Psi, the true decomposition given."""

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "model_")
        anchors, labels = self.model_.true_decomposition(targets)
        return self.model_.evaluate_psi(anchors, labels, targets.query_x)
