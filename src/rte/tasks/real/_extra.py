"""The optional packages the real banks load from, imported on demand with an install hint."""

from __future__ import annotations

import os
from types import ModuleType

from rte._optional import require as require_extra

# Set before a package is first imported, so that loading a bank opens no connection and
# waits for no answer: PyBaMM otherwise asks on its first import whether to send usage
# data (and waits 10 s for the answer when nobody types one).
OFFLINE_ENVIRONMENT = {"pybamm": {"PYBAMM_DISABLE_TELEMETRY": "true"}}


def require(module: str, bank: str) -> ModuleType:
    """Import ``module`` for ``bank`` (the extra 'real' installs every bank's packages)."""
    os.environ.update(OFFLINE_ENVIRONMENT.get(module.split(".")[0], {}))
    return require_extra(module, "real", f"The real-data bank {bank!r}")
