"""The strict model of the bank (no generator calls), the tie rule and the pruned search."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from rte.decompose.sequence import (
    RelationTree,
    best_candidate,
    choose,
    executed_values,
    modelled_values,
)
from rte.errors import ValidationError
from rte.tasks.parity import ParityTasks
from rte.tasks.sequence import SequenceDecomposition
from rte.tasks.strings import StringTasks


def _raise(*_args: object, **_kw: object) -> str:
    raise AssertionError("a generator was called")


@pytest.fixture
def parity_bank():
    return ParityTasks(n_targets=1).split(np.random.default_rng(0)).bank


def test_relation_tree_reaches_every_parity_task_by_one_bit_per_step(parity_bank) -> None:
    tree = RelationTree.of(parity_bank)
    assert set(tree.depth) == set(parity_bank.tasks)
    for task, relation in tree.parent.items():
        assert relation.task == task
        assert tree.depth[task] == tree.depth[relation.anchor] + 1 == len(task.split(","))
    with pytest.raises(ValidationError, match="reachable from the bank's root"):
        tree.check_reaches(["a", "zz"])


def test_modelled_values_call_psi_along_paths_and_never_a_generator(
    parity_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an exact Psi step (x_i XOR anchor), the model of the bank reproduces parity;
    stored inputs are looked up; there is one Psi call per depth."""
    suite = ParityTasks()
    truth = {
        a: [suite.anchor_output(a, x) for x in ("0110100111", "1" * 10)] for a in ("a,c,f,h,j", "b")
    }
    monkeypatch.setattr(ParityTasks, "anchor_output", _raise)
    monkeypatch.setattr(ParityTasks, "apply_phi", _raise)
    calls: list[int] = []

    def psi(steps: Sequence[tuple[str, str, str]]) -> list[str]:
        calls.append(len(steps))
        return [str((int(a) + int(x["abcdefghij".index(phi)])) % 2) for x, a, phi in steps]

    stored_x, stored_y = parity_bank.tasks["a,c,f,h,j"][0]
    tree = RelationTree.of(parity_bank)
    needs = [(a, x) for a in truth for x in ("0110100111", "1" * 10)] + [("a,c,f,h,j", stored_x)]
    values = modelled_values(parity_bank, tree, needs, psi)
    for anchor, outputs in truth.items():
        assert [values[(anchor, x)] for x in ("0110100111", "1" * 10)] == outputs
    assert values[("a,c,f,h,j", stored_x)] == stored_y
    assert len(calls) == 5  # depths 1..5, each one batch
    calls.clear()
    ahead = modelled_values(parity_bank, tree, needs, psi, choices=("0", "1"))
    assert ahead == values
    assert len(calls) == 1  # closed outputs: every step for both parent bits at once


def test_modelled_values_pass_psi_errors_along_the_path(parity_bank) -> None:
    """A Psi that always answers '1' makes every non-root task '1' on unstored inputs."""
    tree = RelationTree.of(parity_bank)
    x = next(x for x in ("0" * 10, "1" * 10, "0101010101") if parity_bank.stored("a,b", x) is None)
    values = modelled_values(parity_bank, tree, [("a,b", x), ("", x)], lambda s: ["1"] * len(s))
    assert values == {("a,b", x): "1", ("", x): "0"}


def test_strings_compositions_are_modelled_in_two_steps() -> None:
    bank = StringTasks(n_targets=1).split(np.random.default_rng(0)).bank
    tree = RelationTree.of(bank)
    composition = next(t for t in bank.tasks if "∘" in t)
    assert tree.depth[composition] == 2 and tree.depth["upper"] == 1
    seen: list[tuple[str, str, str]] = []

    def psi(steps: Sequence[tuple[str, str, str]]) -> list[str]:
        seen.extend(steps)
        return [f"{phi}({a})" for _, a, phi in steps]

    values = modelled_values(bank, tree, [(composition, "qwert")], psi)
    outer, inner = composition.split("∘")
    assert values[(composition, "qwert")] == f"{outer}({inner}(qwert))"
    assert seen[0] == ("qwert", "qwert", inner)  # the identity's output is the input
    assert executed_values(bank, [(composition, "qwert")]) == {
        (composition, "qwert"): bank.kind.anchor_output(composition, "qwert")
    }


def test_ties_go_to_the_first_candidate_in_order() -> None:
    assert choose(np.array([3.0, 1.0, 1.0, 2.0]), tie=0.0) == 1
    assert choose(np.array([1.4, 1.0, 2.0]), tie=0.5) == 0
    assert choose(np.array([1.6, 1.0, 2.0]), tie=0.5) == 1


def test_search_prunes_but_keeps_candidate_order() -> None:
    candidates = [SequenceDecomposition(str(i), "p") for i in range(6)]
    context = (("x1", "y1"), ("x2", "y2"))
    first = {"0": 5.0, "1": 0.0, "2": 0.0, "3": 0.0, "4": 9.0, "5": 0.0}
    later = {"1": 1.0, "2": 0.0, "3": 0.0, "5": 0.0}
    scored: list[int] = []

    def score(pool: Sequence[SequenceDecomposition], pairs) -> np.ndarray:
        scored.append(len(pool))
        table = first if len(pairs) == 1 else later
        return np.array([table[d.anchor] for d in pool])

    found = best_candidate(candidates, context, score, probe=1, keep=3)
    assert scored == [6, 3]  # all on the probe pair, the best three on the whole context
    assert found.anchor == "2"  # among the kept 1, 2, 3: 2 and 3 tie, 2 comes first
    with pytest.raises(ValidationError, match="at least one candidate"):
        best_candidate([], context, score)
