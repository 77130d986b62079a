"""Reference rows that know part of the answer: in the parameter regime, the best of
rte's own candidates on the target's clean query values (a bound of its decomposition);
in the discrete and sequence regimes, Psi with the true decomposition; and the sequence
regime's rte with executed anchors.

Each oracle declares the hyperparameters of the RTE model it evaluates and gets
the very same fit (:func:`rte.models.shared.fit_shared`) when its options equal
``rte``'s, so the row measures decomposition alone. Their ``sees`` codes say what
they are given: the clean query values (Q), the true decomposition (D).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self

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


class ModelOracle(Estimator):
    """A reference row that evaluates an RTE model's own fit: it declares the ``model``'s
    hyperparameters, fits the model with them (the very fit of the model's row when they
    are equal) and predicts through its Psi."""

    model: ClassVar[type[Estimator]]
    relational: ClassVar[bool] = True

    def fit(self, bank: TaskBank) -> Self:
        """The model's fit with these hyperparameters (shared with its row when equal)."""
        self.validate_params()
        self.model_ = fit_shared(self.model(**self.get_params()), bank)
        return self


@estimator(*RTE_GROUPS)
class TransductiveOracle(ModelOracle):
    """A bound of rte's decomposition in the parameter regime: for each target, the best
    on the target's clean query values (access Q) among rte's own prediction and its
    prediction from each of its candidate anchors alone, all corrected and calibrated
    as rte's. Same fit as rte (options_from), so the row bounds what a better choice
    among rte's candidates could give: its MSE is at most rte's on every target.
    """

    model: ClassVar[type[Estimator]] = RelationalTaskExtrapolator
    sees: ClassVar[str] = "BCQ"
    predict_params: ClassVar[frozenset[str]] = RTE_PREDICT_PARAMS
    description: ClassVar[str] = (
        "rte's own prediction or its prediction from one of its candidate anchors, whichever "
        "is best on the target's clean query values"
    )
    fitted: ClassVar[Mapping[str, str]] = {
        "model_": "rte's fit with these hyperparameters (RelationalTaskExtrapolator)",
    }

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The chosen predictions, (T, Q)."""
        return self.predict_distribution(targets)[0]

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray | None]:
        """Mean and std of each target's chosen prediction (rte's, unless a single
        candidate anchor is strictly better on the clean query values)."""
        check_is_fitted(self, "model_")
        model, truth = self.model_, targets.query_y
        mean, std = model.predict_distribution(targets)
        mean = mean.copy()
        std = None if std is None else std.copy()
        error = ((mean - truth) ** 2).mean(1)
        for found in model.candidate_predictions(
            targets.context_x, targets.context_y, targets.query_x
        ):
            candidate = ((found.y - truth) ** 2).mean(1)
            better = candidate < error
            mean[better] = found.y[better]
            if std is not None and found.std is not None:
                std[better] = found.std[better]
            error = np.minimum(error, candidate)
        return mean, std


@estimator(*DISCRETE_GROUPS, defaults=DISCRETE_NET_DEFAULTS)
class DiscreteOracle(ModelOracle):
    """Upper reference for decomposition in the discrete regimes: the true (anchor, phi)."""

    model: ClassVar[type[Estimator]] = DiscreteRTE
    sees: ClassVar[str] = "BLD"
    predict_params: ClassVar[frozenset[str]] = DISCRETE_PREDICT_PARAMS
    description: ClassVar[str] = "Psi on relation labels with the true (anchor, phi) of each target"
    fitted: ClassVar[Mapping[str, str]] = {
        "model_": "the discrete rte's fit with these hyperparameters (DiscreteRTE)",
    }

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
