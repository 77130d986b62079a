"""Scoring and generation with shared-prefix caches match plain forward passes; a model
fitted on a toy bank ranks the true decomposition first."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from rte.decompose.sequence import best_candidate
from rte.lm.prompts import Encoder, Example
from rte.lm.scoring import answer_nll, generate, prefix_groups
from rte.tasks.sequence import SequenceDecomposition
from rte.testing import tiny_model, tiny_tokenizer

ANCHORS = {"id": str, "up": str.upper}
PHIS = {"dup": lambda s: s + s, "same": lambda s: s}
CANDIDATES = [SequenceDecomposition(a, p) for a in ANCHORS for p in PHIS]


def _prompt(x: str, d: SequenceDecomposition) -> str:
    return f"{ANCHORS[d.anchor](x)} {d.phi} ->"


def _output(x: str, d: SequenceDecomposition) -> str:
    return PHIS[d.phi](ANCHORS[d.anchor](x))


@pytest.fixture(scope="module")
def fitted() -> tuple[Any, Encoder]:
    """The tiny model fully fine-tuned on every Psi example of a toy bank."""
    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer))
    encoder = Encoder(tokenizer)
    examples = [Example(_prompt(x, d), f" {_output(x, d)}\n") for d in CANDIDATES for x in "abcd"]
    batch = encoder.encode(examples)
    torch.manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(150):
        loss = model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    model.eval()
    assert float(loss.detach()) < 0.05
    return model, encoder


@pytest.mark.parametrize("truth", CANDIDATES)
def test_true_decomposition_ranks_first_and_is_generated(
    fitted: tuple[Any, Encoder], truth: SequenceDecomposition
) -> None:
    model, encoder = fitted
    context = (("a", _output("a", truth)), ("c", _output("c", truth)))

    def score(pool, pairs) -> np.ndarray:
        flat = [Example(_prompt(x, d), f" {y}\n") for d in pool for x, y in pairs]
        nll = answer_nll(model, encoder, flat, batch_size=3)
        return nll.reshape(len(pool), len(pairs)).sum(axis=1)

    assert best_candidate(CANDIDATES, context, score, rng=np.random.default_rng(0)) == truth
    (made,) = generate(model, encoder, [_prompt("b", truth)], max_new_tokens=4, batch_size=1)
    assert made.text.strip() == _output("b", truth)


def _reference_nll(model: Any, encoder: Encoder, example: Example) -> float:
    """Plain full-sequence forward of one example, no padding, no cache."""
    prompt, answer = encoder.ids(example.prompt), encoder.ids(example.answer)
    ids = torch.tensor([prompt + answer])
    with torch.inference_mode():
        logp = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
    return -sum(float(logp[len(prompt) + k - 1, t]) for k, t in enumerate(answer))


def test_shared_prefix_scoring_matches_plain_forward(model: Any, tokenizer: Any) -> None:
    encoder = Encoder(tokenizer)
    examples = [
        Example("in abcdef; anchor fed; apply up ->", " FED\n"),
        Example("in abcdef; anchor fed; apply dup ->", " fedfed\n"),
        Example("in abcdef; anchor cba; apply up ->", " CBA\n"),
        Example("in xy; anchor yx; apply dup ->", " yxyx\n"),
        Example("a ->", " b\n"),
        Example("in abcdef; anchor fed; apply up ->", " FED\n"),
    ]
    expected = np.array([_reference_nll(model, encoder, e) for e in examples])
    for batch_size in (1, 2, 64):
        got = answer_nll(model, encoder, examples, batch_size=batch_size)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    rows = [encoder.ids(e.prompt) + encoder.ids(e.answer) for e in examples[:3]]
    groups = prefix_groups(rows, [len(encoder.ids(e.prompt)) for e in examples[:3]])
    assert groups == [(len(encoder.ids("in abcdef; anchor ")), [2, 1, 0])]


def _reference_greedy(model: Any, encoder: Encoder, prompt: str, steps: int) -> list[Any]:
    """Token-by-token greedy decoding with full forwards: (token, log-probs) per step."""
    ids = list(encoder.ids(prompt))
    out = []
    with torch.inference_mode():
        for _ in range(steps):
            logp = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0, -1], -1)
            token = int(logp.argmax())
            out.append((token, logp))
            ids.append(token)
    return out


def test_cached_generation_matches_plain_greedy_decoding(model: Any, tokenizer: Any) -> None:
    """Rows sharing a prefix, rows of other lengths, rows leaving the batch early: the
    text and the tracked log-probabilities are those of plain greedy decoding."""
    encoder = Encoder(tokenizer)
    prompts = [
        "bits a0 b1 c1; anchor 1; add b ->",
        "bits a0 b1 c1; anchor 0; add c ->",
        "bits a1 b1; anchor 0; add a ->",
        "q ->",
        "bits a0 b1 c1; anchor 1; add b ->",
    ]
    track = ("0", "1")
    ids = [encoder.ids(t)[-1] for t in track]
    stop = encoder.ids("\n")[-1]
    for batch_size in (1, 3, 64):
        made = generate(
            model, encoder, prompts, max_new_tokens=6, batch_size=batch_size, track=track
        )
        for prompt, got in zip(prompts, made, strict=True):
            steps = _reference_greedy(model, encoder, prompt, 6)
            tokens = []
            for token, _ in steps:
                if token in (stop, tokenizer.eos_token_id):
                    break
                tokens.append(token)
            assert got.text == tokenizer.decode(tokens, skip_special_tokens=True)
            emitted = [logp for token, logp in steps[: len(tokens)] if token in ids]
            expected = emitted[-1] if emitted else steps[0][1]
            np.testing.assert_allclose(got.choice_logprobs, expected[ids].numpy(), atol=1e-4)
    assert generate(model, encoder, [], max_new_tokens=3, batch_size=2) == []
