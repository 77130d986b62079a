"""How reliable is rte's model of the bank? A diagnostic on validation seeds (100 and up).

For each seed it fits rte's Psi as ``rte bench SUITE`` does (the suite's defaults,
then ``--set`` options) and grades, on fresh inputs outside the stored examples:

- ``step``: Psi's output for a relation of the bank given the anchor's true output
  (one relation step, in-support);
- ``depth d``: the model of the bank's output for bank tasks d relation steps from
  the root (stored examples, the root's rule, then Psi along the path), the anchor
  outputs rte's search and predictions use.

``--set`` also takes the tasks' settings, e.g. ``--set tasks.phi_labels=names``.

Grading executes the generators; the diagnostic is not a benchmark row. Example::

    .venv/bin/python benchmarks/psi_steps.py parity --seeds 100,101 --set rte_sequence.steps=40
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import replace

import numpy as np

from rte.bench.options import parse_set
from rte.bench.suites.sequence import ParityConfig, StringsConfig
from rte.lm.backends import load_language_model
from rte.models.sequence import SequenceRTE
from rte.runtime import set_threads

CONFIGS = {"parity": ParityConfig, "strings": StringsConfig}


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """The records file and the language model of a validation script."""
    parser.add_argument("--out", required=True, help="JSON file of the records.")
    parser.add_argument("--model", default=None, help="Local causal-LM folder (tests).")


def validation_seeds(parser: argparse.ArgumentParser, text: str) -> list[int]:
    """``--seeds`` as integers; the reported test seeds 0-2 (any seed below 100) refused."""
    seeds = [int(s) for s in text.split(",")]
    if min(seeds) < 100:
        parser.error("use validation seeds (100 and up); 0-2 are the reported test seeds")
    return seeds


def fresh_inputs(kind, stored: set[str], n: int, rng: np.random.Generator) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < n:
        x = kind.sample_input(rng)
        if x not in stored:
            out.setdefault(x)
    return list(out)


def grade_psi(
    rte: SequenceRTE, seed: int, n_inputs: int, n_tasks: int
) -> dict[str, float | dict[str, float]]:
    """Psi's one-step accuracy on fresh inputs (overall and per phi, anchors executed) and
    the model of the bank's accuracy per depth, for a fitted ``rte``."""
    bank, kind = rte.bank_, rte.bank_.kind
    rng = np.random.default_rng([seed, 99])
    stored = {x for x, _ in bank.tasks[bank.root]}
    xs = fresh_inputs(kind, stored, n_inputs, rng)
    relations = list(bank.relations)
    if len(relations) > n_tasks:
        picks = rng.choice(len(relations), n_tasks, replace=False)
        relations = [relations[int(i)] for i in sorted(picks)]
    steps = [(x, kind.anchor_output(r.anchor, x), r.phi) for r in relations for x in xs]
    said = rte._psi_outputs(steps)
    right = [y == kind.apply_phi(phi, a, x) for y, (x, a, phi) in zip(said, steps, strict=True)]
    per_phi: dict[str, list[bool]] = defaultdict(list)
    for ok, (_, _, phi) in zip(right, steps, strict=True):
        per_phi[phi].append(ok)
    by_depth: dict[int, list[str]] = defaultdict(list)
    for task, depth in rte.tree_.depth.items():
        by_depth[depth].append(task)
    depths = {}
    for depth in sorted(by_depth):
        tasks = by_depth[depth]
        chosen = [tasks[int(i)] for i in rng.choice(len(tasks), min(n_tasks, len(tasks)), False)]
        values = rte.anchor_values(chosen, xs)
        hits = [values[(t, x)] == kind.anchor_output(t, x) for t in chosen for x in xs]
        depths[str(depth)] = float(np.mean(hits))
    return {
        "step": float(np.mean(right)),
        "step_by_phi": {k: float(np.mean(v)) for k, v in sorted(per_phi.items())},
        "depth": depths,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=sorted(CONFIGS))
    parser.add_argument("--seeds", default="100", help="Comma-separated validation seeds.")
    parser.add_argument("--set", action="append", default=[], dest="sets")
    parser.add_argument("--inputs", type=int, default=8, help="Fresh inputs per task.")
    parser.add_argument("--tasks", type=int, default=40, help="Relations / tasks per depth.")
    args = parser.parse_args()
    set_threads(1)
    config = CONFIGS[args.suite]()
    seeds = validation_seeds(parser, args.seeds)
    kind = config.task_kind()
    tasks = [s for s in args.sets if s.startswith("tasks.")]
    sets = [s for s in args.sets if not s.startswith("tasks.")]
    options = config.resolve_options(parse_set(sets, config.option_class))["rte"]
    kind = replace(kind, **parse_set(tasks, lambda _name: type(kind)).get("tasks", {}))
    lm = load_language_model()
    for seed in seeds:
        bank = kind.split(np.random.default_rng(seed)).bank
        start = time.perf_counter()
        rte = SequenceRTE(**options, seed=seed).fit(bank, lm)
        trained = time.perf_counter() - start
        grades = grade_psi(rte, seed, args.inputs, args.tasks)
        depths = ", ".join(f"depth {d} {v:.3f}" for d, v in grades["depth"].items())
        print(f"seed {seed}: train {trained:.0f} s, step {grades['step']:.3f}, {depths}")
        per_phi = grades["step_by_phi"]
        print("  step by phi: " + ", ".join(f"{k} {v:.2f}" for k, v in per_phi.items()))
        rte.release()


if __name__ == "__main__":
    main()
