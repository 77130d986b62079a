"""Time one ``rte`` command at this checkout and at a reference commit, in turn.

Speed acceptances (issues 23 and 24) compare a suite's time with an earlier commit's
"in alternating runs on one idle machine": this runs the command with this checkout's
code, then with the reference's (its ``src`` first on ``PYTHONPATH``, same
environment), ``--rounds`` times (this code first in every round), one run at a time.
Each run's wall time and CPU time (user + sys of the child processes) are recorded,
and the CPU probe (``cpuprobe.py``) runs after each, so the times can be quoted in
probe units. The reference's source is a worktree, e.g.
``git worktree add /tmp/b24 b24ee9f``.

    .venv/bin/python benchmarks/alternate_runs.py --reference /tmp/b24 --rounds 2 \\
        --out runs/speed_parity_quick -- bench parity --quick

Each run writes its results under ``OUT/<code>_<round>``; ``OUT/times.json`` holds the
times (written at the end of every run, so a stopped sequence keeps what finished).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT.parent / "shared" / "tools" / "cpuprobe.py"


def child_cpu() -> float:
    """User + sys seconds of all finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def probe(path: Path) -> float | None:
    """The probe's median seconds, or None where the probe is not on this machine."""
    if not path.is_file():
        return None
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True)
    match = re.search(r"probe_seconds=([0-9.]+)", out.stdout)
    return float(match.group(1)) if match else None


def run_once(
    command: list[str], out: Path, reference: Path | None, log: Path
) -> dict[str, float | None]:
    """Run ``rte COMMAND --out OUT`` with this code or the reference's; wall and CPU."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if reference is not None:
        env["PYTHONPATH"] = str(reference / "src")
    rte = Path(sys.executable).with_name("rte")
    cpu, start = child_cpu(), time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(
            [str(rte), *command, "--out", str(out)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}); see {log}")
    return {"wall_s": round(wall, 1), "cpu_s": round(child_cpu() - cpu, 1)}


def summary(runs: list[dict]) -> str:
    """Median wall and CPU per code and the ratio of medians (this code / reference)."""
    lines = []
    medians = {}
    for code in ("this", "reference"):
        mine = [r for r in runs if r["code"] == code]
        if not mine:
            return "\n".join(lines)
        medians[code] = {k: statistics.median(r[k] for r in mine) for k in ("wall_s", "cpu_s")}
        walls = " / ".join(f"{r['wall_s']:.0f}" for r in mine)
        units = [r["wall_s"] / r["probe_s"] for r in mine if r.get("probe_s")]
        unit_text = f", {statistics.median(units):.0f} probe units" if units else ""
        lines.append(
            f"{code}: wall {walls} s (median {medians[code]['wall_s']:.0f}), "
            f"CPU median {medians[code]['cpu_s']:.0f} s{unit_text}"
        )
    wall = medians["this"]["wall_s"] / medians["reference"]["wall_s"]
    cpu = medians["this"]["cpu_s"] / medians["reference"]["cpu_s"]
    lines.append(f"ratio of medians: wall {wall:.2f}x, CPU {cpu:.2f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="reference worktree")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (this code first)")
    parser.add_argument("--out", type=Path, required=True, help="folder for results and times")
    parser.add_argument("--probe", type=Path, default=PROBE, help="cpuprobe.py")
    parser.add_argument("command", nargs="+", help="the rte command, after --")
    args = parser.parse_args()
    if not (args.reference / "src" / "rte").is_dir():
        parser.error(f"--reference {args.reference} has no src/rte: give a worktree of a commit")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if "--out" in args.command:
        parser.error("the command must not carry --out: each run gets its own folder")
    args.out.mkdir(parents=True, exist_ok=True)
    record = {"command": args.command, "reference": str(args.reference), "runs": []}
    for round_ in range(1, args.rounds + 1):
        for code, reference in (("this", None), ("reference", args.reference)):
            name = f"{code}_{round_}"
            times = run_once(args.command, args.out / name, reference, args.out / f"{name}.log")
            times["probe_s"] = probe(args.probe)
            record["runs"].append({"code": code, "round": round_, **times})
            staging = args.out / "times.json.tmp"
            staging.write_text(json.dumps(record, indent=2) + "\n")
            staging.replace(args.out / "times.json")
            print(name, times, flush=True)
    print(summary(record["runs"]))


if __name__ == "__main__":
    main()
