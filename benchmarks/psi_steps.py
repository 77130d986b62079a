"""How reliable is rte's model of the bank? A diagnostic on validation seeds (100 and up).

For each seed it fits rte's Psi as ``rte bench SUITE`` does (the suite's defaults,
then ``--set`` options) and grades, on fresh inputs outside the stored examples:

- ``step``: Psi's output for a relation of the bank given the anchor's true output
  (one relation step, in-support);
- ``depth d``: the model of the bank's output for bank tasks d relation steps from
  the root (stored examples, the root's rule, then Psi along the path), the anchor
  outputs rte's search and predictions use.

Grading executes the generators; the diagnostic is not a benchmark row. Example::

    .venv/bin/python benchmarks/psi_steps.py parity --seeds 100,101 --set rte_sequence.steps=40
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from rte.bench.options import parse_set
from rte.bench.suites.sequence import ParityConfig, StringsConfig
from rte.lm.backends import load_language_model
from rte.models.sequence import SequenceRTE
from rte.runtime import set_threads
from rte.tasks.strings import DESCRIPTIONS

CONFIGS = {"parity": ParityConfig, "strings": StringsConfig}


def fresh_inputs(kind, stored: set[str], n: int, rng: np.random.Generator) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < n:
        x = kind.sample_input(rng)
        if x not in stored:
            out.setdefault(x)
    return list(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=sorted(CONFIGS))
    parser.add_argument("--seeds", default="100", help="Comma-separated validation seeds.")
    parser.add_argument("--set", action="append", default=[], dest="sets")
    parser.add_argument("--inputs", type=int, default=8, help="Fresh inputs per task.")
    parser.add_argument("--tasks", type=int, default=40, help="Relations / tasks per depth.")
    parser.add_argument(
        "--names",
        action="store_true",
        help="strings: name each primitive by its identifier (rotate right) instead of the "
        "plain-word description (move last letter to front), to compare the two.",
    )
    args = parser.parse_args()
    set_threads(1)
    if args.names:
        for name in DESCRIPTIONS:
            DESCRIPTIONS[name] = name.replace("_", " ")
    config = CONFIGS[args.suite]()
    seeds = [int(s) for s in args.seeds.split(",")]
    if min(seeds) < 100:
        parser.error("use validation seeds (100 and up); 0-2 are the reported test seeds")
    options = config.resolve_options(parse_set(args.sets, config.option_class))["rte"]
    lm = load_language_model()
    kind = config.task_kind()
    for seed in seeds:
        rng = np.random.default_rng([seed, 99])
        bank = kind.split(np.random.default_rng(seed)).bank
        start = time.perf_counter()
        rte = SequenceRTE(**options, seed=seed).fit(bank, lm)
        trained = time.perf_counter() - start
        stored = {x for x, _ in bank.tasks[bank.root]}
        xs = fresh_inputs(kind, stored, args.inputs, rng)
        relations = list(bank.relations)
        if len(relations) > args.tasks:
            picks = rng.choice(len(relations), args.tasks, replace=False)
            relations = [relations[int(i)] for i in sorted(picks)]
        steps = [(x, kind.anchor_output(r.anchor, x), r.phi) for r in relations for x in xs]
        said = rte._psi_outputs(steps)
        right = [y == kind.apply_phi(phi, a, x) for y, (x, a, phi) in zip(said, steps, strict=True)]
        by_depth: dict[int, list[str]] = defaultdict(list)
        for task, depth in rte.tree_.depth.items():
            by_depth[depth].append(task)
        line = [f"seed {seed}: train {trained:.0f} s, step {np.mean(right):.3f}"]
        per_phi: dict[str, list[bool]] = defaultdict(list)
        for ok, (_, _, phi) in zip(right, steps, strict=True):
            per_phi[phi].append(ok)
        for depth in sorted(by_depth):
            tasks = by_depth[depth]
            chosen = [
                tasks[int(i)] for i in rng.choice(len(tasks), min(args.tasks, len(tasks)), False)
            ]
            values = rte.anchor_values(chosen, xs)
            hits = [values[(t, x)] == kind.anchor_output(t, x) for t in chosen for x in xs]
            line.append(f"depth {depth} {np.mean(hits):.3f}")
        print(", ".join(line), flush=True)
        print(
            "  step by phi: "
            + ", ".join(f"{k} {np.mean(v):.2f}" for k, v in sorted(per_phi.items()))
        )
        rte.release()


if __name__ == "__main__":
    main()
