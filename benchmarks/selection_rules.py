"""Which rule should pick rte's operator on a real bank? Scored on validation splits only.

rte's selection (:mod:`rte.models.selection`) scores every candidate setting (each law
of the search, the MLP and the warp operator along chains or in one step, each alone or
corrected by the residual GP) on the bank's two held-out ends, and a rule turns those
scores into one choice. This script records, for every (bank, validation seed), each
candidate's errors on the two ends *and* its validation MSE when fitted on the whole
validation bank (networks with the full ``steps``), then replays rules on the records:
the committed one (:meth:`_Scores.best`), and alternatives. It also prints what a perfect
choice would reach (an oracle: it reads the validation targets, so it is a bound, not a
method). The reported targets are loaded only by ``--bound``, after a rule is chosen:
it bounds what any rule could reach there and chooses nothing.

    .venv/bin/python benchmarks/selection_rules.py --jobs 2 --out runs/selection_rules.json
    .venv/bin/python benchmarks/selection_rules.py --replay runs/selection_rules.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from real_acceptance import best_rivals  # beside this script
from tune_real import validation_split

from rte._io import atomic_write_text
from rte.bench.execution import Execution, map_ordered
from rte.bench.plots import pyplot, save_figure
from rte.bench.results import load_results
from rte.bench.suites.real import RealSuiteConfig
from rte.models.selection import (
    _TIE,
    NETWORKS,
    _score_means,
    _Scores,
    held_out,
    score_candidates,
)
from rte.registry import get_method
from rte.tasks.real import real_bank_names

Record = dict[str, dict[str, list]]


def record(unit: tuple[str, int]) -> Record:
    """Every candidate's per-target errors on the two held-out ends (``ends``) and on the
    validation targets (``valid``; the reported targets for seeds below 100, which only
    ``--bound`` asks for), for rte with the suite's tuned options."""
    name, seed = unit
    if seed >= 100:
        bank, targets = validation_split(name, seed)
    else:  # the suite's own episode: its training tasks and targets at this seed
        reported = RealSuiteConfig(banks=(name,), first_seed=seed, seeds=1)
        episode = next(reported.episodes())
        bank, targets = episode.bank, episode.targets
    config = RealSuiteConfig(banks=(name,), methods=("rte",))
    key = config.options_key("rte")
    options = {**config.bank_options(name)["rte"], "operator": "symbolic"}
    model = get_method(key).build(seed, options)
    view = bank.view(model.sees, "rte")
    model.fit(view)
    splits = held_out(model, view, model.embedding_.bank_embeddings_[:, 0])
    scores = score_candidates(model, view, splits, networks=True)
    valid = _Scores()  # the same scoring, on the targets (each band in turn)
    laws = model.psi_
    for k, law in enumerate(laws.laws):
        model.psi_ = laws.chosen(k)
        for band in targets:
            _score_means(valid, f"symbolic {law.key}", {}, model, band)
    for operator in NETWORKS:
        fitted = get_method(key).build(seed, {**options, "operator": operator}).fit(view)
        for decomposition in ("chain", "admissible"):
            fitted.set_params(decomposition=decomposition)
            for band in targets:
                _score_means(valid, f"{operator} {decomposition}", {}, fitted, band)
    return {
        "ends": {n: [e.tolist() for e in errors] for n, errors in scores.errors.items()},
        "valid": {n: np.concatenate(e).tolist() for n, e in valid.errors.items()},
        "order": list(scores.errors),
        "floor": [model.train_context_noise**2],
    }


def _parsed(
    key: str, rec: Record
) -> tuple[str, dict[str, list[np.ndarray]], dict[str, np.ndarray]]:
    """A record's bank, its per-end errors and its per-target errors on the targets."""
    ends = {n: [np.asarray(e) for e in es] for n, es in rec["ends"].items()}
    return key.rsplit(" ", 1)[0], ends, {n: np.asarray(v) for n, v in rec["valid"].items()}


# A rule: (per-candidate per-end errors, the candidates in the order tried) -> a name.
Errors = dict[str, list[np.ndarray]]
Rule = Callable[[Errors, list[str]], str]


def _first_within_tie(score: dict[str, float]) -> str:
    """The first candidate (in the order tried) within the tie factor of the lowest."""
    low = min(score.values())
    return next(n for n in score if score[n] <= _TIE * low)


def committed(ends: Errors, names: list[str]) -> str:
    """:meth:`rte.models.selection._Scores.best` as committed, on ``names`` only."""
    scores = _Scores()
    scores.errors.update({n: ends[n] for n in names})
    chosen = scores.best(sum(len(e) for e in ends[names[0]]))
    assert chosen is not None  # every candidate was scored on every held-out target
    return chosen[0]


def pooled_lowest(ends: Errors, names: list[str]) -> str:
    """Lowest mean over the held-out targets, no tie rule."""
    return min(names, key=lambda n: np.concatenate(ends[n]).mean())


def _per_end_ratio(ends: Errors, names: list[str]) -> dict[str, np.ndarray]:
    """Each candidate's error at each end relative to the lowest at that end."""
    means = {n: np.array([e.mean() for e in ends[n]]) for n in names}
    lowest = np.min(np.stack(list(means.values())), 0)
    return {n: m / lowest for n, m in means.items()}


def end_geomean(ends: Errors, names: list[str]) -> str:
    """Lowest geometric mean over the two ends of the ratio to each end's best: both
    ends count alike, whatever their scale."""
    ratio = _per_end_ratio(ends, names)
    return min(ratio, key=lambda n: np.log(ratio[n]).mean())


def end_geomean_tie(ends: Errors, names: list[str]) -> str:
    """:func:`end_geomean` preferring the earlier (simpler) candidate within the tie."""
    ratio = _per_end_ratio(ends, names)
    return _first_within_tie({n: float(np.exp(np.log(r).mean())) for n, r in ratio.items()})


def end_minimax(ends: Errors, names: list[str]) -> str:
    """Lowest worst-end ratio to that end's best."""
    ratio = _per_end_ratio(ends, names)
    return min(ratio, key=lambda n: ratio[n].max())


def _target_geomean(ends: Errors, names: list[str]) -> dict[str, float]:
    return {n: float(np.exp(np.log(np.concatenate(ends[n]) + 1e-300).mean())) for n in names}


def target_geomean(ends: Errors, names: list[str]) -> str:
    """Lowest geometric mean of the per-target errors (one bad target cannot decide)."""
    score = _target_geomean(ends, names)
    return min(score, key=score.__getitem__)


def target_geomean_tie(ends: Errors, names: list[str]) -> str:
    """:func:`target_geomean` preferring the earlier (simpler) candidate within the tie."""
    return _first_within_tie(_target_geomean(ends, names))


RULES: dict[str, Rule] = {
    "committed": committed,
    "pooled_lowest": pooled_lowest,
    "end_geomean": end_geomean,
    "end_geomean_tie": end_geomean_tie,
    "end_minimax": end_minimax,
    "target_geomean": target_geomean,
    "target_geomean_tie": target_geomean_tie,
}


def gated(rule: Rule, ends: Errors, order: list[str], floor: float) -> str:
    """``rule``'s choice as the selection makes it: among the laws, and among the networks
    too only if the law it picks misses the held-out targets by more than the noise."""
    laws = [n for n in order if n.startswith("symbolic")]
    law = rule(ends, laws)
    if float(np.concatenate(ends[law]).mean()) <= floor:
        return law
    return rule(ends, order)


def replay(records: dict[str, Record]) -> None:
    """Each rule's validation MSE per bank (mean over seeds) and its mean log ratio over
    banks against the committed rule; the oracle reads the validation targets."""
    banks = sorted({k.rsplit(" ", 1)[0] for k in records})
    table: dict[str, dict[str, list[float]]] = {
        r: {b: [] for b in banks} for r in [*RULES, "oracle"]
    }
    for key, rec in records.items():
        bank, ends, targets = _parsed(key, rec)
        valid = {n: float(v.mean()) for n, v in targets.items()}
        for rule, choose in RULES.items():
            chosen = gated(choose, ends, rec["order"], rec["floor"][0])
            table[rule][bank].append(valid[chosen])
            print(f"{key:24s} {rule:16s} {chosen:40s} {valid[chosen]:.4g}")
        table["oracle"][bank].append(min(valid.values()))
    base = {b: np.mean(table["committed"][b]) for b in banks}
    print("| rule | " + " | ".join(banks) + " | mean log ratio |")
    print("|---" * (len(banks) + 2) + "|")
    for rule, per_bank in table.items():
        means = {b: float(np.mean(v)) for b, v in per_bank.items()}
        ratio = np.mean([np.log(means[b] / base[b]) for b in banks])
        cells = " | ".join(f"{means[b]:.3g}" for b in banks)
        print(f"| {rule} | {cells} | {ratio:+.3f} |")


def bound(records: dict[str, Record], results: str, figure: str | None = None) -> None:
    """On the reported seeds, after the rule was chosen: the committed rule's choice and a
    perfect choice among rte's candidates (an oracle: it reads the targets, so a bound on
    what any selection rule could reach, never a method), pooled over every held-out
    target as ``benchmarks/real_acceptance.py`` pools them, against the best rival of the
    suite's ``results`` file (the same targets); with ``figure``, both as ratios to that
    rival in a bar chart (PNG)."""
    rivals = best_rivals(load_results(results))
    pooled: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for key, rec in records.items():
        bank, ends, valid = _parsed(key, rec)
        chosen = gated(committed, ends, rec["order"], rec["floor"][0])
        pooled[bank]["committed"].extend(valid[chosen])
        pooled[bank]["oracle"].extend(valid[min(valid, key=lambda n: valid[n].mean())])
    print("| bank | rte (committed rule) | best of rte's candidates (oracle) | best rival |")
    print("|---|---|---|---|")
    for bank, errors in pooled.items():
        name, mean = rivals[bank]
        cells = f"{np.mean(errors['committed']):.3g} | {np.mean(errors['oracle']):.3g}"
        print(f"| {bank} | {cells} | {name} {mean:.3g} |")
    if figure:
        plot_bound(pooled, rivals, Path(figure))


def plot_bound(
    pooled: dict[str, dict[str, list[float]]], rivals: dict[str, tuple[str, float]], path: Path
) -> None:
    """rte's MSE over the best rival's per bank, as served and as an oracle would choose."""
    banks = list(pooled)
    fig, ax = pyplot().subplots(figsize=(11.5, 4))
    at = np.arange(len(banks))
    for k, (which, label) in enumerate(
        [("committed", "rte as served"), ("oracle", "best of rte's candidates (oracle)")]
    ):
        ratio = [np.mean(pooled[b][which]) / rivals[b][1] for b in banks]
        ax.bar(at + (k - 0.5) * 0.4, ratio, 0.4, label=label)
    ax.axhline(1.0, color="black", lw=1)
    ax.set_yscale("log")
    ax.set_xticks(at, [f"{b}\nvs\n{rivals[b][0]}" for b in banks], fontsize=7)
    ax.set_ylabel("MSE / best rival's MSE")
    ax.set_title("rte bench real, seeds 0-2: below 1, rte is ahead")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="how many validation seeds")
    parser.add_argument("--first-seed", type=int, default=100, help="validation seeds: 100 and up")
    parser.add_argument("--banks", nargs="*", default=None, help="default: every real bank")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", default="runs/selection_rules.json")
    parser.add_argument("--replay", default=None, help="replay the rules on a records file")
    parser.add_argument(
        "--bound",
        default=None,
        metavar="RESULTS",
        help="after the rule is chosen: record the reported seeds 0-2 and print the oracle "
        "bound against the rivals of this `rte bench real` results.json",
    )
    parser.add_argument("--figure", default=None, help="with --bound: the bound as a PNG")
    args = parser.parse_args()
    if args.replay:
        with open(args.replay) as handle:
            records = json.load(handle)
        bound(records, args.bound, args.figure) if args.bound else replay(records)
        return
    if args.first_seed < 100:
        parser.error("validation seeds are 100 and up; seeds 0-99 are the reported ones")
    seeds = range(0, 3) if args.bound else range(args.first_seed, args.first_seed + args.seeds)
    units = [(b, s) for b in (args.banks or real_bank_names()) for s in seeds]
    done = map_ordered(record, units, len(units), Execution(jobs=args.jobs))
    records = {f"{b} {s}": r for (b, s), r in zip(units, done, strict=True)}
    atomic_write_text(args.out, json.dumps(records))
    bound(records, args.bound, args.figure) if args.bound else replay(records)


if __name__ == "__main__":
    main()
