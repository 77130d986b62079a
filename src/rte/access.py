"""What a method may see: one list of access codes for every suite and table, and the
sentinel that enforces them.

The runner hands every method views of the bank and of the targets holding only the
fields its codes allow; a field it may not read is a :class:`Forbidden` value that
raises :class:`rte.errors.AccessError` on any use. Light on purpose (no numpy, no
torch): ``rte report`` and the command line's help read these without loading a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from rte.errors import AccessError, ValidationError

SEES: Mapping[str, str] = {
    "B": "training bank",
    "C": "target context",
    "L": "relation labels of the bank",
    "X": "executable task generators",
    "F": "the family's functional form",
    "P": "true parameters of the target (and of the bank's tasks)",
    "D": "true decomposition of the target",
    "Q": "the target's clean values at the query inputs",
}
# A method that sees any of these is a reference (oracle) row, never "non-oracle".
ORACLE_CODES = frozenset("XFPDQ")


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


class Forbidden:
    """Stands in a view for a field its reader may not see: any use raises AccessError
    naming the field, the code it needs and what the reader sees.

    ``value is None`` is False (the field exists), so a method that tests for a field
    and then reads it fails loudly instead of silently taking a path for a missing one.
    """

    __slots__ = ("code", "field", "owner")

    def __init__(self, field: str, code: str, owner: str) -> None:
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "owner", owner)

    def refuse(self, *_: Any, **__: Any) -> NoReturn:
        """Raise the AccessError of this field."""
        raise AccessError(
            f"{self.owner} read {self.field}, which needs access {self.code} "
            f"({SEES[self.code]}); declare it in the method's sees codes or do not read it."
        )

    def __getattr__(self, name: str) -> Any:
        self.refuse()

    __array__ = __getitem__ = __iter__ = __len__ = __bool__ = __call__ = refuse
    __eq__ = __lt__ = __gt__ = __add__ = __sub__ = __mul__ = __truediv__ = refuse
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{self.field}: needs access {self.code}>"


def forbidden_fields(
    codes: str, needs: Mapping[str, str], present: Mapping[str, Any], owner: str
) -> dict[str, Any]:
    """For a view: every field of ``needs`` (field -> code) whose code is not in ``codes``
    and whose value in ``present`` is not None, replaced by a :class:`Forbidden`."""
    return {
        field: Forbidden(field, code, owner)
        for field, code in needs.items()
        if code not in codes and present[field] is not None
    }
