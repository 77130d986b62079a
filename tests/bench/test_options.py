"""Options reach every method: --set, --config, the Python entry point, results.json, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import rte.bench
from rte.bench.options import parse_set, read_config_file
from rte.bench.report import report
from rte.bench.suites.param import ParamSuiteConfig
from rte.cli import app
from rte.errors import ValidationError
from rte.models import RelationalTaskExtrapolator

TINY_RUN = ["--families", "sine_trend", "--seeds", "1", "--n-tasks", "12", "--n-targets", "3"]


def _cls(method: str) -> type:
    return ParamSuiteConfig().option_class(method)


def test_set_lines_are_typed_by_the_method_declaration() -> None:
    options = parse_set(
        ["rte.steps=50", "rte.lr = 0.01", "context_mlp.width=8", "rte.steps=60"], _cls
    )
    assert options == {"rte": {"steps": 60, "lr": 0.01}, "context_mlp": {"width": 8}}


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("rte.steps", "METHOD.KEY=VALUE"),
        ("steps=5", "METHOD.KEY=VALUE"),
        ("rte.=5", "METHOD.KEY=VALUE"),
        ("rte.stepz=5", r"Unknown option\(s\) \['stepz'\] for rte"),
        ("rte.steps=many", "rte.steps must be an integer"),
        ("nope.steps=5", "Unknown method 'nope'"),
    ],
)
def test_bad_set_lines_name_the_problem(line: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        parse_set([line], _cls)


@given(st.text(max_size=40))
def test_any_set_line_parses_or_fails_cleanly(line: str) -> None:
    try:
        options = parse_set([line], _cls)
    except ValidationError:
        return
    ((method, values),) = options.items()
    assert set(values) <= set(_cls(method)().get_params())


def test_config_file_holds_suite_settings_and_method_tables(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[suite]\nseeds = 2\n\n[rte]\nsteps = 40\n\n[inductive_t2v]\nwidth = 16\n")
    assert read_config_file(path) == (
        {"seeds": 2},
        {"rte": {"steps": 40}, "inductive_t2v": {"width": 16}},
    )
    path.write_text("steps = 40\n")
    with pytest.raises(ValidationError, match="expected tables"):
        read_config_file(path)
    path.write_text("[rte\n")
    with pytest.raises(ValidationError, match="not valid TOML"):
        read_config_file(path)
    with pytest.raises(ValidationError, match="no such file"):
        read_config_file(tmp_path / "missing.toml")


def _records(path: Path) -> dict:
    data = json.loads(path.read_text())
    return {(r["method"], r["band"]): r["value"] for r in data["records"] if r["metric"] == "mse"}


def test_set_changes_results_and_is_recorded(tmp_path: Path) -> None:
    runner = CliRunner()
    for steps in (5, 60):
        out = tmp_path / str(steps)
        args = ["bench", "param", *TINY_RUN, "--methods", "rte", "--out", str(out)]
        # steps shape the MLP's training (the symbolic operator trains no network)
        options = ["--set", f"rte.steps={steps}", "--set", "rte.operator=mlp"]
        result = runner.invoke(app, [*args, *options])
        assert result.exit_code == 0, result.output
        data = json.loads((out / "results.json").read_text())
        assert data["methods"]["rte"]["options"]["steps"] == steps
        assert data["methods"]["rte"]["access"] == ["B", "C"]
    assert _records(tmp_path / "5" / "results.json") != _records(tmp_path / "60" / "results.json")
    text = report(tmp_path / "60" / "results.json")
    assert "| rte | BC |" in text and "steps=60" in text


def test_config_file_and_set_precedence(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text("[suite]\nn_targets = 2\n\n[rte]\nsteps = 4\nwidth = 8\n")
    args = ["bench", "param", *TINY_RUN, "--methods", "rte", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--config", str(config), "--set", "rte.steps=3"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "o" / "results.json").read_text())
    assert data["methods"]["rte"]["options"]["steps"] == 3  # --set beats the file
    assert data["methods"]["rte"]["options"]["width"] == 8  # the file beats the default
    assert data["config"]["n_targets"] == 3  # the command line beats the file


def test_options_for_a_method_outside_the_run_are_refused() -> None:
    with pytest.raises(ValidationError, match="does not include"):
        ParamSuiteConfig(methods=("rte",)).resolve_options({"context_mlp": {"steps": 3}})


def test_python_entry_point_runs_a_suite(tmp_path: Path) -> None:
    import torch

    torch.set_num_threads(2)
    path = rte.bench.run(
        "param",
        families=["sine_trend"],
        methods=["rte", "context_mlp"],
        seeds=1,
        n_tasks=12,
        n_targets=3,
        out=tmp_path,
        options={"rte": {"steps": 5}, "context_mlp": {"steps": 10}},
    )
    assert torch.get_num_threads() == 1  # set as the CLI sets it
    data = json.loads(path.read_text())
    assert data["methods"]["context_mlp"]["options"]["steps"] == 10
    assert "scale" in rte.bench.suite_names() and "rte" in __import__("rte").method_names()
    with pytest.raises(ValidationError, match="Unknown suite"):
        rte.bench.run("chess")
    with pytest.raises(ValidationError, match="Unknown option"):
        rte.bench.run("param", family=["quadratic"])


def test_every_public_estimator_clones() -> None:
    from sklearn.base import clone

    model = RelationalTaskExtrapolator(steps=10)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy.steps == 10
    assert model.set_params(steps=20).steps == 20
