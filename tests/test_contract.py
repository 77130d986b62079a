"""One contract suite over every registered method.

Every method keeps the estimator contract (scikit-learn's ``clone``, ``get_params`` /
``set_params``, ``fit`` returning self, an error before fit, determinism per seed)
and is *accurate* on a tiny fixed problem of its regime: its error must be far below
that of predicting zeros, the context mean and, for relational methods, the
anchor's own curve. So a method whose predictions are replaced by any of these
fails here (``benchmarks/check_wrong_answers.py`` checks exactly that).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from helpers import mse as _mse
from helpers import wrong_answers
from sklearn.base import clone

from rte import TaskFamily, get_method, method_names, sample_bank, sample_targets
from rte.errors import NotFittedError, ValidationError
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.composition import CompositionTasks
from rte.tasks.length import LengthTasks

# Budgets large enough to be accurate on the tiny problems, small enough to fit in ~1 s.
FUNCTION_OPTIONS = {
    "rte": {"steps": 1500, "width": 64},
    "transductive_oracle": {"steps": 1500, "width": 64},
    "inductive_t2v": {"steps": 800, "width": 64},
    "inductive_oracle": {"steps": 800, "width": 64},
    "context_mlp": {"steps": 300},
    "context_gp": {"restarts": 0},
    "nearest_task": {},
    "family_fit": {"starts": 4},
    "cnp": {"steps": 400},
    "naive": {"steps": 400},
    "maml": {"meta_steps": 100},
    "fomaml": {"meta_steps": 100},
    "reptile": {"meta_steps": 100},
    "bilinear": {"steps": 300},
    "snake_mlp": {"steps": 300},
    "dkt": {"steps": 150},
    "tnp": {"steps": 150},
    "symbolic_regression": {"population_size": 50, "max_evaluations": 2000},
}
DISCRETE_OPTIONS = {
    name: {"steps": 600, "width": 64, "batch_size": 128, "lr": 5e-3, "top_k": 4}
    for name in ("rte_discrete", "rte_cached", "rte_exhaustive", "transductive_oracle_discrete")
}
DISCRETE_OPTIONS["rte_learned"] = {
    **DISCRETE_OPTIONS["rte_discrete"],
    "decomposer_steps": 1500,
    "top_k": 8,
}
# Discovering relations needs a bank with enough crossing pairs: a default-sized length bank.
UNLABELLED_OPTIONS = {
    "rte_unlabelled": {
        "steps": 1500,
        "width": 64,
        "batch_size": 128,
        "lr": 5e-3,
        "top_k": 4,
        # Refinement as for a small Psi: half the steps, a looser "explained" factor.
        "discovery_steps": 750,
        "discovery_rounds": 3,
        "explained_factor": 4.0,
    }
}
# Methods that predict through Psi from an anchor: they must beat copying the anchor.
RELATIONAL = {"rte", "transductive_oracle", *DISCRETE_OPTIONS, *UNLABELLED_OPTIONS}
# Budgets that only exercise the contract, not the accuracy.
TINY = {
    "steps": 3,
    "meta_steps": 3,
    "width": 8,
    "probe_width": 8,
    "n_anchors": 16,
    "n_diffs": 16,
    "batch_size": 16,
    "decomposer_steps": 3,
    "discovery_steps": 3,
    "d_model": 8,
    "population_size": 10,
    "max_evaluations": 100,
}
ALL_METHODS = sorted(FUNCTION_OPTIONS) + sorted(DISCRETE_OPTIONS) + sorted(UNLABELLED_OPTIONS)
# Error at most this share of the best wrong answer's.
SHARE = 0.25

QUADRATIC = TaskFamily("quadratic_no_offset", lambda x, theta: theta * x**2, (1.0, 3.0), (-3, 3))


@pytest.fixture(autouse=True, scope="module")
def _registered_family():
    """family_fit looks the bank's family up by name: register the test family here only."""
    from rte.tasks.family import _FAMILIES

    _FAMILIES[QUADRATIC.name] = QUADRATIC
    yield
    del _FAMILIES[QUADRATIC.name]


def test_every_registered_method_is_covered() -> None:
    assert set(method_names()) == set(FUNCTION_OPTIONS) | set(DISCRETE_OPTIONS) | set(
        UNLABELLED_OPTIONS
    )


@cache
def function_problem() -> tuple[TaskBank, TargetSet, TargetSet]:
    """A 40-task quadratic bank, in-support targets and far (F2) targets."""
    bank = sample_bank(QUADRATIC, 40, 32, np.random.default_rng(0))
    near = sample_targets(QUADRATIC, "in_support", 10, np.random.default_rng(1), n_query=30)
    far = sample_targets(QUADRATIC, "F2", 10, np.random.default_rng(2), n_query=30)
    return bank, near, far


@cache
def discrete_problem() -> tuple[TaskBank, TargetSet]:
    """Five primitives, two held-out compositions, noiseless contexts."""
    tasks = CompositionTasks(
        primitives=("sin", "square", "neg", "shift_up", "cube"),
        held_out=(("sin", "square"), ("neg", "cube")),
    )
    targets = tasks.targets(
        "unseen", tasks.held_out, 3, np.random.default_rng(1), noise=0.0, context_size=12
    )
    return tasks.bank(32), targets


@cache
def length_problem() -> tuple[TaskBank, TargetSet]:
    """24 Horner chains at depths 1..8, noiseless depth-9 targets."""
    tasks = LengthTasks.sample(24, np.random.default_rng(0))
    targets = tasks.targets("L9", [9], 6, np.random.default_rng(1), noise=0.0, context_size=12)
    return tasks.bank(64), targets


def build(name: str, options: dict) -> object:
    return get_method(name).build(0, options)


def problem(name: str) -> tuple[dict, TaskBank, TargetSet]:
    """The method's options, bank, and the targets it is scored on."""
    if name in DISCRETE_OPTIONS:
        bank, targets = discrete_problem()
        return DISCRETE_OPTIONS[name], bank, targets
    if name in UNLABELLED_OPTIONS:
        bank, targets = length_problem()
        return UNLABELLED_OPTIONS[name], bank, targets
    bank, near, far = function_problem()
    return FUNCTION_OPTIONS[name], bank, far if name in RELATIONAL else near


@pytest.mark.parametrize("name", ALL_METHODS)
def test_accurate_on_a_tiny_problem(name: str) -> None:
    options, bank, targets = problem(name)
    model = build(name, options).fit(bank)
    error = _mse(model.predict_targets(targets), targets)
    wrong = wrong_answers(bank, targets)
    if name not in RELATIONAL:
        wrong.pop("anchor's curve")
    worst_allowed = SHARE * min(wrong.values())
    assert error < worst_allowed, f"{name}: MSE {error:.4g}; wrong answers give {wrong}"
    if "correction" in model.get_params():
        # A correction fitted on the context could hide a broken Psi: Psi alone must
        # be accurate too.
        alone = _mse(model.set_params(correction="none").predict_targets(targets), targets)
        assert alone < worst_allowed, (
            f"{name} without correction: MSE {alone:.4g}; wrong answers give {wrong}"
        )


@pytest.mark.parametrize("name", ALL_METHODS)
def test_estimator_contract(name: str) -> None:
    _, bank, targets = problem(name)
    spec = get_method(name)
    tiny = {k: v for k, v in TINY.items() if k in spec.resolve()}
    model = spec.build(3, tiny)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert type(model)(**model.get_params()).get_params() == model.get_params()
    assert model.set_params(seed=3) is model
    with pytest.raises(NotFittedError):
        model.predict_targets(targets)
    assert model.fit(bank) is model
    first = model.predict_targets(targets)
    again = spec.build(3, tiny).fit(bank).predict_targets(targets)
    assert first.shape == targets.query_y.shape and np.all(np.isfinite(first))
    np.testing.assert_allclose(first, again, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ALL_METHODS)
def test_bad_hyperparameters_fail_before_work(name: str) -> None:
    spec = get_method(name)
    names = ("steps", "meta_steps", "restarts", "chunk", "starts", "generations")
    field = next(k for k in names if k in spec.resolve())
    with pytest.raises(ValidationError, match=field):
        spec.resolve({field: -1})
    with pytest.raises(ValidationError, match="Unknown option"):
        spec.resolve({"no_such_option": 1})
    with pytest.raises(ValidationError, match=field):
        spec.cls(**{field: -1}).fit(problem(name)[1])
