"""Psi: relational operators, one interface per class (``kind``), each saved as a State."""

from rte.operator.interface import OPERATORS, apply_operator, operator_from_state
from rte.operator.psi import RelationalOperator
from rte.operator.symbolic import SymbolicOperator
from rte.operator.warp import WarpOperator

__all__ = [
    "OPERATORS",
    "RelationalOperator",
    "SymbolicOperator",
    "WarpOperator",
    "apply_operator",
    "operator_from_state",
]
