"""LoRA fine-tuning of the causal LM (peft) and safetensors adapter save / load.

One training loop serves RTE (Psi prompts) and the SFT baseline (few-shot
prompts), so both get the same LoRA budget: rank, steps, batch size and
learning rate come from one :class:`LoraSettings`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from rte._validation import check_nonnegative, check_positive_int
from rte.errors import ModelFileError, ValidationError
from rte.sequence.backends import require
from rte.sequence.prompts import Encoder, Example

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class LoraSettings:
    """LoRA budget shared by every tuned method of a benchmark."""

    rank: int = field(default=8, metadata={"help": "LoRA rank r."})
    alpha: int = field(default=16, metadata={"help": "LoRA scaling alpha (alpha / r scales)."})
    steps: int = field(default=60, metadata={"help": "Optimiser steps."})
    batch_size: int = field(default=8, metadata={"help": "Sequences per step."})
    learning_rate: float = field(default=2e-3, metadata={"help": "AdamW peak learning rate."})
    warmup: int = field(default=5, metadata={"help": "Linear warm-up steps, then linear decay."})
    target_modules: tuple[str, ...] = field(
        default=DEFAULT_TARGETS, metadata={"help": "Linear layers that get adapters."}
    )

    def __post_init__(self) -> None:
        check_positive_int(self.rank, "rank")
        check_positive_int(self.alpha, "alpha")
        check_positive_int(self.steps, "steps")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.warmup, "warmup", minimum=0)
        if check_nonnegative(self.learning_rate, "learning_rate") == 0:
            raise ValidationError("learning_rate must be > 0. Got 0; try 1e-3.")
        if not self.target_modules:
            raise ValidationError(
                "target_modules must name at least one layer. Got none; e.g. ('q_proj',)."
            )
        self.target_modules = tuple(self.target_modules)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy for results.json."""
        out = asdict(self)
        out["target_modules"] = list(self.target_modules)
        return out


def attach_lora(model: Any, settings: LoraSettings, seed: int) -> Any:
    """Wrap ``model`` with a fresh, seeded LoRA adapter (modifies ``model`` in place)."""
    peft = require("peft")
    torch.manual_seed(seed)
    config = peft.LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,
        lora_dropout=0.0,
        target_modules=list(settings.target_modules),
        task_type="CAUSAL_LM",
    )
    return peft.get_peft_model(model, config)


def train_lora(
    model: Any,
    encoder: Encoder,
    sample_batch: Callable[[int], Sequence[Example]],
    settings: LoraSettings,
    *,
    seed: int,
    on_step: Callable[[int, float], None] | None = None,
) -> Any:
    """Fine-tune a fresh LoRA adapter; returns the peft model (in eval mode).

    ``sample_batch(step)`` returns the step's examples; the loss is token cross
    entropy on answer tokens only.
    """
    peft_model = attach_lora(model, settings, seed)
    device = next(peft_model.parameters()).device
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0)

    def schedule(step: int) -> float:
        warm = min(1.0, (step + 1) / max(1, settings.warmup))
        return warm * max(0.0, 1.0 - step / settings.steps)

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)
    peft_model.train()
    for step in range(settings.steps):
        batch = encoder.encode(sample_batch(step))
        loss = peft_model(
            input_ids=batch.input_ids.to(device),
            attention_mask=batch.attention_mask.to(device),
            labels=batch.labels.to(device),
        ).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad(set_to_none=True)
        if on_step is not None:
            on_step(step, float(loss.detach()))
    peft_model.eval()
    return peft_model


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
    peft = require("peft")
    loaded = peft.PeftModel.from_pretrained(model, str(folder))
    loaded.eval()
    return loaded
