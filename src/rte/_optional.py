"""Imports made only when needed: optional dependencies, and built-ins named by path.

The core package imports without the optional packages; a method that needs one imports
it through :func:`require`, which turns a missing package into one line saying how to
install it. Registries name their built-in classes as ``"module:Name"`` and
:func:`load` them on first use, so listing them loads no torch or numpy.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from rte.errors import BackendImportError

# Environment set before a package is first imported, so that importing it opens no
# connection and waits for no answer: PyBaMM otherwise asks on its first import whether
# to send usage data (and waits 10 s for the answer when nobody types one).
OFFLINE_ENVIRONMENT = {"pybamm": {"PYBAMM_DISABLE_TELEMETRY": "true"}}


def require(module: str, extra: str, needed_by: str) -> ModuleType:
    """Import ``module``, or raise :class:`BackendImportError` naming the extra to install."""
    os.environ.update(OFFLINE_ENVIRONMENT.get(module.split(".")[0], {}))
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendImportError(
            f"{needed_by} needs the {module!r} package, which is not installed ({exc}). "
            f"Install it with: pip install 'relational-task-extrapolator[{extra}]'"
        ) from None


def load(path: str) -> Any:
    """The object a ``"package.module:Name"`` path names, importing its module."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
