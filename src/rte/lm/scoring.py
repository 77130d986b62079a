"""Batched likelihood scoring and greedy generation with shared-prefix KV caches.

Scoring and generation are where the sequence regime spends its time, so both
(1) handle each distinct prompt once, however many candidates share it, (2) run a
token prefix shared by many prompts once and reuse its KV cache, and (3) left-pad
so the next token sits at the end and only its logits are computed
(``logits_to_keep``). Generation also drops finished rows from the batch.
:class:`ScoringParams` declares the batch size every language-model method
scores and generates with.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rte.lm.prompts import Encoder, Example
from rte.tasks.sequence import SequenceTasks


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

    Rows are sorted, so rows sharing a prefix are neighbours. A new row joins the
    current group when the tokens saved with it (the shortened shared prefix, once
    per member) are at least those saved without it; so the candidates of one
    anchor share its prompt even when their phis' descriptions begin alike. The
    shared part always stops before the last prompt token, so the token that
    predicts the first answer token is in every row's own suffix.
    """
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    groups: list[tuple[int, list[int]]] = []
    shared, members = prompt_lengths[order[0]] - 1, [order[0]]
    for i in order[1:]:
        common = min(shared, _common_prefix(rows[members[0]], rows[i]), prompt_lengths[i] - 1)
        saved_before = shared * (len(members) - 1) if len(members) > 1 else 0
        if common >= MIN_SHARED_TOKENS and common * len(members) >= saved_before:
            shared = common
            members.append(i)
        else:
            groups.append((shared, members))
            shared, members = prompt_lengths[i] - 1, [i]
    groups.append((shared, members))
    return groups


def _cache_key(model: Any) -> str:
    """The forward keyword of the KV cache: ``cache`` (transformers >= 5.24) or, before,
    ``past_key_values`` (the old name still works there, with a warning)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def _left_pad(rows: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(1, max(len(r) for r in rows))
    ids = torch.full((len(rows), length), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for r, row in enumerate(rows):
        if row:
            ids[r, length - len(row) :] = torch.tensor(row)
            mask[r, length - len(row) :] = 1
    return ids, mask


def _prefixed_forward(
    model: Any,
    encoder: Encoder,
    rows: Sequence[tuple[int, ...]],
    groups: list[tuple[int, list[int]]],
    keep: int,
) -> tuple[torch.Tensor, Any, torch.Tensor, torch.Tensor]:
    """Run the rows of ``groups``: shared prefixes once (KV cache), then the suffixes.

    Returns the logits of the last ``keep`` positions of every member row (groups'
    order), the cache, the attention mask over prefix + suffix, and the suffix ids.
    """
    device = next(model.parameters()).device
    owner = torch.tensor([g for g, (_, m) in enumerate(groups) for _ in m])
    prefix_ids, prefix_mask = _left_pad([rows[m[0]][:n] for n, m in groups], encoder.pad_id)
    key = _cache_key(model)
    out = model(
        input_ids=prefix_ids.to(device),
        attention_mask=prefix_mask.to(device),
        position_ids=_positions(prefix_mask).to(device),
        use_cache=True,
        logits_to_keep=1,
    )
    cache = out[key] if key in out else out["past_key_values"]
    cache.batch_select_indices(owner.to(device))
    suffix_ids, suffix_mask = _left_pad([rows[i][n:] for n, m in groups for i in m], encoder.pad_id)
    mask = torch.cat([prefix_mask[owner], suffix_mask], dim=1)
    positions = _positions(mask)[:, prefix_mask.shape[1] :]
    logits = model(
        input_ids=suffix_ids.to(device),
        attention_mask=mask.to(device),
        position_ids=positions.to(device),
        use_cache=True,
        logits_to_keep=keep,
        **{key: cache},
    ).logits.float()
    return logits, cache, mask.to(device), suffix_ids.to(device)


def _score_chunk(
    model: Any,
    encoder: Encoder,
    rows: list[tuple[int, ...]],
    answer_lengths: list[int],
    groups: list[tuple[int, list[int]]],
) -> list[float]:
    """NLL of the answers of the rows of ``groups``."""
    members = [i for _, m in groups for i in m]
    keep = max(answer_lengths[i] for i in members) + 1
    logits, _, _, suffix_ids = _prefixed_forward(model, encoder, rows, groups, keep)
    device = logits.device
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    targets = suffix_ids[:, -keep + 1 :]
    steps = torch.arange(keep - 1, device=device)
    lengths = torch.tensor([answer_lengths[i] for i in members], device=device)
    valid = steps.unsqueeze(0) >= (keep - 1 - lengths).unsqueeze(1)
    picked = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    # where(), not a product: a padding position's logits may be NaN.
    return (-torch.where(valid, picked, 0.0).sum(dim=1)).cpu().tolist()


def _chunks(
    groups: list[tuple[int, list[int]]], batch_size: int
) -> Iterator[list[tuple[int, list[int]]]]:
    """Prefix groups packed into chunks of at most ``batch_size`` rows (big groups split)."""
    chunk: list[tuple[int, list[int]]] = []
    size = 0
    for n, members in groups:
        for start in range(0, len(members), batch_size):
            part = members[start : start + batch_size]
            if size + len(part) > batch_size and chunk:
                yield chunk
                chunk, size = [], 0
            chunk.append((n, part))
            size += len(part)
    if chunk:
        yield chunk


@torch.inference_mode()
def answer_nll(
    model: Any,
    encoder: Encoder,
    examples: Sequence[Example],
    *,
    batch_size: int = 64,
    answer_tokens: int = 0,
) -> np.ndarray:
    """Summed negative log-likelihood of each example's answer tokens given its prompt
    (only the first ``answer_tokens`` of them when > 0: a cheaper, coarser score).

    Prompts that share a token prefix (the same query input, say, under many
    candidates) run that prefix once and reuse its KV cache for each suffix.
    """
    unique = list(dict.fromkeys(examples))
    if not unique:
        return np.zeros(0)
    prompts = [encoder.ids(e.prompt) for e in unique]
    cut = answer_tokens or None
    kept = [encoder.ids(e.answer)[:cut] for e in unique]
    answers = [len(a) for a in kept]
    rows = [p + a for p, a in zip(prompts, kept, strict=True)]
    groups = prefix_groups(rows, [len(p) for p in prompts])
    # Similar suffix lengths in a chunk keep padding low.
    groups.sort(key=lambda g: max(len(rows[i]) - g[0] for i in g[1]))
    values: dict[Example, float] = {}
    for chunk in _chunks(groups, batch_size):
        nll = _score_chunk(model, encoder, rows, answers, chunk)
        values.update(zip([unique[i] for _, m in chunk for i in m], nll, strict=True))
    return np.array([values[e] for e in examples])


@dataclass(frozen=True)
class Generated:
    """A greedy continuation: its text, and the log-probabilities of the tracked tokens
    at the last step that emitted one of them (the answer's final choice), if tracked."""

    text: str
    choice_logprobs: tuple[float, ...] = ()


def _generate_chunk(
    model: Any,
    encoder: Encoder,
    rows: list[tuple[int, ...]],
    groups: list[tuple[int, list[int]]],
    max_new_tokens: int,
    stop_ids: torch.Tensor,
    track: torch.Tensor,
) -> list[Generated]:
    """Greedy decoding of the rows of ``groups`` (prefixes cached once); finished rows
    leave the batch."""
    logits, cache, mask, _ = _prefixed_forward(model, encoder, rows, groups, 1)
    n = len(mask)
    tokens: list[list[int]] = [[] for _ in range(n)]
    tracked: list[torch.Tensor | None] = [None] * n
    alive = torch.arange(n)
    for step in range(max_new_tokens):
        logp = torch.log_softmax(logits[:, -1], dim=-1)
        nxt = logp.argmax(dim=-1)
        stopped = torch.isin(nxt, stop_ids)
        chosen = torch.isin(nxt, track)
        for r, row in enumerate(alive.tolist()):
            if len(track) and (chosen[r] or tracked[row] is None):
                tracked[row] = logp[r, track].cpu()
            if not stopped[r]:
                tokens[row].append(int(nxt[r]))
        live = (~stopped).nonzero().squeeze(1)
        if len(live) == 0 or step == max_new_tokens - 1:
            break
        if len(live) < len(alive):
            cache.batch_select_indices(live)
            mask, nxt, alive = mask[live], nxt[live], alive[live.cpu()]
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        logits = model(
            input_ids=nxt.unsqueeze(1),
            attention_mask=mask,
            position_ids=(mask.sum(dim=1, keepdim=True) - 1),
            use_cache=True,
            logits_to_keep=1,
            **{_cache_key(model): cache},
        ).logits.float()
    decode = encoder.tokenizer.decode
    return [
        Generated(
            decode(t, skip_special_tokens=True),
            () if p is None else tuple(float(v) for v in p),
        )
        for t, p in zip(tokens, tracked, strict=True)
    ]


@torch.inference_mode()
def generate(
    model: Any,
    encoder: Encoder,
    prompts: Sequence[str],
    *,
    max_new_tokens: int,
    batch_size: int,
    stop: str = "\n",
    track: Sequence[str] = (),
) -> list[Generated]:
    """Greedy continuations of ``prompts``, each cut before the first ``stop`` (or EOS).

    Prompts sharing a token prefix (a target's few-shot demonstrations, the input
    of a Psi prompt) run it once. ``track`` names answer tokens (e.g. the choices
    '0' and '1'): each result carries their log-probabilities at the last step that
    emitted one of them, i.e. the final answer after any chain of steps.
    """
    unique = list(dict.fromkeys(prompts))
    if not unique:
        return []
    rows = [encoder.ids(p) for p in unique]
    stop_ids = [encoder.ids(stop)[-1]]
    if encoder.tokenizer.eos_token_id is not None:
        stop_ids.append(int(encoder.tokenizer.eos_token_id))
    device = next(model.parameters()).device
    stops = torch.tensor(stop_ids, device=device)
    tracked = torch.tensor([encoder.ids(t)[-1] for t in track], dtype=torch.long, device=device)
    groups = prefix_groups(rows, [len(r) for r in rows])
    groups.sort(key=lambda g: max(len(rows[i]) - g[0] for i in g[1]))
    out: dict[str, Generated] = {}
    for chunk in _chunks(groups, batch_size):
        done = _generate_chunk(model, encoder, rows, chunk, max_new_tokens, stops, tracked)
        out.update(zip([unique[i] for _, m in chunk for i in m], done, strict=True))
    return [out[p] for p in prompts]


def answer_prompts(
    model: Any,
    encoder: Encoder,
    kind: SequenceTasks,
    prompts: Sequence[str],
    batch_size: int,
) -> list[str]:
    """Predicted outputs of few-shot prompts: lowest-NLL choice for closed answers, else
    greedy text."""
    if kind.choices is not None:
        flat = [Example(p, kind.answer(c)) for p in prompts for c in kind.choices]
        nll = answer_nll(model, encoder, flat, batch_size=batch_size).reshape(len(prompts), -1)
        return [kind.choices[int(i)] for i in nll.argmin(axis=1)]
    longest = max(len(encoder.ids(kind.answer("x" * kind.max_answer_chars))), 1)
    texts = generate(model, encoder, prompts, max_new_tokens=longest + 1, batch_size=batch_size)
    return [kind.parse(t.text) for t in texts]
