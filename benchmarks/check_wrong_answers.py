"""Prove the default tests catch wrong answers: for every registered method, replace its
predictions by zeros, by the context mean and (relational methods) by the anchor's own
curve (sequence methods: every answer by a constant), run its default accuracy test,
and require that it fails.

    .venv/bin/python benchmarks/check_wrong_answers.py [METHOD ...]   # default: every method

Prints one line per (method, wrong answer) and exits 1 if any wrong answer passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rte import get_method, method_names

ROOT = Path(__file__).resolve().parents[1]


def caught(method: str, kind: str) -> bool:
    """Whether the method's default accuracy test fails under the mutation, on its
    accuracy assertion (not on a crash of the substituted code)."""
    test = f"tests/test_contract.py::test_accurate_on_a_tiny_problem[{method}]"
    env = {**os.environ, "RTE_MUTATE": f"{method}:{kind}"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode not in (0, 1):
        raise SystemExit(f"pytest could not run {test}:\n{run.stdout}\n{run.stderr}")
    return run.returncode == 1 and "wrong answers give" in run.stdout


def main() -> int:
    missed = []
    for method in sys.argv[1:] or method_names():
        cls = get_method(method).cls
        if callable(getattr(cls, "answer", None)):
            kinds: tuple[str, ...] = ("constant",)
        elif cls.relational:
            kinds = ("zeros", "mean", "anchor")
        else:
            kinds = ("zeros", "mean")
        for kind in kinds:
            ok = caught(method, kind)
            print(f"{method:30s} {kind:7s} {'caught' if ok else 'MISSED'}", flush=True)
            if not ok:
                missed.append((method, kind))
    print(f"{len(missed)} wrong answer(s) passed the tests" if missed else "every one caught")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
