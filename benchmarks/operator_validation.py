"""Psi's operator classes, the selection, the correction and the anchor itself, against the
strongest rivals, on validation seeds only (100 and up; 0-2 are the test seeds).

    .venv/bin/python benchmarks/operator_validation.py [--seeds 3] [--jobs 1] \\
        [--out runs/operator_validation.json]
    .venv/bin/python benchmarks/operator_validation.py --tables runs/operator_validation.json

The episodes are those of ``rte bench param --first-seed 100`` with the suite's defaults
(seven families, five bands, 200 tasks per bank, 30 targets per band, contexts of 10
points with noise 0.05): the same banks, contexts and queries, drawn from the same
streams. Each episode fits the rte variants of ``VARIANTS`` (variants that differ only
in predict-time options share one fit) and the rivals of ``RIVALS`` with the options
``rte bench param`` gives them, plus ``family_fit`` as the floor. ``mean anchor``
variants predict with every anchor's curve replaced by the bank's mean curve (task
embeddings, and so the candidates, unchanged): if the relation does the work, they are
worse.

Prints MSE tables (mean over seeds) at in_support, F2 and F4, the acceptance criteria
of issue 22 evaluated on these seeds (ratios of seed-mean MSEs, with a 95 % paired
bootstrap interval over targets for rte against the best rival), the operator each
bank selected, and seconds per episode per method. Writes every target's MSE and every
timing to ``--out``; ``--tables`` reprints the tables from such a file.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections import defaultdict
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from rte.bench.execution import Execution, map_ordered
from rte.bench.runner import Episode, mse_per_target
from rte.bench.suites.param import ParamSuiteConfig
from rte.intervals import interval_metrics
from rte.registry import get_method
from rte.tasks.interpolate import AnchorInterpolator

# name -> (options that shape the fit, predict-time options, mean anchor?)
VARIANTS: dict[str, tuple[dict, dict, bool]] = {
    "rte": ({}, {}, False),  # operator, decomposition, correction: auto (selection on)
    "rte none": ({}, {"correction": "none"}, False),
    "rte gp": ({}, {"correction": "gp"}, False),
    "rte cv": ({}, {"correction": "cv"}, False),
    "rte mean anchor": ({}, {}, True),
    "symbolic": ({"operator": "symbolic"}, {}, False),  # selection off: first law, GP mean
    "symbolic none": ({"operator": "symbolic"}, {"correction": "none"}, False),
    "mlp": ({"operator": "mlp"}, {}, False),  # the rte of commit b24ee9f: chain + GP
    "mlp none": ({"operator": "mlp"}, {"correction": "none"}, False),
    "mlp one step": ({"operator": "mlp"}, {"decomposition": "admissible"}, False),
    "mlp mean anchor": ({"operator": "mlp"}, {}, True),
    "warp": ({"operator": "warp"}, {}, False),
    "warp none": ({"operator": "warp"}, {"correction": "none"}, False),
    "warp one step": ({"operator": "warp"}, {"decomposition": "admissible"}, False),
}
RIVALS = (
    "dkt",
    "symbolic_regression",
    "context_gp",
    "nearest_task",
    "context_mlp",
    "inductive_t2v",
)
FLOOR = "family_fit"
BANDS = ("in_support", "F1", "F2", "F3", "F4")


def with_mean_anchor(model: object) -> object:
    """A copy of a fitted rte whose every anchor curve is the bank's mean curve (at each
    task's own inputs); embeddings, Psi and everything else unchanged."""
    out = copy.copy(model)
    bank = model.bank_
    shared = bool(bank.mask.all()) and np.allclose(bank.x, bank.x[:1])
    if shared:
        mean = np.broadcast_to(bank.y.mean(0), bank.y.shape).copy()
    else:
        table = AnchorInterpolator(bank.x, bank.y, bank.mask, dtype=torch.float64)
        every = torch.arange(bank.n_tasks)
        mean = np.stack(
            [
                table(every, torch.as_tensor(np.repeat(x[None], bank.n_tasks, 0))).numpy().mean(0)
                for x in bank.x
            ]
        )
    out.bank_ = replace(bank, y=mean)
    scaling = model.scaling_
    out.interpolator_ = AnchorInterpolator(scaling.x(bank.x), scaling.y(mean), bank.mask)
    vars(out).pop("curves_", None)
    return out


def _scores(model: object, episode: Episode) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Per band: every target's MSE, and the 90 % coverage of methods with intervals. The
    method sees each target as the runner shows it (the fields its access codes allow)."""
    mse, coverage = {}, {}
    for targets in episode.targets:
        std = None
        seen = targets.view(model.sees, type(model).__name__)
        if hasattr(model, "predict_distribution"):
            pred, std = model.predict_distribution(seen)
        else:
            pred = model.predict_targets(seen)
        mse[targets.band] = mse_per_target(np.asarray(pred), targets.query_y).tolist()
        if std is not None:
            metrics = interval_metrics(np.asarray(pred), np.asarray(std), targets.query_y)
            coverage[targets.band] = metrics["coverage_90"]
    return mse, coverage


def evaluate(episode: Episode, variants: dict, rivals: tuple[str, ...]) -> dict:
    """Per-target MSEs of every method on one episode, their seconds and the selections."""
    mse, coverage, seconds, selected = {}, {}, {}, {}
    fits: dict[str, tuple[object, float]] = {}
    for name, (fit_options, predict_options, mean_anchor) in variants.items():
        key = json.dumps(fit_options, sort_keys=True)
        if key not in fits:
            start = time.perf_counter()
            method = get_method("rte").build(episode.seed, fit_options)
            fitted = method.fit(episode.bank.view(method.sees, "rte"))
            fits[key] = (fitted, time.perf_counter() - start)
            selected[key] = fitted.describe_operator()
        fitted, fit_seconds = fits[key]
        model = copy.copy(fitted).set_params(**predict_options)
        if mean_anchor:
            model.calibration()  # on the real bank (the std only; cached and shared)
            model = with_mean_anchor(model)
        start = time.perf_counter()
        mse[name], coverage[name] = _scores(model, episode)
        seconds[name] = fit_seconds + time.perf_counter() - start
    config = ParamSuiteConfig(methods=(*rivals, FLOOR))
    for name, build in config.builders(config.resolve_options()).items():
        start = time.perf_counter()
        method = build(episode.seed)
        mse[name], coverage[name] = _scores(
            method.fit(episode.bank.view(method.sees, name)), episode
        )
        seconds[name] = time.perf_counter() - start
    return {
        "family": episode.family,
        "seed": episode.seed,
        "mse": mse,
        "coverage": coverage,
        "seconds": seconds,
        "selected": {k: v for k, v in selected.items()},
    }


def _seed_means(runs: list[dict]) -> dict:
    """(family, method, band) -> mean over seeds of the mean over targets."""
    values: dict = defaultdict(list)
    for run in runs:
        for method, bands in run["mse"].items():
            for band, errors in bands.items():
                values[(run["family"], method, band)].append(float(np.mean(errors)))
    return {k: float(np.mean(v)) for k, v in values.items()}


def _pooled(runs: list[dict], family: str, method: str, band: str) -> np.ndarray:
    """Per-target MSEs of every seed, (seeds, targets)."""
    return np.array([r["mse"][method][band] for r in runs if r["family"] == family])


def _ratio_interval(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator, n: int = 2000
) -> tuple[float, float]:
    """95 % bootstrap interval of mean(a) / mean(b), targets resampled in pairs within
    each seed (a, b: (seeds, targets))."""
    s, t = a.shape
    idx = rng.integers(0, t, (n, s, t))
    rows = np.arange(s)[None, :, None]
    ratios = a[rows, idx].mean((1, 2)) / b[rows, idx].mean((1, 2))
    return tuple(float(q) for q in np.quantile(ratios, [0.025, 0.975]))


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def print_tables(data: dict) -> None:
    runs = data["runs"]
    families = [f for f in data["families"] if any(r["family"] == f for r in runs)]
    means = _seed_means(runs)
    methods = list(runs[0]["mse"])
    variants = [m for m in methods if m in data["variants"]]
    rivals = [m for m in methods if m in data["rivals"]]
    for band in ("in_support", "F2", "F4"):
        print(f"\n## MSE at {band} (mean over seeds {data['seeds']})\n")
        print("| family | " + " | ".join(methods) + " |")
        print("|---" * (len(methods) + 1) + "|")
        for fam in families:
            cells = [_fmt(means[(fam, m, band)]) for m in methods]
            print(f"| {fam} | " + " | ".join(cells) + " |")
    rng = np.random.default_rng(0)
    print("\n## rte against the best rival and the floor\n")
    print("| family | band | rte | best rival | rte / best (95% CI) | rte / family_fit |")
    print("|---|---|---|---|---|---|")
    ratio: dict = {}
    for fam in families:
        for band in ("in_support", "F2", "F4"):
            best = min(rivals, key=lambda m: means[(fam, m, band)])
            r = means[(fam, "rte", band)] / means[(fam, best, band)]
            ratio[(fam, band)] = r
            lo, hi = _ratio_interval(
                _pooled(runs, fam, "rte", band), _pooled(runs, fam, best, band), rng
            )
            floor = means[(fam, "rte", band)] / means[(fam, FLOOR, band)]
            print(
                f"| {fam} | {band} | {_fmt(means[(fam, 'rte', band)])} | {best} "
                f"{_fmt(means[(fam, best, band)])} | {r:.3g} ({lo:.3g}-{hi:.3g}) | {floor:.3g} |"
            )
    n = len(families)

    def count(values: list[float], limit: float) -> str:
        return f"{sum(v <= limit for v in values)} of {n}"

    f2 = [ratio[(f, "F2")] for f in families]
    f4 = [ratio[(f, "F4")] for f in families]
    ins = [ratio[(f, "in_support")] for f in families]
    floor2 = [means[(f, "rte", "F2")] / means[(f, FLOOR, "F2")] for f in families]
    print(f"\n## Issue 22's criteria on validation seeds {data['seeds']}\n")
    print(f"- F2 rte <= 1.0x best rival: {count(f2, 1.0)} (want >= 6); worst {max(f2):.3g}x")
    print(f"- F4 rte <= 1.0x best rival: {count(f4, 1.0)} (want >= 5)")
    print(f"- F2 rte <= 5x family_fit: {count(floor2, 5.0)} (want >= 5); worst {max(floor2):.3g}x")
    print(
        f"- in support rte <= 1.2x best rival: {count(ins, 1.2)} (want all); worst {max(ins):.3g}x"
    )
    if "rte none" in variants:
        none = [
            means[(f, "rte none", "F2")] / min(means[(f, m, "F2")] for m in rivals)
            for f in families
        ]
        print(f"- F2 rte with correction=none <= 1.0x best rival: {count(none, 1.0)} (want >= 4)")
    if "rte mean anchor" in variants:
        cells, worse = [], 0
        for f in families:
            mean_anchor, own = (_pooled(runs, f, m, "F2") for m in ("rte mean anchor", "rte"))
            lo, hi = _ratio_interval(mean_anchor, own, rng)
            worse += lo > 1.0
            cells.append(f"{f} {mean_anchor.mean() / own.mean():.3g} ({lo:.3g}-{hi:.3g})")
        print(
            f"- F2 rte worse with the bank's mean curve as anchor (95% interval of the ratio "
            f"above 1): {worse} of {n} (want >= 5); " + ", ".join(cells)
        )
    print("\n## 90% coverage of the intervals, mean over families and seeds\n")
    cover: dict = defaultdict(list)
    for run in runs:
        for method, bands in run.get("coverage", {}).items():
            for band, value in bands.items():
                cover[(method, band)].append(value)
    for method in sorted({m for m, _ in cover}):
        cells = [f"{b} {np.mean(cover[(method, b)]):.3f}" for b in BANDS if (method, b) in cover]
        print(f"- {method}: " + ", ".join(cells))
    print("\n## What each bank selected (rte, operator=auto)\n")
    print("| family | seed | operator | law / decomposition | dim phi | correction |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        record = run["selected"].get("{}")
        if record:
            what = record.get("law", record.get("decomposition"))
            print(
                f"| {run['family']} | {run['seed']} | {record['operator']} | {what} | "
                f"{record['dim_phi']} | {record['correction']} |"
            )
    print("\n## Seconds per episode (fit + predicting the five bands), mean over episodes\n")
    timing: dict = defaultdict(list)
    for run in runs:
        for method, s in run["seconds"].items():
            timing[method].append(s)
    for method, values in timing.items():
        print(f"- {method}: {np.mean(values):.1f} s (max {np.max(values):.1f})")
    print(f"\nwall time {data['seconds']:.0f} s, {len(runs)} episodes, jobs {data['jobs']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--families", default=None, help="Comma-separated (default: all).")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="Comma-separated names.")
    parser.add_argument("--rivals", default=",".join(RIVALS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", default="runs/operator_validation.json")
    parser.add_argument("--tables", default=None, help="Reprint the tables of this file.")
    args = parser.parse_args()
    if args.tables:
        print_tables(json.loads(Path(args.tables).read_text()))
        return
    if args.first_seed < 100:
        raise SystemExit("Validation seeds start at 100: seeds 0-2 are the test seeds.")
    settings: dict = {"seeds": args.seeds, "first_seed": args.first_seed}
    if args.families:
        settings["families"] = tuple(args.families.split(","))
    config = ParamSuiteConfig(**settings)
    variants = {name: VARIANTS[name] for name in args.variants.split(",")}
    rivals = tuple(r for r in args.rivals.split(",") if r)
    start = time.perf_counter()
    data = {
        "seeds": list(config.seed_range()),
        "families": list(config.families),
        "variants": list(variants),
        "rivals": list(rivals),
        "jobs": args.jobs,
        "runs": [],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for run in map_ordered(
        partial(evaluate, variants=variants, rivals=rivals),
        config.episodes(),
        len(config.families) * config.seeds,
        Execution(jobs=args.jobs),
    ):
        data["runs"].append(run)
        data["seconds"] = time.perf_counter() - start
        out.write_text(json.dumps(data))  # after every episode: a stopped run keeps its part
        print(f"{run['family']} seed {run['seed']} done at {data['seconds']:.0f} s", flush=True)
    print_tables(data)


if __name__ == "__main__":
    main()
