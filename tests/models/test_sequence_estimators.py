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
from rte.baselines.scratchpad import ScratchpadSFT, scratchpad_answers
from rte.baselines.symbolic_search import SymbolicSearch
from rte.errors import NotFittedError, ValidationError
from rte.lm.backends import LanguageModel
from rte.lm.device import select_placement
from rte.lm.prompts import Encoder, Example
from rte.models import SequenceRTE
from rte.registry import get_method
from rte.tasks.parity import ParityTasks
from rte.tasks.sequence import SCRATCHPAD_FORMATS, SequenceBank, Split, Target
from rte.tasks.strings import DESCRIPTIONS, StringTasks, apply_primitive, render


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
        SequenceRTE(margin=2.0, bound_tokens=0, tie=0.5, seed=2),
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
    assert (params["lr"], params["score_batch_size"], params["bound_tokens"]) == (3e-3, 64, 0)
    assert params["margin"] == 6.0 and params["tie"] == 0.0
    assert "q_proj" in params["target_modules"]
    assert set(SFT().get_params()) == set(params) - {"margin", "bound_tokens", "tie"}
    assert set(ScratchpadSFT().get_params()) == set(SFT().get_params()) | {"style"}
    assert set(FewShot().get_params()) == {"score_batch_size", "seed"}
    assert set(SymbolicSearch().get_params()) == {"seed", "answer_rule"}
    # lr was called learning_rate before: the old name is still accepted everywhere.
    assert SequenceRTE(learning_rate=0.01).lr == 0.01
    assert get_method("sft").resolve({"learning_rate": 0.02})["lr"] == 0.02
    sees = (SequenceRTE.sees, SFT.sees, ScratchpadSFT.sees, FewShot.sees, SymbolicSearch.sees)
    assert sees == ("BCL", "BC", "BCL", "C", "BCLX")


def test_rte_fits_decomposes_predicts_saves_and_releases(lm: LanguageModel, tmp_path: Path) -> None:
    before = _logits(lm)
    bank, split = _bank(StringTasks(n_targets=1))
    steps: list[int] = []
    rte = SequenceRTE(steps=3, batch_size=2).fit(bank, lm, on_step=lambda s, _loss: steps.append(s))
    assert steps == [0, 1, 2] and len(rte.losses_) == 3
    target = split.targets[0]
    found = rte.decompose(target.context)
    assert found in bank.candidates
    xs = _inputs(target)
    predicted = rte.predict(target.context, xs)
    assert rte.answer(target).found == found
    # With no margin, only the best candidate (and its exact ties) answers.
    alone = clone(rte).set_params(margin=0.0)
    vars(alone).update({k: v for k, v in vars(rte).items() if k.endswith("_")})
    scores = rte.scores(target.context)
    if np.sum(scores == scores.min()) == 1:
        assert alone.predict(target.context, xs) == rte.predict_with(found, xs)
    assert len(rte.predict_with(target.truth, xs)) == len(xs)
    assert all(isinstance(y, str) for y in predicted)
    # The first pass changes the search's cost, never its scores within the margin.
    within = scores <= scores.min() + rte.margin
    rte.clear_caches()
    assert not (rte.generated_ or rte.nll_ or rte.values_)
    loose = rte.set_params(bound_tokens=2).scores(target.context)
    np.testing.assert_allclose(loose[within], scores[within], atol=1e-4)
    assert rte.predict(target.context, xs) == predicted
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
    scores = rte.scores(target.context[:2])
    assert scores.shape == (len(bank.candidates),) and np.isfinite(scores).all()
    assert set(rte.predict(target.context, _inputs(target))) <= {"0", "1", ""}
    assert all(g.choice_logprobs for g in rte.generated_.values())
    rte.release()


def test_symbolic_search_finds_the_target_function() -> None:
    bank, split = _bank(StringTasks(n_targets=5))
    search = SymbolicSearch().fit(bank)
    for target in split.targets:
        found = search.decompose(target.context)
        assert found in target.consistent
        if not target.ambiguous:
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


@pytest.mark.parametrize("style", ["running", "labelled"])
def test_scratchpads_are_read_off_the_stored_path_and_answered(
    lm: LanguageModel, style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scratchpad of a bank task writes the stored value after each relation of its
    path (no generator), and the tuned peer answers with the last step it writes."""
    bank, split = _bank(StringTasks(n_targets=1))
    answer = scratchpad_answers(bank, style)
    task = next(t for t in bank.tasks if "∘" in t)
    outer, inner = task.split("∘")
    x, y = bank.tasks[task][0]
    rendered = (render(apply_primitive(inner, x)), render(y))
    monkeypatch.setattr(StringTasks, "anchor_output", lambda *a: 1 / 0)
    monkeypatch.setattr(StringTasks, "apply_phi", lambda *a: 1 / 0)
    text = answer(task, x, y)
    if style == "running":
        assert text == f" {rendered[0]} => {rendered[1]}\n"
    else:
        names = (DESCRIPTIONS[inner], DESCRIPTIONS[outer])
        assert text == f" {names[0]}: {rendered[0]} | {names[1]}: {rendered[1]}\n"
    assert bank.kind.scratchpad_output(text) == y
    assert answer("identity", x, x) == bank.kind.answer(x)
    peer = ScratchpadSFT(steps=1, batch_size=2, style=style).fit(bank, lm)
    said = peer.predict(split.targets[0].context, _inputs(split.targets[0]))
    assert len(said) == len(split.targets[0].queries) and all(isinstance(o, str) for o in said)
    assert peer.max_new_tokens_ >= len(text)
    assert peer.release() is lm.model


@pytest.mark.parametrize(
    ("kind", "declared"),
    [(ParityTasks(n_targets=1), "labelled"), (StringTasks(n_targets=1), "running")],
)
def test_the_scratchpad_format_is_the_tasks_own_unless_set(
    kind: ParityTasks | StringTasks, declared: str
) -> None:
    """sft_scratchpad's format is chosen per kind of task (docs/sequence.md); a style
    given to the peer overrides it."""
    bank, _ = _bank(kind)
    assert bank.kind.scratchpad_format == declared
    task = next(t for t in bank.tasks if "∘" in t or t.count(",") >= 2)
    x, y = bank.tasks[task][0]
    other = next(s for s in SCRATCHPAD_FORMATS if s != declared)
    written = ScratchpadSFT()._training_answer(bank)(task, x, y)
    assert written == scratchpad_answers(bank, declared)(task, x, y)
    assert written != scratchpad_answers(bank, other)(task, x, y)
    chosen = ScratchpadSFT(style=other)._training_answer(bank)(task, x, y)
    assert chosen == scratchpad_answers(bank, other)(task, x, y)


def test_parity_scratchpads_write_the_running_xor() -> None:
    bank, _ = _bank(ParityTasks(n_targets=1))
    x, y = bank.tasks["a,c,f"][0]
    path = [x[0], x[2], x[5]]
    labelled = scratchpad_answers(bank, "labelled")("a,c,f", x, y)
    running = scratchpad_answers(bank, "running")("a,c,f", x, y)
    assert running.split()[-1] == y == bank.kind.scratchpad_output(labelled)
    assert sorted(w[:2] for w in labelled.split()) == sorted(
        f"{c}{b}" for c, b in zip("acf", path, strict=True)
    )
    values = [int(w[-1]) for w in labelled.split()]
    bits = {w[0]: int(w[1]) for w in labelled.split()}
    order = [w[0] for w in labelled.split()]
    assert values == [sum(bits[c] for c in order[: k + 1]) % 2 for k in range(3)]
    assert scratchpad_answers(bank, "running")("", x, "0") == " 0\n"


def test_an_unknown_scratchpad_format_is_refused_before_any_answer() -> None:
    """The format is checked once, when the answers are set up, naming the valid ones."""
    bank, _ = _bank(ParityTasks(n_targets=1))
    with pytest.raises(ValidationError, match=r"Unknown scratchpad format 'steps'.*labelled"):
        scratchpad_answers(bank, "steps")
