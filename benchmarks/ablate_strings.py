"""Psi's LoRA budget for the strings suite, compared on *validation* seeds (100 and
up, never the reported seeds 0-2):
`.venv/bin/python benchmarks/ablate_strings.py [--seeds N] [--variants a,b] [--sft]`.

Each variant overrides LoRA options of the default strings run (the options
``StringsConfig().resolve_options()`` gives rte and sft). Per seed it trains Psi,
then reports
- ``psi``: exact match of Psi given the true decomposition on every held-out
  composition of the seed (4 queries each, 400 prompts: a low-noise measure of
  Psi itself),
- ``rte`` / ``oracle`` / ``decomposition``: the benchmark's own figures on the
  seed's targets,
- ``sft`` (with ``--sft``): the baseline under the same budget,
- ``train_s``: wall seconds of Psi's LoRA training.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from rte.baselines.lm import SFT
from rte.models.sequence import SequenceRTE
from rte.sequence.backends import LanguageModel, load_language_model
from rte.sequence.strings import StringSuite
from rte.sequence.suite import StringsConfig, evaluate_few_shot, evaluate_rte, records_from
from rte.sequence.tasks import SequenceBank, make_target

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "steps 120": {"steps": 120},
    "steps 150": {"steps": 150},
    "steps 180": {"steps": 180},
    "steps 120, lr 6e-3": {"steps": 120, "learning_rate": 6e-3},
    "steps 120, rank 16": {"steps": 120, "rank": 16, "alpha": 32},
}


def psi_accuracy(rte: SequenceRTE, suite: StringSuite, seed: int) -> dict[str, float]:
    """Exact match of Psi with the true decomposition on every held-out composition."""
    rng = np.random.default_rng([seed, 7])
    held_out = suite.held_out(np.random.default_rng(seed))
    per_phi: dict[str, list[bool]] = {}
    for d in held_out:
        t = make_target(suite, d, "unseen", rng, n_context=0, n_queries=4)
        preds = rte.predict_with(d, [x for x, _ in t.queries])
        per_phi.setdefault(d.phi, []).extend(
            p == y for p, (_, y) in zip(preds, t.queries, strict=True)
        )
    out = {phi: float(np.mean(v)) for phi, v in sorted(per_phi.items())}
    out["all"] = float(np.mean([c for v in per_phi.values() for c in v]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="Comma-separated names.")
    parser.add_argument("--sft", action="store_true", help="Also train and score the sft baseline.")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = StringsConfig()
    suite = config.task_suite()
    lm = load_language_model(config.model, device=config.device, dtype=config.dtype)
    for name in args.variants.split(","):
        # Validated like the benchmark's own options: a bad variant fails before training.
        options = config.resolve_options({"rte": VARIANTS[name], "sft": VARIANTS[name]})
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            run_seed(lm, suite, options, seed, name, args.sft)


def run_seed(
    lm: LanguageModel,
    suite: StringSuite,
    options: Mapping[str, Mapping[str, Any]],
    seed: int,
    name: str,
    sft: bool,
) -> None:
    """Train and score one variant on one validation seed; print its row."""
    split = suite.split(np.random.default_rng(seed))
    bank = SequenceBank.from_split(suite, split)
    stamps: list[float] = [time.perf_counter()]
    rte = SequenceRTE(**options["rte"], seed=seed).fit(
        bank, lm, on_step=lambda *_: stamps.append(time.perf_counter())
    )
    results = evaluate_rte(rte, split.targets)
    psi = psi_accuracy(rte, suite, seed)
    rte.release()
    if sft:
        tuned = SFT(**options["sft"], seed=seed).fit(bank, lm)
        results += evaluate_few_shot(tuned, "sft", split.targets)
        tuned.release()
    row: dict[str, Any] = {
        "variant": name,
        "seed": seed,
        "train_s": round(stamps[-1] - stamps[0]),
        "psi": round(psi.pop("all"), 3),
    }
    for record in records_from(suite.family, seed, results, suite.metric):
        if record.metric == suite.metric:
            row[record.method] = round(record.value, 3)
        elif record.metric == "decomposition_accuracy":
            row["decomposition"] = round(record.value, 3)
    row["psi_by_phi"] = {k: round(v, 2) for k, v in psi.items()}
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
