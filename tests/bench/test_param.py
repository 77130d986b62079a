"""`rte bench param` end to end on a small configuration, and its CLI errors."""

import json

from typer.testing import CliRunner

from rte.bench.param import ParamSuiteConfig, run_param_suite
from rte.bench.results import METRICS, RECORD_FIELDS
from rte.cli import app


def test_param_suite_writes_results_and_plots(tmp_path):
    config = ParamSuiteConfig(
        families=("sine_trend",), methods=("rte", "context_mlp"), seeds=1, n_tasks=30, n_targets=4
    )
    path = run_param_suite(config, tmp_path)
    data = json.loads(path.read_text())
    assert data["suite"] == "param" and data["config"]["families"] == ["sine_trend"]
    assert set(data["methods"]) == set(config.methods)
    bands = {(r["method"], r["band"]) for r in data["records"] if r["metric"] == "mse"}
    assert bands == {(m, b) for m in config.methods for b in ("in_support", "F1", "F2")}
    assert all(set(r) == set(RECORD_FIELDS) and r["metric"] in METRICS for r in data["records"])
    assert (tmp_path / "param_sine_trend.png").stat().st_size > 10_000


def test_cli_rejects_unknown_family_with_one_line():
    result = CliRunner().invoke(app, ["bench", "param", "--families", "nope"])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "Unknown family 'nope'" in str(
        result.exception
    )


def test_cli_rejects_bad_option_type():
    result = CliRunner().invoke(app, ["bench", "param", "--seeds", "many"])
    assert result.exit_code == 2 and "Traceback" not in result.output
