"""Psi: relational operators, one interface per class (``kind``), each saved as a State."""

from rte._state import State
from rte.errors import ValidationError
from rte.operator.psi import RelationalOperator
from rte.operator.symbolic import SymbolicOperator

__all__ = ["OPERATORS", "RelationalOperator", "SymbolicOperator", "operator_from_state"]

# The operator classes by kind (``RelationalTaskExtrapolator(operator=...)``).
OPERATORS = {"mlp": RelationalOperator, "symbolic": SymbolicOperator}


def operator_from_state(state: State) -> RelationalOperator | SymbolicOperator:
    """The operator a saved state describes (states without a kind are the MLP's)."""
    kind = state.config.get("kind", "mlp")
    if kind not in OPERATORS:
        raise ValidationError(
            f"saved operator of unknown kind {kind!r}; this rte knows {', '.join(OPERATORS)}."
        )
    return OPERATORS[kind].from_state(state)
