"""The optional packages the real banks load from, imported on demand with an install hint."""

from __future__ import annotations

from types import ModuleType

from rte._optional import require as require_extra


def require(module: str, bank: str) -> ModuleType:
    """Import ``module`` for ``bank`` (the extra 'real' installs every bank's packages)."""
    return require_extra(module, "real", f"The real-data bank {bank!r}")
