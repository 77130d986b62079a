"""benchmarks/sequence_compare.py: rows of separate sequence runs paired target by target."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sequence_compare import compare, labelled, read_scores

from rte.errors import ValidationError

HEADER = ["seed", "band", "target", "anchor", "phi", "method", "score", "ambiguous"]


def write(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def run_rows(method: str, scores: list[float], targets: list[str]) -> list[tuple]:
    """One row per (seed, target): seeds 0 and 1, the second target ambiguous."""
    return [
        (seed, "unseen", name, "h", "g", method, score, int(i == 1))
        for seed in (0, 1)
        for i, (name, score) in enumerate(zip(targets, scores, strict=True))
    ]


def test_rows_of_two_runs_are_paired_by_target(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    first = write(tmp_path / "one.csv", run_rows("rte", [1.0, 0.5, 1.0], names))
    # The later run lists its targets in another order: pairing goes by name.
    later = list(reversed(run_rows("rte_executed", [1.0, 1.0, 0.5], names)))
    second = write(tmp_path / "two.csv", later)
    rows = compare(*read_scores([first, second]), "rte", "rte_executed")
    assert [r.split(" | ")[1] for r in rows] == ["all", "ambiguous", "unambiguous"]
    assert rows[0].split(" | ")[2].startswith("+0.0")  # 2.5 - 2.5 over each seed's 3
    assert rows[1].split(" | ")[2] == "-50.0 [-50.0, -50.0]"  # b: 0.5 against 1.0
    assert rows[2].split(" | ")[2].startswith("+25.0")  # c: 1.0 against 0.5, a level


def test_other_targets_or_a_method_twice_are_refused(tmp_path: Path) -> None:
    first = write(tmp_path / "one.csv", run_rows("rte", [1.0, 1.0], ["a", "b"]))
    other = write(tmp_path / "two.csv", run_rows("sft", [1.0, 1.0], ["a", "z"]))
    with pytest.raises(ValidationError, match="different targets"):
        compare(*read_scores([first, other]), "rte", "sft")
    again = write(tmp_path / "three.csv", run_rows("rte", [1.0, 1.0], ["a", "b"]))
    with pytest.raises(ValidationError, match="give each method once"):
        read_scores([first, again])
    with pytest.raises(ValidationError, match="no scores for 'oracle'"):
        compare(*read_scores([first]), "rte", "oracle")


def test_labelled_files_compare_one_method_across_runs(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    old = write(tmp_path / "old.csv", run_rows("rte", [0.5, 0.5, 0.5], names))
    new = write(tmp_path / "new.csv", run_rows("rte", [1.0, 0.5, 1.0], names))
    (label_new, path_new), (label_old, path_old) = map(labelled, [f"s800={new}", f"s400={old}"])
    scores, ambiguous = read_scores([path_new, path_old], [label_new, label_old])
    assert sorted(scores) == ["rte@s400", "rte@s800"]
    rows = compare(scores, ambiguous, "rte@s800", "rte@s400")
    assert rows[1].split(" | ")[2] == "+0.0 [+0.0, +0.0]"  # b: level
    assert rows[2].split(" | ")[2] == "+50.0 [+50.0, +50.0]"  # a and c: 1.0 against 0.5
    assert labelled(str(old)) == ("", old)
    with pytest.raises(ValidationError, match="label before '=' is empty"):
        labelled(f"={old}")


@given(
    label=st.text(st.characters(blacklist_characters="=/"), min_size=1).filter(str.strip),
    path=st.from_regex(r"[a-z0-9_=./]{1,20}", fullmatch=True).filter(lambda s: s.strip(".")),
)
def test_labelled_reads_label_and_path(label: str, path: str) -> None:
    assert labelled(f"{label}={path}") == (label, Path(path))
    assert labelled(f"runs/{path}") == ("", Path(f"runs/{path}"))
