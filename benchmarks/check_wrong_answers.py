"""Prove the default tests catch wrong answers: for every registered method, replace its
predictions by a wrong answer, run its default accuracy test, and require that it fails.

    .venv/bin/python benchmarks/check_wrong_answers.py [METHOD ...] [--kinds K,K]
    # default: every method, every kind that applies to it

Function methods get zeros, the context mean, the piecewise-linear interpolation of
the context and (relational methods) the anchor's own curve, and their test is
``tests/test_contract.py::test_accurate_on_a_tiny_problem``. Sequence methods get a
constant answer (each target's most common context output for every query,
:func:`rte.testing.constant_answer`) and their test is :data:`SEQUENCE_TEST`; a
sequence method without one is skipped with a note. The substitution is
``tests/mutation.py``, driven by the environment variable RTE_MUTATE.

Prints one line per (method, wrong answer) and exits 1 if any wrong answer passed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from rte import get_method, method_names

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_TEST = "tests/test_contract.py::test_accurate_on_a_tiny_problem"
# A sequence method's accuracy test is the same node: rte.testing.check_sequence_accuracy
# compares its accuracy with rte.testing.sequence_wrong_answers on a taught tiny model.
SEQUENCE_TEST = FUNCTION_TEST
sys.path.insert(0, str(ROOT / "tests"))
from mutation import FUNCTION_KINDS  # noqa: E402


def _pytest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )


def exists(test: str) -> bool:
    """Whether pytest collects ``test`` (a node id)."""
    return _pytest("--collect-only", test).returncode == 0


def failed_on_assertion(output: str) -> bool:
    """Whether pytest's summary reports a failure by an assertion (not a crash)."""
    return any(
        line.startswith("FAILED ") and (" - AssertionError" in line or " - assert " in line)
        for line in output.splitlines()
    )


def caught(method: str, kind: str, test: str) -> bool:
    """Whether the method's accuracy test fails under the mutation, on its accuracy
    assertion (not on a crash of the substituted code)."""
    run = _pytest(test, env={"RTE_MUTATE": f"{method}:{kind}"})
    if run.returncode not in (0, 1):
        raise SystemExit(f"pytest could not run {test}:\n{run.stdout}\n{run.stderr}")
    if run.returncode == 0:
        return False
    return "wrong answers give" in run.stdout or failed_on_assertion(run.stdout)


def plan(method: str) -> tuple[str, tuple[str, ...]]:
    """(accuracy test node id, wrong answers) of a method."""
    cls = get_method(method).cls
    if callable(getattr(cls, "answer", None)):
        return f"{SEQUENCE_TEST}[{method}]", ("constant",)
    kinds = (*FUNCTION_KINDS, "anchor") if cls.relational else FUNCTION_KINDS
    return f"{FUNCTION_TEST}[{method}]", kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("methods", nargs="*", help="Registry names (default: every method).")
    parser.add_argument("--kinds", default="", help="Only these wrong answers (comma-separated).")
    args = parser.parse_args()
    only = {k for k in args.kinds.split(",") if k}
    missed, skipped = [], []
    for method in args.methods or method_names():
        test, kinds = plan(method)
        kinds = tuple(k for k in kinds if not only or k in only)
        if kinds and not exists(test):
            print(f"{method:30s} skipped: no accuracy test {test}", flush=True)
            skipped.append(method)
            continue
        for kind in kinds:
            ok = caught(method, kind, test)
            print(f"{method:30s} {kind:13s} {'caught' if ok else 'MISSED'}", flush=True)
            if not ok:
                missed.append((method, kind))
    if skipped:
        print(f"{len(skipped)} method(s) skipped for want of an accuracy test: {skipped}")
    print(f"{len(missed)} wrong answer(s) passed the tests" if missed else "every one caught")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
