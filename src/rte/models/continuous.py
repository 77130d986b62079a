"""RelationalTaskExtrapolator: fit on a bank of tasks, predict an unseen task from a
few context points, and say which anchor and which phi the prediction used."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from scipy.stats import norm

from rte._state import State, as_tensor
from rte._validation import check_batch, check_context, check_inputs
from rte.base import Estimator, check_is_fitted, estimator
from rte.decompose import TransformationRange, admissible_anchors, rank_anchors
from rte.decompose.chain import chain_steps, refine_phi, walk_chains
from rte.decompose.fitted import anchored, fit_law, law_loo
from rte.decompose.retrieval import VectorIndex
from rte.embedding import FisherEmbedding, context_embeddings, fit_embedding
from rte.errors import RTEError, ValidationError
from rte.gp import MAX_POINTS as GP_MAX_POINTS
from rte.gp import GPFit, correct, fit_gps
from rte.intervals import conformal_factor
from rte.models.selection import select_operator
from rte.nn import train_regressor
from rte.operator import (
    RelationalOperator,
    SymbolicOperator,
    WarpOperator,
    apply_operator,
    operator_from_state,
)
from rte.operator.symbolic import bank_curves
from rte.operator.warp import warp_pair_loss
from rte.params import RTE_GROUPS, RTE_PREDICT_PARAMS, EmbeddingParams
from rte.persistence import load_states, save_states
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.interpolate import AnchorInterpolator

# Inputs further than this many bank spreads from the bank are refused (float32 range).
_MAX_SCALED = 1e6
# Lazily computed attributes of a fitted model, dropped when it is fitted again.
_CACHES = ("anchor_index_", "calibrations_", "step_lengths_", "curves_")
# Rows of (target, anchor, point) evaluated per forward pass while scoring anchors.
_SCORE_CHUNK_ROWS = 200_000
# What "auto" settings mean when no selection ran (an operator chosen by the user).
_AUTO_DEFAULTS = {"decomposition": "chain", "correction": "gp"}
# Context size of simulated calibration targets when training used dense tasks only.
_CALIBRATION_CONTEXT = 10
# Most bank tasks the calibration draws its anchors from.
_CALIBRATION_POOL = 4096


@dataclass(frozen=True)
class Prediction:
    """Predictions for a batch of targets and the decomposition behind each.

    ``y`` (T, Q) predictions and ``std`` (T, Q) their standard deviation (None without
    a correction); ``anchor_index`` (T,) and ``anchor_id`` the chosen training tasks;
    ``phi`` (T, r) the whole transformation from the anchor; ``steps`` (T,) the chain
    steps it was split into; ``context_mse`` (T,) Psi's error on the context, before
    the correction; ``phi_in_range`` (T,) whether the mean step (phi / steps) lies
    within the transformations seen in training.
    """

    y: np.ndarray
    anchor_index: np.ndarray
    anchor_id: tuple[str, ...]
    phi: np.ndarray
    context_mse: np.ndarray
    phi_in_range: np.ndarray
    steps: np.ndarray
    std: np.ndarray | None = None

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Central ``level`` interval (lower, upper) of each prediction (Gaussian)."""
        if self.std is None:
            raise ValidationError(
                "These predictions carry no uncertainty: predict with correction='gp' or 'cv'."
            )
        if not 0 < level < 1:
            raise ValidationError(f"level must lie strictly between 0 and 1. Got {level!r}.")
        half = norm.ppf(0.5 + level / 2) * self.std
        return self.y - half, self.y + half


@dataclass(frozen=True)
class _TargetBatch:
    """A batch of targets as every decomposition strategy reads it: contexts ``cx`` (T, k, d)
    and ``cy`` (T, k), queries ``qx`` (T, Q, d), the contexts' embeddings ``e_target``
    (T, r) and, in calibration only, ``pool`` = (anchor indices (P,), barred (T, P)), the
    anchors each target may use."""

    cx: np.ndarray
    cy: np.ndarray
    qx: np.ndarray
    e_target: np.ndarray
    pool: tuple[np.ndarray, np.ndarray] | None


@estimator(*RTE_GROUPS)
class RelationalTaskExtrapolator(Estimator):
    """Predict unseen tasks as a seen anchor task plus a seen transformation.

    Example:
        >>> import numpy as np
        >>> from rte import RelationalTaskExtrapolator, get_family, sample_bank
        >>> fam = get_family("quadratic")
        >>> bank = sample_bank(fam, 40, 32, np.random.default_rng(0))
        >>> rte = RelationalTaskExtrapolator(steps=50).fit(bank)
        >>> x = np.linspace(-3, 3, 10)
        >>> out = rte.predict(x, 4.5 * x**2, query_x=np.linspace(-3, 3, 5))
        >>> out.y.shape, out.anchor_id[0].startswith("quadratic")
        ((5,), True)
    """

    sees: ClassVar[str] = "BC"
    share_fit: ClassVar[bool] = True
    predict_params: ClassVar[frozenset[str]] = RTE_PREDICT_PARAMS
    relational: ClassVar[bool] = True
    description: ClassVar[str] = (
        "Psi along chains from the nearest anchors, corrected by a GP on the context, with "
        "calibrated intervals"
    )
    fitted: ClassVar[Mapping[str, str]] = {
        "bank_": "the training bank (TaskBank)",
        "scaling_": "inputs to [-1, 1] and outputs standardised over the bank (Scaling)",
        "embedding_": "the Fisher task embedding fitted on the bank (FisherEmbedding)",
        "interpolator_": "bank tasks evaluated at new inputs (AnchorInterpolator)",
        "psi_": "the relational operator Psi (RelationalOperator, WarpOperator or "
        "SymbolicOperator, as ``operator`` or the selection chose)",
        "range_": "the transformations seen in training (TransformationRange)",
        "losses_": "Psi's training loss per step (list of float; empty for the symbolic "
        "operator, which trains no network)",
        "selection_": "operator='auto': the chosen operator, decomposition and correction "
        "with every candidate's error on the bank's held-out top (dict; empty when the "
        "operator was set by hand)",
        "calibration_scores_": "the chosen setting's standardized errors on the held-out "
        "ends, the split-conformal scores of the intervals (ndarray; empty without a "
        "selection)",
    }
    cached: ClassVar[Mapping[str, str]] = {
        "anchor_index_": "vector index of the bank's embeddings, built on first use",
        "calibrations_": "interval calibration factor per predict-time setting",
        "step_lengths_": "chain step length per quantile",
        "curves_": "the bank's curves in original units, as the symbolic operator reads them",
        "metadata_": "metadata stored with a loaded model (load only)",
    }

    def fit(
        self, bank: TaskBank, progress: Callable[[int, float], None] | None = None
    ) -> RelationalTaskExtrapolator:
        """Embed the bank, train Psi on task pairs and calibrate the decomposition.

        With ``operator="auto"`` the operator (and decomposition, correction) is first
        chosen on the bank's own top held out as far targets (:mod:`rte.models.selection`).
        ``progress(step, loss)`` is called after each training step of Psi (progress bars).
        """
        self.validate_params()
        if not isinstance(bank, TaskBank):
            raise ValidationError(f"fit expects a TaskBank. Got {type(bank).__name__}.")
        for cache in _CACHES:  # computed from the previous fit, if any
            vars(self).pop(cache, None)
        rng = np.random.default_rng(self.seed)
        embedding_params = self.group(EmbeddingParams)
        scaling, embedding = fit_embedding(embedding_params, bank, self.seed)
        bank_emb = embedding.bank_embeddings_
        z = scaling.x(bank.x)
        yt = scaling.y(bank.y)
        interpolator = AnchorInterpolator(z, yt, bank.mask)
        self.bank_ = bank
        self.scaling_ = scaling
        self.embedding_ = embedding
        self.interpolator_ = interpolator
        self.selection_, self.calibration_scores_ = {}, np.empty(0)
        kind = self.operator
        if kind in ("auto", "symbolic"):
            search = np.random.default_rng([self.seed, 11])
            self.psi_ = SymbolicOperator.search(bank.x, bank.y, bank.mask, search)
            self.losses_ = []
        if kind == "auto":  # the laws are scored first, with this model's own machinery
            self.selection_, self.calibration_scores_ = select_operator(self, bank, bank_emb[:, 0])
            kind = self.selection_["operator"]
            if kind == "symbolic":
                self.psi_ = self.psi_.chosen(self.psi_.index(self.selection_["law_key"]))
        if kind in ("mlp", "warp"):
            context_emb = context_embeddings(embedding_params, bank, embedding, rng)
            network = WarpOperator if kind == "warp" else RelationalOperator
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                psi = network(bank.dim, embedding.dim, self.width, self.depth)
            sampler = _PairSampler(
                z, yt, bank.mask, bank_emb, context_emb, interpolator, self.batch_size
            )
            loss = partial(warp_pair_loss, interpolator=interpolator) if kind == "warp" else None
            self.losses_ = train_regressor(
                psi,
                sampler,
                steps=self.steps,
                lr=self.lr,
                seed=self.seed,
                loss_fn=loss or _psi_loss,
                progress=progress,
            )
            self.psi_ = psi
        self.range_ = TransformationRange.from_embeddings(bank_emb, rng)
        return self

    def describe_operator(self) -> dict[str, Any]:
        """What serves this model, JSON-ready (results.json, ``rte inspect``): the operator
        class, its law and phi's dimension (symbolic), the decomposition and correction
        in force, and the selection's scores when it chose them."""
        check_is_fitted(self, "psi_")
        out: dict[str, Any] = {"operator": self.psi_.kind}
        if self.psi_.kind == "symbolic":
            out |= self.psi_.describe()
        else:
            out |= {"dim_phi": self.embedding_.dim, "decomposition": self.setting("decomposition")}
        out["correction"] = self.setting("correction")
        if self.selection_:
            out["selection"] = self.selection_
        return out

    def describe_fit(self) -> dict[str, Any]:
        """The benchmark hook (:class:`rte.base.Hooks`): :meth:`describe_operator` without
        the selection's per-candidate scores, plus where the intervals' calibration came
        from."""
        out = self.describe_operator()
        chosen = out.pop("selection", {})
        out |= {k: chosen[k] for k in ("chosen", "held_out") if k in chosen}
        out["calibration"] = self.calibration_source()
        if out["correction"] != "none":
            out |= {"calibration_level": self.calibration_level, "factor": self.calibration()}
        return out

    def save(self, path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted model to directory ``path``: safetensors weights + JSON description.

        ``metadata`` (JSON-ready, e.g. table column names) is stored alongside; see
        :mod:`rte.persistence` for the format and its safety checks.
        """
        check_is_fitted(self, "psi_")
        states = {
            "bank": self.bank_.state(),
            "scaling": self.scaling_.state(),
            "embedding": self.embedding_.state(),
            "operator": self.psi_.state(),
            "decomposer": self.range_.state(),
            "training": State({}, {"losses": as_tensor(np.asarray(self.losses_))}),
        }
        if self.selection_:
            scores = {"calibration_scores": as_tensor(self.calibration_scores_)}
            states["selection"] = State(self.selection_, scores)
        return save_states(path, type(self).__name__, self.get_params(), states, metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RelationalTaskExtrapolator:
        """Read a model saved by :meth:`save`; a damaged or newer file raises ModelFileError."""
        saved = load_states(path, cls.__name__)
        with saved.checking():
            model = cls(**{"operator": "mlp", **saved.params})  # older files: the MLP
            states = saved.states
            model.bank_ = TaskBank.from_state(states["bank"])
            model.scaling_ = Scaling.from_state(states["scaling"])
            model.embedding_ = FisherEmbedding.from_state(states["embedding"], model.scaling_)
            model.psi_ = operator_from_state(states["operator"])
            model.range_ = TransformationRange.from_state(states["decomposer"])
            model.losses_ = states["training"].array("losses").tolist()
            selection = states.get("selection", State())
            model.selection_ = dict(selection.config)
            model.calibration_scores_ = (
                selection.array("calibration_scores")
                if "calibration_scores" in selection.tensors
                else np.empty(0)
            )
            model.interpolator_ = AnchorInterpolator(
                model.scaling_.x(model.bank_.x), model.scaling_.y(model.bank_.y), model.bank_.mask
            )
            model._check_consistent()
        model.metadata_ = dict(saved.metadata)
        return model

    def _check_consistent(self) -> None:
        """Embed two bank tasks and run Psi once, so mismatched parts fail now, not at predict."""
        bank, emb = self.bank_, self.embedding_
        if emb.bank_embeddings_.shape != (bank.n_tasks, emb.dim):
            raise ValueError(f"bank embeddings of shape {emb.bank_embeddings_.shape}")
        if self.range_.differences.shape[1:] != (emb.dim,):
            raise ValueError(f"transformations of shape {self.range_.differences.shape}")
        phi = emb.transform(bank.x[:2], bank.y[:2], bank.mask[:2]) - emb.bank_embeddings_[:2]
        if self.psi_.kind == "symbolic":
            law = self.psi_.law
            middle = np.repeat(law.box.mean(0)[None], 2, 0)
            y = law.values(middle, anchored(self.anchor_curves(), np.arange(2), bank.x[:2]))
        else:
            y = self.evaluate_psi(np.arange(2), phi, bank.x[:2])
        if not (np.all(np.isfinite(phi)) and np.all(np.isfinite(y))):
            raise ValueError("the restored model computes non-finite values")

    def predict(self, context_x: Any, context_y: Any, query_x: Any) -> Prediction:
        """Predict one target at ``query_x`` from its context; inputs (k,) or (k, d)."""
        check_is_fitted(self, "psi_")
        cx, cy = check_context(context_x, context_y, self.bank_.dim)
        qx = check_inputs(query_x, "query_x", self.bank_.dim)
        out = self.predict_batch(cx[None], cy[None], qx[None])
        return replace(out, y=out.y[0], std=None if out.std is None else out.std[0])

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at a target set's queries, (T, Q): the benchmark interface."""
        return self.predict_distribution(targets)[0]

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictive mean and standard deviation at the queries (std None without a
        correction): the benchmark scores intervals from these."""
        out = self.predict_batch(targets.context_x, targets.context_y, targets.query_x)
        return out.y, out.std

    def predict_batch(
        self, context_x: np.ndarray, context_y: np.ndarray, query_x: np.ndarray
    ) -> Prediction:
        """Predict T targets at once: context_x (T, k, d), context_y (T, k), query_x (T, Q, d)."""
        check_is_fitted(self, "psi_")
        self.validate_params()  # predict-time settings may have been changed by set_params
        cx, cy, qx = check_batch(context_x, context_y, query_x, self.bank_.dim)
        self._check_scale(cx, cy, qx)
        if self.setting("correction") != "none" and cx.shape[1] > GP_MAX_POINTS:
            raise ValidationError(
                f"The GP correction takes at most {GP_MAX_POINTS} context points per target "
                f"(its cost grows with the cube of the points). Got {cx.shape[1]}; pass a "
                "subsample of the context, or set correction='none'."
            )
        out = self._predict(cx, cy, qx)
        if out.std is not None:
            out = replace(out, std=out.std * self.calibration())
        if not (np.all(np.isfinite(out.y)) and np.all(np.isfinite(out.phi))):
            raise RTEError(
                "Psi produced non-finite predictions; the context is too far from anything "
                "seen in training. Check its units against the bank's."
            )
        return out

    def _predict(
        self,
        cx: np.ndarray,
        cy: np.ndarray,
        qx: np.ndarray,
        pool: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Prediction:
        """Decompose, predict with Psi and correct with the context GP (uncalibrated std)."""
        out, on_context = self._decompose(cx, cy, qx, pool)
        correction = self.setting("correction")
        scale = self.scaling_.x
        if correction == "cv":
            fit = fit_gps(scale(cx), cy, on_context)
            mean, std = fit.predict(scale(qx), out.y)
            helps = self._gp_helps(cx, cy, out, on_context, fit)
            mean = np.where(helps[:, None], mean, out.y)
            out = replace(out, y=mean, std=std)
        elif correction != "none":
            mean, std = correct(scale(cx), cy, on_context, scale(qx), out.y)
            out = replace(out, y=out.y if correction == "intervals" else mean, std=std)
        return out

    def _decompose(
        self,
        cx: np.ndarray,
        cy: np.ndarray,
        qx: np.ndarray,
        pool: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[Prediction, np.ndarray]:
        """Psi's prediction by the operator's decomposition, and its values at the context."""
        batch = _TargetBatch(cx, cy, qx, self.embedding_.transform(cx, cy), pool)
        if self.psi_.kind == "symbolic":
            return self._fitted(batch)
        if self.setting("decomposition") == "chain":
            return self._chain(batch)
        return self._admissible(batch)

    def setting(self, name: str) -> str:
        """A predict-time option as it applies: "auto" resolves to the selection's choice,
        or to the default of a model whose operator was set by hand."""
        value = getattr(self, name)
        if value != "auto":
            return value
        return self.selection_.get(name, _AUTO_DEFAULTS[name])

    def candidate_predictions(
        self, context_x: np.ndarray, context_y: np.ndarray, query_x: np.ndarray
    ) -> list[Prediction]:
        """rte's prediction of T targets from each of its ``candidates`` anchors alone (the
        k-th nearest in embedding for every target), decomposed, corrected and calibrated
        as rte's own: what a decomposition oracle chooses among. One per candidate rank."""
        check_is_fitted(self, "psi_")
        cx, cy, qx = check_batch(context_x, context_y, query_x, self.bank_.dim)
        ranked = self._candidates(
            self.embedding_.transform(cx, cy), min(self.candidates, self.bank_.n_tasks), None
        )
        single = copy.copy(self)  # the fit shared, one anchor per target
        single.candidates, single.n_anchors = 1, 1
        factor = self.calibration()
        out = []
        for anchor in ranked.T:
            pool = np.unique(anchor)
            found = single._predict(cx, cy, qx, (pool, pool[None] != anchor[:, None]))
            out.append(found if found.std is None else replace(found, std=found.std * factor))
        return out

    def predict_means(
        self,
        cx: np.ndarray,
        cy: np.ndarray,
        qx: np.ndarray,
        anchors: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Psi's prediction alone, with the residual GP's mean, and the GP's (uncalibrated)
        std, (T, Q) each, for the current decomposition, from the bank tasks ``anchors``
        only if given (no calibration, no checks): what a selection scores."""
        pool = None if anchors is None else (anchors, np.zeros((len(cx), len(anchors)), bool))
        out, on_context = self._decompose(cx, cy, qx, pool)
        scale = self.scaling_.x
        mean, std = correct(scale(cx), cy, on_context, scale(qx), out.y)
        return out.y, mean, std

    def _gp_helps(
        self,
        cx: np.ndarray,
        cy: np.ndarray,
        out: Prediction,
        on_context: np.ndarray,
        fit: GPFit,
    ) -> np.ndarray:
        """(T,): whether Psi with the residual GP predicts each left-out context point
        better than Psi alone (leave-one-out squared error summed over the context). The
        symbolic operator refits phi without the point; the networks do not fit the
        context, so their residual there is already a left-out error, and the GP's
        left-out mean comes in closed form."""
        if self.psi_.kind == "symbolic":
            law, curves, scaled = self.psi_.law, self.anchor_curves(), self.scaling_.x(cx)
            alone, corrected = law_loo(law, curves, cx, cy, out.anchor_index, out.phi, scaled)
        else:
            alone, corrected = on_context, on_context + fit.loo()[0]
        return ((corrected - cy) ** 2).sum(1) < ((alone - cy) ** 2).sum(1)

    def anchor_index(self) -> VectorIndex:
        """Nearest bank tasks in embedding: exact search for small banks, an HNSW graph for
        large ones (built once, on first use)."""
        check_is_fitted(self, "psi_")
        if "anchor_index_" not in vars(self):
            self.anchor_index_ = VectorIndex(self.embedding_.bank_embeddings_, seed=self.seed)
        return self.anchor_index_

    def step_length(self, quantile: float) -> float:
        """The ``quantile`` of the seen training differences' lengths (cached: a chain's
        step length is needed on every request)."""
        cache = vars(self).setdefault("step_lengths_", {})
        if quantile not in cache:
            lengths = np.linalg.norm(self.range_.differences, axis=1)
            cache[quantile] = float(np.quantile(lengths, quantile))
        return cache[quantile]

    def calibration(self) -> float:
        """Factor on the GP's standard deviation that makes 90% intervals cover
        ``calibration_level`` of the calibration targets' points.

        Split-conformal when the selection ran (``operator='auto'``) and the predict-time
        settings are the ones it chose: the scores are those of the chosen setting on the
        bank's held-out ends, predicted by fits that did not train on them
        (:func:`rte.models.selection.select_operator`, ``calibration_scores_``).
        Otherwise (an operator or setting given by hand, or a bank too small to select
        on) in-sample: bank tasks the model trained on, seen through small noisy contexts
        with nearby anchors barred (:meth:`calibration_scores`); no coverage guarantee.
        Computed once per setting of the predict-time options, deterministically.
        """
        check_is_fitted(self, "psi_")
        if self.setting("correction") == "none":
            return 1.0
        key = tuple(getattr(self, name) for name in sorted(self.predict_params))
        cache = vars(self).setdefault("calibrations_", {})
        if key not in cache:
            held_out = self.calibration_source() == "held-out"
            scores = self.calibration_scores_ if held_out else self.calibration_scores()
            cache[key] = conformal_factor(scores, self.calibration_level)
        return cache[key]

    def calibration_source(self) -> str:
        """Where :meth:`calibration`'s scores come from: ``held-out`` (the selection's
        held-out ends, split-conformal) or ``in-sample`` (bank tasks seen in training)."""
        check_is_fitted(self, "psi_")
        by_hand = any(getattr(self, name) != "auto" for name in _AUTO_DEFAULTS)
        return "in-sample" if self.calibration_scores_.size == 0 or by_hand else "held-out"

    def calibration_scores(self, n_tasks: int = 64) -> np.ndarray:
        """|truth - mean| / std at every observed point of simulated bank targets."""
        bank, emb = self.bank_, self.embedding_
        rng = np.random.default_rng([self.seed, 7])
        tasks = rng.choice(bank.n_tasks, min(n_tasks, bank.n_tasks), replace=False)
        k = self.train_context_size or _CALIBRATION_CONTEXT
        counts = bank.mask[tasks].sum(1)
        picks = np.floor(rng.random((len(tasks), k)) * counts[:, None]).astype(int)
        cx = bank.x[tasks[:, None], picks]
        cy = bank.y[tasks[:, None], picks] + self.train_context_noise * rng.standard_normal(
            picks.shape
        )
        # Anchors come from a random pool of at most _CALIBRATION_POOL bank tasks, with
        # those within a random reach of each simulated target barred.
        pool = np.sort(
            rng.choice(bank.n_tasks, min(_CALIBRATION_POOL, bank.n_tasks), replace=False)
        )
        e_pool = emb.bank_embeddings_[pool]
        distance = np.linalg.norm(e_pool[None] - emb.bank_embeddings_[tasks][:, None], axis=-1)
        spread = self.step_length(0.99)
        reach = rng.uniform(0, self.calibration_reach, len(tasks))[:, None] * spread
        barred = (distance <= reach) | (pool[None] == tasks[:, None])
        barred[barred.all(1)] = False  # a task with every anchor barred keeps them all
        out = self._predict(cx, cy, bank.x[tasks], (pool, barred))
        z = np.abs(bank.y[tasks] - out.y) / np.maximum(out.std, 1e-12)
        return z[bank.mask[tasks]]

    def _chain(self, batch: _TargetBatch) -> tuple[Prediction, np.ndarray]:
        """The ``candidates`` anchors nearest in embedding, each reached by a chain; the
        best ``n_anchors`` by context error, averaged. Also returns Psi at the contexts.

        The batch's ``pool`` restricts the anchors a target may use (calibration only);
        otherwise the bank's vector index retrieves them."""
        bank, e_bank = self.bank_, self.embedding_.bank_embeddings_
        cx, cy, e_target = batch.cx, batch.cy, batch.e_target
        t, c = len(cx), min(self.candidates, bank.n_tasks)
        cand = self._candidates(e_target, c, batch.pool)
        flat = cand.reshape(-1)
        starts, targets = e_bank[flat], np.repeat(e_target, c, axis=0)
        step = self.step_length(self.chain_step)
        steps = chain_steps(np.linalg.norm(targets - starts, axis=1), step)
        end = walk_chains(
            self.psi_,
            self.embedding_,
            self.scaling_,
            (bank.x[flat], bank.y[flat], bank.mask[flat]),
            starts,
            targets,
            steps,
        )
        zc = torch.as_tensor(self.scaling_.x(np.repeat(cx, c, axis=0)), dtype=torch.float32)
        last = end.phi
        if self.refine:
            yc = torch.as_tensor(self.scaling_.y(np.repeat(cy, c, axis=0)), dtype=torch.float32)
            last = refine_phi(self.psi_, end, zc, yc, steps=self.refine, prior=self.refine_prior)
        with torch.no_grad():
            scaled = end.values(self.psi_, zc, torch.as_tensor(last, dtype=torch.float32))
        loss = ((scaled.double().numpy() - self.scaling_.y(np.repeat(cy, c, axis=0))) ** 2).mean(-1)
        order = np.argsort(loss.reshape(t, c), axis=1, kind="stable")[:, : min(self.n_anchors, c)]
        rows = np.arange(t)[:, None]
        pick = (rows * c + order).reshape(-1)  # flat row of each chosen (target, candidate)
        n = order.shape[1]
        # Only the chosen chains are evaluated at the queries.
        zq = torch.as_tensor(self.scaling_.x(np.repeat(batch.qx, n, axis=0)), dtype=torch.float32)
        with torch.no_grad():
            on_query = end.values(
                self.psi_, zq, torch.as_tensor(last[pick], dtype=torch.float32), pick
            )
        on_query = self.scaling_.y_inverse(on_query.double().numpy())
        on_context = self.scaling_.y_inverse(scaled.double().numpy())
        anchors = cand[rows, order][:, 0]
        best = pick.reshape(t, n)[:, 0]
        phi = end.here[best] + last[best] - e_bank[anchors]  # the whole way, refined
        first = steps[best]
        per_step = phi / first[:, None]
        finite = np.all(np.isfinite(per_step), axis=1)
        in_range = np.zeros(t, dtype=bool)
        in_range[finite] = self.range_.distance(per_step[finite]) <= self.range_.threshold
        prediction = Prediction(
            y=on_query.reshape(t, n, -1).mean(1),
            anchor_index=anchors,
            anchor_id=tuple(bank.task_ids[a] for a in anchors),
            phi=phi,
            context_mse=loss.reshape(t, c)[rows, order][:, 0] * self.scaling_.y_std**2,
            phi_in_range=in_range,
            steps=first,
        )
        return prediction, on_context[pick].reshape(t, n, -1).mean(1)

    def _candidates(
        self, e_target: np.ndarray, c: int, pool: tuple[np.ndarray, np.ndarray] | None
    ) -> np.ndarray:
        """The ``c`` bank tasks nearest each target in embedding, (T, c): from the vector
        index, or from ``pool`` = (anchors, barred) with barred ones left out (calibration)."""
        if pool is None:
            return self.anchor_index().search(e_target, c)[1]
        anchors, barred = pool
        e_bank = self.embedding_.bank_embeddings_
        gap = np.linalg.norm(e_target[:, None, :] - e_bank[anchors][None], axis=-1)
        gap = np.where(barred, np.inf, gap)
        return anchors[np.argsort(gap, axis=1, kind="stable")[:, :c]]

    def anchor_curves(self) -> AnchorInterpolator:
        """The bank's curves in original units and float64, as the symbolic operator reads
        its anchors (built once, on first use)."""
        if "curves_" not in vars(self):
            self.curves_ = bank_curves(self.bank_.x, self.bank_.y, self.bank_.mask)
        return self.curves_

    def _fitted(self, batch: _TargetBatch) -> tuple[Prediction, np.ndarray]:
        """The symbolic operator: its law's phi fitted to each context from the
        ``candidates`` anchors nearest in embedding (:mod:`rte.decompose.fitted`). Also
        returns the law at the contexts. ``phi`` is the law's (T, dim_phi)."""
        law, cx = self.psi_.law, batch.cx
        c = min(self.candidates, self.bank_.n_tasks)
        cand = self._candidates(batch.e_target, c, batch.pool)
        fit = fit_law(law, self.anchor_curves(), cx, batch.cy, cand, batch.qx, seed=self.seed)
        lo, hi = law.box
        prediction = Prediction(
            y=fit.on_query,
            anchor_index=fit.anchor,
            anchor_id=tuple(self.bank_.task_ids[a] for a in fit.anchor),
            phi=fit.phi,
            context_mse=fit.context_mse,
            phi_in_range=np.all((fit.phi >= lo) & (fit.phi <= hi), axis=1),
            steps=np.ones(len(cx), dtype=int),
        )
        return prediction, fit.on_context

    def _admissible(self, batch: _TargetBatch) -> tuple[Prediction, np.ndarray]:
        """Strategy A: one step from the admissible anchor(s) with the best context fit.
        Also returns Psi's (averaged) prediction at the contexts.

        The batch's ``pool`` restricts the anchors as in :meth:`_chain` (calibration only):
        anchors outside it, or barred for a target, are never admissible for that target."""
        cx, cy, qx = batch.cx, batch.cy, batch.qx
        phi_all = batch.e_target[:, None, :] - self.embedding_.bank_embeddings_
        distance = self.range_.distance(phi_all)
        if batch.pool is not None:
            anchors, barred = batch.pool
            allowed = np.zeros(distance.shape, dtype=bool)
            allowed[:, anchors] = ~barred
            distance = np.where(allowed, distance, np.inf)
        needed = admissible_anchors(distance, self.range_.threshold, self.fallback_anchors)
        loss = self._context_losses(cx, cy, phi_all, needed)
        ranked, weights = rank_anchors(
            loss, distance, self.range_.threshold, self.n_anchors, self.fallback_anchors
        )
        t, n = ranked.shape
        rows = np.arange(t)
        ranked_phi = phi_all[rows[:, None], ranked]  # (T, n, r)
        flat_anchors, flat_phi = ranked.reshape(-1), ranked_phi.reshape(t * n, -1)
        on_query, on_context = (
            np.einsum(
                "tn,tnq->tq",
                weights,
                self.evaluate_psi(flat_anchors, flat_phi, np.repeat(x, n, axis=0)).reshape(
                    t, n, -1
                ),
            )
            for x in (qx, cx)
        )
        anchors = ranked[:, 0]
        prediction = Prediction(
            y=on_query,
            anchor_index=anchors,
            anchor_id=tuple(self.bank_.task_ids[a] for a in anchors),
            phi=ranked_phi[:, 0],
            context_mse=loss[rows, anchors] * self.scaling_.y_std**2,
            phi_in_range=distance[rows, anchors] <= self.range_.threshold,
            steps=np.ones(t, dtype=int),
        )
        return prediction, on_context

    def _check_scale(self, cx: np.ndarray, cy: np.ndarray, qx: np.ndarray) -> None:
        """Refuse inputs so far outside the bank's ranges that float32 maths would overflow."""
        for name, scaled in (
            ("context_x", self.scaling_.x(cx)),
            ("context_y", self.scaling_.y(cy)),
            ("query_x", self.scaling_.x(qx)),
        ):
            worst = float(np.abs(scaled).max())
            if worst > _MAX_SCALED:
                raise ValidationError(
                    f"{name} lies {worst:.3g} bank spreads away from the training data; at most "
                    f"{_MAX_SCALED:g} is supported. Check that its units match the bank's."
                )

    def evaluate_psi(self, anchors: np.ndarray, phi: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Psi(x, f_anchor, phi) in original units: anchors (B,), phi (B, r), x (B, n, d)."""
        check_is_fitted(self, "psi_")
        z = torch.as_tensor(self.scaling_.x(x), dtype=torch.float32)
        idx = torch.as_tensor(anchors, dtype=torch.long)
        with torch.no_grad():
            anchor_y = self.interpolator_(idx, z)
            ph = torch.as_tensor(phi, dtype=torch.float32)[:, None, :].expand(-1, z.shape[1], -1)
            read = partial(self.interpolator_, idx)
            out = apply_operator(self.psi_, z, ph, anchor_y, read).double().numpy()
        return self.scaling_.y_inverse(out)

    def _context_losses(
        self, cx: np.ndarray, cy: np.ndarray, phi_all: np.ndarray, needed: np.ndarray
    ) -> np.ndarray:
        """Psi's mean squared error on each target's context, (T, M), scaled.

        Only (target, anchor) pairs with ``needed`` (T, M) set are evaluated; the others
        are inf. Predict asks only for the pairs the decomposition can choose (admissible
        ones and the nearest), which makes far extrapolation several times faster.
        """
        t_idx, a_idx = np.nonzero(needed)
        k = cx.shape[1]
        z = torch.as_tensor(self.scaling_.x(cx), dtype=torch.float32)
        yt = torch.as_tensor(self.scaling_.y(cy), dtype=torch.float32)
        phi = torch.as_tensor(phi_all[t_idx, a_idx], dtype=torch.float32)
        targets, anchors = torch.as_tensor(t_idx), torch.as_tensor(a_idx)
        per_chunk = max(1, _SCORE_CHUNK_ROWS // k)
        losses = [torch.empty(0)]
        with torch.no_grad():
            for start in range(0, len(t_idx), per_chunk):
                rows = slice(start, start + per_chunk)
                zc = z[targets[rows]]
                anchor_y = self.interpolator_(anchors[rows], zc)
                ph = phi[rows, None, :].expand(-1, k, -1)
                read = partial(self.interpolator_, anchors[rows])
                pred = apply_operator(self.psi_, zc, ph, anchor_y, read)
                losses.append(((pred - yt[targets[rows]]) ** 2).mean(-1))
        loss = np.full(needed.shape, np.inf)
        loss[t_idx, a_idx] = torch.cat(losses).double().numpy()
        return loss


class _PairSampler:
    """Draws Psi training batches: random task pairs (i, j), a point of j, phi_ij."""

    def __init__(
        self,
        z: np.ndarray,
        yt: np.ndarray,
        mask: np.ndarray,
        bank_emb: np.ndarray,
        context_emb: np.ndarray | None,
        interpolator: AnchorInterpolator,
        batch_size: int,
    ) -> None:
        self.z = torch.as_tensor(z, dtype=torch.float32)
        self.yt = torch.as_tensor(yt, dtype=torch.float32)
        self.counts = torch.as_tensor(mask.sum(1))
        self.emb = torch.as_tensor(bank_emb, dtype=torch.float32)
        self.context_emb = None if context_emb is None else torch.as_tensor(context_emb).float()
        self.interpolator = interpolator
        self.batch_size = batch_size

    def __call__(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        b, m = self.batch_size, self.z.shape[0]
        i = torch.randint(0, m, (b,), generator=gen)
        j = torch.randint(0, m, (b,), generator=gen)
        p = (torch.rand(b, generator=gen) * self.counts[j]).long()
        x = self.z[j, p]
        target = self.yt[j, p]
        anchor_y = self.interpolator(i, x[:, None, :])[:, 0]
        e_j = self.emb[j]
        if self.context_emb is not None:
            # Half the pairs see phi from a simulated small noisy context of task j.
            draw = torch.randint(0, self.context_emb.shape[1], (b,), generator=gen)
            use = torch.rand(b, generator=gen) < 0.5
            e_j = torch.where(use[:, None], self.context_emb[j, draw], e_j)
        phi = e_j - self.emb[i]
        # The anchor's index last: an operator that reads the anchor elsewhere needs it.
        return torch.cat([x, anchor_y[:, None], phi, i[:, None].float()], 1), target


def _psi_loss(psi: RelationalOperator, inputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    d = psi.dim_x
    pred = psi(inputs[:, :d], inputs[:, d], inputs[:, d + 1 : d + 1 + psi.dim_phi])
    return torch.mean((pred - target) ** 2)
