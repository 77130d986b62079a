"""rte.testing's wrong answers: the interpolation of the context, and the sequence
methods' constant answer and accuracy."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rte.tasks.parity import ParityTasks
from rte.tasks.sequence import SequenceAnswer
from rte.testing import (
    INTERPOLATION,
    Problem,
    constant_answer,
    context_interpolation,
    function_problem,
    sequence_accuracy,
    sequence_wrong_answers,
    wrong_answers,
)


def test_interpolation_joins_the_context_points_and_holds_beyond_them() -> None:
    targets = SimpleNamespace(
        context_x=np.array([[[1.0], [-1.0], [0.0]]]),  # unsorted on purpose
        context_y=np.array([[3.0, 1.0, 0.0]]),
        query_x=np.array([[[-2.0], [-0.5], [0.0], [0.5], [2.0]]]),
    )
    np.testing.assert_allclose(context_interpolation(targets), [[1.0, 0.5, 0.0, 1.5, 3.0]])
    two_d = SimpleNamespace(context_x=np.zeros((1, 3, 2)), context_y=None, query_x=None)
    assert context_interpolation(two_d) is None


def test_the_interpolation_is_a_wrong_answer_of_every_function_problem() -> None:
    problem = function_problem("in_support")
    wrong = wrong_answers(problem, relational=False)
    truth = problem.targets.query_y
    expected = np.mean((context_interpolation(problem.targets) - truth) ** 2)
    assert wrong[INTERPOLATION] == pytest.approx(expected)
    # In support, ten noisy points interpolated beat zeros and the mean: the bar it sets
    # is the highest of the three.
    assert wrong[INTERPOLATION] == min(wrong.values())


@pytest.fixture(scope="module")
def parity() -> Problem:
    split = ParityTasks(max_train_size=2, n_targets=4, n_queries=6, n_stored=16).split(
        np.random.default_rng(0)
    )
    return Problem(split.bank, split.targets)


class _Answers:
    """A sequence 'method' answering from a table of outputs per target (by identity)."""

    def __init__(self, answers: dict) -> None:
        self.answers = answers

    def answer(self, target: object) -> SequenceAnswer:
        return SequenceAnswer(self.answers[id(target)])


def test_sequence_accuracy_scores_exact_answers(parity: Problem) -> None:
    truth = {id(t): tuple(y for _, y in t.queries) for t in parity.targets}
    assert sequence_accuracy(_Answers(truth), parity) == 1.0
    flipped = {k: tuple("1" if y == "0" else "0" for y in v) for k, v in truth.items()}
    assert sequence_accuracy(_Answers(flipped), parity) == 0.0


def test_the_constant_answer_is_the_most_common_context_output(parity: Problem) -> None:
    for target in parity.targets:
        answer = constant_answer(target)
        outputs = [y for _, y in target.context]
        assert len(answer) == len(target.queries) and len(set(answer)) == 1
        assert outputs.count(answer[0]) >= max(outputs.count(y) for y in outputs)
    constant = {id(t): constant_answer(t) for t in parity.targets}
    accuracy = sequence_accuracy(_Answers(constant), parity)
    assert sequence_wrong_answers(parity) == {"constant": accuracy}
    assert 0.0 < accuracy < 1.0  # parity answers are 0 or 1: a constant gets some right
