"""Optional packages: the core imports without them, a missing one says how to install it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rte import get_method
from rte.errors import BackendImportError


def test_registry_imports_without_the_peer_packages() -> None:
    code = (
        "import sys; import rte.registry, rte.bench.param; "
        "print(sorted(m for m in ('gpytorch', 'pyoperon') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("method", "module"), [("dkt", "gpytorch"), ("symbolic_regression", "pyoperon")]
)
def test_a_missing_package_fails_with_the_install_hint(
    monkeypatch, method: str, module: str
) -> None:
    for name in list(sys.modules):
        if name == module or name.startswith(f"{module}."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(
        BackendImportError, match=r"pip install 'relational-task-extrapolator\[peers\]'"
    ):
        get_method(method).build(0)
