"""The two task suites: truth, splits, held-out compositions, bad input."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from rte.errors import ValidationError
from rte.sequence.parity import ParitySuite, parse_subset, subset_name
from rte.sequence.strings import PRIMITIVES, StringSuite, apply_primitive
from rte.sequence.tasks import SequenceDecomposition, equivalent, task_output


def test_parity_target_is_anchor_plus_index() -> None:
    suite = ParitySuite()
    split = suite.split(np.random.default_rng(0))
    s6 = split.targets
    assert len(s6) == suite.n_targets
    assert {t.band for t in s6} == {"S6"}
    for target in s6:
        subset = parse_subset(target.truth.anchor, 10) + parse_subset(target.truth.phi, 10)
        assert len(set(subset)) == 6
        for x, y in target.context + target.queries:
            assert y == str(sum(int(x[i]) for i in subset) % 2)
        assert target.truth in split.candidates
        assert len({x for x, _ in target.context + target.queries}) == (
            suite.n_context + suite.n_queries
        )
    assert max(len(parse_subset(d.anchor, 10)) + 1 for d in split.train) == 5


def test_parity_candidates_are_one_step_beyond_the_bank() -> None:
    suite = ParitySuite()
    split = suite.split(np.random.default_rng(0))
    five = {subset_name(s) for s in combinations(range(10), 5)}
    assert {d.anchor for d in split.candidates} == five
    assert len(split.candidates) == 252 * 5
    bank_tasks = {
        subset_name(parse_subset(d.anchor, 10) + parse_subset(d.phi, 10)) for d in split.train
    }
    assert five <= bank_tasks


def test_parity_equivalence_counts_same_subset() -> None:
    suite = ParitySuite()
    inputs = [suite.sample_input(np.random.default_rng(i)) for i in range(20)]
    a, b = SequenceDecomposition("a,b", "c"), SequenceDecomposition("a,c", "b")
    assert equivalent(suite, a, b, inputs)
    assert not equivalent(suite, a, SequenceDecomposition("a,b", "d"), inputs)


def test_parity_bad_input() -> None:
    suite = ParitySuite()
    with pytest.raises(ValidationError, match="bit letters"):
        suite.anchor_output("a,z", "0" * 10)
    with pytest.raises(ValidationError, match="10 characters of 0/1"):
        suite.anchor_output("a", "0102")
    with pytest.raises(ValidationError, match="between 10 and 16"):
        ParitySuite(n_bits=17)


def test_strings_has_twelve_primitives_and_known_outputs() -> None:
    assert len(PRIMITIVES) >= 12
    assert apply_primitive("reverse", "abc") == "cba"
    assert apply_primitive("caesar", "azZ") == "baA"
    assert apply_primitive("swap_pairs", "abcde") == "badce"
    assert apply_primitive("drop_vowels", "aei") == ""
    suite = StringSuite()
    assert task_output(suite, SequenceDecomposition("reverse", "upper"), "abc") == "CBA"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_held_out_compositions_never_appear_in_training(seed: int) -> None:
    suite = StringSuite()
    split = suite.split(np.random.default_rng(seed))
    unseen = set(suite.held_out(np.random.default_rng(seed)))
    assert len(unseen) >= 100
    assert not unseen & set(split.train)
    assert {t.truth for t in split.targets} <= unseen
    assert all(t.band == "unseen" for t in split.targets)
    trained_phis = {d.phi for d in split.train}
    assert trained_phis == set(PRIMITIVES)


def test_strings_bad_input() -> None:
    suite = StringSuite()
    with pytest.raises(ValidationError, match="Unknown string primitive 'shout'"):
        suite.anchor_output("shout", "abc")
    with pytest.raises(ValidationError, match="Unknown string primitive"):
        suite.psi_prompt("abc", "abc", "shout")
    with pytest.raises(ValidationError, match="n_held_out must leave"):
        StringSuite(n_held_out=144)
    with pytest.raises(ValidationError, match="identity"):
        suite.apply_phi("identity", "abc", "abc")
