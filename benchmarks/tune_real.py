"""Choose `rte bench real` settings on *validation splits*, never on the test targets:
`.venv/bin/python benchmarks/tune_real.py --method rte --variants "default;steps_6000"`.

A validation split holds out the top quarter of each bank's *training* range (the
tasks below the bank's cut) with the bank's own context size, so the targets of
`rte bench real` are never loaded into a model. Seeds 100 and up redraw the
contexts (and the simulated pendulum bank). A variant's options are applied on top of
the options `rte bench real` gives the method on each bank. Prints, per variant, the
mean MSE over the validation targets of every bank, averaged over the seeds.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from rte.bench.suites.real import RealSuiteConfig
from rte.registry import get_method
from rte.runtime import set_threads, stream
from rte.tasks.holdout import HoldoutSplit, holdout_split
from rte.tasks.real import get_real_bank, real_bank_names

VARIANTS: dict[str, dict] = {
    "default": {},
    "steps_1000": {"steps": 1000},
    "steps_6000": {"steps": 6000},
    "n_anchors_4": {"n_anchors": 4},
    "embedding_dim_3": {"embedding_dim": 3},
    "embedding_dim_10": {"embedding_dim": 10},
    "no_simulated_contexts": {"train_context_size": 0},
    "width_64": {"width": 64},
    "depth_2": {"depth": 2},
    "lr_5e-4": {"lr": 5e-4},
    "embedding_dim_10+n_anchors_4": {"embedding_dim": 10, "n_anchors": 4},
}


def validation_episodes(names: list[str], seeds: range):
    """(bank name, seed, training bank, targets) of the validation split of each bank."""
    for name in names:
        spec = get_real_bank(name)
        for seed in seeds:
            whole = spec.load(seed)
            train = spec.split(whole, stream(seed, name, "split")).bank
            split = HoldoutSplit(context_size=spec.context_size, noise=0.0)
            inner = holdout_split(train, train.params[:, 0], split, stream(seed, name, "valid"))
            yield name, seed, inner.bank, inner.targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", default="rte")
    parser.add_argument("--banks", default=",".join(real_bank_names()))
    parser.add_argument(
        "--variants", default=";".join(VARIANTS), help="';'-separated names or NAME=JSON."
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    args = parser.parse_args()
    set_threads(1)
    if args.first_seed < 100:
        parser.error("validation seeds are 100 and up; seeds 0-99 are the reported ones")
    names = args.banks.split(",")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    for variant in args.variants.split(";"):
        name, _, raw = variant.partition("=")
        overrides = json.loads(raw) if raw else VARIANTS[name]
        errors: dict[str, list[float]] = {}
        for bank_name, seed, bank, targets in validation_episodes(names, seeds):
            config = RealSuiteConfig(banks=(bank_name,), methods=(args.method,))
            options = config.bank_options(bank_name, {args.method: overrides})[args.method]
            model = get_method(args.method).build(seed, options).fit(bank)
            pred = np.concatenate([model.predict_targets(t) for t in targets])
            truth = np.concatenate([t.query_y for t in targets])
            errors.setdefault(bank_name, []).append(float(((pred - truth) ** 2).mean()))
        row = {k: float(f"{np.mean(v):.4g}") for k, v in errors.items()}
        print(f"{args.method} {name}", json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
