"""RTE for the discrete regimes (length, composition): phi is a relation label.

:class:`DiscreteRTE` learns Psi on the bank's labelled relations and decomposes a
target either with strategy B (amortized top-k proposal, then search) or by
exhaustive search over every (anchor, phi) candidate. The length and composition
suites run it as ``rte`` (strategy B) and as ``rte_exhaustive``; both share one fit
(:func:`rte.models.shared.fit_shared`), as does its oracle
(``rte.baselines.oracles.DiscreteOracle``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

import numpy as np
import torch

from rte._params import at_least, one_of, param, positive
from rte._validation import check_batch, check_choice, check_context, check_inputs
from rte.base import Estimator, check_is_fitted
from rte.decompose.amortized import propose, search
from rte.errors import ValidationError
from rte.operator.discrete import LabelledOperator, bank_relations, fit_labelled_operator
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.interpolate import AnchorInterpolator

Strategy = Literal["amortized", "exhaustive"]
STRATEGIES = ("amortized", "exhaustive")


@dataclass(kw_only=True, repr=False, eq=False)
class DiscreteParams(Estimator):
    """Hyperparameters of :class:`DiscreteRTE` (chosen on validation seeds 100..)."""

    sees: ClassVar[str] = "BCL"
    predict_params: ClassVar[frozenset[str]] = frozenset({"strategy", "top_k"})

    dim_phi: int = param(8, "Size of the learned label embedding.", at_least(1))
    width: int = param(128, "Hidden units per layer of Psi.", at_least(1))
    depth: int = param(3, "Hidden layers of Psi.", at_least(1))
    steps: int = param(2000, "Adam steps training Psi.", at_least(1))
    batch_size: int = param(256, "Relation points per Psi step.", at_least(1))
    lr: float = param(2e-3, "Adam learning rate of Psi.", positive)
    probe_points: int = param(64, "Inputs at which candidate curves are stored (B).", at_least(1))
    top_k: int = param(8, "Candidates strategy B scores with Psi.", at_least(1))
    strategy: str = param(
        "amortized", "Decomposition: amortized (strategy B) or exhaustive.", one_of(*STRATEGIES)
    )


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


@dataclass(kw_only=True, repr=False, eq=False)
class DiscreteRTE(DiscreteParams):
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

    share_fit: ClassVar[bool] = True
    description: ClassVar[str] = "Psi on relation labels; strategy-B (amortized) decomposition"

    def fit(self, bank: TaskBank) -> DiscreteRTE:
        """Train Psi on the labelled relations; store every candidate's Psi curve (strategy B)."""
        self.validate_params()

        relations, vocab = bank_relations(bank)
        scaling = Scaling.fit(bank)
        z, yt = scaling.x(bank.x), scaling.y(bank.y)
        interpolator = AnchorInterpolator(z, yt, bank.mask)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            psi = LabelledOperator(bank.dim, len(vocab), self.dim_phi, self.width, self.depth)
        fit_labelled_operator(
            psi,
            relations,
            z,
            yt,
            bank.mask,
            interpolator,
            steps=self.steps,
            batch_size=self.batch_size,
            lr=self.lr,
            seed=self.seed,
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
        pick = np.random.default_rng(self.seed).permutation(len(inputs))[: self.probe_points]
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
        self, context_x: np.ndarray, context_y: np.ndarray, strategy: Strategy | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Best (anchor index, label index) per target, its scaled context MSE, and the
        seconds per target the decomposition took. Inputs as checked by :meth:`predict_batch`."""
        check_is_fitted(self, "curves_")
        strategy = check_choice(strategy or self.strategy, STRATEGIES, "strategy")
        start = time.perf_counter()
        x = torch.as_tensor(self.scaling_.x(context_x), dtype=torch.float32)
        y = torch.as_tensor(self.scaling_.y(context_y), dtype=torch.float32)
        if strategy == "amortized":
            top = propose(self.curves_, self.n_candidates, x, y, self.top_k)
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
        self, context_x: Any, context_y: Any, query_x: Any, strategy: Strategy | None = None
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
        strategy: Strategy | None = None,
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

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at a target set's queries (the benchmark interface); the
        decomposition is kept for :meth:`target_metrics`."""
        out = self.predict_batch(targets.context_x, targets.context_y, targets.query_x)
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
        anchors, labels = self.true_decomposition(targets)
        group = self.task_group_
        correct = (group[out.anchor_index] == group[anchors]) & (out.phi_index == labels)
        return {"decomposition_accuracy": float(correct.mean()), "seconds": out.seconds_per_target}
