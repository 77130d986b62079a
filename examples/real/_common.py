"""What the real-bank examples share: export a bank as task tables, run `rte fit` and
`rte predict` exactly as a user would, and plot the extrapolation of one held-out task.

Each example takes the bank's training tasks (everything below its cut), writes them
as `bank.csv`, shows RTE the context of the *farthest* held-out task (the same split
and context as `rte bench real` at that seed) and predicts the rest of its curve.
RTE runs with the options `rte bench real` uses on that bank.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from rte.bench.suites.real import RealSuiteConfig
from rte.registry import get_method
from rte.runtime import stream
from rte.tasks.real import get_real_bank
from rte.tasks.table import write_table


def rte(*args: str) -> None:
    """Run the ``rte`` command installed beside this Python, failing loudly."""
    script = Path(sys.executable).parent / "rte"
    command = [str(script) if script.exists() else "rte", *args]
    print("$ rte", " ".join(args), flush=True)
    subprocess.run(command, check=True)


def fit_flags(bank: str) -> list[str]:
    """`rte fit` flags for the options `rte bench real` gives rte on ``bank``."""
    options = RealSuiteConfig(banks=(bank,), methods=("rte",)).bank_options(bank)["rte"]
    declared = get_method("rte").resolve()
    changed = {k: v for k, v in options.items() if declared[k] != v}
    return [part for k, v in changed.items() for part in (f"--{k.replace('_', '-')}", str(v))]


def write_tables(bank: str, out: Path, seed: int) -> tuple[str, float]:
    """bank.csv (training tasks), context.csv / query.csv / truth.csv of the farthest target."""
    spec = get_real_bank(bank)
    split = spec.split(spec.load(seed), stream(seed, bank, "split"))
    write_table(split.bank, out / "bank.csv")
    far = split.targets[-1]
    i = far.n_targets - 1
    name = f"{spec.variable}={far.params[i, 0]:.4g}"
    pd.DataFrame({"task": name, "x": far.context_x[i, :, 0], "y": far.context_y[i]}).to_csv(
        out / "context.csv", index=False
    )
    # Queries: the held-out observations (scored) and a fine grid over the bank (drawn).
    held = far.query_x[i, :, 0]
    lo, hi = split.bank.input_range()
    grid = np.linspace(lo[0], hi[0], 200)
    queries = np.union1d(held, grid)
    pd.DataFrame({"task": name, "x": queries}).to_csv(out / "query.csv", index=False)
    pd.DataFrame({"x": far.query_x[i, :, 0], "y": far.query_y[i]}).to_csv(
        out / "truth.csv", index=False
    )
    return name, float(split.train_range[1])


def plot(bank: str, out: Path, title: str) -> float:
    """Training tasks, the anchor RTE chose, the held-out truth, context and prediction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = get_real_bank(bank)
    table = pd.read_csv(out / "bank.csv")
    ctx, truth = pd.read_csv(out / "context.csv"), pd.read_csv(out / "truth.csv")
    pred = pd.read_csv(out / "prediction.csv")
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for i, (_, task) in enumerate(table.groupby("task")):
        ax.plot(task.x, task.y, color="0.85", lw=0.7, label="training tasks" if i == 0 else None)
    anchor = table[table.task == pred.anchor.iloc[0]]
    ax.plot(anchor.x, anchor.y, color="tab:green", lw=1.3, label=f"anchor ({pred.anchor[0]})")
    ax.plot(truth.x, truth.y, "k.--", lw=1.2, ms=4, label="truth (held out)")
    ax.plot(pred.x, pred.y, color="tab:blue", lw=2, label="RTE prediction")
    ax.scatter(ctx.x, ctx.y, color="tab:red", zorder=5, label=f"{len(ctx)} context points")
    scored = pred.set_index("x").loc[truth.x, "y"].to_numpy()
    mse = float(np.mean((scored - truth.y.to_numpy()) ** 2))
    ax.set(xlabel=spec.x_label, ylabel=spec.y_label)
    ax.set_title(f"{title}, MSE {mse:.3g}", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(out / "prediction.png")
    plt.close(fig)
    return mse


def main(bank: str, doc: str) -> None:
    """Parse the example's arguments, then export, fit, predict and plot."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(f"runs/example_real_{bank}"))
    parser.add_argument("--seed", type=int, default=0, help="Seed of the split's contexts.")
    parser.add_argument("--figure", type=Path, help="Also copy the plot here.")
    args = parser.parse_args()
    o = args.out
    o.mkdir(parents=True, exist_ok=True)
    name, top = write_tables(bank, o, args.seed)
    params = ",".join(get_real_bank(bank).load(args.seed).param_names)
    rte("fit", str(o / "bank.csv"), "--out", str(o / "model"), "--params", params,
        "--seed", str(args.seed), "--no-progress", *fit_flags(bank))  # fmt: skip
    rte("predict", str(o / "model"), "--context", str(o / "context.csv"),
        "--query", str(o / "query.csv"), "--out", str(o / "prediction.csv"))  # fmt: skip
    variable = get_real_bank(bank).variable
    mse = plot(bank, o, f"{bank}: held-out {name} (training {variable} <= {top:.4g})")
    print(f"wrote {o / 'prediction.png'} (MSE of the extrapolation: {mse:.4g})")
    if args.figure:
        shutil.copyfile(o / "prediction.png", args.figure)
