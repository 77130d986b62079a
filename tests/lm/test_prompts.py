"""Prompt formatting and answer-only loss masking."""

from __future__ import annotations

from typing import Any

import pytest

from rte.errors import ValidationError
from rte.lm.prompts import IGNORE_INDEX, Encoder, Example
from rte.tasks.parity import ParityTasks
from rte.tasks.strings import StringTasks


def test_parity_prompts_are_exact() -> None:
    suite = ParityTasks()
    x = "0110101101"
    assert suite.psi_prompt(x, "1", "h") == (
        "bits a0 b1 c1 d0 e1 f0 g1 h1 i0 j1; anchor 1; add h ->"
    )
    assert suite.psi_answer(x, "1", "h", "0") == " h1 1+1=2 so 0\n"
    assert suite.psi_output(" h1 1+1=2 so 0") == "0"
    assert suite.fewshot_prompt((("0000000000", "0"),), x) == "0000000000 -> 0\n0110101101 ->"
    assert suite.answer("1") == " 1"


def test_string_prompts_are_exact() -> None:
    suite = StringTasks()
    assert suite.psi_prompt("hello", "olleh", "upper") == (
        "in h e l l o; anchor o l l e h; apply uppercase ->"
    )
    assert suite.psi_answer("hello", "olleh", "upper", "OLLEH") == " O L L E H\n"
    assert suite.psi_output(" O L L E H") == "OLLEH"
    assert suite.fewshot_prompt((("ab", "BA"),), "cd") == "a b -> B A\nc d ->"
    assert suite.parse(" O L L E H") == "OLLEH"
    assert suite.parse(" empty") == ""


@pytest.mark.parametrize("left_pad", [False, True])
def test_loss_is_on_answer_tokens_only(tokenizer: Any, left_pad: bool) -> None:
    encoder = Encoder(tokenizer)
    examples = [Example("ab ->", " c\n"), Example("abcdef ->", " xyz\n")]
    batch = encoder.encode(examples, left_pad=left_pad)
    for row, example in enumerate(examples):
        answer = list(encoder.ids(example.answer))
        labelled = batch.labels[row][batch.labels[row] != IGNORE_INDEX].tolist()
        assert labelled == answer
        ids = batch.input_ids[row][batch.attention_mask[row].bool()].tolist()
        assert ids == list(encoder.ids(example.prompt)) + answer
    if left_pad:  # every answer ends at the last position
        assert (batch.labels[:, -1] != IGNORE_INDEX).all()


def test_prompts_left_padded_for_generation(tokenizer: Any) -> None:
    ids, mask = Encoder(tokenizer).encode_prompts(["a", "abc"])
    assert mask.tolist() == [[0, 0, 1], [1, 1, 1]]
    assert ids[0, -1] == ids[1, 0]


def test_empty_answer_and_empty_batch_are_refused(tokenizer: Any) -> None:
    with pytest.raises(ValidationError, match="answer must be non-empty"):
        Example("prompt", "")
    with pytest.raises(ValidationError, match="at least one example"):
        Encoder(tokenizer).encode([])
