"""Reference rows that know part of the answer: Psi with the target's true decomposition
(every regime), and the sequence regime's rte with executed anchors.

Each oracle declares the hyperparameters of the RTE model it evaluates and gets
the very same fit (:func:`rte.models.shared.fit_shared`) when its options equal
``rte``'s, so the row measures decomposition alone. Their ``sees`` codes say what
they are given: true parameters (P) and the true decomposition (D).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from rte.base import Estimator, check_is_fitted, estimator
from rte.errors import ValidationError
from rte.models.continuous import RelationalTaskExtrapolator
from rte.models.discrete import DiscreteRTE
from rte.models.sequence import SequenceRTE
from rte.models.shared import fit_shared
from rte.params import (
    DISCRETE_GROUPS,
    DISCRETE_NET_DEFAULTS,
    DISCRETE_PREDICT_PARAMS,
    RTE_GROUPS,
    RTE_PREDICT_PARAMS,
)
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.sequence import SequenceAnswer, Target


@estimator(*RTE_GROUPS)
class TransductiveOracle(Estimator):
    """Upper reference for decomposition in the parameter regime.

    The anchor is the training task nearest to the target in standardised true
    parameters; phi is the embedding of the target's noiseless query curve minus the
    anchor's embedding; Psi is RTE's.
    """

    sees: ClassVar[str] = "BPDQ"
    predict_params: ClassVar[frozenset[str]] = RTE_PREDICT_PARAMS
    relational: ClassVar[bool] = True
    description: ClassVar[str] = (
        "Psi with the anchor nearest in true parameters and phi from the target's clean function"
    )
    fitted: ClassVar[Mapping[str, str]] = {
        "model_": "rte's fit with these hyperparameters (RelationalTaskExtrapolator)",
        "scale_": "the bank's spread of each true parameter (for nearest-in-parameters)",
        "bank_params_": "the bank's true parameters over their spread (nearest-in-parameters)",
    }

    def fit(self, bank: TaskBank) -> TransductiveOracle:
        """RTE's fit with these hyperparameters, and the bank's parameter scale."""
        self.validate_params()
        if bank.params is None:
            raise ValidationError("transductive_oracle needs a bank with true task parameters.")
        # Psi here is always the MLP: phi is an embedding difference, as the oracle's is.
        params = {**self.get_params(), "operator": "mlp"}
        self.model_ = fit_shared(RelationalTaskExtrapolator(**params), bank)
        # From this oracle's own bank (access P): a fit shared with rte holds rte's view of
        # the bank, whose parameters rte may not read.
        self.scale_ = bank.params.std(0) + 1e-12
        self.bank_params_ = bank.params / self.scale_
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Psi's prediction with the true decomposition, (T, Q)."""
        check_is_fitted(self, "model_")
        if targets.params is None:
            raise ValidationError("transductive_oracle needs targets with true parameters.")
        gap = np.linalg.norm(
            targets.params[:, None] / self.scale_ - self.bank_params_[None], axis=-1
        )
        anchors = gap.argmin(1)
        emb = self.model_.embedding_
        phi = emb.transform(targets.query_x, targets.query_y) - emb.bank_embeddings_[anchors]
        return self.model_.evaluate_psi(anchors, phi, targets.query_x)


@estimator(*DISCRETE_GROUPS, defaults=DISCRETE_NET_DEFAULTS)
class DiscreteOracle(Estimator):
    """Upper reference for decomposition in the discrete regimes: the true (anchor, phi)."""

    sees: ClassVar[str] = "BLD"
    predict_params: ClassVar[frozenset[str]] = DISCRETE_PREDICT_PARAMS
    relational: ClassVar[bool] = True
    description: ClassVar[str] = "Psi on relation labels with the true (anchor, phi) of each target"
    fitted: ClassVar[Mapping[str, str]] = {
        "model_": "the discrete rte's fit with these hyperparameters (DiscreteRTE)",
    }

    def fit(self, bank: TaskBank) -> DiscreteOracle:
        """The discrete RTE's fit with these hyperparameters."""
        self.validate_params()
        self.model_ = fit_shared(DiscreteRTE(**self.get_params()), bank)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Psi's prediction with each target's labelled decomposition (its true anchor task
        and relation label, access D), (T, Q)."""
        check_is_fitted(self, "model_")
        model = self.model_
        index = {tid: i for i, tid in enumerate(model.bank_.task_ids)}
        if targets.labels is None or not all(
            lb.anchor in index and lb.phi in model.vocab_ for lb in targets.labels
        ):
            raise ValidationError(
                f"Band {targets.band!r}: every target needs a relation label whose anchor is a "
                "bank task and whose phi was seen in training."
            )
        anchors = np.array([index[lb.anchor] for lb in targets.labels])
        labels = np.array([model.vocab_.index(lb.phi) for lb in targets.labels])
        return model.evaluate_psi(anchors, labels, targets.query_x)


@estimator()
class SequenceOracle(SequenceRTE):
    """Upper reference for decomposition in the sequence regime: rte's Psi given each
    target's true (anchor, phi), the anchor's outputs from the model of the bank.

    It inherits rte's fit (a suite evaluates one fitted Psi for both when their options
    are equal), so the row measures decomposition alone.
    """

    sees: ClassVar[str] = "BLD"
    description: ClassVar[str] = (
        "rte's fitted Psi given each target's true (anchor, phi), the anchor's outputs from "
        "the model of the bank"
    )
    searches_candidates: ClassVar[bool] = False

    def answer(self, target: Target) -> SequenceAnswer:
        """Psi's outputs on the query inputs with the true decomposition."""
        outputs = self.predict_with(target.truth, [x for x, _ in target.queries])
        return SequenceAnswer(tuple(outputs))


@estimator()
class ExecutedSequenceRTE(SequenceRTE):
    """Ablation of the sequence regime's rte: every anchor's outputs computed by its
    generator instead of the model of the bank (access X; with ``--candidates band``,
    the protocol before the strict one). Same fit as rte."""

    sees: ClassVar[str] = "BCLX"
    description: ClassVar[str] = (
        "ablation: rte with every anchor's outputs computed by its generator (with "
        "--candidates band, the protocol before issue 12); rte's fitted Psi and options"
    )
    executed_anchors: ClassVar[bool] = True
