"""The Python examples of the README and docs/architecture.md run as written, each page's
blocks in order in a fresh interpreter (as a user pastes them into a script)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def run_as_script(path: Path, check: str, cwd: Path) -> subprocess.CompletedProcess:
    """The page's Python blocks, then ``check``, as one script in a fresh interpreter."""
    script = cwd / "example.py"
    script.write_text("\n".join([*python_blocks(path), check]))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_readme_python_blocks_run(tmp_path: Path) -> None:
    done = run_as_script(
        ROOT / "README.md", "assert out.y.shape == (5,)\nprint('readme ok')", tmp_path
    )
    assert done.returncode == 0 and "readme ok" in done.stdout, done.stderr[-2000:]


def test_architecture_examples_run(tmp_path: Path) -> None:
    """Add a family, add a method, run a suite from Python (two worker processes, to which
    the family and the method registered in the script travel)."""
    check = (
        "assert path.resolve() == (Path.cwd() / 'runs' / 'mine' / 'results.json').resolve()\n"
        "print('architecture ok')"
    )
    done = run_as_script(
        ROOT / "docs" / "architecture.md", "from pathlib import Path\n" + check, tmp_path
    )
    assert done.returncode == 0 and "architecture ok" in done.stdout, done.stderr[-2000:]
