"""``symbolic_search``: exact execution of every candidate (anchor, phi), no language model.

The exact search over the sequence suites' candidates: it executes each candidate's
anchor and phi with the task generators (access X), counts the context pairs it gets
wrong, and keeps the fewest errors. Ties (several candidates reproduce the context)
are broken at random by a stream keyed by the episode's seed and the context, so no
candidate order, size or depth is preferred; ``answer="vote"`` instead answers each
query by the majority of the tied candidates (a uniform prior over the candidates,
the rule rte's posterior answer follows). Where it falls short of 100 %, the context
does not identify the target among the bank's candidates (the suites report the
share of such ambiguous targets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from rte._params import one_of, param
from rte.base import Estimator, check_is_fitted, estimator
from rte.decompose.sequence import best_candidate, tie_stream, vote
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
    """Exact execution of the bank's candidates; the fewest context errors wins, ties at
    random (or, with ``answer="vote"``, the tied candidates vote on each query)."""

    fitted: ClassVar[Mapping[str, str]] = {
        "bank_": "the stored bank: its task kind's generators and its candidates (SequenceBank)",
    }

    sees: ClassVar[str] = "BCLX"
    searches_candidates: ClassVar[bool] = True
    description: ClassVar[str] = (
        "exact execution of every candidate's anchor and phi (generators); fewest context "
        "errors, ties drawn at random (seeded)"
    )

    answer_rule: str = param(
        "pick",
        "pick: answer with one of the candidates with the fewest context errors, drawn at "
        "random; vote: each query answered by the majority of them (ties drawn at random).",
        one_of("pick", "vote"),
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
        """A candidate with the fewest context errors, drawn at random among the tied."""
        check_is_fitted(self, "bank_")
        pairs = tuple(context)
        rng = tie_stream(self.seed, pairs)
        return best_candidate(self.bank_.candidates, pairs, self._errors, rng=rng)

    def predict_with(
        self, decomposition: SequenceDecomposition, inputs: Sequence[str]
    ) -> list[str]:
        """The decomposition's outputs on ``inputs``, executed."""
        check_is_fitted(self, "bank_")
        return [task_output(self.bank_.kind, decomposition, x) for x in inputs]

    def predict(self, context: Pairs, inputs: Sequence[str]) -> list[str]:
        """Decompose the target from its context, then execute the decomposition (or, with
        ``answer_rule="vote"``, the majority of the best candidates)."""
        return self._answer(tuple(context), inputs)[1]

    def _answer(
        self, context: Pairs, inputs: Sequence[str]
    ) -> tuple[SequenceDecomposition, list[str]]:
        found = self.decompose(context)
        if self.answer_rule == "pick":
            return found, self.predict_with(found, inputs)
        errors = self._errors(self.bank_.candidates, context)
        tied = [self.bank_.candidates[int(i)] for i in np.flatnonzero(errors == errors.min())]
        said = [self.predict_with(d, inputs) for d in tied]
        return found, vote([1.0] * len(tied), said, tie_stream(self.seed, context, "vote"))

    def answer(self, target: Target) -> SequenceAnswer:
        """The benchmark interface: decompose from the context, execute on the queries."""
        found, outputs = self._answer(target.context, [x for x, _ in target.queries])
        return SequenceAnswer(tuple(outputs), found)
