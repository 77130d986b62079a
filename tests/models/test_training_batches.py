"""Training batches come from the stored examples and use the suite's formats."""

from __future__ import annotations

import numpy as np

from rte.baselines.lm import sft_training_batch
from rte.models.sequence import psi_training_batch, relation_examples
from rte.tasks.parity import ParityTasks
from rte.tasks.strings import DESCRIPTIONS, PRIMITIVES, StringTasks, render


def test_psi_batches_are_stored_relation_pairs_with_a_labelled_chain() -> None:
    bank = ParityTasks(n_targets=1).split(np.random.default_rng(0)).bank
    stored = {x for x, _ in bank.tasks[bank.root]}
    for example in psi_training_batch(bank, np.random.default_rng(1), 32):
        bits = example.prompt.removeprefix("bits ").split("; anchor ")[0].split()
        x = "".join(b[1] for b in bits)
        assert x in stored
        anchor = example.prompt.split("; anchor ")[1][0]
        phi = example.prompt.removesuffix(" ->")[-1]
        label, steps, _, y = example.answer.split()
        assert label == f"{phi}{x['abcdefghij'.index(phi)]}"  # the bit read after its label
        assert steps.startswith(f"{anchor}+{label[1]}=")
        assert y == str((int(anchor) + int(label[1])) % 2)
    assert bank.kind.psi_output(" h1 1+1=2 so 0\n") == "0"
    assert bank.kind.psi_output(" garbled") == ""


def test_relation_examples_read_both_tasks_stored_outputs() -> None:
    bank = StringTasks(n_targets=1).split(np.random.default_rng(0)).bank
    examples = relation_examples(bank)
    assert set(examples) == set(bank.relations)
    for relation, triples in examples.items():
        assert len(triples) == bank.kind.n_stored
        for x, a, y in triples:
            assert (bank.stored(relation.anchor, x), bank.stored(relation.task, x)) == (a, y)


def test_sft_batches_are_few_shot_prompts_of_one_stored_task() -> None:
    suite = StringTasks(n_targets=1)
    bank = suite.split(np.random.default_rng(0)).bank
    stored = {(render(x), render(y)) for pairs in bank.tasks.values() for x, y in pairs}
    rng = np.random.default_rng(2)
    sizes = set()
    for _ in range(20):
        batch = sft_training_batch(bank, rng, 8)
        demos = {e.prompt.count("\n") for e in batch}
        assert len(demos) == 1  # one context length per batch: no padding waste
        sizes |= demos
        for e in batch:
            lines = e.prompt.split("\n")
            pairs = [tuple(line.split(" -> ")) for line in lines[:-1]]
            assert set(pairs) <= stored
            assert (lines[-1].removesuffix(" ->"), e.answer.strip()) in stored
    assert sizes == {1, 2, 3, 4}


def test_psi_batches_train_every_phi_equally_often() -> None:
    """Seed 0 of the strings suite has 1 training pair with phi rotate_right and 6 with
    upper: sampling by pair would show rotate_right about 6 times less often."""
    bank = StringTasks(n_targets=1).split(np.random.default_rng(0)).bank
    batch = psi_training_batch(bank, np.random.default_rng(3), 6000)
    phis = [e.prompt.split("; apply ")[1].removesuffix(" ->") for e in batch]
    counts = np.array([phis.count(DESCRIPTIONS[g]) for g in PRIMITIVES])
    assert counts.min() > 0.8 * len(batch) / len(PRIMITIVES)
