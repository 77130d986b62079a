"""Optional dependencies, imported only when a method needs them.

The core package imports without them; a method that needs one imports it through
:func:`require`, which turns a missing package into one line saying how to install it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from rte.errors import BackendImportError


def require(module: str, extra: str, needed_by: str) -> ModuleType:
    """Import ``module``, or raise :class:`BackendImportError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendImportError(
            f"{needed_by} needs the {module!r} package, which is not installed ({exc}). "
            f"Install it with: pip install 'relational-task-extrapolator[{extra}]'"
        ) from None
