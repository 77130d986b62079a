"""RTE itself and its transductive oracle (Psi with the true anchor and true phi)."""

from __future__ import annotations

import numpy as np

from rte.base import check_is_fitted
from rte.baselines._shared import fitted_extrapolator
from rte.errors import ValidationError
from rte.registry import BANK, CONTEXT, TRUE_PARAMS, register_method
from rte.tasks.bank import TargetSet, TaskBank


@register_method("rte", (BANK, CONTEXT), "Psi with strategy-A decomposition of the context")
class RTEMethod:
    """The benchmark face of :class:`rte.RelationalTaskExtrapolator`."""

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    def fit(self, bank: TaskBank) -> RTEMethod:
        self.model_ = fitted_extrapolator(bank, self.seed)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_batch(targets.context_x, targets.context_y, targets.query_x).y


@register_method(
    "transductive_oracle",
    (BANK, TRUE_PARAMS),
    "Psi with the anchor nearest in true parameters and phi from the target's clean function",
)
class TransductiveOracle:
    """Upper reference for decomposition: the same Psi, the decomposition given.

    The anchor is the training task nearest to the target in standardised true
    parameters; phi is the embedding of the target's noiseless query curve minus the
    anchor's embedding.
    """

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    def fit(self, bank: TaskBank) -> TransductiveOracle:
        if bank.params is None:
            raise ValidationError("transductive_oracle needs a bank with true task parameters.")
        self.model_ = fitted_extrapolator(bank, self.seed)
        self.scale_ = bank.params.std(0) + 1e-12
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "model_")
        if targets.params is None:
            raise ValidationError("transductive_oracle needs targets with true parameters.")
        bank_params = self.model_.bank_.params / self.scale_
        gap = np.linalg.norm(targets.params[:, None] / self.scale_ - bank_params[None], axis=-1)
        anchors = gap.argmin(1)
        emb = self.model_.embedding_
        phi = emb.transform(targets.query_x, targets.query_y) - emb.bank_embeddings_[anchors]
        return self.model_.evaluate_psi(anchors, phi, targets.query_x)
