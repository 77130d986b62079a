"""Batched likelihood scoring, candidate ranking and answers to prompts.

Scoring is where the sequence regime spends its time, so it (1) scores each
distinct (prompt, answer) once, however many candidates share it, (2) runs a
token prefix shared by many prompts once and reuses its KV cache, (3) left-pads
so the answer sits at the end and only its logits are computed
(``logits_to_keep``), and (4) optionally prunes: all candidates on the first
context pairs, then only the best few on the whole context. :class:`ScoringParams`
declares the batch size every language-model method scores and generates with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rte._params import at_least, param
from rte.base import Estimator
from rte.errors import ValidationError
from rte.sequence.prompts import Encoder, Example
from rte.sequence.tasks import SequenceDecomposition, SequenceSuite


@dataclass(kw_only=True, repr=False, eq=False)
class ScoringParams(Estimator):
    """The batch size of a language-model method's scoring and generation passes."""

    score_batch_size: int = param(
        64, "Sequences per forward pass when scoring or generating answers.", at_least(1)
    )


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids that ignore left padding (each row starts at 0)."""
    return (mask.cumsum(dim=1) - 1).clamp(min=0)


MIN_SHARED_TOKENS = 4  # a shorter common prefix is not worth a separate pass


def _common_prefix(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = 0
    for u, v in zip(a, b, strict=False):
        if u != v:
            break
        n += 1
    return n


def prefix_groups(
    rows: Sequence[tuple[int, ...]], prompt_lengths: Sequence[int]
) -> list[tuple[int, list[int]]]:
    """Group rows that start with the same tokens: ``(shared length, row indices)``.

    Rows are sorted, so rows sharing a prefix are neighbours; a group only
    grows while the new row shares the whole current prefix. The shared part
    always stops before the last prompt token, so the token that predicts the
    first answer token is in every row's own suffix.
    """
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    groups: list[tuple[int, list[int]]] = []
    shared, members = prompt_lengths[order[0]] - 1, [order[0]]
    for i in order[1:]:
        common = min(_common_prefix(rows[members[0]], rows[i]), prompt_lengths[i] - 1)
        if len(members) == 1 and common >= MIN_SHARED_TOKENS:
            shared = min(shared, common)
        if common >= shared and shared >= MIN_SHARED_TOKENS:
            members.append(i)
        else:
            groups.append((shared, members))
            shared, members = prompt_lengths[i] - 1, [i]
    groups.append((shared, members))
    return groups


def _left_pad(rows: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(1, max(len(r) for r in rows))
    ids = torch.full((len(rows), length), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for r, row in enumerate(rows):
        if row:
            ids[r, length - len(row) :] = torch.tensor(row)
            mask[r, length - len(row) :] = 1
    return ids, mask


def _score_chunk(
    model: Any,
    encoder: Encoder,
    rows: list[tuple[int, ...]],
    answer_lengths: list[int],
    groups: list[tuple[int, list[int]]],
) -> list[float]:
    """NLL of the rows of ``groups``: shared prefixes once (KV cache), then the suffixes."""
    device = next(model.parameters()).device
    members = [i for _, m in groups for i in m]
    owner = torch.tensor([g for g, (_, m) in enumerate(groups) for _ in m])
    prefix_ids, prefix_mask = _left_pad([rows[m[0]][:n] for n, m in groups], encoder.pad_id)
    cache = model(
        input_ids=prefix_ids.to(device),
        attention_mask=prefix_mask.to(device),
        position_ids=_positions(prefix_mask).to(device),
        use_cache=True,
        logits_to_keep=1,
    ).past_key_values
    cache.batch_select_indices(owner.to(device))
    suffix_ids, suffix_mask = _left_pad([rows[i][n:] for n, m in groups for i in m], encoder.pad_id)
    mask = torch.cat([prefix_mask[owner], suffix_mask], dim=1)
    positions = _positions(mask)[:, prefix_mask.shape[1] :]
    keep = max(answer_lengths[i] for i in members) + 1
    logits = model(
        input_ids=suffix_ids.to(device),
        attention_mask=mask.to(device),
        position_ids=positions.to(device),
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=keep,
    ).logits.float()
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    targets = suffix_ids[:, -keep + 1 :].to(device)
    steps = torch.arange(keep - 1, device=device)
    lengths = torch.tensor([answer_lengths[i] for i in members], device=device)
    valid = steps.unsqueeze(0) >= (keep - 1 - lengths).unsqueeze(1)
    picked = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    # where(), not a product: a padding position's logits may be NaN.
    return (-torch.where(valid, picked, 0.0).sum(dim=1)).cpu().tolist()


@torch.inference_mode()
def answer_nll(
    model: Any, encoder: Encoder, examples: Sequence[Example], *, batch_size: int = 64
) -> np.ndarray:
    """Summed negative log-likelihood of each example's answer tokens given its prompt.

    Prompts that share a token prefix (the same query input, say, under many
    candidates) run that prefix once and reuse its KV cache for each suffix.
    """
    unique = list(dict.fromkeys(examples))
    prompts = [encoder.ids(e.prompt) for e in unique]
    answers = [encoder.ids(e.answer) for e in unique]
    rows = [p + a for p, a in zip(prompts, answers, strict=True)]
    groups = prefix_groups(rows, [len(p) for p in prompts])
    # Similar suffix lengths in a chunk keep padding low.
    groups.sort(key=lambda g: max(len(rows[i]) - g[0] for i in g[1]))
    values: dict[Example, float] = {}
    chunk: list[tuple[int, list[int]]] = []
    size = 0
    for n, members in groups:
        for start in range(0, len(members), batch_size):
            part = members[start : start + batch_size]
            if size + len(part) > batch_size and chunk:
                nll = _score_chunk(model, encoder, rows, [len(a) for a in answers], chunk)
                done = [unique[i] for _, m in chunk for i in m]
                values.update(zip(done, nll, strict=True))
                chunk, size = [], 0
            chunk.append((n, part))
            size += len(part)
    nll = _score_chunk(model, encoder, rows, [len(a) for a in answers], chunk)
    values.update(zip([unique[i] for _, m in chunk for i in m], nll, strict=True))
    return np.array([values[e] for e in examples])


def psi_examples(
    suite: SequenceSuite, d: SequenceDecomposition, pairs: Sequence[tuple[str, str]]
) -> list[Example]:
    """Psi prompts for candidate ``d`` on (x, y) pairs, answers being the observed y."""
    return [
        Example(
            suite.psi_prompt(x, suite.anchor_output(d.anchor, x), d.phi),
            suite.psi_answer(x, d.phi, y),
        )
        for x, y in pairs
    ]


def context_scores(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    candidates: Sequence[SequenceDecomposition],
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
    candidates: Sequence[SequenceDecomposition],
    context: Sequence[tuple[str, str]],
    *,
    batch_size: int,
    probe: int = 0,
    keep: int = 16,
) -> SequenceDecomposition:
    """The candidate whose Psi prompts give the context outputs the lowest NLL.

    With ``0 < probe < len(context)``, all candidates are first scored on the first
    ``probe`` context pairs and only the best ``keep`` on the whole context.
    """
    if not candidates:
        raise ValidationError("best_decomposition needs at least one candidate. Got none.")
    pool = list(candidates)
    if 0 < probe < len(context) and keep < len(pool):
        first = context_scores(model, encoder, suite, pool, context[:probe], batch_size=batch_size)
        pool = [pool[i] for i in np.argsort(first, kind="stable")[:keep]]
    scores = context_scores(model, encoder, suite, pool, context, batch_size=batch_size)
    return pool[int(np.argmin(scores))]


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


def answer_prompts(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    prompts: Sequence[str],
    answers: Callable[[int, str], str],
    batch_size: int,
) -> list[str]:
    """Predicted outputs: lowest-NLL choice for closed answers, else greedy text.

    ``answers(row, y)`` formats candidate output ``y`` as the answer text of
    prompt ``row``, so Psi's answer format (which may spell out a step) is reused.
    """
    if suite.choices is not None:
        flat = [Example(p, answers(r, c)) for r, p in enumerate(prompts) for c in suite.choices]
        nll = answer_nll(model, encoder, flat, batch_size=batch_size).reshape(len(prompts), -1)
        return [suite.choices[int(i)] for i in nll.argmin(axis=1)]
    longest = max(len(encoder.ids(answers(0, "x" * suite.max_answer_chars))), 1)
    texts = generate_answers(
        model, encoder, prompts, max_new_tokens=longest + 1, batch_size=batch_size
    )
    return [suite.parse(t) for t in texts]
