"""LoRA training and the safetensors adapter round trip."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch

from rte.errors import MethodFailedError, ModelFileError, ValidationError
from rte.lm.backends import LanguageModel
from rte.lm.device import select_placement
from rte.lm.lora import answer_loss, detach_lora, load_adapter, save_adapter, train_lora
from rte.lm.prompts import Encoder, Example
from rte.params import LoraParams

EXAMPLES = [Example("ab ->", " ba\n"), Example("cd ->", " dc\n")]


def _tiny(model: Any, tokenizer: Any) -> LanguageModel:
    return LanguageModel(model, tokenizer, select_placement("cpu"), "tiny")


def _train(
    model: Any, tokenizer: Any, steps: int = 20, lora_steps: int | None = None
) -> tuple[Any, list[float]]:
    """Train with ``steps`` as the bank's budget and ``lora_steps`` as the user's choice."""
    losses: list[float] = []
    lora = LoraParams(batch_size=2, lr=1e-2, warmup=1, steps=lora_steps)
    peft_model = train_lora(
        _tiny(model, tokenizer),
        lambda: EXAMPLES,
        lora,
        0,
        steps,
        on_step=lambda _s, loss: losses.append(loss),
    )
    return peft_model, losses


def test_training_lowers_the_answer_loss(model: Any, tokenizer: Any) -> None:
    _, losses = _train(model, tokenizer)
    assert losses[-1] < losses[0]


def test_the_users_steps_override_the_banks_budget(model: Any, tokenizer: Any) -> None:
    peft_model, losses = _train(model, tokenizer, steps=2)
    assert len(losses) == 2
    _, losses = _train(detach_lora(peft_model), tokenizer, steps=2, lora_steps=3)
    assert len(losses) == 3


def test_adapter_round_trip_gives_same_logits(model: Any, tokenizer: Any, tmp_path: Any) -> None:
    base_copy = copy.deepcopy(model)
    peft_model, _ = _train(model, tokenizer, steps=3)
    folder = save_adapter(peft_model, tmp_path / "adapter")
    assert (folder / "adapter_model.safetensors").is_file()
    assert not list(folder.glob("*.bin"))
    batch = Encoder(tokenizer).encode(EXAMPLES)
    with torch.inference_mode():
        expected = peft_model(input_ids=batch.input_ids).logits
        plain = base_copy(input_ids=batch.input_ids).logits
        loaded = load_adapter(base_copy, folder)
        got = loaded(input_ids=batch.input_ids).logits
    torch.testing.assert_close(got, expected)
    assert not torch.allclose(plain, expected)  # the adapter changes the model


def test_detach_restores_the_base_model(model: Any, tokenizer: Any) -> None:
    batch = Encoder(tokenizer).encode(EXAMPLES)
    with torch.inference_mode():
        before = model(input_ids=batch.input_ids).logits
    peft_model, _ = _train(model, tokenizer, steps=2)
    base = detach_lora(peft_model)
    with torch.inference_mode():
        torch.testing.assert_close(base(input_ids=batch.input_ids).logits, before)


def test_a_second_adapter_on_the_same_model_is_refused(model: Any, tokenizer: Any) -> None:
    _train(model, tokenizer, steps=1)
    with pytest.raises(ValidationError, match="already carries a LoRA adapter"):
        _train(model, tokenizer, steps=1)


def test_missing_adapter_and_bad_settings(model: Any, tokenizer: Any, tmp_path: Any) -> None:
    with pytest.raises(ModelFileError, match=r"adapter_model\.safetensors"):
        load_adapter(model, tmp_path)
    for bad, message in (
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"lr": 0.0}, "lr must be a finite number > 0"),
        ({"target_modules": ()}, "target_modules must be a non-empty list"),
    ):
        with pytest.raises(ValidationError, match=message):
            train_lora(_tiny(model, tokenizer), lambda: EXAMPLES, LoraParams(**bad), 0, 2)
    assert not any("lora_" in name for name, _ in model.named_parameters())


def test_answer_loss_equals_the_full_forward_loss(model: Any, tokenizer: Any) -> None:
    """Logits on the answer positions of a left-padded batch give the loss the model's
    own forward gives on the right-padded batch with labels."""
    encoder = Encoder(tokenizer)
    examples = [Example("abc ->", " cba\n"), Example("a much longer prompt ->", " x\n")]
    right = encoder.encode(examples)
    with torch.no_grad():
        full = model(
            input_ids=right.input_ids, attention_mask=right.attention_mask, labels=right.labels
        ).loss
        ours = answer_loss(model, encoder.encode(examples, left_pad=True), "cpu")
    torch.testing.assert_close(ours, full, rtol=1e-5, atol=1e-5)


def test_a_diverging_loss_fails_the_method_and_leaves_the_base_model(
    model: Any, tokenizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rte.lm.lora

    batch = Encoder(tokenizer).encode(EXAMPLES)
    with torch.inference_mode():
        before = model(input_ids=batch.input_ids).logits
    real = rte.lm.lora.answer_loss
    calls: list[int] = []

    def blows_up(*args: Any) -> torch.Tensor:
        calls.append(1)
        loss = real(*args)
        return loss * float("nan") if len(calls) == 2 else loss

    monkeypatch.setattr(rte.lm.lora, "answer_loss", blows_up)
    with pytest.raises(MethodFailedError, match=r"diverged at step 2: the loss is nan.*lr=0.01"):
        _train(model, tokenizer, steps=5)
    assert not any("lora_" in name for name, _ in model.named_parameters())
    with torch.inference_mode():
        torch.testing.assert_close(model(input_ids=batch.input_ids).logits, before)
