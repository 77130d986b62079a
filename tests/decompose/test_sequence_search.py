"""The strict model of the bank (no generator calls, a cache of every step), the seeded
random tie rule, the bounded search and the posterior vote."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rte.decompose.sequence import (
    RelationTree,
    best_candidate,
    bounded_scores,
    choose,
    executed_values,
    modelled_values,
    posterior,
    settled_vote,
    tie_stream,
    vote,
)
from rte.errors import ValidationError
from rte.tasks.parity import ParityTasks
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


def test_modelled_values_compute_each_step_once_across_calls(parity_bank) -> None:
    """The cache keeps every (task, x) asked and every step on its path: a second call for
    a deeper task on the same input asks Psi only for the steps not yet known."""
    tree = RelationTree.of(parity_bank)
    x = next(x for x in ("0110100111", "1011001110") if parity_bank.stored("a,b,c", x) is None)
    asked: list[tuple[str, str, str]] = []

    def psi(steps: Sequence[tuple[str, str, str]]) -> list[str]:
        asked.extend(steps)
        return [str((int(a) + int(x["abcdefghij".index(phi)])) % 2) for x, a, phi in steps]

    cache: dict[tuple[str, str], str] = {}
    path = [r.task for r in tree.path("a,b,c")]
    first = modelled_values(parity_bank, tree, [(path[1], x)], psi, cache=cache)
    assert len(asked) == 2 and set(cache) >= {(path[0], x), (path[1], x)}
    again = modelled_values(parity_bank, tree, [(path[1], x), ("a,b,c", x)], psi, cache=cache)
    assert len(asked) == 3  # only the last step is new
    assert again[(path[1], x)] == first[(path[1], x)]
    assert [r.task for r in tree.path("a,b,c")][-1] == "a,b,c" and tree.path("") == []


def test_ties_are_drawn_at_random_from_a_seeded_stream() -> None:
    """Tied candidates are drawn uniformly, not by order: over many contexts each of three
    tied candidates wins about a third; the same seed and context draw the same one."""
    scores = np.array([3.0, 1.0, 1.0, 2.0, 1.0])
    draws = [choose(scores, 0.0, tie_stream(0, (("x", str(i)),))) for i in range(300)]
    counts = np.bincount(draws, minlength=5)
    assert counts[0] == counts[3] == 0 and min(counts[[1, 2, 4]]) > 70
    context = (("0101", "1"),)
    assert choose(scores, 0.0, tie_stream(4, context)) == choose(
        scores, 0.0, tie_stream(4, context)
    )
    assert choose(np.array([1.6, 1.0, 2.0]), 0.5, tie_stream(0, context)) == 1
    assert {
        choose(np.array([1.4, 1.0, 2.0]), 0.5, tie_stream(0, ((c, c),))) for c in "abcdefgh"
    } == {
        0,
        1,
    }
    with pytest.raises(ValidationError, match="at least one candidate"):
        best_candidate([], context, lambda p, c: np.zeros(0), rng=tie_stream(0, context))


def test_bounded_scores_are_exact_within_the_margin_and_spare_the_rest() -> None:
    """Per-pair NLLs are non-negative and the partial first-pair score bounds the first
    pair: every candidate within the margin gets its exact sum, the others a bound above
    it, and hopeless candidates are never scored beyond their first tokens."""
    rng = np.random.default_rng(0)
    full = rng.uniform(0, 10, (40, 3))
    full[7] = [0.1, 0.2, 0.1]
    full[8] = [0.3, 0.2, 0.4]
    partial = full[:, 0] * rng.uniform(0.2, 1.0, 40)
    rows_scored: list[tuple[int, int]] = []

    def score(rows: Sequence[tuple[int, int]], tokens: int) -> np.ndarray:
        if tokens:
            return np.array([partial[c] for c, j in rows])
        rows_scored.extend(rows)
        return np.array([full[c, j] for c, j in rows])

    got = bounded_scores(40, 3, score, margin=2.0, first_tokens=2)
    truth = full.sum(axis=1)
    within = truth <= truth.min() + 2.0
    np.testing.assert_allclose(got[within], truth[within])
    assert np.all(got[~within] > truth.min() + 2.0) and np.all(got <= truth + 1e-12)
    assert len(rows_scored) < 40 * 3 / 2  # most candidates stop at their partial score
    assert len(set(rows_scored)) == len(rows_scored)  # nothing is scored twice
    rows_scored.clear()
    plain = bounded_scores(40, 3, score, margin=2.0)
    np.testing.assert_allclose(plain[within], truth[within])
    # Without a partial bound, pair 0 is scored for everyone first, and then the lead.
    assert rows_scored[:40] == [(c, 0) for c in range(40)]
    assert rows_scored[40:42] == [(7, 1), (7, 2)]
    assert len(set(rows_scored)) == len(rows_scored) < 40 * 3
    with pytest.raises(ValidationError, match="at least one candidate"):
        bounded_scores(0, 3, score, margin=1.0)


def test_posterior_weights_and_the_vote() -> None:
    chosen, weights = posterior(np.array([5.0, 1.0, 1.0 + np.log(2), 30.0]), margin=3.0)
    assert list(chosen) == [1, 2]
    np.testing.assert_allclose(weights, [2 / 3, 1 / 3])
    rng = tie_stream(0, ())
    # Two light candidates that agree outweigh one heavier that does not.
    assert vote([0.4, 0.3, 0.3], [["a", "x"], ["b", "x"], ["b", "y"]], rng) == ["b", "x"]
    tied = {vote([0.5, 0.5], [["a"], ["b"]], tie_stream(0, (("q", str(i)),)))[0] for i in range(20)}
    assert tied == {"a", "b"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1.0, 0.5, 0.25, 0.1, 1e-3]),
            st.lists(st.sampled_from("abc"), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 4),
)
def test_settled_vote_answers_as_the_full_vote(candidates, first) -> None:
    weights = [w for w, _ in candidates]
    answers = [list(a) for _, a in candidates]
    asked: list[int] = []

    def ask(ks):
        asked.extend(ks)
        return [answers[k] for k in ks]

    settled = settled_vote(weights, ask, tie_stream(1, ()), first=first)
    assert settled == vote(weights, answers, tie_stream(1, ()))
    assert len(asked) == len(set(asked))


def test_settled_vote_asks_only_the_weight_that_can_change_the_answer() -> None:
    weights = [0.9, 0.02, 0.02, 0.02, 0.02, 0.02]
    asked: list[int] = []

    def ask(ks):
        asked.extend(ks)
        return [["a"] for _ in ks]

    assert settled_vote(weights, ask, tie_stream(0, ()), first=1) == ["a"]
    assert asked == [0]
    with pytest.raises(ValidationError, match="at least one candidate"):
        settled_vote([], ask, tie_stream(0, ()))
