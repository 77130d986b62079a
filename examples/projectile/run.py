"""Bring your own tasks, end to end: projectiles on planets of different gravity.

A bank of simulated trajectories (height over time of a ball thrown at 20 m/s and
60 degrees, with quadratic air drag) for gravities g in [6, 14] m/s^2 is written as a
task table; a new planet with g = 20 m/s^2, far outside that range, is observed at 8
noisy moments. The script runs the command line, exactly as a user would:

    rte fit bank.csv --out model        (learn anchor + transformation)
    rte predict model --context context.csv --query query.csv --out prediction.csv

and plots the extrapolated trajectory. Run from the repository root:

    .venv/bin/python examples/projectile/run.py

Outputs go to runs/example_projectile/ (tables, model, prediction.png); about half a
minute on one busy CPU core.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

SPEED, ANGLE, DRAG = 20.0, np.radians(60.0), 0.01  # m/s, launch angle, drag per metre
TIMES = np.linspace(0.0, 2.5, 40)  # s
BANK_G = np.linspace(6.0, 14.0, 41)  # m/s^2: the measured planets
TARGET_G = 20.0  # the new planet, outside the bank's range


def height(g: float, times: np.ndarray) -> np.ndarray:
    """Height (m) of the ball at ``times`` under gravity ``g`` with quadratic drag."""

    def motion(_: float, state: np.ndarray) -> list[float]:
        _, _, vx, vy = state
        speed = np.hypot(vx, vy)
        return [vx, vy, -DRAG * speed * vx, -g - DRAG * speed * vy]

    start = [0.0, 0.0, SPEED * np.cos(ANGLE), SPEED * np.sin(ANGLE)]
    sol = solve_ivp(motion, (0.0, times[-1]), start, t_eval=times, rtol=1e-9, atol=1e-9)
    return sol.y[1]


def write_tables(out: Path, rng: np.random.Generator) -> None:
    """The bank (one task per planet), the new planet's context and its query times."""
    bank = pd.concat(
        pd.DataFrame({"planet": f"g={g:.1f}", "t": TIMES, "height": height(g, TIMES), "g": g})
        for g in BANK_G
    )
    bank.to_csv(out / "bank.csv", index=False)
    seen = np.sort(rng.uniform(0.0, 2.5, 8))
    noisy = height(TARGET_G, seen) + 0.3 * rng.standard_normal(seen.size)
    pd.DataFrame({"planet": "new", "t": seen, "height": noisy}).to_csv(
        out / "context.csv", index=False
    )
    pd.DataFrame({"planet": "new", "t": np.linspace(0.0, 2.5, 100)}).to_csv(
        out / "query.csv", index=False
    )


def rte(*args: str) -> None:
    """Run the ``rte`` command installed beside this Python, failing loudly."""
    script = Path(sys.executable).parent / "rte"
    command = [str(script) if script.exists() else "rte", *args]
    print("$ rte", " ".join(args), flush=True)
    subprocess.run(command, check=True)


def plot(out: Path, figure: Path) -> None:
    """Bank trajectories, the new planet's truth, its context and RTE's extrapolation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bank = pd.read_csv(out / "bank.csv")
    ctx = pd.read_csv(out / "context.csv")
    pred = pd.read_csv(out / "prediction.csv")
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for i, (_, task) in enumerate(bank.groupby("planet")):
        label = "bank: g in [6, 14] m/s²" if i == 0 else None
        ax.plot(task.t, task.height, color="0.82", lw=0.8, label=label)
    anchor = bank[bank.planet == pred.anchor.iloc[0]]
    ax.plot(anchor.t, anchor.height, color="tab:green", lw=1.5, label=f"anchor ({pred.anchor[0]})")
    ax.plot(pred.t, height(TARGET_G, pred.t.to_numpy()), "k--", lw=1.5, label="truth, g = 20")
    ax.plot(pred.t, pred.height, color="tab:blue", lw=2, label="RTE extrapolation")
    ax.scatter(ctx.t, ctx.height, color="tab:red", zorder=5, label="8 noisy observations")
    mse = np.mean((pred.height - height(TARGET_G, pred.t.to_numpy())) ** 2)
    ax.set(
        xlabel="time (s)", ylabel="height (m)", title=f"New planet, g = 20 m/s² (MSE {mse:.2f} m²)"
    )
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(figure)
    print(f"wrote {figure} (MSE of the extrapolation: {mse:.3f} m^2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/example_projectile"))
    parser.add_argument("--steps", type=int, default=2000, help="Adam steps training Psi.")
    parser.add_argument("--figure", type=Path, help="Also copy the plot here.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write_tables(args.out, np.random.default_rng(0))
    o = args.out
    rte("fit", str(o / "bank.csv"), "--out", str(o / "model"), "--task", "planet", "--x", "t",
        "--y", "height", "--params", "g", "--steps", str(args.steps))  # fmt: skip
    rte("inspect", str(o / "model"))
    rte("predict", str(o / "model"), "--context", str(o / "context.csv"),
        "--query", str(o / "query.csv"), "--out", str(o / "prediction.csv"))  # fmt: skip
    plot(o, o / "prediction.png")
    if args.figure:
        shutil.copyfile(o / "prediction.png", args.figure)


if __name__ == "__main__":
    main()
