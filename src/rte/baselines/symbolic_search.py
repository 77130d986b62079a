"""``symbolic_search``: exact execution of every candidate (anchor, phi), no language model.

The reference that bounds the sequence suites' search from above: it executes each
candidate's anchor and phi with the task generators (access X), counts the context
pairs it gets wrong, and keeps the fewest errors, ties broken by the same candidate
order RTE uses (fewest bits or primitives first). What it reaches is what a perfect
Psi with a perfect model of the bank reaches with this candidate set and this
context; where it falls short of 100 %, the context does not identify the target
among the bank's candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from rte.base import Estimator, check_is_fitted, estimator
from rte.decompose.sequence import best_candidate
from rte.errors import ValidationError
from rte.tasks.sequence import (
    Pairs,
    SequenceAnswer,
    SequenceBank,
    SequenceDecomposition,
    Target,
    task_output,
)


@estimator()
class SymbolicSearch(Estimator):
    """Exact execution of the bank's candidates; the fewest context errors wins."""

    fitted: ClassVar[Mapping[str, str]] = {
        "bank_": "the stored bank: its task kind's generators and its candidates (SequenceBank)",
    }

    sees: ClassVar[str] = "BCLX"
    searches_candidates: ClassVar[bool] = True
    description: ClassVar[str] = (
        "exact execution of every candidate's anchor and phi (generators); fewest context "
        "errors, ties by the bank's order"
    )

    def fit(self, bank: SequenceBank) -> SymbolicSearch:
        """Keep the bank (its suite's generators and its candidates)."""
        self.validate_params()
        if not isinstance(bank, SequenceBank):
            raise ValidationError(
                f"SymbolicSearch.fit expects a SequenceBank (kind.split(rng).bank). Got "
                f"{type(bank).__name__}."
            )
        self.bank_ = bank
        return self

    def _errors(self, candidates: Sequence[SequenceDecomposition], pairs: Pairs) -> np.ndarray:
        kind = self.bank_.kind
        return np.array(
            [sum(task_output(kind, d, x) != y for x, y in pairs) for d in candidates], float
        )

    def decompose(self, context: Pairs) -> SequenceDecomposition:
        """The first candidate, in the bank's order, with the fewest context errors."""
        check_is_fitted(self, "bank_")
        return best_candidate(self.bank_.candidates, tuple(context), self._errors)

    def predict_with(
        self, decomposition: SequenceDecomposition, inputs: Sequence[str]
    ) -> list[str]:
        """The decomposition's outputs on ``inputs``, executed."""
        check_is_fitted(self, "bank_")
        return [task_output(self.bank_.kind, decomposition, x) for x in inputs]

    def predict(self, context: Pairs, inputs: Sequence[str]) -> list[str]:
        """Decompose the target from its context, then execute the decomposition."""
        return self.predict_with(self.decompose(context), inputs)

    def answer(self, target: Target) -> SequenceAnswer:
        """The benchmark interface: decompose from the context, execute on the queries."""
        found = self.decompose(target.context)
        return SequenceAnswer(
            tuple(self.predict_with(found, [x for x, _ in target.queries])), found
        )
