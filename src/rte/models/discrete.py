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
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

import numpy as np
import torch

from rte._checks import check_choice
from rte._validation import check_batch, check_context, check_inputs
from rte.base import Estimator, FoundDecompositions, check_is_fitted, estimator
from rte.decompose.amortized import StoredCurves, best_by_context_loss, propose
from rte.decompose.curve_index import CurveIndex
from rte.decompose.learned import DecomposerData, LearnedDecomposer
from rte.errors import ValidationError
from rte.operator.labelled import LabelledOperator, bank_relations, fit_labelled_operator
from rte.params import (
    DISCRETE_GROUPS,
    DISCRETE_NET_DEFAULTS,
    DISCRETE_PREDICT_PARAMS,
    STRATEGIES,
)
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank, task_groups
from rte.tasks.interpolate import AnchorInterpolator

# Psi evaluations per chunk when storing candidate curves (bounds fit-time memory).
_CURVE_CHUNK_ROWS = 262_144

Strategy = Literal["curve_index", "cached_curves", "learned", "exhaustive"]
# Proposal depths at which target_metrics reports the recall of the true decomposition.
RECALL_KS = (1, 8, 32)


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


@estimator(*DISCRETE_GROUPS, defaults=DISCRETE_NET_DEFAULTS)
class DiscreteRTE(Estimator):
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

    fitted: ClassVar[Mapping[str, str]] = {
        "bank_": "the training bank (TaskBank)",
        "scaling_": "inputs and outputs scaled over the bank (Scaling)",
        "interpolator_": "bank tasks evaluated at new inputs (AnchorInterpolator)",
        "psi_": "the label-conditioned relational operator (LabelledOperator)",
        "vocab_": "the relation labels (phi) in Psi's embedding order",
        "relations_": "the (anchor, task, label) rows Psi was trained on",
        "anchors_": "bank tasks that may serve as anchors",
        "candidates_": "every (anchor, label) candidate decomposition",
        "task_group_": "one id per set of tasks with identical observations",
        "probe_": "inputs at which candidate curves are stored",
        "curves_": "each candidate's Psi curve at the probe inputs",
        "curve_values_": "the stored curves as a search index",
    }

    sees: ClassVar[str] = "BCL"
    share_fit: ClassVar[bool] = True
    predict_params: ClassVar[frozenset[str]] = DISCRETE_PREDICT_PARAMS
    relational: ClassVar[bool] = True
    # Its candidates are the bank tasks whose labels let them anchor (can_anchor).
    searches_candidates: ClassVar[bool] = True
    description: ClassVar[str] = (
        "Psi on relation labels; vector index over stored Psi curves, top-k searched"
    )

    def fit(self, bank: TaskBank) -> DiscreteRTE:
        """Train Psi on the labelled relations; store every candidate's Psi curve."""
        self.validate_params()
        relations, vocab = bank_relations(bank)
        assert bank.labels is not None  # bank_relations checked it
        can_anchor = np.array([lb.can_anchor for lb in bank.labels])
        return self._fit_relations(bank, relations, vocab, can_anchor)

    def _fit_relations(
        self,
        bank: TaskBank,
        relations: np.ndarray,
        vocab: tuple[str, ...],
        can_anchor: np.ndarray,
    ) -> DiscreteRTE:
        """Psi on (anchor, task, label) rows; candidates are the tasks that may anchor times
        the labels. Shared by the labelled fit and the fit on discovered relations."""
        for cache in ("_curve_indexes", "_decomposers"):  # built on first use
            vars(self).pop(cache, None)
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
        group = task_groups(bank)
        can = np.flatnonzero(can_anchor)
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
        self.anchors_, self.relations_ = anchors, relations
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

    def _candidate_curves(self, probe: torch.Tensor) -> StoredCurves:
        """Every candidate's Psi curve at the probe inputs (P, d), computed once at fit time
        in chunks of bounded memory."""
        a, lab = self.candidates_.unbind(1)
        p = len(probe)
        step = max(1, _CURVE_CHUNK_ROWS // p)
        parts = []
        with torch.no_grad():
            for s in range(0, len(a), step):
                x = probe[None].expand(len(a[s : s + step]), -1, -1)
                labels = lab[s : s + step, None].expand(-1, p)
                parts.append(self.psi_(x, self.interpolator_(a[s : s + step], x), labels))
        self.curve_values_ = torch.cat(parts).numpy()
        self.probe_ = probe.numpy()
        return StoredCurves(self.curve_values_, self.probe_)

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
        # Building the index or training the decomposer happens once per fit, not per target.
        if strategy == "curve_index" and self.n_candidates > self.index_above:
            self.curve_index()
        elif strategy == "learned":
            self.decomposer()
        start = time.perf_counter()
        x = torch.as_tensor(self.scaling_.x(context_x), dtype=torch.float32)
        y = torch.as_tensor(self.scaling_.y(context_y), dtype=torch.float32)
        cand = self.candidates_[self._propose(strategy, x, y)]
        best, losses = best_by_context_loss(self._context_loss, x, y, cand[..., 0], cand[..., 1])
        rows = torch.arange(len(x))
        chosen = cand[rows, best]
        seconds = (time.perf_counter() - start) / len(x)
        return chosen[:, 0].numpy(), chosen[:, 1].numpy(), losses[rows, best].numpy(), seconds

    def _propose(
        self, strategy: str, x: torch.Tensor, y: torch.Tensor, k: int | None = None
    ) -> torch.Tensor:
        """Candidate indices (T, k) that Psi's context-loss search scores, per strategy."""
        n, k = self.n_candidates, k or self.top_k
        if strategy == "exhaustive":
            return torch.arange(n).expand(len(x), n)
        if strategy == "learned":
            return self.decomposer().propose(x, y, k)
        if strategy == "curve_index" and n > self.index_above:
            return self.curve_index().propose(x, y, self.probe_clusters, k)
        # cached_curves, or a candidate set too small for the index: rank them all
        return propose(self.curves_, torch.arange(n).expand(len(x), n), x, y, k)

    def curve_index(self) -> CurveIndex:
        """The inverted-list index over stored curves (built on first use)."""
        check_is_fitted(self, "curves_")
        cache = vars(self).setdefault("_curve_indexes", {})
        if "index" not in cache:
            cache["index"] = CurveIndex(self.curve_values_, self.probe_, seed=self.seed)
        return cache["index"]

    def decomposer(self) -> LearnedDecomposer:
        """The learned decomposer (trained on first use, per its settings)."""
        check_is_fitted(self, "curves_")
        key = (self.decomposer_steps, self.decomposer_simulated)
        cache = vars(self).setdefault("_decomposers", {})
        if key not in cache:
            bank, group = self.bank_, self.task_group_
            position = {int(group[a]): p for p, a in enumerate(self.anchors_)}
            rows = [
                (position[group[i]], j, lab)
                for i, j, lab in self.relations_
                if group[i] in position
            ]
            data = DecomposerData(
                z=self.scaling_.x(bank.x),
                yt=self.scaling_.y(bank.y),
                mask=bank.mask,
                relations=np.array(rows, dtype=np.int64),
                anchor_curves=self.interpolator_(
                    torch.as_tensor(self.anchors_),
                    torch.as_tensor(self.probe_)[None].expand(len(self.anchors_), -1, -1),
                ).numpy(),
                probe=self.probe_,
                candidate_curves=self.curves_,
            )
            cache[key] = LearnedDecomposer(
                data,
                len(self.vocab_),
                steps=self.decomposer_steps,
                simulated=self.decomposer_simulated,
                seed=self.seed,
            )
        return cache[key]

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

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at a target set's queries (the benchmark interface); the
        decomposition is kept for :meth:`decompositions`."""
        out = self.predict_batch(targets.context_x, targets.context_y, targets.query_x)
        self.last_ = (targets, out)
        return out.y

    def proposals(
        self, targets: TargetSet, ks: tuple[int, ...] = RECALL_KS, strategy: Strategy | None = None
    ) -> dict[int, tuple[tuple[tuple[str, str], ...], ...]]:
        """Each target's first k proposed (anchor id, phi) candidates, for each k, as the
        proposer ranks them before Psi's search (the runner scores their recall)."""
        check_is_fitted(self, "curves_")
        strategy = check_choice(strategy or self.strategy, STRATEGIES, "strategy")
        cx, cy, _ = check_batch(
            targets.context_x, targets.context_y, targets.query_x, self.bank_.dim
        )
        x = torch.as_tensor(self.scaling_.x(cx), dtype=torch.float32)
        y = torch.as_tensor(self.scaling_.y(cy), dtype=torch.float32)
        ids, vocab = self.bank_.task_ids, self.vocab_
        out = {}
        for k in ks:
            cand = self.candidates_[self._propose(strategy, x, y, k)].numpy()  # (T, k, 2)
            out[k] = tuple(tuple((ids[a], vocab[p]) for a, p in row) for row in cand)
        return out

    def decompositions(self, targets: TargetSet) -> FoundDecompositions:
        """The decomposition behind the last :meth:`predict_targets` of ``targets``: the
        chosen (anchor, phi) per target, the decomposition time, the candidates searched
        and, unless the search is exhaustive, the proposer's top-k lists."""
        check_is_fitted(self, "last_")
        seen, out = self.last_
        if seen is not targets:
            raise ValidationError("decompositions must follow predict_targets on the same targets.")
        proposals = {} if self.strategy == "exhaustive" else self.proposals(targets)
        return FoundDecompositions(
            out.anchor_id, out.phi, out.seconds_per_target, self.n_candidates, proposals
        )
