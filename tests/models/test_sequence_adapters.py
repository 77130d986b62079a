"""A tuned Psi saved with its fit record loads back into the same fit, and only into it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rte.errors import ModelFileError
from rte.lm.backends import LanguageModel
from rte.lm.device import select_placement
from rte.lm.prompts import Encoder, Example
from rte.models import SequenceRTE
from rte.models.adapters import (
    FIT_RECORD,
    RECORD_FIELDS,
    find_adapter,
    fit_record,
    read_record,
    save_with_record,
)
from rte.tasks.sequence import Split
from rte.tasks.strings import StringTasks


@pytest.fixture
def lm(model: Any, tokenizer: Any) -> LanguageModel:
    return LanguageModel(model, tokenizer, select_placement("cpu"), "tiny")


def _split(seed: int = 0) -> Split:
    # The band's 156 candidates, not the bank's 684: the same code, a quarter of the time.
    return StringTasks(n_targets=2).split(np.random.default_rng(seed), candidates="band")


def _logits(lm: LanguageModel) -> torch.Tensor:
    batch = Encoder(lm.tokenizer).encode([Example("ab ->", " ba\n")])
    with torch.inference_mode():
        return lm.model(input_ids=batch.input_ids).logits


def _saved(lm: LanguageModel, split: Split, folder: Path) -> tuple[Any, Any, Path]:
    """Scores and answers of a fitted Psi on the first target, then its adapter saved and
    the base model given back."""
    rte = SequenceRTE(steps=3, batch_size=2).fit(split.bank, lm)
    target = split.targets[0]
    scores = rte.scores(target.context)
    answers = rte.predict(target.context, [x for x, _ in target.queries])
    path = rte.save_adapter(folder)
    rte.release()
    return scores, answers, path


def test_a_saved_psi_loads_back_with_the_same_scores_and_answers(
    lm: LanguageModel, tmp_path: Path
) -> None:
    split = _split()
    scores, answers, path = _saved(lm, split, tmp_path / "psi")
    assert sorted(p.name for p in path.iterdir()) == sorted(
        ["README.md", "adapter_config.json", "adapter_model.safetensors", FIT_RECORD]
    )
    assert not list(tmp_path.glob(".rte-adapter-*"))  # no staging folder left behind
    # A different way of reading the same fit (the margin) loads it too.
    loaded = SequenceRTE(steps=3, batch_size=2, margin=2.0).load_adapter(split.bank, lm, path)
    assert loaded.losses_ == []
    target = split.targets[0]
    np.testing.assert_allclose(loaded.scores(target.context), scores, rtol=1e-5, atol=1e-5)
    loaded.set_params(margin=6.0)
    assert loaded.predict(target.context, [x for x, _ in target.queries]) == answers


def test_an_adapter_from_another_fit_is_refused_before_it_is_attached(
    lm: LanguageModel, tmp_path: Path
) -> None:
    split = _split()
    *_, path = _saved(lm, split, tmp_path / "psi")
    before = _logits(lm)
    other_lm = LanguageModel(lm.model, lm.tokenizer, lm.placement, "another model")
    cases = [
        (SequenceRTE(steps=4, batch_size=2), split.bank, lm, "params"),
        (SequenceRTE(steps=3, batch_size=2), _split(seed=1).bank, lm, "bank"),
        (SequenceRTE(steps=3, batch_size=2), split.bank, other_lm, "base_model"),
    ]
    for estimator, bank, model, field in cases:
        with pytest.raises(ModelFileError, match=f"another fit \\(it differs in {field}\\)"):
            estimator.load_adapter(bank, model, path)
    torch.testing.assert_close(_logits(lm), before)  # nothing was attached


def test_records_are_read_strictly(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no fit record"):
        read_record(tmp_path)
    (tmp_path / FIT_RECORD).write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        read_record(tmp_path)
    (tmp_path / FIT_RECORD).write_text(json.dumps({"estimator": "SequenceRTE"}))
    with pytest.raises(ModelFileError, match="string fields estimator, params, bank"):
        read_record(tmp_path)


VALUES = st.none() | st.text() | st.integers()


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([*RECORD_FIELDS, "x"]), VALUES))
def test_a_record_is_four_strings_or_a_clear_error(record: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, FIT_RECORD).write_text(json.dumps(record))
        if all(isinstance(record.get(f), str) for f in RECORD_FIELDS):
            assert read_record(folder) == {f: record[f] for f in RECORD_FIELDS}
        else:
            with pytest.raises(ModelFileError, match="fit record must be a JSON object"):
                read_record(folder)


def test_find_adapter_picks_the_equal_fit_only(tmp_path: Path) -> None:
    expected = fit_record(SequenceRTE(steps=3), "bank-a", "tiny")
    other = {**expected, "bank": "bank-b"}
    for name, record in (("a-other", other), ("b-equal", expected)):
        save_with_record(lambda folder: (folder / "w").write_text("w"), tmp_path / name, record)
    (tmp_path / "c-no-record").mkdir()
    assert find_adapter(tmp_path, expected) == tmp_path / "b-equal"
    assert find_adapter(tmp_path, {**expected, "base_model": "big"}) is None


def test_a_failed_save_leaves_nothing_and_keeps_the_old_folder(tmp_path: Path) -> None:
    record = fit_record(SequenceRTE(), "bank", "tiny")
    target = save_with_record(lambda f: (f / "w").write_text("old"), tmp_path / "psi", record)

    def broken(folder: Path) -> None:
        (folder / "w").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_with_record(broken, target, record)
    assert (target / "w").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["psi"]


def test_a_folder_holding_other_files_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "psi"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    record = fit_record(SequenceRTE(), "bank", "tiny")
    with pytest.raises(ModelFileError, match="refusing to overwrite"):
        save_with_record(lambda f: (f / "adapter_config.json").write_text("{}"), target, record)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["psi"]
