"""Benchmark your own bank in one command, on a bank exported from two built-in families.

Tasks of two built-in families (default: sine + trend and triangle wave + trend, both
with theta in [0.5, 1.5]) are written to one long-format task table, as a user's
measurements would be: task id, x, y, and the task parameter theta. Then

    rte bench table exported_bank.csv --by theta --noise 0.05

holds out the quarter of tasks with the highest theta (two far bands), shows every
method noisy contexts of those tasks, and compares rte with nearest_task (the
closest bank curve), a Gaussian process on the context, inductive_t2v and
context_mlp. Run from the repository root:

    .venv/bin/python examples/exported_bank/run.py

Outputs go to runs/example_exported_bank/ (exported_bank.csv, results.json, one plot per
band); about three minutes on the 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from rte import get_family, sample_bank


def export_bank(families: list[str], n_tasks: int, n_points: int, seed: int) -> pd.DataFrame:
    """One table of every family's tasks: task, family, x, y, theta (nuisances dropped)."""
    frames = []
    for name in families:
        bank = sample_bank(get_family(name), n_tasks, n_points, seed)
        assert bank.params is not None
        for i, tid in enumerate(bank.task_ids):
            frames.append(
                pd.DataFrame(
                    {
                        "task": tid,
                        "family": name,
                        "x": bank.x[i, :, 0],
                        "y": bank.y[i],
                        "theta": bank.params[i, 0],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/example_exported_bank"))
    parser.add_argument("--families", default="sine_trend,triangle_trend")
    parser.add_argument("--tasks", type=int, default=80, help="Tasks per family.")
    parser.add_argument("--points", type=int, default=64, help="Observations per task.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--figure", type=Path, help="Also copy the far band's plot here.")
    args, rest = parser.parse_known_args()  # anything else goes to `rte bench table`
    args.out.mkdir(parents=True, exist_ok=True)
    table = export_bank(args.families.split(","), args.tasks, args.points, seed=0)
    bank = args.out / "exported_bank.csv"
    table.to_csv(bank, index=False)
    print(f"wrote {bank}: {table.task.nunique()} tasks, {len(table)} rows")
    script = Path(sys.executable).parent / "rte"
    command = [str(script) if script.exists() else "rte", "bench", "table"]
    command += [str(bank), "--by", "theta", "--noise", "0.05"]
    command += ["--seeds", str(args.seeds), "--out", str(args.out), *rest]
    print("$ rte", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True)
    if args.figure:
        shutil.copyfile(args.out / "table_far.png", args.figure)


if __name__ == "__main__":
    main()
