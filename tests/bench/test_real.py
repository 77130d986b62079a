"""`rte bench real` end to end on two small banks, its per-bank options, and its errors."""

from __future__ import annotations

import dataclasses
import json
import sys
from unittest.mock import patch

import numpy as np
import pytest
from typer.testing import CliRunner

from rte.bench.suites.real import RealSuiteConfig, run_real_suite
from rte.bench.suites.real_options import TUNED
from rte.cli import app
from rte.errors import BackendImportError, ValidationError
from rte.registry import get_method
from rte.tasks.real import REAL_BANKS, get_real_bank
from rte.tasks.real.spec import CONTEXT_NOISE

OPTIONS = {"rte": {"steps": 20, "width": 16}, "family_fit": {"starts": 2}}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    config = RealSuiteConfig(
        banks=("co2", "life_expectancy"), methods=("rte", "nearest_task", "family_fit"), seeds=1
    )
    path = run_real_suite(config, out, OPTIONS)
    return out, json.loads(path.read_text())


def test_every_method_has_every_band_and_a_plot_per_bank(results) -> None:
    out, data = results
    assert data["suite"] == "real" and data["config"]["banks"] == ["co2", "life_expectancy"]
    keys = {(r["family"], r["method"], r["band"]) for r in data["records"] if r["metric"] == "mse"}
    # family_fit only where a form is known (co2's seasonal curve).
    assert keys == {
        (bank, method, band)
        for bank in ("co2", "life_expectancy")
        for method in ("rte", "nearest_task", "family_fit")
        for band in ("near", "far", "held_out")
        if method != "family_fit" or bank == "co2"
    }
    for bank in ("co2", "life_expectancy"):
        assert (out / f"real_{bank}.png").stat().st_size > 10_000


def test_held_out_is_the_mean_over_every_target(results) -> None:
    _, data = results
    mse = {
        (r["family"], r["method"], r["band"]): r["value"]
        for r in data["records"]
        if r["metric"] == "mse"
    }
    # co2 holds out 22 years: 11 in near, 11 in far; life_expectancy 26 countries: 13 and 13.
    for bank, (n_near, n_far) in {"co2": (11, 11), "life_expectancy": (13, 13)}.items():
        for method in ("rte", "nearest_task"):
            weighted = n_near * mse[(bank, method, "near")] + n_far * mse[(bank, method, "far")]
            assert mse[(bank, method, "held_out")] == pytest.approx(weighted / (n_near + n_far))


@pytest.fixture
def small_context_bank(monkeypatch):
    """A bank like co2 whose targets show 5 points, not 10."""
    bank = dataclasses.replace(REAL_BANKS["co2"], name="co2_5", context_size=5)
    monkeypatch.setitem(REAL_BANKS, "co2_5", bank)
    return bank.name


def test_results_hold_every_methods_options(results) -> None:
    _, data = results
    fit, rte = data["methods"]["family_fit"], data["methods"]["rte"]
    assert fit["access"] == ["C", "F"] and fit["options"]["starts"] == 2
    assert rte["options"]["train_context_size"] == 10 and rte["options"]["steps"] == 20
    assert "bank_options" not in rte  # both banks show 10 points


def test_each_bank_gets_its_own_context_size(small_context_bank, tmp_path) -> None:
    config = RealSuiteConfig(banks=("co2", small_context_bank), methods=("nearest_task",), seeds=1)
    (episode,) = (e for e in config.episodes() if e.family == small_context_bank)
    assert all(t.context_x.shape[1] == 5 for t in episode.targets)


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
    config = RealSuiteConfig(banks=("life_expectancy",), methods=("nearest_task",), seeds=2)
    first, second = config.episodes()
    assert first.bank.fingerprint() == second.bank.fingerprint()
    np.testing.assert_array_equal(first.targets[0].params, second.targets[0].params)
    assert not np.array_equal(first.targets[0].context_x, second.targets[0].context_x)


def test_seeds_score_a_dealt_bank_on_other_targets_after_the_same_training() -> None:
    config = RealSuiteConfig(banks=("nox",), methods=("nearest_task",), seeds=3)
    episodes = list(config.episodes())
    assert len({e.bank.fingerprint() for e in episodes}) == 1
    held = [np.concatenate([t.params[:, 0] for t in e.targets]) for e in episodes]
    assert all(len(h) >= 20 for h in held)
    assert len(np.unique(np.concatenate(held))) == sum(map(len, held))


def test_simulated_banks_are_drawn_anew_at_every_seed() -> None:
    config = RealSuiteConfig(banks=("acrobot",), methods=("nearest_task",), seeds=2)
    first, second = config.episodes()
    assert first.bank.fingerprint() != second.bank.fingerprint()


def test_missing_extra_is_one_line_with_the_install_hint(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # import gymnasium now fails
    result = CliRunner().invoke(app, ["bench", "real", "--banks", "pendulum"])
    assert isinstance(result.exception, BackendImportError)
    message = str(result.exception)
    assert "\n" not in message and "pip install 'relational-task-extrapolator[real]'" in message


def test_methods_simulate_contexts_of_the_banks_size(small_context_bank) -> None:
    methods = ("maml", "rte", "inductive_t2v", "cnp")
    config = RealSuiteConfig(banks=(small_context_bank, "co2"), methods=methods)
    small, co2 = config.bank_options(small_context_bank), config.bank_options("co2")
    assert small["maml"]["support_size"] == 5 and co2["maml"]["support_size"] == 10
    assert small["rte"]["train_context_size"] == 5 and co2["rte"]["train_context_size"] == 10
    assert small["inductive_t2v"]["train_context_size"] == 5
    assert small["cnp"] == co2["cnp"]  # no such option: declared defaults everywhere
    # Users' options win over the bank's context size.
    given = config.bank_options(small_context_bank, {"rte": {"train_context_size": 8}})
    assert given["rte"]["train_context_size"] == 8


def test_methods_simulate_contexts_without_noise_like_the_targets() -> None:
    methods = ("rte", "inductive_t2v", "bilinear", "snake_mlp", "context_gp")
    config = RealSuiteConfig(banks=("co2",), methods=methods, tuned=False)
    options = config.bank_options("co2")
    assert CONTEXT_NOISE == 0.0
    for method in methods[:4]:
        assert options[method]["train_context_noise"] == CONTEXT_NOISE
    assert "train_context_noise" not in options["context_gp"]
    # The targets' contexts are the bank's own values: nothing was added to them.
    whole = get_real_bank("co2").load(0)
    target = next(e for e in config.episodes() if e.seed == 0).targets[0]
    for params, xs, ys in zip(target.params, target.context_x, target.context_y, strict=True):
        (task,) = np.flatnonzero((whole.params == params).all(axis=1))
        at = [int(np.flatnonzero(whole.x[task, :, 0] == x)[0]) for x in xs[:, 0]]
        np.testing.assert_array_equal(whole.y[task, at], ys)
    # Users' options win over the bank's.
    given = config.bank_options("co2", {"rte": {"train_context_noise": 0.05}})
    assert given["rte"]["train_context_noise"] == 0.05


def test_options_tuned_on_validation_splits_win_over_the_suites_and_lose_to_the_users() -> None:
    tuned = {"bilinear": {"train_context_noise": 0.05}, "cnp": {"steps": 4000}}
    config = RealSuiteConfig(banks=("co2",), methods=("bilinear", "cnp"))
    with patch.dict(TUNED, tuned, clear=True):
        options = config.bank_options("co2")
        assert options["bilinear"]["train_context_noise"] == 0.05  # over the noise rule
        assert options["bilinear"]["train_context_size"] == 10  # the bank's, untouched
        assert options["cnp"]["steps"] == 4000
        assert config.bank_options("co2", {"cnp": {"steps": 7}})["cnp"]["steps"] == 7
        untuned = dataclasses.replace(config, tuned=False).bank_options("co2")
    assert untuned["bilinear"]["train_context_noise"] == CONTEXT_NOISE
    assert untuned["cnp"]["steps"] == get_method("cnp").resolve()["steps"]
