"""The real-data acceptance table, from a ``rte bench real`` results file.

    .venv/bin/python benchmarks/real_acceptance.py runs/real/results.json

Per bank, on the ``held_out`` band (every held-out target): rte's MSE, the best rival's
(the lowest among rows without a reference code, rte aside), the ratio of their
3-seed mean MSEs with its paired 95 % bootstrap interval over targets, and the number
of targets; then how many banks rte is best on and on how many the interval lies
below 1; last, each method's share of the run's method time (its ``seconds`` records
summed). Nothing is fitted here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from param_acceptance import REFERENCE_CODES, paired_ratio, per_target  # beside this script

from rte.bench.results import load_results, summarize

BAND = "held_out"


def best_rivals(data: dict) -> dict[str, tuple[str, float]]:
    """Per bank, the rival (no reference code, rte aside) with the lowest mean MSE on the
    ``held_out`` band, and that MSE."""
    stats = summarize(data["records"])
    rivals = [
        name
        for name, spec in data["methods"].items()
        if name != "rte" and not REFERENCE_CODES & set(spec.get("access", ()))
    ]
    out = {}
    for bank in dict.fromkeys(r.family for r in data["records"]):
        found = {
            m: stats[(bank, m, BAND, "mse")][0] for m in rivals if (bank, m, BAND, "mse") in stats
        }
        best = min(found, key=found.get)
        out[bank] = best, found[best]
    return out


def rows(data: dict) -> tuple[list[str], int, int, int]:
    """The table's lines, the banks, those where rte is best, and where significantly."""
    stats, scores = summarize(data["records"]), per_target(data)
    lines = [
        "| bank | rte | best rival | rte / best rival [95 %] | targets |",
        "|---|---|---|---|---|",
    ]
    best_on = significant = 0
    rivals = best_rivals(data)
    for bank, (best, mean) in rivals.items():
        value, low, high, count = paired_ratio(scores, bank, BAND, "rte", best)
        best_on += value <= 1.0
        significant += high < 1.0
        rte = stats[(bank, "rte", BAND, "mse")][0]
        lines.append(
            f"| {bank} | {rte:.3g} | {best} {mean:.3g} | "
            f"{value:.3g} [{low:.3g}, {high:.3g}] | {count} |"
        )
    return lines, len(rivals), best_on, significant


def method_times(data: dict) -> list[str]:
    """Each method's summed ``seconds`` records and share of the total, largest first."""
    totals: dict[str, float] = {}
    for record in data["records"]:
        if record.metric == "seconds":
            totals[record.method] = totals.get(record.method, 0.0) + record.value
    whole = sum(totals.values())
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return [f"- {m}: {t:,.0f} s ({t / whole:.0%})" for m, t in ranked] + [f"- all: {whole:,.0f} s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    args = parser.parse_args()
    data = load_results(args.results)
    lines, n, best_on, significant = rows(data)
    print("\n".join(lines), end="\n\n")
    print(f"- rte best (ratio <= 1) on {best_on} of {n} banks (target 6 of 8).")
    print(f"- the interval of the ratio below 1 on {significant} of {n} (target 4).")
    print("\nMethod time (seconds records):", *method_times(data), sep="\n")


if __name__ == "__main__":
    main()
