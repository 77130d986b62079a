"""The four sequence methods on one suite and seed: rte, oracle, sft, few_shot.

All four use the same base model, the same training bank, the same target
contexts and queries; the two tuned ones (rte, sft) get the same LoRA budget.

- ``few_shot``: the base model reads the target's context as demonstrations.
- ``rte``: LoRA-tuned Psi on relation pairs of the bank; each target is
  decomposed by likelihood scoring over all candidates, then Psi answers.
- ``oracle``: the same Psi given the true decomposition (an upper bound on
  what a better search could reach).
- ``sft``: LoRA-tuned on few-shot prompts of the bank's tasks, evaluated on
  the target's few-shot prompts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rte.registry import BANK, CONTEXT, TRUE_DECOMPOSITION
from rte.sequence.lora import LoraSettings, detach_lora, save_adapter, train_lora
from rte.sequence.prompts import Encoder, Example
from rte.sequence.scoring import (
    ScoringSettings,
    answer_nll,
    best_decomposition,
    generate_answers,
)
from rte.sequence.tasks import (
    Decomposition,
    SequenceSuite,
    Split,
    Target,
    equivalent,
    make_target,
)

METHODS: dict[str, dict[str, list[str]]] = {
    "rte": {"access": [BANK, CONTEXT]},
    "sft": {"access": [BANK, CONTEXT]},
    "few_shot": {"access": [CONTEXT]},
    "oracle": {"access": [BANK, TRUE_DECOMPOSITION]},
}


@dataclass(frozen=True)
class TargetResult:
    """One method's outcome on one target."""

    method: str
    target: Target
    correct: tuple[bool, ...]
    seconds: float
    found: Decomposition | None = None
    decomposition_correct: bool | None = None

    @property
    def score(self) -> float:
        """Fraction of queries answered exactly right."""
        return float(np.mean(self.correct))


def _answer(
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


def psi_predict(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    d: Decomposition,
    xs: Sequence[str],
    batch_size: int,
) -> list[str]:
    """Psi's outputs for decomposition ``d`` on inputs ``xs``."""
    prompts = [suite.psi_prompt(x, suite.anchor_output(d.anchor, x), d.phi) for x in xs]
    return _answer(
        model,
        encoder,
        suite,
        prompts,
        lambda r, y: suite.psi_answer(xs[r], d.phi, y),
        batch_size,
    )


def fewshot_predict(
    model: Any, encoder: Encoder, suite: SequenceSuite, target: Target, batch_size: int
) -> list[str]:
    """Outputs for the target's queries from its few-shot prompts."""
    prompts = [suite.fewshot_prompt(target.context, x) for x, _ in target.queries]
    return _answer(model, encoder, suite, prompts, lambda _r, y: suite.answer(y), batch_size)


def _correct(target: Target, predictions: Sequence[str]) -> tuple[bool, ...]:
    return tuple(p == y for p, (_, y) in zip(predictions, target.queries, strict=True))


def run_few_shot(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    split: Split,
    batch_size: int,
    tick: Callable[[], None],
    method: str = "few_shot",
) -> list[TargetResult]:
    """Answer every target's queries from its few-shot prompt, timed per target.

    With the untuned base model this is the ``few_shot`` baseline; ``sft`` reuses it
    on its tuned model.
    """
    out = []
    for target in split.targets:
        start = time.perf_counter()
        preds = fewshot_predict(model, encoder, suite, target, batch_size)
        out.append(
            TargetResult(method, target, _correct(target, preds), time.perf_counter() - start)
        )
        tick()
    return out


def psi_training_batch(
    suite: SequenceSuite, split: Split, rng: np.random.Generator, size: int
) -> list[Example]:
    """Random relation pairs of the bank on random inputs, as Psi examples.

    Balanced over phi: draw phi uniformly, then one of the bank's pairs with it.
    Uniform over pairs would train each phi in proportion to its number of
    training pairs (1 to 7 in the strings suite), and the phis with the fewest
    training compositions are the outer primitives of the most held-out ones.
    """
    by_phi: dict[str, list[Decomposition]] = {}
    for d in split.train:
        by_phi.setdefault(d.phi, []).append(d)
    phis = sorted(by_phi)
    batch = []
    for _ in range(size):
        pairs = by_phi[phis[int(rng.integers(len(phis)))]]
        d = pairs[int(rng.integers(len(pairs)))]
        x = suite.sample_input(rng)
        anchor_out = suite.anchor_output(d.anchor, x)
        y = suite.apply_phi(d.phi, anchor_out, x)
        batch.append(Example(suite.psi_prompt(x, anchor_out, d.phi), suite.psi_answer(x, d.phi, y)))
    return batch


def sft_training_batch(
    suite: SequenceSuite, split: Split, rng: np.random.Generator, size: int, n_context: int
) -> list[Example]:
    """Few-shot prompts of random bank tasks, the query's answer as label.

    Each step draws one number of demonstrations between 1 and ``n_context``
    (uniformly) for the whole batch: the model learns to answer from contexts
    of every length, and since a batch is as long as its longest prompt, one
    length per batch makes the average step about half as long as full
    contexts would.
    """
    k = int(rng.integers(1, n_context + 1))
    batch = []
    for _ in range(size):
        d = split.train[int(rng.integers(len(split.train)))]
        t = make_target(suite, d, "train", rng, n_context=k, n_queries=1)
        ((x, y),) = t.queries
        batch.append(Example(suite.fewshot_prompt(t.context, x), suite.answer(y)))
    return batch


def run_rte_and_oracle(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    split: Split,
    *,
    lora: LoraSettings,
    scoring: ScoringSettings,
    seed: int,
    adapter_dir: Path | None,
    on_step: Callable[[int, float], None],
    tick: Callable[[], None],
) -> tuple[Any, list[TargetResult]]:
    """Train Psi, then decompose and answer every target; also the oracle.

    Returns the base model (adapter removed) and the results.
    """
    rng = np.random.default_rng([seed, 1])
    psi = train_lora(
        model,
        encoder,
        lambda _step: psi_training_batch(suite, split, rng, lora.batch_size),
        lora,
        seed=seed,
        on_step=on_step,
    )
    if adapter_dir is not None:
        save_adapter(psi, adapter_dir)
    out = []
    for target in split.targets:
        xs = [x for x, _ in target.queries]
        start = time.perf_counter()
        found = best_decomposition(psi, encoder, suite, split.candidates, target.context, scoring)
        preds = psi_predict(psi, encoder, suite, found, xs, scoring.batch_size)
        seconds = time.perf_counter() - start
        inputs = [x for x, _ in target.context] + xs
        out.append(
            TargetResult(
                "rte",
                target,
                _correct(target, preds),
                seconds,
                found,
                equivalent(suite, found, target.truth, inputs),
            )
        )
        start = time.perf_counter()
        preds = psi_predict(psi, encoder, suite, target.truth, xs, scoring.batch_size)
        out.append(
            TargetResult("oracle", target, _correct(target, preds), time.perf_counter() - start)
        )
        tick()
    return detach_lora(psi), out


def run_sft(
    model: Any,
    encoder: Encoder,
    suite: SequenceSuite,
    split: Split,
    *,
    lora: LoraSettings,
    n_context: int,
    batch_size: int,
    seed: int,
    on_step: Callable[[int, float], None],
    tick: Callable[[], None],
) -> tuple[Any, list[TargetResult]]:
    """Fine-tune on few-shot prompts of the bank, evaluate on the targets' prompts."""
    rng = np.random.default_rng([seed, 2])
    tuned = train_lora(
        model,
        encoder,
        lambda _step: sft_training_batch(suite, split, rng, lora.batch_size, n_context),
        lora,
        seed=seed,
        on_step=on_step,
    )
    out = run_few_shot(tuned, encoder, suite, split, batch_size, tick, method="sft")
    return detach_lora(tuned), out
