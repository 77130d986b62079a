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
import importlib
import json
from collections import defaultdict

import numpy as np

from rte._io import atomic_write_text
from rte.bench.execution import Execution, map_ordered
from rte.bench.suites.real import OPTIONS_DOC, OPTIONS_FILE, REAL_METHODS, RealSuiteConfig
from rte.registry import get_method
from rte.runtime import set_threads, stream
from rte.tasks.holdout import HoldoutSplit, holdout_split
from rte.tasks.real import get_real_bank, real_bank_names
from rte.tasks.real.spec import CONTEXT_NOISE

# Variants per method, the default included: the same number for every method. A variant
# a method's validation exploration scored (`--variant`, docs/real.md) replaced its steps
# variant: rte's candidates 64, the noisy simulated contexts of the three other methods
# that simulate them (better for bilinear and snake_mlp, worse for inductive_t2v).
BUDGET = 4
VARIANTS: dict[str, list[dict]] = {
    "rte": [{}, {"embedding_dim": 10}, {"n_anchors": 4}, {"candidates": 64}],
    "inductive_t2v": [{}, {"embedding_dim": 10}, {"train_context_noise": 0.05}, {"width": 64}],
    "cnp": [{}, {"steps": 4000}, {"width": 128}, {"lr": 1e-3}],
    "maml": [{}, {"meta_steps": 1500}, {"inner_steps": 10}, {"inner_lr": 0.01}],
    "fomaml": [{}, {"meta_steps": 1500}, {"inner_steps": 10}, {"inner_lr": 0.01}],
    "reptile": [{}, {"meta_steps": 1500}, {"inner_steps": 10}, {"inner_lr": 0.01}],
    "bilinear": [{}, {"embedding_dim": 10}, {"train_context_noise": 0.05}, {"width": 128}],
    "snake_mlp": [{}, {"embedding_dim": 10}, {"train_context_noise": 0.05}, {"width": 128}],
    "context_mlp": [{}, {"steps": 1000}, {"width": 64}, {"lr": 3e-3}],
    "context_gp": [{}, {"restarts": 5}, {"noise": 1e-4}, {"noise": 0.05}],
    "nearest_task": [{}],  # no hyperparameter to tune
    "nearest_task_gp": [{}],  # the correction's GP has no option of its own
    "context_gp_matched": [{}],
    "dkt": [{}, {"steps": 1500}, {"features": 8}, {"lr": 1e-3}],
    "symbolic_regression": [{}, {"max_length": 15}, {"criterion": "bic"}, {"generations": 100}],
}


def validation_split(name: str, seed: int):
    """(training bank, targets) of the validation split of bank ``name`` at ``seed``."""
    spec = get_real_bank(name)
    whole = spec.load(seed)
    train = spec.split(whole, stream(seed, name, "split")).bank
    split = HoldoutSplit(context_size=spec.context_size, noise=CONTEXT_NOISE)
    inner = holdout_split(train, train.params[:, 0], split, stream(seed, name, "valid"))
    return inner.bank, inner.targets


def validation_mse(unit: tuple[str, dict, str, int]) -> float:
    """The validation MSE of one (method, variant, bank, seed)."""
    method, variant, bank_name, seed = unit
    bank, targets = validation_split(bank_name, seed)
    config = RealSuiteConfig(banks=(bank_name,), methods=(method,), tuned=False)
    key = config.options_key(method)
    options = config.bank_options(bank_name, {key: variant})[method]
    model = get_method(key).build(seed, options)
    model.fit(bank.view(model.sees, method))
    pred = np.concatenate([model.predict_targets(t.view(model.sees, method)) for t in targets])
    truth = np.concatenate([t.query_y for t in targets])
    return float(((pred - truth) ** 2).mean())


def score(
    variants: dict[str, list[dict]], names: list[str], seeds: range, jobs: int
) -> dict[str, list[dict[str, float]]]:
    """Mean validation MSE per bank over the seeds, of every variant of every method
    (``variants``: method -> its variants), the units spread over ``jobs`` processes."""
    keys = [
        (method, k, name, seed)
        for method, listed in variants.items()
        for k in range(len(listed))
        for name in names
        for seed in seeds
    ]
    units = [(method, variants[method][k], name, seed) for method, k, name, seed in keys]
    errors: dict[tuple, list[float]] = defaultdict(list)
    done = map_ordered(validation_mse, units, len(units), Execution(jobs=jobs))
    for (method, k, name, _), mse in zip(keys, done, strict=True):
        errors[(method, k, name)].append(mse)
    return {
        method: [
            {name: float(np.mean(errors[(method, k, name)])) for name in names}
            for k in range(len(listed))
        ]
        for method, listed in variants.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tunable = [m for m in REAL_METHODS if m in VARIANTS]
    parser.add_argument("--methods", default=",".join(tunable))
    parser.add_argument("--banks", default=",".join(real_bank_names()))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=1, help="Worker processes (0: all cores).")
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
    methods = args.methods.split(",")
    if args.variant and len(methods) != 1:
        parser.error("--variant scores variants of one method: give one in --methods")
    if args.variant and args.write:
        parser.error(
            "--write stores choices made among the declared VARIANTS (the one budget every "
            "method gets); --variant explores other options on the validation splits only"
        )
    variants = {m: [{}, *args.variant] if args.variant else VARIANTS[m] for m in methods}
    for method, listed in variants.items():
        if not 1 <= len(listed) <= BUDGET:
            parser.error(f"{method}: at most {BUDGET} variants, the default first")
    chosen: dict[str, dict] = {}
    for method, scores in score(variants, names, seeds, args.jobs).items():
        base = scores[0]
        relative = [float(np.mean([np.log(s[b] / base[b]) for b in base])) for s in scores]
        best = int(np.argmin(relative)) if min(relative) < 0 else 0
        chosen[method] = variants[method][best]
        for variant, s, r in zip(variants[method], scores, relative, strict=True):
            row = {k: float(f"{v:.4g}") for k, v in s.items()}
            print(f"{method} {json.dumps(variant)} mean log ratio {r:+.3f} {json.dumps(row)}")
        print(f"-> {method}: {json.dumps(chosen[method])}", flush=True)
    if args.write:
        import rte.bench.suites.real_options as stored

        merged = {**importlib.reload(stored).TUNED, **chosen}  # as the file is now
        # One method per line, as ruff formats it.
        rows = [
            f"    {json.dumps(m)}: {json.dumps(merged[m], sort_keys=True)}," for m in sorted(merged)
        ]
        lines = [f'"""{OPTIONS_DOC}"""', "", "TUNED: dict[str, dict] = {", *rows, "}", ""]
        text = "\n".join(lines).replace("true", "True").replace("false", "False")
        atomic_write_text(OPTIONS_FILE, text)
        print(f"wrote {OPTIONS_FILE}")


if __name__ == "__main__":
    main()
