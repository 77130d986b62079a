"""Reference rows that know part of the answer: Psi with the target's true decomposition.

Each oracle declares the hyperparameters of the RTE model it evaluates and gets
the very same fit (:func:`rte.models.shared.fit_shared`) when its options equal
``rte``'s, so the row measures decomposition alone. Their ``sees`` codes say what
they are given: true parameters (P) and the true decomposition (D).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rte.base import check_is_fitted
from rte.errors import ValidationError
from rte.models.continuous import RelationalTaskExtrapolator, RTEParams
from rte.models.discrete import DiscreteParams, DiscreteRTE
from rte.models.shared import fit_shared
from rte.tasks.bank import TargetSet, TaskBank


@dataclass(kw_only=True, repr=False, eq=False)
class TransductiveOracle(RTEParams):
    """Upper reference for decomposition in the parameter regime.

    The anchor is the training task nearest to the target in standardised true
    parameters; phi is the embedding of the target's noiseless query curve minus the
    anchor's embedding; Psi is RTE's.
    """

    sees: ClassVar[str] = "BPD"
    description: ClassVar[str] = (
        "Psi with the anchor nearest in true parameters and phi from the target's clean function"
    )

    def fit(self, bank: TaskBank) -> TransductiveOracle:
        """RTE's fit with these hyperparameters, and the bank's parameter scale."""
        self.validate_params()
        if bank.params is None:
            raise ValidationError("transductive_oracle needs a bank with true task parameters.")
        # Psi here is always the MLP: phi is an embedding difference, as the oracle's is.
        params = {**self.get_params(), "operator": "mlp"}
        self.model_ = fit_shared(RelationalTaskExtrapolator(**params), bank)
        self.scale_ = bank.params.std(0) + 1e-12
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Psi's prediction with the true decomposition, (T, Q)."""
        check_is_fitted(self, "model_")
        if targets.params is None:
            raise ValidationError("transductive_oracle needs targets with true parameters.")
        bank_params = self.model_.bank_.params / self.scale_
        gap = np.linalg.norm(targets.params[:, None] / self.scale_ - bank_params[None], axis=-1)
        anchors = gap.argmin(1)
        emb = self.model_.embedding_
        phi = emb.transform(targets.query_x, targets.query_y) - emb.bank_embeddings_[anchors]
        return self.model_.evaluate_psi(anchors, phi, targets.query_x)


@dataclass(kw_only=True, repr=False, eq=False)
class DiscreteOracle(DiscreteParams):
    """Upper reference for decomposition in the discrete regimes: the true (anchor, phi)."""

    sees: ClassVar[str] = "BLD"
    description: ClassVar[str] = "Psi on relation labels with the true (anchor, phi) of each target"

    def fit(self, bank: TaskBank) -> DiscreteOracle:
        """The discrete RTE's fit with these hyperparameters."""
        self.validate_params()
        self.model_ = fit_shared(DiscreteRTE(**self.get_params()), bank)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Psi's prediction with each target's labelled decomposition, (T, Q)."""
        check_is_fitted(self, "model_")
        anchors, labels = self.model_.true_decomposition(targets)
        return self.model_.evaluate_psi(anchors, labels, targets.query_x)
