"""Psi: relational operators."""

from rte.operator.psi import RelationalOperator

__all__ = ["RelationalOperator"]
