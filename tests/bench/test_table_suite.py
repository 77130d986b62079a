"""`rte bench table BANK --by COLUMN`: the held-out top of a user's table, every method on the
same splits and seeds, a verdict against nearest_task, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import rte.bench
from rte.bench.results import load_results
from rte.bench.suites.table import TableSuiteConfig, verdicts
from rte.cli import app
from rte.errors import ValidationError
from rte.testing import TINY_RTE


def _table(path: Path, n_tasks: int = 16, n_points: int = 14) -> Path:
    """Curves y = g * x^2 - x for g in [1, 2.5]; task ids are the g values as text."""
    x = np.linspace(-1, 1, n_points)
    rows = [
        pd.DataFrame({"curve": f"{g:.1f}", "t": x, "h": g * x**2 - x, "g": g})
        for g in np.linspace(1.0, 2.5, n_tasks)
    ]
    pd.concat(rows).to_csv(path, index=False)
    return path


COLUMNS = {"task": "curve", "x": ("t",), "y": "h"}
FAST = {"rte": {**TINY_RTE, "steps": 400, "width": 32}, "context_gp": {"restarts": 0}}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("table")
    path = rte.bench.run(
        "table",
        bank=str(_table(root / "curves.csv")),
        by="g",
        methods=("rte", "nearest_task", "context_gp"),
        seeds=2,
        context_size=5,
        jobs=1,
        out=root / "out",
        options=FAST,
        **COLUMNS,
    )
    return path, json.loads(path.read_text())


def test_records_cover_every_method_band_and_seed(run: tuple[Path, dict]) -> None:
    path, data = run
    records = load_results(path)["records"]
    mse = {(r.method, r.band, r.seed) for r in records if r.metric == "mse"}
    assert mse == {
        (m, b, s) for m in ("rte", "nearest_task", "context_gp") for b in ("near", "far")
        for s in (0, 1)
    }  # fmt: skip
    assert {r.family for r in records} == {"curves"}
    assert data["methods"]["context_gp"]["access"] == ["C"]
    assert data["config"]["by"] == "g" and data["config"]["bank"].endswith("curves.csv")
    assert (path.parent / "table_near.png").is_file() and (path.parent / "table_far.png").is_file()


def test_targets_are_the_top_of_the_variable(run: tuple[Path, dict]) -> None:
    split = run[1]["split"]
    assert split["n_train"] == 12 and split["train_range"] == pytest.approx([1.0, 2.1])
    assert split["bands"]["near"]["range"] == pytest.approx([2.2, 2.3])
    assert split["bands"]["far"]["range"] == pytest.approx([2.4, 2.5])
    assert sum(b["n_targets"] for b in split["bands"].values()) == 4


def test_a_smooth_relational_table_is_far_better_than_the_closest_curve(run) -> None:
    """Closer curves exist for neither band: rte must beat nearest_task clearly."""
    records = load_results(run[0])["records"]
    mean = {
        m: np.mean([r.value for r in records if (r.method, r.band, r.metric) == (m, "far", "mse")])
        for m in ("rte", "nearest_task")
    }
    assert mean["rte"] < mean["nearest_task"] / 2
    lines = verdicts(records, ("near", "far"), run[1]["methods"])
    assert lines[1].startswith("far: rte MSE") and "lower" in lines[1]


def test_seeds_draw_new_contexts_on_the_same_training_tasks(tmp_path: Path) -> None:
    config = TableSuiteConfig(
        bank=str(_table(tmp_path / "c.csv")), by="g", seeds=2, context_size=5, **COLUMNS
    )
    bank, variable = config.load()
    (first, a), (second, b) = config.episodes(bank, variable)
    assert first.bank.task_ids == second.bank.task_ids
    assert not np.array_equal(first.targets[0].context_x, second.targets[0].context_x)
    assert a.band_ranges == b.band_ranges


def test_the_task_column_can_be_the_variable(tmp_path: Path) -> None:
    config = TableSuiteConfig(bank=str(_table(tmp_path / "c.csv")), by="curve", **COLUMNS)
    _, variable = config.load()
    np.testing.assert_allclose(variable, np.round(np.linspace(1, 2.5, 16), 1))


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"by": None}, "Name the task variable"),
        ({"methods": ("rte_discrete",)}, "needs L"),
        ({"by": "missing"}, "missing column"),
        ({"by": "t"}, "more than one role"),
        ({"by": "h"}, "more than one role"),
        ({"share": 1.0}, "strictly between 0 and 1"),
        ({"context_size": 14}, "Lower context_size"),
        ({"bands": ("far", "far")}, None),
    ],
)
def test_bad_settings_are_refused_before_any_fit(tmp_path: Path, settings: dict, match) -> None:
    base = {"bank": str(_table(tmp_path / "c.csv")), "by": "g", **COLUMNS, **settings}
    if match is None:  # duplicate band names are refused: they would merge in the table
        match = "distinct"
    with pytest.raises(ValidationError, match=match):
        config = TableSuiteConfig(**base)
        config.episodes(*config.load())


def test_the_command_takes_the_table_as_an_argument(tmp_path: Path) -> None:
    bank = _table(tmp_path / "[curves].csv")
    args = ["bench", "table", str(bank), "--by", "g", "--task", "curve", "--x", "t", "--y", "h"]
    args += ["--methods", "nearest_task", "--seeds", "1", "--jobs", "1", "--context-size", "5"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "12 training tasks with g in [1, 2.1]" in result.output
    assert "Lowest MSE without oracle access: nearest_task." in result.output
    assert load_results(tmp_path / "out" / "results.json")["suite"] == "table"
