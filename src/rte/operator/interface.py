"""One interface over Psi's classes: evaluate any operator, restore any saved one.

Every operator has a ``kind`` and ``state()`` / ``from_state()``. The networks are
applied to (inputs, the anchor, phi): the MLP reads the anchor at the inputs only,
the warp operator anywhere (:func:`apply_operator` hands each what it needs); the
symbolic operator has its own decomposition (:mod:`rte.decompose.fitted`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from rte._state import State
from rte.errors import ValidationError
from rte.operator.psi import RelationalOperator
from rte.operator.symbolic import SymbolicOperator
from rte.operator.warp import WarpOperator

Operator = RelationalOperator | WarpOperator | SymbolicOperator
# The operator classes by kind (``RelationalTaskExtrapolator(operator=...)``).
OPERATORS: dict[str, type] = {
    "mlp": RelationalOperator,
    "warp": WarpOperator,
    "symbolic": SymbolicOperator,
}


def apply_operator(
    psi: RelationalOperator | WarpOperator,
    z: torch.Tensor,
    phi: torch.Tensor,
    anchor_y: torch.Tensor,
    read: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """A network operator at inputs z (B, n, d) with phi (B, n, r): ``anchor_y`` (B, n) is
    the anchor at z, ``read`` evaluates it at other inputs (the warp operator's need; any
    other operator is called as the MLP is, on the anchor's values at z)."""
    if isinstance(psi, WarpOperator):
        return psi(z, read, phi)
    return psi(z, anchor_y, phi)


def operator_from_state(state: State) -> Operator:
    """The operator a saved state describes (states without a kind are the MLP's)."""
    kind = state.config.get("kind", "mlp")
    if kind not in OPERATORS:
        raise ValidationError(
            f"saved operator of unknown kind {kind!r}; this rte knows {', '.join(OPERATORS)}."
        )
    return OPERATORS[kind].from_state(state)
