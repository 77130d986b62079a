"""Optional packages: the core imports without them, a missing one says how to install it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from rte import get_method
from rte.errors import BackendImportError

SRC = Path(__file__).resolve().parents[1] / "src" / "rte"
OPTIONAL = ("gpytorch", "linear_operator", "pyoperon")


def test_no_module_imports_a_peer_package_at_import_time() -> None:
    # Only statements outside functions run on import; peers import inside methods.
    eager = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = [a.name for a in getattr(node, "names", [])] + [getattr(node, "module", "")]
            if isinstance(node, ast.Import | ast.ImportFrom) and any(
                (name or "").split(".")[0] in OPTIONAL for name in names
            ):
                eager.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not eager, f"module-level imports of optional packages: {eager}"


@pytest.mark.parametrize(
    ("method", "module"), [("dkt", "gpytorch"), ("symbolic_regression", "pyoperon")]
)
def test_a_missing_package_fails_with_the_install_hint(monkeypatch, method: str, module: str):
    for name in list(sys.modules):
        if name == module or name.startswith(f"{module}."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)
    hint = r"pip install 'relational-task-extrapolator\[peers\]'"
    with pytest.raises(BackendImportError, match=hint):
        get_method(method).build(0)
