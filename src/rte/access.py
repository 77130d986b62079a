"""What a method may see: one list of access codes for every suite and table.

Light on purpose (no numpy, no torch): ``rte report`` and the command line's help
read these without loading a model.
"""

from __future__ import annotations

from collections.abc import Mapping

from rte.errors import ValidationError

SEES: Mapping[str, str] = {
    "B": "training bank",
    "C": "target context",
    "L": "relation labels of the bank",
    "X": "executable task generators",
    "F": "the family's functional form",
    "P": "true parameters of the target",
    "D": "true decomposition of the target",
}
# A method that sees any of these is a reference (oracle) row, never "non-oracle".
ORACLE_CODES = frozenset("XFPD")


def check_sees(codes: str, owner: str) -> str:
    """Validate a string of access codes such as ``"BC"``."""
    unknown = sorted(set(codes) - set(SEES))
    if not codes or unknown:
        raise ValidationError(
            f"{owner}: sees must be a non-empty string of access codes among "
            f"{', '.join(SEES)}. Got {codes!r}."
        )
    return codes


def sees_legend() -> str:
    """'B = training bank, C = ...' for table captions."""
    return ", ".join(f"{code} = {what}" for code, what in SEES.items())
