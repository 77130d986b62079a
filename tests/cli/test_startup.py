"""The command line answers at once: help, ``rte report`` and listing methods load no torch
(the heavy packages are imported where they are used), and the command pages load not even
numpy or pydantic. Timings: benchmarks/cli_startup.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rte.bench.suites import SUITES

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "scipy", "sklearn", "matplotlib", "pandas", "transformers")


def loaded_after(args: list[str], packages: tuple[str, ...] = HEAVY) -> set[str]:
    """The ``packages`` imported by running ``rte ARGS`` in a fresh interpreter."""
    code = (
        "import sys\n"
        "from rte.cli import main\n"
        f"sys.argv = ['rte', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', [m for m in {packages!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
        check=False,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED"))
    return set(eval(line.removeprefix("LOADED ")))  # a list literal we printed


@pytest.mark.parametrize("args", [["--help"], ["bench", "--help"], ["fit", "--help"]])
def test_help_loads_no_heavy_package(args: list[str]) -> None:
    assert loaded_after(args) == set()


@pytest.mark.parametrize("suite", list(SUITES))
def test_every_suites_help_loads_no_heavy_package(suite: str) -> None:
    assert loaded_after(["bench", suite, "--help"]) == set()


@pytest.mark.parametrize("command", ["bench", "fit", "predict", "inspect", "report"])
def test_command_pages_load_no_numpy(command: str) -> None:
    assert loaded_after([command, "--help"], ("numpy", "pydantic")) == set()


def test_top_page_loads_no_numpy() -> None:
    assert loaded_after(["--help"], ("numpy", "pydantic")) == set()


def test_report_never_imports_torch(tmp_path: Path) -> None:
    results = {
        "suite": "param",
        "version": "0",
        "seconds": 1.0,
        "config": {},
        "methods": {"rte": {"access": ["B", "C"], "options": {"steps": 3}}},
        "records": [
            {"family": "f", "method": "rte", "band": "F2", "seed": 0, "metric": "mse", "value": 1.0}
        ],
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    assert "torch" not in loaded_after(["report", str(path)])


def test_listing_methods_loads_no_model_code() -> None:
    code = "import sys, rte; rte.method_names(); print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
        check=True,
    )
    assert done.stdout.strip() == "False"
