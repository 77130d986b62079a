"""One tuning budget for every method of ``rte bench real``, spent on validation splits.

    .venv/bin/python benchmarks/tune_real.py [--methods rte,maml] [--seeds 3] [--write]
    .venv/bin/python benchmarks/tune_real.py --methods rte --variant '{"operator": "mlp"}'

Every method gets the same budget: its default and :data:`BUDGET` - 1 variants of its
own main knobs (:data:`VARIANTS`), each scored on the *validation split* of every bank
(the top quarter of each bank's training range held out, the bank's own context size;
seeds 100 and up redraw the contexts and the simulated banks), so the test targets of
``rte bench real`` are never loaded into a model. A method keeps the variant with the
lowest geometric mean over banks of its validation MSE relative to its default's (one
choice for every bank), the default on a tie. ``--write`` stores the choices in
``src/rte/bench/suites/real_options.py``, which the suite applies (docs/real.md).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np

from rte._io import atomic_write_text
from rte.bench.suites.real import OPTIONS_DOC, OPTIONS_FILE, REAL_METHODS, RealSuiteConfig
from rte.registry import get_method
from rte.runtime import set_threads, stream
from rte.tasks.holdout import HoldoutSplit, holdout_split
from rte.tasks.real import get_real_bank, real_bank_names
from rte.tasks.real.catalog import CONTEXT_NOISE

# Variants per method, the default included: the same number for every method.
BUDGET = 4
VARIANTS: dict[str, list[dict]] = {
    "rte": [{}, {"embedding_dim": 10}, {"n_anchors": 4}, {"steps": 6000}],
    "inductive_t2v": [{}, {"embedding_dim": 10}, {"steps": 6000}, {"width": 64}],
    "cnp": [{}, {"steps": 4000}, {"width": 128}, {"lr": 1e-3}],
    "maml": [{}, {"meta_steps": 1500}, {"inner_steps": 10}, {"inner_lr": 0.01}],
    "fomaml": [{}, {"meta_steps": 1500}, {"inner_steps": 10}, {"inner_lr": 0.01}],
    "reptile": [{}, {"meta_steps": 1500}, {"inner_steps": 10}, {"inner_lr": 0.01}],
    "bilinear": [{}, {"embedding_dim": 10}, {"steps": 4000}, {"width": 128}],
    "snake_mlp": [{}, {"embedding_dim": 10}, {"steps": 4000}, {"width": 128}],
    "context_mlp": [{}, {"steps": 1000}, {"width": 64}, {"lr": 3e-3}],
    "context_gp": [{}, {"restarts": 5}, {"noise": 1e-4}, {"noise": 0.05}],
    "nearest_task": [{}],  # no hyperparameter to tune
    "nearest_task_gp": [{}],  # the correction's GP has no option of its own
    "context_gp_matched": [{}],
    "dkt": [{}, {"steps": 1500}, {"features": 8}, {"lr": 1e-3}],
    "symbolic_regression": [{}, {"max_length": 15}, {"criterion": "bic"}, {"generations": 100}],
}


def validation_episodes(names: list[str], seeds: range):
    """(bank name, seed, training bank, targets) of the validation split of each bank."""
    for name in names:
        spec = get_real_bank(name)
        for seed in seeds:
            whole = spec.load(seed)
            train = spec.split(whole, stream(seed, name, "split")).bank
            split = HoldoutSplit(context_size=spec.context_size, noise=CONTEXT_NOISE)
            inner = holdout_split(train, train.params[:, 0], split, stream(seed, name, "valid"))
            yield name, seed, inner.bank, inner.targets


def score(method: str, variant: dict, names: list[str], seeds: range) -> dict[str, float]:
    """Mean validation MSE per bank of ``method`` with ``variant`` over the seeds."""
    errors: dict[str, list[float]] = defaultdict(list)
    for bank_name, seed, bank, targets in validation_episodes(names, seeds):
        config = RealSuiteConfig(banks=(bank_name,), methods=(method,), tuned=False)
        key = config.options_key(method)
        options = config.bank_options(bank_name, {key: variant})[method]
        model = get_method(key).build(seed, options)
        model.fit(bank.view(model.sees, method))
        pred = np.concatenate([model.predict_targets(t.view(model.sees, method)) for t in targets])
        truth = np.concatenate([t.query_y for t in targets])
        errors[bank_name].append(float(((pred - truth) ** 2).mean()))
    return {k: float(np.mean(v)) for k, v in errors.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tunable = [m for m in REAL_METHODS if m in VARIANTS]
    parser.add_argument("--methods", default=",".join(tunable))
    parser.add_argument("--banks", default=",".join(real_bank_names()))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument(
        "--write", action="store_true", help=f"Store the choices in {OPTIONS_FILE}."
    )
    parser.add_argument(
        "--variant",
        action="append",
        type=json.loads,
        help="A variant (JSON options) to score instead of the listed ones, beside the "
        "default; repeatable, one method only, the same budget.",
    )
    args = parser.parse_args()
    set_threads(1)
    if args.first_seed < 100:
        parser.error("validation seeds are 100 and up; seeds 0-99 are the reported ones")
    names = args.banks.split(",")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    chosen: dict[str, dict] = {}
    methods = args.methods.split(",")
    if args.variant and len(methods) != 1:
        parser.error("--variant scores variants of one method: give one in --methods")
    if args.variant and args.write:
        parser.error(
            "--write stores choices made among the declared VARIANTS (the one budget every "
            "method gets); --variant explores other options on the validation splits only"
        )
    for method in methods:
        variants = [{}, *args.variant] if args.variant else VARIANTS[method]
        if not 1 <= len(variants) <= BUDGET:
            parser.error(f"{method}: at most {BUDGET} variants, the default first")
        scores = [score(method, v, names, seeds) for v in variants]
        base = scores[0]
        relative = [float(np.mean([np.log(s[b] / base[b]) for b in base])) for s in scores]
        best = int(np.argmin(relative)) if min(relative) < 0 else 0
        chosen[method] = variants[best]
        for variant, s, r in zip(variants, scores, relative, strict=True):
            row = {k: float(f"{v:.4g}") for k, v in s.items()}
            print(f"{method} {json.dumps(variant)} mean log ratio {r:+.3f} {json.dumps(row)}")
        print(f"-> {method}: {json.dumps(chosen[method])}", flush=True)
    if args.write:
        from rte.bench.suites.real_options import TUNED

        merged = {**TUNED, **chosen}
        lines = [
            f'"""{OPTIONS_DOC}"""',
            "",
            "TUNED: dict[str, dict] = " + json.dumps(merged, indent=4, sort_keys=True),
            "",
        ]
        text = "\n".join(lines).replace("true", "True").replace("false", "False")
        atomic_write_text(OPTIONS_FILE, text)
        print(f"wrote {OPTIONS_FILE}")


if __name__ == "__main__":
    main()
