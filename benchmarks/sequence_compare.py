"""Paired comparisons between rows of separate sequence-suite runs, target by target.

    .venv/bin/python benchmarks/sequence_compare.py runs/strings400/targets.csv \\
        runs/strings400_sft_exec/targets.csv --pairs rte,rte_executed rte,sft

A sequence suite writes one ``targets.csv`` per run (``rte bench parity|strings``):
each row a method's score on one named target. Rows run later (``--methods``) can be
compared with an earlier run's over the same targets, as the suite compares the rows
of one run: the mean difference of the scores and its 95 % bootstrap interval
(targets resampled together within seeds), on every target and on the ambiguous and
unambiguous ones. Targets are matched by (seed, band, target, anchor, phi); files whose
targets differ (another split, other settings) are refused, since nothing pairs.

The same method from two runs (e.g. two LoRA budgets) is compared by labelling the
files: ``LABEL=PATH`` names that file's rows ``method@LABEL``::

    .venv/bin/python benchmarks/sequence_compare.py s800=runs/strings800/targets.csv \
        s400=runs/strings400/targets.csv --pairs rte@s800,rte@s400
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from rte.bench.bootstrap import LEVEL, paired_interval
from rte.errors import ValidationError

# What names a target in targets.csv.
TARGET_KEY = ("seed", "band", "target", "anchor", "phi")


def labelled(argument: str) -> tuple[str, Path]:
    """``LABEL=PATH`` as (label, path); a bare path (no ``=`` before its first ``/``)
    has the empty label."""
    label, sep, path = argument.partition("=")
    if not sep or "/" in label:
        return "", Path(argument)
    if not label.strip():
        raise ValidationError(f"{argument!r}: a label before '=' is empty. Expected LABEL=PATH.")
    return label, Path(path)


def read_scores(
    paths: list[Path], labels: list[str] | None = None
) -> tuple[dict[str, dict[tuple, float]], dict[tuple, bool]]:
    """Each method's score per target key, and whether each target is ambiguous, from
    every file (a file's methods named ``method@label`` where it has a label); a method
    in two files, or one target ambiguous in one file and not in another, is refused."""
    scores: dict[str, dict[tuple, float]] = {}
    ambiguous: dict[tuple, bool] = {}
    origin: dict[str, Path] = {}
    for path, label in zip(paths, labels or [""] * len(paths), strict=True):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                key = tuple(row[k] for k in TARGET_KEY)
                method = f"{row['method']}@{label}" if label else row["method"]
                if origin.setdefault(method, path) != path:
                    raise ValidationError(
                        f"{method!r} is in {origin[method]} and in {path}: give each method "
                        "once, or label the files (LABEL=PATH)."
                    )
                flag = row["ambiguous"] == "1"
                if ambiguous.setdefault(key, flag) != flag:
                    raise ValidationError(f"target {key} is ambiguous in one file only.")
                scores.setdefault(method, {})[key] = float(row["score"])
    return scores, ambiguous


def compare(
    scores: dict[str, dict[tuple, float]], ambiguous: dict[tuple, bool], first: str, second: str
) -> list[str]:
    """Markdown rows: ``first`` - ``second`` on all, ambiguous and unambiguous targets."""
    for name in (first, second):
        if name not in scores:
            raise ValidationError(f"no scores for {name!r}. Methods: {', '.join(sorted(scores))}.")
    a, b = scores[first], scores[second]
    if set(a) != set(b):
        raise ValidationError(
            f"{first} and {second} were scored on different targets ({len(a)} and {len(b)}; "
            f"{len(set(a) ^ set(b))} in one only): not the same split."
        )
    lines = []
    for part, keep in (("all", None), ("ambiguous", True), ("unambiguous", False)):
        keys = [k for k in a if keep is None or ambiguous[k] == keep]
        if not keys:
            continue
        seeds = sorted({k[0] for k in keys}, key=int)
        ours = [[a[k] for k in keys if k[0] == s] for s in seeds]
        theirs = [[b[k] for k in keys if k[0] == s] for s in seeds]
        value, low, high = paired_interval(ours, theirs, "difference")
        lines.append(
            f"| {first} - {second} | {part} | {100 * value:+.1f} "
            f"[{100 * low:+.1f}, {100 * high:+.1f}] | {len(keys)} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="+", type=labelled, help="targets.csv of each run, or LABEL=PATH"
    )
    parser.add_argument("--pairs", nargs="+", required=True, help="A,B: A - B per pair")
    args = parser.parse_args()
    labels, paths = zip(*args.files, strict=True)
    scores, ambiguous = read_scores(list(paths), list(labels))
    print(f"| pair | targets | difference, points [{LEVEL:.0%} paired interval] | count |")
    print("|---|---|---|---|")
    for pair in args.pairs:
        names = pair.split(",")
        if len(names) != 2:
            raise ValidationError(f"--pairs takes A,B. Got {pair!r}.")
        print("\n".join(compare(scores, ambiguous, *names)))


if __name__ == "__main__":
    main()
