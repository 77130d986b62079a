"""Batched likelihood scoring, candidate ranking and greedy answers.

Scoring is where the sequence regime spends its time, so it (1) scores each
distinct (prompt, answer) once, however many candidates share it, (2) sorts by
length so batches carry little padding, (3) left-pads so the answer sits at the
end and only its logits are computed (``logits_to_keep``), and (4) optionally
prunes: all candidates on the first context pairs, then only the best few on
the whole context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rte._validation import check_positive_int
from rte.errors import ValidationError
from rte.sequence.prompts import IGNORE_INDEX, Encoder, Example
from rte.sequence.tasks import Decomposition, SequenceSuite


@dataclass
class ScoringSettings:
    """How candidates are scored."""

    batch_size: int = field(default=64, metadata={"help": "Sequences per forward pass."})
    probe: int = field(
        default=0, metadata={"help": "Context pairs of the pruning pass (0: no pruning)."}
    )
    keep: int = field(default=16, metadata={"help": "Candidates kept after the pruning pass."})

    def __post_init__(self) -> None:
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.probe, "probe", minimum=0)
        check_positive_int(self.keep, "keep")


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids that ignore left padding (each row starts at 0)."""
    return (mask.cumsum(dim=1) - 1).clamp(min=0)


@torch.inference_mode()
def answer_nll(
    model: Any, encoder: Encoder, examples: Sequence[Example], *, batch_size: int = 64
) -> np.ndarray:
    """Summed negative log-likelihood of each example's answer tokens given its prompt."""
    unique = list(dict.fromkeys(examples))
    order = sorted(
        range(len(unique)),
        key=lambda i: len(encoder.ids(unique[i].prompt)) + len(encoder.ids(unique[i].answer)),
    )
    device = next(model.parameters()).device
    values: dict[Example, float] = {}
    for start in range(0, len(order), batch_size):
        chunk = [unique[i] for i in order[start : start + batch_size]]
        batch = encoder.encode(chunk, left_pad=True)
        keep = max(len(encoder.ids(e.answer)) for e in chunk) + 1
        logits = model(
            input_ids=batch.input_ids.to(device),
            attention_mask=batch.attention_mask.to(device),
            position_ids=_positions(batch.attention_mask).to(device),
            logits_to_keep=keep,
        ).logits.float()
        labels = batch.labels[:, -keep + 1 :].to(device)
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        valid = labels != IGNORE_INDEX
        picked = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        nll = -(picked * valid).sum(dim=1)
        values.update(zip(chunk, nll.cpu().tolist(), strict=True))
    return np.array([values[e] for e in examples])


def psi_examples(
    suite: SequenceSuite, d: Decomposition, pairs: Sequence[tuple[str, str]]
) -> list[Example]:
    """Psi prompts for candidate ``d`` on (x, y) pairs, answers being the observed y."""
    return [
        Example(suite.psi_prompt(x, suite.anchor_output(d.anchor, x), d.phi), suite.answer(y))
        for x, y in pairs
    ]


def context_scores(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    candidates: Sequence[Decomposition],
    pairs: Sequence[tuple[str, str]],
    *,
    batch_size: int,
) -> np.ndarray:
    """Total context NLL of each candidate, one batched pass over distinct prompts."""
    flat = [e for d in candidates for e in psi_examples(suite, d, pairs)]
    return (
        answer_nll(model, encoder, flat, batch_size=batch_size)
        .reshape(len(candidates), len(pairs))
        .sum(axis=1)
    )


def best_decomposition(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    candidates: Sequence[Decomposition],
    context: Sequence[tuple[str, str]],
    settings: ScoringSettings,
) -> Decomposition:
    """The candidate whose Psi prompts give the context outputs the lowest NLL."""
    if not candidates:
        raise ValidationError("best_decomposition needs at least one candidate. Got none.")
    pool = list(candidates)
    if 0 < settings.probe < len(context) and settings.keep < len(pool):
        probe = context_scores(
            model,
            encoder,
            suite,
            pool,
            context[: settings.probe],
            batch_size=settings.batch_size,
        )
        pool = [pool[i] for i in np.argsort(probe, kind="stable")[: settings.keep]]
    scores = context_scores(model, encoder, suite, pool, context, batch_size=settings.batch_size)
    return pool[int(np.argmin(scores))]


def choose_answers(
    model: Any,
    encoder: Encoder,
    prompts: Sequence[str],
    choices: Sequence[str],
    *,
    batch_size: int,
) -> list[str]:
    """For a closed answer set: the choice with the lowest NLL after each prompt."""
    flat = [Example(p, c) for p in prompts for c in choices]
    nll = answer_nll(model, encoder, flat, batch_size=batch_size).reshape(len(prompts), -1)
    return [choices[int(i)] for i in nll.argmin(axis=1)]


@torch.inference_mode()
def generate_answers(
    model: Any,
    encoder: Encoder,
    prompts: Sequence[str],
    *,
    max_new_tokens: int,
    batch_size: int,
    stop: str = "\n",
) -> list[str]:
    """Greedy continuations of ``prompts``, each cut at the first ``stop``."""
    tokenizer = encoder.tokenizer
    stop_ids = [encoder.ids(stop)[-1]]
    if tokenizer.eos_token_id is not None:
        stop_ids.append(int(tokenizer.eos_token_id))
    device = next(model.parameters()).device
    texts: list[str] = []
    for start in range(0, len(prompts), batch_size):
        ids, mask = encoder.encode_prompts(prompts[start : start + batch_size])
        out = model.generate(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=stop_ids,
            pad_token_id=encoder.pad_id,
        )
        for row in out[:, ids.shape[1] :]:
            texts.append(tokenizer.decode(row.tolist(), skip_special_tokens=True).split(stop)[0])
    return texts


PredictFn = Callable[[Sequence[str]], list[str]]
