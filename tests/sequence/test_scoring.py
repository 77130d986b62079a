"""Likelihood scoring ranks the true decomposition first for a model fitted on a trivial bank."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from conftest import tiny_model, tiny_tokenizer

from rte.sequence.prompts import Encoder, Example
from rte.sequence.scoring import (
    answer_nll,
    best_decomposition,
    context_scores,
    generate_answers,
    prefix_groups,
)
from rte.sequence.tasks import SequenceDecomposition, Split, make_target

ANCHORS = {"id": str, "up": str.upper}
PHIS = {"dup": lambda s: s + s, "same": lambda s: s}


class ToySuite:
    """One-letter inputs; anchors id / up; phi dup / same. Four distinct tasks."""

    family = "toy"
    metric = "exact_match"
    choices = None
    n_context = 2
    max_answer_chars = 2

    def sample_input(self, rng: np.random.Generator) -> str:
        return "abcd"[int(rng.integers(4))]

    def anchor_output(self, anchor: str, x: str) -> str:
        return ANCHORS[anchor](x)

    def apply_phi(self, phi: str, anchor_out: str, x: str) -> str:
        return PHIS[phi](anchor_out)

    def psi_prompt(self, x: str, anchor_out: str, phi: str) -> str:
        return f"{anchor_out} {phi} ->"

    def psi_answer(self, x: str, phi: str, y: str) -> str:
        return self.answer(y)

    def fewshot_prompt(self, context: tuple[tuple[str, str], ...], x: str) -> str:
        return "\n".join([*(f"{a} -> {b}" for a, b in context), f"{x} ->"])

    def answer(self, y: str) -> str:
        return f" {y}\n"

    def parse(self, text: str) -> str:
        return text.strip()

    def split(self, rng: np.random.Generator) -> Split:
        raise NotImplementedError


CANDIDATES = [SequenceDecomposition(a, p) for a in ANCHORS for p in PHIS]


@pytest.fixture(scope="module")
def fitted() -> tuple[Any, Encoder]:
    """The tiny model fully fine-tuned on every Psi example of the toy bank."""
    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer))
    suite, encoder = ToySuite(), Encoder(tokenizer)
    examples = [
        Example(
            suite.psi_prompt(x, suite.anchor_output(d.anchor, x), d.phi),
            suite.answer(suite.apply_phi(d.phi, suite.anchor_output(d.anchor, x), x)),
        )
        for d in CANDIDATES
        for x in "abcd"
    ]
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
def test_true_decomposition_ranks_first(
    fitted: tuple[Any, Encoder], truth: SequenceDecomposition
) -> None:
    model, encoder = fitted
    suite = ToySuite()
    target = make_target(suite, truth, "toy", np.random.default_rng(1), n_context=3, n_queries=1)
    scores = context_scores(model, encoder, suite, CANDIDATES, target.context, batch_size=3)
    # Candidates that are the same function on the context (e.g. up∘same on
    # 'a' vs id∘same only if the letter is its own capital) never occur here.
    assert CANDIDATES[int(np.argmin(scores))] == truth
    found = best_decomposition(
        model, encoder, suite, CANDIDATES, target.context, batch_size=2, probe=1, keep=2
    )
    assert found == truth
    x = target.queries[0][0]
    prompt = suite.psi_prompt(x, suite.anchor_output(truth.anchor, x), truth.phi)
    (text,) = generate_answers(model, encoder, [prompt], max_new_tokens=4, batch_size=1)
    assert suite.parse(text) == target.queries[0][1]


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
