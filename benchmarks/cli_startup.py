"""How fast the command line answers: ``rte --help``, every ``rte CMD --help`` and
``rte report``, against ``python -c "import torch"`` on the same machine.

    .venv/bin/python benchmarks/cli_startup.py [--runs 5]

Each command runs once to warm the file cache, then ``--runs`` times; prints the median
wall time of each and its ratio to importing torch (the target: at most 0.2x).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs of ``command`` after one warm-up run."""
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def results_file(folder: Path) -> Path:
    """A small results.json for ``rte report``."""
    path = folder / "results.json"
    record = {"family": "f", "method": "rte", "band": "F2", "seed": 0, "metric": "mse"}
    data = {
        "suite": "param",
        "version": "0",
        "seconds": 1.0,
        "config": {},
        "methods": {"rte": {"access": ["B", "C"], "options": {}}},
        "records": [{**record, "value": 1.0}],
    }
    path.write_text(json.dumps(data))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Timed runs per command.")
    args = parser.parse_args()
    rte = str(BIN / "rte")
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "python -c 'import torch'": [sys.executable, "-c", "import torch"],
            "rte --help": [rte, "--help"],
            "rte bench --help": [rte, "bench", "--help"],
            "rte report RESULTS": [rte, "report", str(results_file(Path(tmp)))],
        }
        commands |= {
            f"rte {cmd} --help": [rte, *cmd.split(), "--help"]
            for cmd in ("fit", "predict", "inspect", "report", "bench param", "bench strings")
        }
        torch_time = None
        for name, command in commands.items():
            seconds = median_seconds(command, args.runs)
            torch_time = torch_time or seconds
            print(f"{name:32s} {seconds:6.3f} s  {seconds / torch_time:5.2f}x import torch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
