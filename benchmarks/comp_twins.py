"""How many of rte's composition decompositions that ``decomposition_accuracy`` counts
wrong are the target's function all the same (a functional twin), per candidate set.

    .venv/bin/python benchmarks/comp_twins.py [--seeds 3] [--first-seed 0]

``decomposition_accuracy`` counts a decomposition right only when its anchor is the
true anchor (or a bank task with identical observations) and its label the true
label. With every bank task as a possible anchor (``--candidates bank``), a depth-3
candidate can be the same function as the truth: abs(neg(h)) is abs(h). For the
default ``rte bench comp`` (small scale) and each candidate set, this fits rte
(``rte_discrete``, default options) per seed, decomposes every target as the suite
does, and sorts each decomposition into: the true one; another that is the same
function on the bank's grid (g applied to the anchor's observations equals the
truth's, to 1e-9); a different function. Prints the counts per candidate set and
band. It reads the generators (the primitives) to score, as the suite's scoring
reads the labels; no method sees them.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from rte.bench.suites.comp import CompSuiteConfig
from rte.registry import get_method
from rte.runtime import set_threads
from rte.tasks.composition import PRIMITIVES
from rte.tasks.sequence import CANDIDATE_SETS


def classify(model, targets) -> Counter:
    """exact / twin / different for every target of one band."""
    out = model.predict_batch(targets.context_x, targets.context_y, targets.query_x)
    anchors, labels = model.true_decomposition(targets)
    bank, vocab = model.bank_, model.vocab_
    counts: Counter = Counter()
    for a, p, true_a, true_p in zip(out.anchor_index, out.phi_index, anchors, labels, strict=True):
        mine = PRIMITIVES[vocab[p]](bank.y[a])
        truth = PRIMITIVES[vocab[true_p]](bank.y[true_a])
        if model.task_group_[a] == model.task_group_[true_a] and p == true_p:
            counts["exact"] += 1
        elif np.abs(mine - truth).max() < 1e-9:
            counts["twin"] += 1
        else:
            counts["different"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()
    set_threads(1)
    print("| candidates | band | targets | true decomposition | same function | different |")
    print("|---|---|---|---|---|---|")
    for candidates in CANDIDATE_SETS:
        config = CompSuiteConfig(
            seeds=args.seeds, first_seed=args.first_seed, candidates=candidates
        )
        totals: dict[str, Counter] = {}
        for episode in config.episodes():
            model = get_method("rte_discrete").build(episode.seed).fit(episode.bank)
            for targets in episode.targets:
                totals.setdefault(targets.band, Counter()).update(classify(model, targets))
        for band, c in totals.items():
            n = sum(c.values())
            print(
                f"| {candidates} | {band} | {n} | {c['exact']} | {c['twin']} | {c['different']} |"
            )


if __name__ == "__main__":
    main()
