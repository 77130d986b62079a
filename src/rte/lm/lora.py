"""LoRA fine-tuning of the causal LM (peft) and safetensors adapter save / load.

One training loop serves RTE (Psi prompts) and the SFT baseline (few-shot
prompts), and one declaration of the budget, the parameter group
:class:`LoraParams`, is composed into both estimators
(``rte.models.sequence.SequenceRTE``, ``rte.baselines.lm.SFT``), so they are tuned
with the same rank, steps, batch size and learning rate unless a user overrides one
of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from rte._optional import require
from rte._params import validate
from rte.errors import MethodFailedError, ModelFileError, ValidationError
from rte.lm.backends import LM_USER, LanguageModel
from rte.lm.prompts import IGNORE_INDEX, Batch, Example
from rte.params import LoraParams


def attach_lora(model: Any, lora: LoraParams, seed: int) -> Any:
    """Wrap ``model`` with a fresh LoRA adapter seeded by ``seed`` (modifies ``model`` in
    place until :func:`detach_lora`); a model that already carries one is refused."""
    if any("lora_" in name for name, _ in model.named_parameters()):
        raise ValidationError(
            "The language model already carries a LoRA adapter. Release it first (release() "
            "on the estimator that fitted it) so the next method starts from the base model."
        )
    peft = require("peft", "lm", LM_USER)
    torch.manual_seed(seed)
    config = peft.LoraConfig(
        r=lora.rank,
        lora_alpha=lora.alpha,
        lora_dropout=0.0,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )
    return peft.get_peft_model(model, config)


def train_lora(
    language_model: LanguageModel,
    sample_batch: Callable[[], Sequence[Example]],
    lora: LoraParams,
    seed: int,
    default_steps: int,
    on_step: Callable[[int, float], None] | None = None,
) -> Any:
    """Fine-tune a fresh LoRA adapter (seeded by ``seed``) on ``language_model`` with
    ``lora``'s rank, rates and steps (``default_steps``, the budget the bank's tasks
    declare, where ``lora.steps`` is none); returns the peft model (in eval mode).

    ``sample_batch()`` returns the next step's examples; the loss is token cross
    entropy on answer tokens only (:func:`answer_loss`). ``on_step(step, loss)`` follows
    progress. A loss that is not finite removes the adapter again (the base model is
    left as it was) and raises :class:`MethodFailedError`.
    """
    validate(lora, prefix="lora.")
    steps = lora.steps or default_steps
    encoder = language_model.encoder
    peft_model = attach_lora(language_model.model, lora, seed)
    device = next(peft_model.parameters()).device
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lora.lr, weight_decay=0.0)

    def schedule(step: int) -> float:
        warm = min(1.0, (step + 1) / max(1, lora.warmup))
        return warm * max(0.0, 1.0 - step / steps)

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)
    peft_model.train()
    for step in range(steps):
        loss = answer_loss(peft_model, encoder.encode(sample_batch(), left_pad=True), device)
        value = float(loss.detach())
        if not math.isfinite(value):
            detach_lora(peft_model)
            raise MethodFailedError(
                f"LoRA training diverged at step {step + 1}: the loss is {value}. Lower the "
                f"learning rate (lr={lora.lr:g})."
            )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad(set_to_none=True)
        if on_step is not None:
            on_step(step, value)
    peft_model.eval()
    return peft_model


def answer_loss(model: Any, batch: Batch, device: Any) -> torch.Tensor:
    """Mean token cross entropy of the answer tokens of a left-padded ``batch``.

    Answers end every row, so the vocabulary projection (a fifth of the model's
    compute per position) and the softmax run only over the last positions that hold
    answer tokens, not over the prompts.
    """
    answer = batch.labels != IGNORE_INDEX
    first = int(answer.float().argmax(dim=1).min())  # earliest answer position in the batch
    keep = batch.input_ids.shape[1] - first + 1
    mask = batch.attention_mask.to(device)
    logits = model(
        input_ids=batch.input_ids.to(device),
        attention_mask=mask,
        position_ids=(mask.cumsum(dim=1) - 1).clamp(min=0),
        logits_to_keep=keep,
    ).logits
    targets = batch.labels[:, -keep + 1 :].to(device)
    return torch.nn.functional.cross_entropy(
        logits[:, :-1].float().reshape(-1, logits.shape[-1]),
        targets.reshape(-1),
        ignore_index=IGNORE_INDEX,
    )


def detach_lora(peft_model: Any) -> Any:
    """Remove the adapter and return the untouched base model for the next method."""
    return peft_model.unload()


def save_adapter(peft_model: Any, directory: str | Path) -> Path:
    """Save the adapter weights as safetensors (never pickle) plus its JSON config."""
    out = Path(directory)
    # Embeddings are never tuned here; saying so skips peft's look-up of the
    # base model's config on disk (a GGUF folder has none).
    peft_model.save_pretrained(str(out), safe_serialization=True, save_embedding_layers=False)
    return out


def load_adapter(model: Any, directory: str | Path) -> Any:
    """Attach a saved adapter to ``model``; a folder without one is a clear error."""
    folder = Path(directory)
    if not (folder / "adapter_model.safetensors").is_file():
        raise ModelFileError(
            f"An adapter folder must hold adapter_model.safetensors. Got {str(folder)!r} "
            "without it; save adapters with save_adapter."
        )
    peft = require("peft", "lm", LM_USER)
    loaded = peft.PeftModel.from_pretrained(model, str(folder))
    loaded.eval()
    return loaded
