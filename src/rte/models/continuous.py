"""RelationalTaskExtrapolator: fit on a bank of tasks, predict an unseen task from a
few context points, and say which anchor and which phi the prediction used."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from rte._params import at_least, param
from rte._state import State, as_tensor
from rte._validation import check_batch, check_context, check_inputs
from rte.base import check_is_fitted
from rte.decompose import TransformationRange, admissible_anchors, rank_anchors
from rte.embedding import EmbeddingParams, FisherEmbedding
from rte.errors import RTEError, ValidationError
from rte.nn import NetParams, train_regressor
from rte.operator import RelationalOperator
from rte.persistence import load_states, save_states
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.interpolate import AnchorInterpolator

# Inputs further than this many bank spreads from the bank are refused (float32 range).
_MAX_SCALED = 1e6
# Rows of (target, anchor, point) evaluated per forward pass while scoring anchors.
_SCORE_CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Prediction:
    """Predictions for a batch of targets and the decomposition behind each.

    ``y`` (T, Q) predictions; ``anchor_index`` (T,) and ``anchor_id`` the chosen
    training tasks; ``phi`` (T, r); ``context_mse`` (T,) Psi's error on the context;
    ``phi_in_range`` (T,) whether phi lies within the transformations seen in training.
    """

    y: np.ndarray
    anchor_index: np.ndarray
    anchor_id: tuple[str, ...]
    phi: np.ndarray
    context_mse: np.ndarray
    phi_in_range: np.ndarray


@dataclass(kw_only=True, repr=False, eq=False)
class RTEParams(EmbeddingParams, NetParams):
    """Hyperparameters of :class:`RelationalTaskExtrapolator` (and of its oracle)."""

    predict_params: ClassVar[frozenset[str]] = frozenset({"n_anchors", "fallback_anchors"})

    n_anchors: int = param(
        1,
        "Admissible anchors (best context fit first) whose predictions are averaged.",
        at_least(1),
    )
    fallback_anchors: int = param(
        8,
        "With no anchor whose phi was seen in training, how many anchors nearest to the seen "
        "transformations compete on context fit.",
        at_least(1),
    )


@dataclass(kw_only=True, repr=False, eq=False)
class RelationalTaskExtrapolator(RTEParams):
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
    description: ClassVar[str] = "Psi with strategy-A decomposition of the context"

    def fit(
        self, bank: TaskBank, progress: Callable[[int, float], None] | None = None
    ) -> RelationalTaskExtrapolator:
        """Embed the bank, train Psi on task pairs and calibrate the decomposition.

        ``progress(step, loss)`` is called after each training step of Psi (progress bars).
        """
        self.validate_params()
        if not isinstance(bank, TaskBank):
            raise ValidationError(f"fit expects a TaskBank. Got {type(bank).__name__}.")
        rng = np.random.default_rng(self.seed)
        scaling, embedding = self.fit_embedding(bank)
        bank_emb = embedding.bank_embeddings_
        context_emb = self.context_embeddings(bank, embedding, rng)
        z = scaling.x(bank.x)
        yt = scaling.y(bank.y)
        interpolator = AnchorInterpolator(z, yt, bank.mask)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            psi = RelationalOperator(bank.dim, embedding.dim, self.width, self.depth)
        sampler = _PairSampler(
            z, yt, bank.mask, bank_emb, context_emb, interpolator, self.batch_size
        )
        self.losses_ = train_regressor(
            psi,
            sampler,
            steps=self.steps,
            lr=self.lr,
            seed=self.seed,
            loss_fn=_psi_loss,
            progress=progress,
        )
        self.bank_ = bank
        self.scaling_ = scaling
        self.embedding_ = embedding
        self.interpolator_ = interpolator
        self.psi_ = psi
        self.range_ = TransformationRange.from_embeddings(bank_emb, rng)
        return self

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
        return save_states(path, type(self).__name__, self.get_params(), states, metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RelationalTaskExtrapolator:
        """Read a model saved by :meth:`save`; a damaged or newer file raises ModelFileError."""
        saved = load_states(path, cls.__name__)
        with saved.checking():
            model = cls(**saved.params)
            states = saved.states
            model.bank_ = TaskBank.from_state(states["bank"])
            model.scaling_ = Scaling.from_state(states["scaling"])
            model.embedding_ = FisherEmbedding.from_state(states["embedding"], model.scaling_)
            model.psi_ = RelationalOperator.from_state(states["operator"])
            model.range_ = TransformationRange.from_state(states["decomposer"])
            model.losses_ = states["training"].array("losses").tolist()
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
        y = self.evaluate_psi(np.arange(2), phi, bank.x[:2])
        if not (np.all(np.isfinite(phi)) and np.all(np.isfinite(y))):
            raise ValueError("the restored model computes non-finite values")

    def predict(self, context_x: Any, context_y: Any, query_x: Any) -> Prediction:
        """Predict one target at ``query_x`` from its context; inputs (k,) or (k, d)."""
        check_is_fitted(self, "psi_")
        cx, cy = check_context(context_x, context_y, self.bank_.dim)
        qx = check_inputs(query_x, "query_x", self.bank_.dim)
        out = self.predict_batch(cx[None], cy[None], qx[None])
        return Prediction(
            out.y[0], out.anchor_index, out.anchor_id, out.phi, out.context_mse, out.phi_in_range
        )

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at a target set's queries, (T, Q): the benchmark interface."""
        return self.predict_batch(targets.context_x, targets.context_y, targets.query_x).y

    def predict_batch(
        self, context_x: np.ndarray, context_y: np.ndarray, query_x: np.ndarray
    ) -> Prediction:
        """Predict T targets at once: context_x (T, k, d), context_y (T, k), query_x (T, Q, d)."""
        check_is_fitted(self, "psi_")
        cx, cy, qx = check_batch(context_x, context_y, query_x, self.bank_.dim)
        self._check_scale(cx, cy, qx)
        phi_all = self.embedding_.transform(cx, cy)[:, None, :] - self.embedding_.bank_embeddings_
        distance = self.range_.distance(phi_all)
        needed = admissible_anchors(distance, self.range_.threshold, self.fallback_anchors)
        loss = self._context_losses(cx, cy, phi_all, needed)
        ranked, weights = rank_anchors(
            loss, distance, self.range_.threshold, self.n_anchors, self.fallback_anchors
        )
        t, n = ranked.shape
        rows = np.arange(t)
        ranked_phi = phi_all[rows[:, None], ranked]  # (T, n, r)
        y_each = self.evaluate_psi(
            ranked.reshape(-1), ranked_phi.reshape(t * n, -1), np.repeat(qx, n, axis=0)
        ).reshape(t, n, -1)
        y = np.einsum("tn,tnq->tq", weights, y_each)
        anchors, phi = ranked[:, 0], ranked_phi[:, 0]
        if not np.all(np.isfinite(y)):
            raise RTEError(
                "Psi produced non-finite predictions; the context is too far from anything "
                "seen in training. Check its units against the bank's."
            )
        return Prediction(
            y=y,
            anchor_index=anchors,
            anchor_id=tuple(self.bank_.task_ids[a] for a in anchors),
            phi=phi,
            context_mse=loss[rows, anchors] * self.scaling_.y_std**2,
            phi_in_range=distance[rows, anchors] <= self.range_.threshold,
        )

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
            out = self.psi_(z, anchor_y, ph).double().numpy()
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
                pred = self.psi_(zc, anchor_y, ph)
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
        return torch.cat([x, anchor_y[:, None], phi], 1), target


def _psi_loss(psi: RelationalOperator, inputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    d = psi.dim_x
    pred = psi(inputs[:, :d], inputs[:, d], inputs[:, d + 1 :])
    return torch.mean((pred - target) ** 2)
