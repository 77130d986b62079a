"""`rte bench param` end to end on a small configuration, and its CLI errors."""

import json

from typer.testing import CliRunner

from rte.bench.results import METRICS, RECORD_FIELDS
from rte.bench.suites.param import ParamSuiteConfig, run_param_suite
from rte.cli import app
from rte.tasks import BANDS


def test_param_suite_writes_results_and_plots(tmp_path):
    config = ParamSuiteConfig(
        families=("sine_trend",), methods=("rte", "context_mlp"), seeds=1, n_tasks=30, n_targets=4
    )
    path = run_param_suite(config, tmp_path)
    data = json.loads(path.read_text())
    assert data["suite"] == "param" and data["config"]["families"] == ["sine_trend"]
    assert set(data["methods"]) == set(config.methods)
    bands = {(r["method"], r["band"]) for r in data["records"] if r["metric"] == "mse"}
    assert bands == {(m, b) for m in config.methods for b in BANDS}
    assert {r["metric"] for r in data["records"] if r["method"] == "rte"} >= {
        "coverage_90",
        "interval_width",
        "crps",
    }
    assert all(set(r) == set(RECORD_FIELDS) and r["metric"] in METRICS for r in data["records"])
    assert (tmp_path / "param_sine_trend.png").stat().st_size > 10_000


def test_the_oracle_bounds_rte_on_every_target(tmp_path):
    """transductive_oracle shares rte's fit and chooses, per target, among rte's own
    prediction and its single-candidate predictions by the clean query values: its MSE
    is at most rte's on every target, and below it on some (else it bounds nothing)."""
    import rte.bench

    options = {"rte": {"steps": 30}}
    small = {"families": ["quadratic", "power"], "seeds": 1, "n_tasks": 16, "n_targets": 4}
    methods = ["rte", "transductive_oracle"]
    path = rte.bench.run("param", methods=methods, jobs=1, out=tmp_path, options=options, **small)
    scores = {
        (t["family"], t["band"], t["method"]): t["values"]
        for t in json.loads(path.read_text())["targets"]
        if t["metric"] == "mse"
    }
    pairs = [
        (oracle, mine)
        for (family, band, method), mine in scores.items()
        if method == "rte"
        for oracle in [scores[(family, band, "transductive_oracle")]]
    ]
    flat = [(o, m) for oracle, mine in pairs for o, m in zip(oracle, mine, strict=True)]
    assert len(flat) == 2 * 5 * 4
    assert all(o <= m for o, m in flat)
    assert any(o < m for o, m in flat)
    fits = json.loads(path.read_text())["fits"]
    served = {(f["family"], f["method"]) for f in fits}
    assert served == {(fam, "rte") for fam in small["families"]}
    assert all(f["operator"] in ("mlp", "warp", "symbolic") and f["dim_phi"] >= 1 for f in fits)
    from rte.bench.report import report

    assert "What served each fit" in report(path)


def test_cli_rejects_unknown_family_with_one_line():
    result = CliRunner().invoke(app, ["bench", "param", "--families", "nope"])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "Unknown family 'nope'" in str(
        result.exception
    )


def test_cli_rejects_bad_option_type():
    result = CliRunner().invoke(app, ["bench", "param", "--seeds", "many"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def _values(path):
    data = json.loads(path.read_text())
    return {
        (r["family"], r["method"], r["band"], r["seed"], r["metric"]): r["value"]
        for r in data["records"]
        if r["metric"] != "seconds"
    }


def test_one_family_run_equals_that_familys_rows_of_a_full_parallel_run(tmp_path):
    """Streams are keyed by (seed, family, band): a one-family, serial run reproduces
    exactly the rows of that family in a two-family run on two worker processes."""
    import rte.bench

    small = {"seeds": 2, "n_tasks": 12, "n_targets": 3, "methods": ["rte", "context_mlp"]}
    options = {"rte": {"steps": 20}, "context_mlp": {"steps": 20}}
    full = rte.bench.run(
        "param",
        families=["sine_trend", "power"],
        jobs=2,
        out=tmp_path / "full",
        options=options,
        **small,
    )
    alone = rte.bench.run(
        "param", families=["power"], jobs=1, out=tmp_path / "alone", options=options, **small
    )
    mine = {k: v for k, v in _values(full).items() if k[0] == "power"}
    assert mine and mine == _values(alone)


def test_the_correction_rows_are_in_the_default_table():
    """rte without its correction, the nearest curve with it and the context alone through
    its kernel are rows of the headline table (issue 21)."""
    from rte.bench.suites.param import PARAM_METHODS

    rows = {"rte", "rte_uncorrected", "nearest_task", "nearest_task_gp", "context_gp"}
    assert rows | {"context_gp_matched"} <= set(ParamSuiteConfig().methods) == set(PARAM_METHODS)
