"""Psi's LoRA budget for the strings suite, compared on *validation* seeds (100 and
up, never the reported seeds 0-2):
`.venv/bin/python benchmarks/ablate_strings.py [--seeds N] [--variants a,b] [--sft]`.

Each variant overrides LoraSettings fields of the default strings run
(``rte.sequence.suite.build``). Per seed it trains Psi, then reports
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
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from rte.sequence.backends import load_language_model
from rte.sequence.lora import detach_lora, load_adapter
from rte.sequence.methods import psi_predict, run_rte_and_oracle, run_sft
from rte.sequence.prompts import Encoder
from rte.sequence.suite import BenchSettings, build, records_from
from rte.sequence.tasks import make_target

VARIANTS: dict[str, dict] = {
    "default": {},
    "steps 120": {"steps": 120},
    "steps 150": {"steps": 150},
    "steps 180": {"steps": 180},
    "steps 120, lr 6e-3": {"steps": 120, "learning_rate": 6e-3},
    "steps 120, rank 16": {"steps": 120, "rank": 16, "alpha": 32},
}


def psi_accuracy(model, encoder, suite, seed: int, batch_size: int) -> dict[str, float]:
    """Exact match of Psi with the true decomposition on every held-out composition."""
    rng = np.random.default_rng([seed, 7])
    held_out = suite.held_out(np.random.default_rng(seed))
    per_phi: dict[str, list[bool]] = {}
    for d in held_out:
        t = make_target(suite, d, "unseen", rng, n_context=0, n_queries=4)
        xs = [x for x, _ in t.queries]
        preds = psi_predict(model, encoder, suite, d, xs, batch_size)
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
    suite, default_lora, scoring = build(BenchSettings(family="strings"))
    lm = load_language_model(None)
    encoder = Encoder(lm.tokenizer)
    model = lm.model
    with tempfile.TemporaryDirectory(prefix="ablate-strings-") as tmp:
        for name in args.variants.split(","):
            lora = replace(default_lora, **VARIANTS[name])
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                model = run_seed(
                    model, encoder, suite, lora, scoring, seed, name, Path(tmp), args.sft
                )


def run_seed(model, encoder, suite, lora, scoring, seed: int, name: str, tmp: Path, sft: bool):
    """Train and score one variant on one validation seed; print its row; return the base model."""
    split = suite.split(np.random.default_rng(seed))
    adapter_dir = tmp / name / str(seed)
    stamps: list[float] = [time.perf_counter()]
    model, results = run_rte_and_oracle(
        model,
        encoder,
        suite,
        split,
        lora=lora,
        scoring=scoring,
        seed=seed,
        adapter_dir=adapter_dir,
        on_step=lambda *_: stamps.append(time.perf_counter()),
        tick=lambda: None,
    )
    psi_model = load_adapter(model, adapter_dir)
    psi = psi_accuracy(psi_model, encoder, suite, seed, scoring.batch_size)
    model = detach_lora(psi_model)
    if sft:
        model, sft_results = run_sft(
            model,
            encoder,
            suite,
            split,
            lora=lora,
            n_context=suite.n_context,
            batch_size=scoring.batch_size,
            seed=seed,
            on_step=lambda *_: None,
            tick=lambda: None,
        )
        results += sft_results
    row = {
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
    return model


if __name__ == "__main__":
    main()
