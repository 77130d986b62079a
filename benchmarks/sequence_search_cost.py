"""What rte's bounded candidate search costs per target, by first pass, on validation seeds.

``bound_tokens`` (rte's first pass over the candidates: pair 0 in full, 0, or only its
first answer tokens) changes what the search costs, never which scores it returns
within the margin. For each validation seed this fits rte's Psi once as ``rte bench
SUITE`` does, then answers the same targets once per ``--bound`` value, emptying
Psi's caches before each, and records the seconds per target and the answers (which
must agree between values). Grading reads the targets' stored answers only. Example::

    .venv/bin/python benchmarks/sequence_search_cost.py strings --seeds 100 --targets 4 \\
        --bound 0,2 --out runs/tune/search_cost.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from psi_steps import CONFIGS, add_output_options, validation_seeds

from rte._io import atomic_write_text
from rte.lm.backends import load_language_model
from rte.models.sequence import SequenceRTE
from rte.runtime import set_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=sorted(CONFIGS))
    parser.add_argument("--seeds", default="100", help="Comma-separated validation seeds.")
    parser.add_argument("--targets", type=int, default=4, help="Validation targets per seed.")
    parser.add_argument("--bound", default="0,2", help="Comma-separated bound_tokens values.")
    add_output_options(parser)
    args = parser.parse_args()
    seeds = validation_seeds(parser, args.seeds)
    bounds = [int(b) for b in args.bound.split(",")]
    set_threads(1)
    config = CONFIGS[args.suite]()
    options = config.resolve_options({})["rte"]
    lm = load_language_model(args.model)
    kind = config.task_kind()
    records: list[dict[str, Any]] = []
    for seed in seeds:
        split = kind.split(np.random.default_rng(seed))
        rte = SequenceRTE(**options, seed=seed).fit(split.bank, lm)
        for bound in bounds:
            rte.set_params(bound_tokens=bound)
            rte.clear_caches()
            for k, target in enumerate(split.targets[: args.targets]):
                start = time.perf_counter()
                answer = rte.answer(target)
                seconds = time.perf_counter() - start
                right = [p == y for p, (_, y) in zip(answer.outputs, target.queries, strict=True)]
                record = {
                    "seed": seed,
                    "bound_tokens": bound,
                    "target": k,
                    "seconds": seconds,
                    "accuracy": float(np.mean(right)),
                    "outputs": list(answer.outputs),
                    "found": str(answer.found),
                }
                records.append(record)
                print(json.dumps(record), flush=True)
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(Path(args.out), json.dumps(records, indent=1))
        rte.release()
    for bound in bounds:
        mine = [r for r in records if r["bound_tokens"] == bound]
        print(f"bound_tokens={bound}: {np.mean([r['seconds'] for r in mine]):.1f} s per target")
    by_key: dict[tuple[int, int], set[str]] = {}
    for r in records:
        by_key.setdefault((r["seed"], r["target"]), set()).add(json.dumps(r["outputs"]))
    same = sum(len(v) == 1 for v in by_key.values())
    print(f"answers identical across values on {same} of {len(by_key)} targets")


if __name__ == "__main__":
    main()
