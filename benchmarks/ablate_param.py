"""Ablations of RTE's design choices on *validation* seeds (100 and up, never the
reported seeds 0-2): `.venv/bin/python benchmarks/ablate_param.py [--seeds N]`.

Each variant overrides RTE hyperparameters, fits RTE on the parameter suite's banks
(same tasks for every variant) and prints its MSE per family and band.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from rte import RelationalTaskExtrapolator
from rte.bench.param import ParamSuiteConfig
from rte.bench.runner import mse_per_target

VARIANTS: dict[str, dict] = {
    "default": {},
    "no simulated contexts": {"train_context_size": 0},
    "prior_noise 1e-4": {"prior_noise": 1e-4},
    "prior_noise 1e-2": {"prior_noise": 1e-2},
    "embedding_dim 3": {"embedding_dim": 3},
    "n_anchors 4": {"n_anchors": 4},
    "n_anchors 16": {"n_anchors": 16},
    "fallback_anchors 1": {"fallback_anchors": 1},
    "fallback_anchors 32": {"fallback_anchors": 32},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="Comma-separated names.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = ParamSuiteConfig(seeds=args.seeds, first_seed=args.first_seed)
    for name in args.variants.split(","):
        overrides = VARIANTS[name]
        errors: dict[str, list[float]] = {}
        for ep in config.episodes():
            model = RelationalTaskExtrapolator(seed=ep.seed, **overrides).fit(ep.bank)
            for t in ep.targets:
                pred = model.predict_batch(t.context_x, t.context_y, t.query_x).y
                key = f"{ep.family}/{t.band}"
                errors.setdefault(key, []).append(float(mse_per_target(pred, t.query_y).mean()))
        row = {k: round(float(np.mean(v)), 5) for k, v in errors.items() if "F1" not in k}
        print(name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
