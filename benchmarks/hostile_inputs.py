"""Hostile inputs over the API and the command line, with a summary.

    .venv/bin/python benchmarks/hostile_inputs.py [--scale 1.0] [--seed 0] [--timeout 30]

Runs every group of ``benchmarks/hostile`` (the failures of issue 14 as scripted inputs,
SIGKILLs and I/O faults at each step of a save and at random moments, full disks,
read-only folders, hostile model folders, and hypothesis-driven tables, arrays,
arguments, model files, results files, paths and options) in a worker process.
Each input runs under a time limit in the worker; a worker silent for longer than
``--watchdog`` seconds is killed, its input counted as a hang, and a fresh worker
continues with the next group. Prints the number of inputs, tracebacks (by
exception type), hangs, silent NaN/inf, lost or modified user files, wrong answers
and leftover temporary files; exits 1 unless all are 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostile.harness import Outcome, Tally

HERE = Path(__file__).resolve().parent


class Worker:
    """A worker process and the pipe it reports on."""

    def __init__(self, scratch: Path) -> None:
        read, write = os.pipe()
        env = {
            **os.environ,
            "RTE_HOSTILE_FD": str(write),
            "RTE_HOSTILE_CWD": str(scratch),
            "PYTHONPATH": os.pathsep.join(
                [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        self.log = open(scratch / f"worker-{time.time_ns()}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hostile.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            pass_fds=(write,),
            env=env,
            text=True,
            start_new_session=True,
        )
        os.close(write)
        self.channel = os.fdopen(read, "r")
        self.buffer = ""

    def send(self, command: dict) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout: float) -> dict | None:
        """The next message, or None after ``timeout`` seconds of silence (or an exit)."""
        while "\n" not in self.buffer:
            ready, _, _ = select.select([self.channel], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.channel.fileno(), 1 << 16).decode()
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split("\n", 1)
        return json.loads(line)

    def kill(self) -> str:
        """Stop the worker; the tail of its log."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 9)
        self.process.wait()
        self.log.close()
        return Path(self.log.name).read_text()[-500:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Share of each group's size.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the generated inputs.")
    parser.add_argument("--timeout", type=float, default=30.0, help="Seconds per input.")
    parser.add_argument("--watchdog", type=float, default=120.0, help="Seconds of silence.")
    parser.add_argument("--groups", default="", help="Comma-separated name prefixes to run.")
    args = parser.parse_args()

    from hostile.catalog import groups

    chosen = [
        g
        for g in groups()
        if not args.groups or any(g.name.startswith(p) for p in args.groups.split(","))
    ]
    scratch = Path(tempfile.mkdtemp(prefix="rte-hostile-run-"))
    tally = Tally()
    start = time.perf_counter()
    worker = Worker(scratch)
    for group in chosen:
        n = max(1, round(group.size * args.scale))
        worker.send({"group": group.name, "n": n, "seed": args.seed, "timeout": args.timeout})
        last = "start of the group"
        while True:
            message = worker.receive(args.watchdog)
            if message is None:
                log = worker.kill()
                tally.add(Outcome(group.name, f"input after {last!r}", "hang", log[-200:]))
                worker = Worker(scratch)
                break
            if "done" in message:
                break
            outcome = Outcome(**message)
            tally.add(outcome)
            last = outcome.label
        mine = [o for o in tally.outcomes if o.group == group.name]
        refused = sum(o.detail.startswith("refused") for o in mine)
        print(f"{group.name}: {len(mine)} inputs, {refused} refused", flush=True)
    worker.kill()
    print(f"\n{tally.summary()}\nwall time {time.perf_counter() - start:.0f} s")
    return 0 if tally.clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
