"""Each operator class alone is accurate far beyond the bank, is saved and restored, and
the automatic choice is recorded."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from rte import RelationalTaskExtrapolator, TaskFamily, sample_bank, sample_targets
from rte.models.selection import NETWORKS, held_out, score_candidates
from rte.testing import Problem, wrong_answers

# theta x^2 + offset on [-3, 3], support [1, 3]; the far targets have theta in (4, 5].
FAMILY = TaskFamily(
    "operator_test", lambda x, theta, c: theta * x**2 + c, (1.0, 3.0), (-3, 3), {"c": (-1, 1)}
)
OPTIONS = {"steps": 1500, "width": 64, "seed": 0}
# Error at most this share of the best wrong answer's (as in tests/test_contract.py).
SHARE = 0.25


@cache
def problem() -> tuple:
    bank = sample_bank(FAMILY, 40, 32, np.random.default_rng(0))
    far = sample_targets(FAMILY, "F2", 10, np.random.default_rng(2), n_query=30)
    return bank, far


@cache
def fitted(operator: str) -> RelationalTaskExtrapolator:
    return RelationalTaskExtrapolator(operator=operator, **OPTIONS).fit(problem()[0])


@pytest.mark.parametrize("operator", ["mlp", "warp", "symbolic"])
def test_each_operator_alone_beats_every_wrong_answer_far_out(operator: str) -> None:
    """Without the GP correction the operator carries the prediction: zeros, the context
    mean, the context's interpolation and the best copy of any bank curve are all far worse."""
    bank, far = problem()
    model = fitted(operator).set_params(correction="none")
    error = float(np.mean((model.predict_targets(far) - far.query_y) ** 2))
    wrong = wrong_answers(Problem(bank, far), relational=True)
    assert error < SHARE * min(wrong.values()), f"{operator}: {error:.4g}; wrong: {wrong}"


@pytest.mark.parametrize("operator", ["warp", "symbolic"])
def test_save_and_load_predict_the_same(operator: str, tmp_path: Path) -> None:
    _, far = problem()
    model = fitted(operator).set_params(correction="gp")
    model.save(tmp_path / "m")
    again = RelationalTaskExtrapolator.load(tmp_path / "m")
    assert again.describe_operator()["operator"] == operator
    np.testing.assert_allclose(
        again.predict_targets(far), model.predict_targets(far), rtol=0, atol=1e-6
    )


def test_auto_records_its_choice_and_keeps_it_through_a_save(tmp_path: Path) -> None:
    _, far = problem()
    model = fitted("auto")
    record = model.describe_operator()
    json.dumps(record)  # JSON-ready for results.json
    selection = record["selection"]
    # Here a law is exact, so no network is trained: only symbolic settings were scored.
    assert record["operator"] == "symbolic" and record["dim_phi"] == 2, record
    assert selection["chosen"] in selection["scores"]
    assert all(name.startswith("symbolic") for name in selection["scores"])
    model.save(tmp_path / "m")
    again = RelationalTaskExtrapolator.load(tmp_path / "m")
    assert again.describe_operator() == record
    np.testing.assert_allclose(again.predict_targets(far), model.predict_targets(far), atol=1e-6)


def test_a_bank_too_small_to_hold_out_keeps_the_mlp() -> None:
    """Under 20 tasks an end holds out fewer than 5: no choice is made on so few."""
    bank = sample_bank(FAMILY, 16, 32, np.random.default_rng(0))
    model = RelationalTaskExtrapolator(steps=50, width=16, seed=0).fit(bank)
    record = model.describe_operator()
    assert record["operator"] == "mlp" and "fewer than" in record["selection"]["note"]


def test_scoring_every_candidate_trains_the_networks_even_where_a_law_is_exact() -> None:
    """``networks=True`` scores the MLP and the warp beside the laws on both held-out ends
    (what benchmarks/selection_rules.py replays rules on); ``None`` stops at an exact law."""
    bank, _ = problem()
    model = fitted("symbolic")
    ends = held_out(model, bank, model.embedding_.bank_embeddings_[:, 0])
    quick = copy.copy(model).set_params(selection_steps=20)
    every = score_candidates(quick, bank, ends, networks=True)
    gated = score_candidates(quick, bank, ends)
    networks = {
        f"{o} {d} {c}"
        for o in NETWORKS
        for d in ("chain", "admissible")
        for c in ("intervals", "gp")
    }
    assert networks <= set(every.errors) and not networks & set(gated.errors)
    assert all(len(e) == 2 for e in every.errors.values())  # one entry per end
    assert quick.psi_ is model.psi_  # every law restored after scoring
