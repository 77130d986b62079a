"""Training batches and scoring prompts use the suite's Psi format."""

from __future__ import annotations

import numpy as np

from rte.baselines.lm import sft_training_batch
from rte.models.sequence import psi_training_batch
from rte.sequence.parity import ParitySuite
from rte.sequence.scoring import psi_examples
from rte.sequence.strings import DESCRIPTIONS, PRIMITIVES, StringSuite
from rte.sequence.tasks import SequenceBank


def test_psi_batches_and_scoring_share_the_answer_format() -> None:
    suite = ParitySuite()
    split = suite.split(np.random.default_rng(0))
    bank = SequenceBank.from_split(suite, split)
    for example in psi_training_batch(bank, np.random.default_rng(1), 16):
        assert example.prompt.startswith("bits ") and example.prompt.endswith("->")
        anchor = example.prompt.split("; anchor ")[1][0]
        steps = example.answer.split()
        assert steps[0].startswith(anchor)  # the chain restates the anchor's bit
    target = split.targets[0]
    for example, (x, y) in zip(
        psi_examples(suite, target.truth, target.context), target.context, strict=True
    ):
        assert example.answer == suite.psi_answer(x, target.truth.phi, y)
        assert example.answer.endswith(f"so {y}")


def test_sft_batches_are_few_shot_prompts_of_bank_tasks() -> None:
    suite = StringSuite()
    assert suite.n_context == 4
    bank = SequenceBank.from_split(suite, suite.split(np.random.default_rng(0)))
    rng = np.random.default_rng(2)
    sizes = set()
    for _ in range(20):
        batch = sft_training_batch(bank, rng, 8)
        demos = {e.prompt.count("\n") for e in batch}
        assert len(demos) == 1  # one context length per batch: no padding waste
        sizes |= demos
        assert all(e.answer.endswith("\n") and e.prompt.endswith("->") for e in batch)
    assert sizes == {1, 2, 3, 4}


def test_psi_batches_train_every_phi_equally_often() -> None:
    """Seed 0 of the strings suite has 1 training pair with phi rotate_right and 6 with
    upper: sampling by pair would show rotate_right about 6 times less often."""
    suite = StringSuite()
    bank = SequenceBank.from_split(suite, suite.split(np.random.default_rng(0)))
    batch = psi_training_batch(bank, np.random.default_rng(3), 6000)
    phis = [e.prompt.split("; apply ")[1].removesuffix(" ->") for e in batch]
    counts = np.array([phis.count(DESCRIPTIONS[g]) for g in PRIMITIVES])
    assert counts.min() > 0.8 * len(batch) / len(PRIMITIVES)
