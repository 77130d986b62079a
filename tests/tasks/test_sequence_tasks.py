"""The two task suites: stored banks, candidates from the bank, targets, bad input."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from rte.errors import ValidationError
from rte.tasks.parity import ParityTasks, parse_subset, subset_name
from rte.tasks.sequence import MAX_STORED, SequenceBank, SequenceDecomposition, task_output
from rte.tasks.strings import IDENTITY, PRIMITIVES, StringTasks, apply_primitive


def _size(name: str) -> int:
    return len(parse_subset(name, 10))


@pytest.mark.parametrize("suite", [ParityTasks(n_targets=3), StringTasks(n_targets=3)])
def test_bank_tasks_are_stored_examples_consistent_with_their_relations(suite) -> None:
    bank = suite.split(np.random.default_rng(0)).bank
    inputs = {x for x, _ in bank.tasks[bank.root]}
    assert len(inputs) == suite.n_stored <= MAX_STORED
    assert suite.n_stored <= suite.input_space() // 4
    for label, pairs in bank.tasks.items():
        assert {x for x, _ in pairs} == inputs  # one shared set of stored inputs
        assert all(suite.anchor_output(label, x) == y for x, y in pairs)
    for r in bank.relations:
        for x, y in bank.tasks[r.task]:
            assert suite.apply_phi(r.phi, bank.stored(r.anchor, x), x) == y


def test_parity_targets_are_a_size_five_anchor_plus_an_index() -> None:
    suite = ParityTasks(n_targets=5)
    split = suite.split(np.random.default_rng(0))
    assert len(split.targets) == 5 and {t.band for t in split.targets} == {"S6"}
    for target in split.targets:
        subset = parse_subset(target.truth.anchor, 10) + parse_subset(target.truth.phi, 10)
        assert len(set(subset)) == 6
        for x, y in target.context + target.queries:
            assert y == str(sum(int(x[i]) for i in subset) % 2)
        assert len({x for x, _ in target.context + target.queries}) == (
            suite.n_context + suite.n_queries
        )
        # Every way of writing the same 6-subset is equivalent; nothing else is, here.
        assert all(
            set(parse_subset(d.anchor, 10) + parse_subset(d.phi, 10)) == set(subset)
            for d in target.equivalent
        )
        assert target.truth in target.equivalent
    assert max(_size(t) for t in split.bank.tasks) == 5
    assert split.bank.root == "" and split.bank.root_value("1" * 10) == "0"


def test_parity_candidates_are_every_bank_anchor_fewest_bits_first() -> None:
    suite = ParityTasks(n_targets=1)
    bank = suite.split(np.random.default_rng(0)).bank
    sizes = [_size(d.anchor) for d in bank.candidates]
    assert sizes == sorted(sizes) and set(sizes) == {0, 1, 2, 3, 4, 5}
    expected = sum(len(list(combinations(range(10), k))) * (10 - k) for k in range(6))
    assert len(bank.candidates) == len(set(bank.candidates)) == expected == 3820
    assert all(d.phi not in d.anchor.split(",") for d in bank.candidates)
    band = suite.split(np.random.default_rng(0), "band").bank
    assert {_size(d.anchor) for d in band.candidates} == {5}
    assert len(band.candidates) == 252 * 5


def test_strings_candidates_are_every_bank_task_with_every_primitive() -> None:
    suite = StringTasks(n_targets=1)
    split = suite.split(np.random.default_rng(0))
    bank = split.bank
    anchors = list(dict.fromkeys(d.anchor for d in bank.candidates))
    assert anchors[0] == IDENTITY and anchors[1 : 1 + len(PRIMITIVES)] == list(PRIMITIVES)
    assert set(anchors) == set(bank.tasks)  # identity, primitives, training compositions
    assert len(bank.candidates) == len(bank.tasks) * len(PRIMITIVES) == 57 * 12
    band = suite.split(np.random.default_rng(0), "band").bank
    assert {d.anchor for d in band.candidates} == {IDENTITY, *PRIMITIVES}


def test_parity_subsets_name_round_trip() -> None:
    assert subset_name(parse_subset("c,a,f", 10)) == "a,c,f"
    assert parse_subset("", 10) == ()


def test_parity_bad_input() -> None:
    suite = ParityTasks()
    with pytest.raises(ValidationError, match="bit letters"):
        suite.anchor_output("a,z", "0" * 10)
    with pytest.raises(ValidationError, match="10 characters of 0/1"):
        suite.anchor_output("a", "0102")
    with pytest.raises(ValidationError, match="between 10 and 16"):
        ParityTasks(n_bits=17)
    with pytest.raises(
        ValidationError, match=r"Unknown candidates 'target'\. Expected one of: band, bank"
    ):
        suite.split(np.random.default_rng(0), "target")


def test_strings_has_twelve_primitives_and_known_outputs() -> None:
    assert len(PRIMITIVES) >= 12
    assert apply_primitive("reverse", "abc") == "cba"
    assert apply_primitive("caesar", "azZ") == "baA"
    assert apply_primitive("swap_pairs", "abcde") == "badce"
    assert apply_primitive("drop_vowels", "aei") == ""
    suite = StringTasks()
    assert task_output(suite, SequenceDecomposition("reverse", "upper"), "abc") == "CBA"
    # A composition in the bank is an anchor like any other task.
    assert task_output(suite, SequenceDecomposition("upper∘reverse", "drop_first"), "abc") == "BA"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_held_out_compositions_never_appear_in_the_bank(seed: int) -> None:
    suite = StringTasks()
    split = suite.split(np.random.default_rng(seed))
    unseen = set(suite.held_out(np.random.default_rng(seed)))
    assert len(unseen) >= 100
    related = {r.decomposition for r in split.bank.relations}
    assert not unseen & related
    assert not {f"{d.phi}∘{d.anchor}" for d in unseen} & set(split.bank.tasks)
    assert {t.truth for t in split.targets} <= unseen
    assert all(t.band == "unseen" for t in split.targets)
    assert {r.phi for r in split.bank.relations} == set(PRIMITIVES)


def test_strings_bad_input() -> None:
    suite = StringTasks()
    with pytest.raises(ValidationError, match="Unknown string primitive 'shout'"):
        suite.anchor_output("shout", "abc")
    with pytest.raises(ValidationError, match="Unknown string primitive"):
        suite.psi_prompt("abc", "abc", "shout")
    with pytest.raises(ValidationError, match="n_held_out must leave"):
        StringTasks(n_held_out=144)
    with pytest.raises(ValidationError, match="identity"):
        suite.apply_phi("identity", "abc", "abc")


def test_stored_examples_are_capped() -> None:
    with pytest.raises(ValidationError, match="n_stored must be between 1 and 64"):
        ParityTasks(n_stored=65).split(np.random.default_rng(0))
    with pytest.raises(ValidationError, match="n_stored must be between 1 and 64"):
        StringTasks(n_stored=100).split(np.random.default_rng(0))


def test_a_bank_refuses_bad_stores_and_roots() -> None:
    suite = ParityTasks()
    bank = suite.split(np.random.default_rng(0)).bank
    tasks = dict(bank.tasks)
    too_many = tuple((f"{i:010b}", "0") for i in range(65))
    with pytest.raises(ValidationError, match="must store between 1 and 64 examples"):
        SequenceBank(suite, {**tasks, "a": too_many}, "", bank.relations, bank.candidates)
    with pytest.raises(ValidationError, match="root task 'z' must be one of its stored"):
        SequenceBank(suite, tasks, "z", bank.relations, bank.candidates)
    with pytest.raises(ValidationError, match="constant or the identity"):
        SequenceBank(suite, tasks, "a", bank.relations, bank.candidates)
    with pytest.raises(ValidationError, match="must name stored bank tasks"):
        SequenceBank(suite, tasks, "", bank.relations, (SequenceDecomposition("q", "a"),))
    with pytest.raises(ValidationError, match="at least one of its relations"):
        SequenceBank(suite, tasks, "", (), bank.candidates)
