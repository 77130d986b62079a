"""The estimators of the sequence regime: SequenceRTE, SFT, FewShot (tiny model) and
SymbolicSearch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.base import clone

from rte.baselines.lm import SFT, FewShot
from rte.baselines.symbolic_search import SymbolicSearch
from rte.errors import NotFittedError, ValidationError
from rte.lm.backends import LanguageModel
from rte.lm.device import select_placement
from rte.lm.prompts import Encoder, Example
from rte.models import SequenceRTE
from rte.registry import get_method
from rte.tasks.parity import ParityTasks
from rte.tasks.sequence import SequenceBank, Split, Target
from rte.tasks.strings import StringTasks


@pytest.fixture
def lm(model: Any, tokenizer: Any) -> LanguageModel:
    return LanguageModel(model, tokenizer, select_placement("cpu"), "tiny")


def _bank(suite: ParityTasks | StringTasks) -> tuple[SequenceBank, Split]:
    split = suite.split(np.random.default_rng(0))
    return split.bank, split


def _logits(lm: LanguageModel) -> torch.Tensor:
    batch = Encoder(lm.tokenizer).encode([Example("ab ->", " ba\n")])
    with torch.inference_mode():
        return lm.model(input_ids=batch.input_ids).logits


def _inputs(target: Target) -> list[str]:
    return [x for x, _ in target.queries]


@pytest.mark.parametrize(
    "estimator",
    [
        SequenceRTE(steps=3),
        SequenceRTE(probe=1, keep=4, tie=0.5, seed=2),
        SFT(steps=2, rank=4),
        FewShot(),
        SymbolicSearch(seed=1),
    ],
)
def test_clone_round_trips_the_params(estimator: Any) -> None:
    copy = clone(estimator)
    assert copy is not estimator
    assert copy.get_params() == estimator.get_params()


def test_declared_params_and_access() -> None:
    params = SequenceRTE().get_params()
    assert {k: params[k] for k in ("rank", "alpha", "steps", "batch_size", "warmup")} == {
        "rank": 8,
        "alpha": 16,
        "steps": None,
        "batch_size": 8,
        "warmup": 5,
    }
    assert (params["lr"], params["score_batch_size"], params["probe"]) == (
        3e-3,
        64,
        None,
    )
    assert params["keep"] == 8 and params["tie"] == 0.0 and "q_proj" in params["target_modules"]
    assert set(SFT().get_params()) == set(params) - {"probe", "probe_tokens", "keep", "tie"}
    assert set(FewShot().get_params()) == {"score_batch_size", "seed"}
    assert set(SymbolicSearch().get_params()) == {"seed"}
    # lr was called learning_rate before: the old name is still accepted everywhere.
    assert SequenceRTE(learning_rate=0.01).lr == 0.01
    assert get_method("sft").resolve({"learning_rate": 0.02})["lr"] == 0.02
    sees = (SequenceRTE.sees, SFT.sees, FewShot.sees, SymbolicSearch.sees)
    assert sees == ("BCL", "BC", "C", "BCLX")


def test_rte_fits_decomposes_predicts_saves_and_releases(lm: LanguageModel, tmp_path: Path) -> None:
    before = _logits(lm)
    bank, split = _bank(StringTasks(n_targets=1))
    steps: list[int] = []
    rte = SequenceRTE(steps=3, batch_size=2, probe=1, keep=4).fit(
        bank, lm, on_step=lambda s, _loss: steps.append(s)
    )
    assert steps == [0, 1, 2] and len(rte.losses_) == 3
    target = split.targets[0]
    found = rte.decompose(target.context)
    assert found in bank.candidates
    xs = _inputs(target)
    predicted = rte.predict(target.context, xs)
    assert predicted == rte.predict_with(found, xs)
    assert len(rte.predict_with(target.truth, xs)) == len(xs)
    assert all(isinstance(y, str) for y in predicted)
    assert rte.decompose(target.context, executed=True) in bank.candidates
    values = rte.anchor_values(["reverse"], xs, executed=True)
    assert values == {("reverse", x): x[::-1] for x in xs}
    folder = rte.save_adapter(tmp_path / "adapter")
    assert (folder / "adapter_model.safetensors").is_file()
    assert rte.release() is lm.model
    torch.testing.assert_close(_logits(lm), before)
    with pytest.raises(NotFittedError, match="not fitted"):
        rte.decompose(target.context)


def test_rte_on_parity_scores_chains_it_generates(lm: LanguageModel) -> None:
    """Parity's Psi answers are chains: context scoring reads the final bit after Psi's
    own chain, so every candidate gets a finite score and predictions are bits."""
    bank, split = _bank(ParityTasks(n_targets=1, n_queries=3))
    rte = SequenceRTE(steps=1, batch_size=2, score_batch_size=256).fit(bank, lm)
    target = split.targets[0]
    scores = rte._score(bank.candidates[:40], target.context[:2], executed=False)
    assert scores.shape == (40,) and np.isfinite(scores).all()
    assert set(rte.predict(target.context, _inputs(target))) <= {"0", "1", ""}
    assert all(g.choice_logprobs for g in rte.generated_.values())
    rte.release()


def test_symbolic_search_finds_the_target_function() -> None:
    bank, split = _bank(StringTasks(n_targets=5))
    search = SymbolicSearch().fit(bank)
    for target in split.targets:
        found = search.decompose(target.context)
        assert found in target.equivalent
        assert search.predict(target.context, _inputs(target)) == [y for _, y in target.queries]
    with pytest.raises(ValidationError, match="expects a SequenceBank"):
        SymbolicSearch().fit(split)  # type: ignore[arg-type]
    with pytest.raises(NotFittedError):
        SymbolicSearch().decompose(split.targets[0].context)


def test_fit_refuses_bad_inputs_and_params(lm: LanguageModel) -> None:
    bank, split = _bank(ParityTasks(n_targets=1))
    with pytest.raises(NotFittedError):
        SequenceRTE().predict(split.targets[0].context, ["0" * 10])
    with pytest.raises(ValidationError, match="expects a SequenceBank"):
        SequenceRTE().fit(split, lm)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="expects a LanguageModel"):
        SFT().fit(bank, lm.model)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"SequenceRTE\.steps must be an integer >= 1"):
        SequenceRTE(steps=0).fit(bank, lm)
    with pytest.raises(ValidationError, match=r"FewShot\.score_batch_size must be"):
        FewShot(score_batch_size=0).fit(bank, lm)
    with pytest.raises(ValidationError, match=r"SequenceRTE\.tie must be a finite number >= 0"):
        SequenceRTE(tie=-1.0).fit(bank, lm)


def test_few_shot_and_sft_answer_the_queries(lm: LanguageModel) -> None:
    before = _logits(lm)
    bank, split = _bank(ParityTasks(n_targets=1, n_queries=4))
    target = split.targets[0]
    base = FewShot(score_batch_size=4).fit(bank, lm).predict(target.context, _inputs(target))
    assert len(base) == 4 and set(base) <= {"0", "1"}
    sft = SFT(steps=2, batch_size=2).fit(bank, lm)
    tuned = sft.predict(target.context, _inputs(target))
    assert len(tuned) == 4 and set(tuned) <= {"0", "1"}
    assert sft.release() is lm.model
    torch.testing.assert_close(_logits(lm), before)
