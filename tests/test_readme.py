"""The Python examples of the README and docs/architecture.md run as written."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def test_readme_python_blocks_run(monkeypatch: pytest.MonkeyPatch):
    from rte.tasks.family import _FAMILIES

    # The README registers a family; a registered name is refused a second time.
    monkeypatch.setattr("rte.tasks.family._FAMILIES", dict(_FAMILIES))
    readme = ROOT / "README.md"
    blocks = python_blocks(readme)
    assert blocks, "the README should show the Python API"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(readme), "exec"), namespace)
    assert namespace["out"].y.shape == (5,)


def test_architecture_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Add a family, add a method, run a suite from Python: in a scratch directory."""
    from rte.registry import _METHODS
    from rte.tasks.family import _FAMILIES

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("rte.registry._METHODS", dict(_METHODS))
    monkeypatch.setattr("rte.tasks.family._FAMILIES", dict(_FAMILIES))
    doc = ROOT / "docs" / "architecture.md"
    namespace: dict = {}
    for block in python_blocks(doc):
        exec(compile(block, str(doc), "exec"), namespace)
    assert namespace["path"].resolve() == tmp_path / "runs" / "mine" / "results.json"
    assert namespace["path"].is_file()
