"""Choose the sequence suites' settings on validation seeds (100 and up), never on 0-2.

Each variant is a name and ``--set``-style lines (``rte_sequence.lr=6e-3``,
``sft_scratchpad.style=running``, ``tasks.phi_labels=names``; a method's ``steps``
also sets the tasks' ``lora_steps``, so every tuned method trains as long). On each
seed, for each variant, it builds the split as ``rte bench SUITE`` does (the suite's
defaults, then the variant's settings), fits the methods asked for and grades them:

- ``psi``: rte's Psi. One-step accuracy on fresh inputs (anchors executed) and the
  model of the bank per depth (``benchmarks/psi_steps.py``); ``chain``, the oracle's
  accuracy on the seed's validation targets (true decomposition, anchors from the model
  of the bank); with ``--rte``, rte's own accuracy (search and posterior answer), its
  decomposition accuracy and seconds per target;
- ``scratchpad``: sft_scratchpad's accuracy on the validation targets.

Training seconds are recorded for every fit. Grading executes the generators; nothing
here is a benchmark row. Every (variant, seed) is one JSON record in ``--out``; a
summary per variant (means over seeds) is printed. Example::

    .venv/bin/python benchmarks/tune_sequence.py strings --seeds 100 \\
        --variant "base" --variant "lr6 rte_sequence.lr=6e-3" --out runs/tune/strings.json
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from psi_steps import CONFIGS, add_output_options, grade_psi, validation_seeds

from rte._io import atomic_write_text
from rte.baselines.oracles import SequenceOracle
from rte.baselines.scratchpad import ScratchpadSFT
from rte.bench.options import parse_set
from rte.lm.backends import load_language_model
from rte.models.sequence import SequenceRTE
from rte.models.shared import adopt_fit
from rte.runtime import set_threads

FITS = ("psi", "scratchpad")


def score(method: Any, targets: Any) -> tuple[float, float, float | None]:
    """(accuracy, seconds per target, decomposition accuracy or None) on ``targets``."""
    right, seconds, found = [], [], []
    for target in targets:
        start = time.perf_counter()
        answer = method.answer(target)
        seconds.append(time.perf_counter() - start)
        pairs = zip(answer.outputs, target.queries, strict=True)
        right.append(np.mean([p == y for p, (_, y) in pairs]))
        if answer.found is not None:
            found.append(answer.found in target.equivalent)
    return float(np.mean(right)), float(np.mean(seconds)), float(np.mean(found)) if found else None


def parse_variant(text: str, config: Any, kind: Any) -> tuple[str, dict[str, Any], Any]:
    """``NAME SET SET ...`` -> (name, options per registered method, tasks)."""
    name, *lines = text.split()
    tasks = [line for line in lines if line.startswith("tasks.")]
    sets = [line for line in lines if not line.startswith("tasks.")]
    options = config.resolve_options(parse_set(sets, config.option_class))
    changed = parse_set(tasks, lambda _name: type(kind)).get("tasks", {})
    steps = options["rte"]["steps"]
    if steps is not None:
        changed.setdefault("lora_steps", steps)
    return name, options, replace(kind, **changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=sorted(CONFIGS))
    parser.add_argument("--seeds", default="100", help="Comma-separated validation seeds.")
    parser.add_argument(
        "--targets",
        type=int,
        default=40,
        help="Validation targets per seed. The oracle's chain costs about a second a target; "
        "on 10 targets (40 answers) it was too coarse to rank variants (docs/sequence.md). "
        "With --rte, rte's own search costs about 80 s a strings target: pass fewer.",
    )
    parser.add_argument("--variant", action="append", required=True, help="NAME [SET ...]")
    parser.add_argument("--fit", choices=FITS, default="psi", help="What to fit and grade.")
    parser.add_argument("--rte", action="store_true", help="Also grade rte's search.")
    parser.add_argument("--inputs", type=int, default=6, help="Fresh inputs per relation.")
    parser.add_argument("--tasks", type=int, default=40, help="Relations / tasks per depth.")
    add_output_options(parser)
    args = parser.parse_args()
    seeds = validation_seeds(parser, args.seeds)
    set_threads(1)
    config = CONFIGS[args.suite]()
    base = replace(config.task_kind(), n_targets=args.targets)
    variants = [parse_variant(v, config, base) for v in args.variant]
    lm = load_language_model(args.model)
    records: list[dict[str, Any]] = []
    for seed in seeds:
        for name, options, kind in variants:
            split = kind.split(np.random.default_rng(seed))
            record: dict[str, Any] = {"variant": name, "seed": seed, "tasks": kind.to_dict()}
            start = time.perf_counter()
            if args.fit == "psi":
                rte = SequenceRTE(**options["rte"], seed=seed).fit(split.bank, lm)
                record["train_seconds"] = time.perf_counter() - start
                record["options"] = options["rte"]
                record.update(grade_psi(rte, seed, args.inputs, args.tasks))
                oracle = adopt_fit(SequenceOracle(**options["rte"], seed=seed), rte)
                record["chain"] = score(oracle, split.targets)[0]
                if args.rte:
                    accuracy, seconds, found = score(rte, split.targets)
                    record.update(rte=accuracy, rte_seconds=seconds, rte_decomposition=found)
                rte.release()
            else:
                peer = ScratchpadSFT(**options["sft_scratchpad"], seed=seed)
                peer.fit(split.bank, lm)
                record["train_seconds"] = time.perf_counter() - start
                record["options"] = options["sft_scratchpad"]
                record["scratchpad"], record["scratchpad_seconds"], _ = score(peer, split.targets)
                peer.release()
            records.append(record)
            print(json.dumps(record), flush=True)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(Path(args.out), json.dumps(records, indent=1))
    keys = ("train_seconds", "step", "chain", "rte", "rte_seconds", "scratchpad")
    for name, *_ in variants:
        mine = [r for r in records if r["variant"] == name]
        means = {k: np.mean([r[k] for r in mine]) for k in keys if k in mine[0]}
        print(name + ": " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))


if __name__ == "__main__":
    main()
