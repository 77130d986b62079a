"""Turn (prompt, answer) text pairs into padded token batches with answer-only labels.

Prompt and answer are tokenised separately and concatenated, so the answer's
tokens are identical in training, scoring and generation (a joint encoding
could merge tokens across the boundary). Labels are -100 on prompt and padding
positions: the loss is on the answer tokens only. Encodings are cached because
scoring meets the same prompts again and again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rte.errors import ValidationError

if TYPE_CHECKING:
    import torch

IGNORE_INDEX = -100


@dataclass(frozen=True)
class Example:
    """One supervised sequence: the model reads ``prompt`` and must write ``answer``."""

    prompt: str
    answer: str

    def __post_init__(self) -> None:
        if not self.answer:
            raise ValidationError(
                f"Example answer must be non-empty text. Got an empty answer for prompt "
                f"{self.prompt[:40]!r}; format answers with the suite's answer()."
            )


@dataclass(frozen=True)
class Batch:
    """Right-padded ids, attention mask and answer-only labels, all (batch, length)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor


class Encoder:
    """Cached tokenisation of prompts and answers for one tokenizer."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.pad_id = int(tokenizer.pad_token_id)
        self.ids = lru_cache(maxsize=200_000)(self._ids)

    def _ids(self, text: str) -> tuple[int, ...]:
        return tuple(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode(self, examples: Sequence[Example], *, left_pad: bool = False) -> Batch:
        """Batch ``examples``, labels only on answer tokens.

        Training right-pads; scoring left-pads so every answer ends at the last
        position and only the final logits need computing.
        """
        import torch

        if not examples:
            raise ValidationError("encode needs at least one example. Got none.")
        rows = [(self.ids(e.prompt), self.ids(e.answer)) for e in examples]
        length = max(len(p) + len(a) for p, a in rows)
        ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        labels = torch.full((len(rows), length), IGNORE_INDEX, dtype=torch.long)
        for r, (p, a) in enumerate(rows):
            start = length - len(p) - len(a) if left_pad else 0
            ids[r, start : start + len(p) + len(a)] = torch.tensor(p + a)
            mask[r, start : start + len(p) + len(a)] = 1
            labels[r, start + len(p) : start + len(p) + len(a)] = torch.tensor(a)
        return Batch(ids, mask, labels)

    def encode_prompts(self, prompts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Left-padded prompt ids and mask, so every row's next token is at the end."""
        import torch

        rows = [self.ids(p) for p in prompts]
        length = max(len(r) for r in rows)
        ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        for r, row in enumerate(rows):
            ids[r, length - len(row) :] = torch.tensor(row)
            mask[r, length - len(row) :] = 1
        return ids, mask
