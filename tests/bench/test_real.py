"""`rte bench real` end to end on two small banks, its per-bank options, and its errors."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from rte.bench.suites.real import RealSuiteConfig, run_real_suite
from rte.cli import app
from rte.errors import BackendImportError, ValidationError

OPTIONS = {"rte": {"steps": 20, "width": 16}, "family_fit": {"starts": 2}}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    config = RealSuiteConfig(
        banks=("co2", "theoph"), methods=("rte", "nearest_task", "family_fit"), seeds=1
    )
    path = run_real_suite(config, out, OPTIONS)
    return out, json.loads(path.read_text())


def test_every_method_has_every_band_and_a_plot_per_bank(results) -> None:
    out, data = results
    assert data["suite"] == "real" and data["config"]["banks"] == ["co2", "theoph"]
    keys = {(r["family"], r["method"], r["band"]) for r in data["records"] if r["metric"] == "mse"}
    assert keys == {
        (bank, method, band)
        for bank in ("co2", "theoph")
        for method in ("rte", "nearest_task", "family_fit")
        for band in ("near", "far", "held_out")
    }
    for bank in ("co2", "theoph"):
        assert (out / f"real_{bank}.png").stat().st_size > 10_000


def test_held_out_is_the_mean_over_every_target(results) -> None:
    _, data = results
    mse = {
        (r["family"], r["method"], r["band"]): r["value"]
        for r in data["records"]
        if r["metric"] == "mse"
    }
    # theoph holds out 3 subjects: 2 in near, 1 in far; co2 11 years: 6 and 5.
    for bank, (n_near, n_far) in {"theoph": (2, 1), "co2": (6, 5)}.items():
        for method in ("rte", "nearest_task"):
            weighted = n_near * mse[(bank, method, "near")] + n_far * mse[(bank, method, "far")]
            assert mse[(bank, method, "held_out")] == pytest.approx(weighted / (n_near + n_far))


def test_each_bank_gets_its_own_context_size(results) -> None:
    _, data = results
    fit, rte = data["methods"]["family_fit"], data["methods"]["rte"]
    assert fit["access"] == ["C", "F"] and fit["options"]["starts"] == 2
    assert rte["options"]["train_context_size"] == 10 and rte["options"]["steps"] == 20
    assert rte["bank_options"] == {"theoph": {"train_context_size": 5}}


def test_a_bank_without_a_known_form_runs_no_family_fit() -> None:
    config = RealSuiteConfig(banks=("electricity",), methods=("rte", "family_fit"))
    assert config.bank_methods("electricity") == ("rte",)
    assert set(config.bank_options("electricity")) == {"rte"}


def test_options_for_a_method_not_in_the_run_are_refused() -> None:
    config = RealSuiteConfig(banks=("electricity",), methods=("rte",))
    with pytest.raises(ValidationError, match="Unknown method 'rtee'"):
        config.bank_options("electricity", {"rtee": {"steps": 10}})
    with pytest.raises(ValidationError, match="does not include"):
        config.bank_options("electricity", {"context_gp": {"restarts": 1}})


def test_seeds_redraw_contexts_not_the_measured_bank() -> None:
    config = RealSuiteConfig(banks=("theoph",), methods=("nearest_task",), seeds=2)
    first, second = config.episodes()
    assert first.bank.fingerprint() == second.bank.fingerprint()
    assert not np.array_equal(first.targets[0].context_x, second.targets[0].context_x)


def test_missing_extra_is_one_line_with_the_install_hint(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # import gymnasium now fails
    result = CliRunner().invoke(app, ["bench", "real", "--banks", "pendulum"])
    assert isinstance(result.exception, BackendImportError)
    message = str(result.exception)
    assert "\n" not in message and "pip install 'relational-task-extrapolator[real]'" in message


def test_methods_simulate_contexts_of_the_banks_size() -> None:
    methods = ("maml", "rte", "inductive_t2v", "cnp")
    config = RealSuiteConfig(banks=("theoph", "co2"), methods=methods)
    theoph, co2 = config.bank_options("theoph"), config.bank_options("co2")
    assert theoph["maml"]["support_size"] == 5 and co2["maml"]["support_size"] == 10
    assert theoph["rte"]["train_context_size"] == 5
    # ... unless validation chose otherwise for a method (BANK_OPTIONS).
    assert theoph["inductive_t2v"]["train_context_size"] == 10
    assert theoph["cnp"] == co2["cnp"]  # no such option: declared defaults everywhere
