"""One contract suite over every registered method, through the public check
:func:`rte.testing.check_method`.

Every method keeps the estimator contract (scikit-learn's ``clone``, ``get_params`` /
``set_params``, ``fit`` returning self, an error before fit, declared fitted
attributes, determinism per seed, bad hyperparameters refused by name) and every
function method is *accurate* on a tiny fixed problem of its regime: its error must be
far below that of predicting zeros, the context mean and, for relational methods,
the anchor's own curve. So a method whose predictions are replaced by any of these
fails here (``benchmarks/check_wrong_answers.py`` checks exactly that). Every sequence
method must beat the best constant answer by a wide margin on a tiny problem whose
tiny model was taught its formats (:func:`rte.testing.xor_problem`), so a sequence
method whose answers are replaced by a constant fails here too.
"""

from __future__ import annotations

import pytest

from rte import get_method, method_names
from rte.testing import (
    Problem,
    check_accuracy,
    check_method,
    check_sequence_accuracy,
    composition_problem,
    function_problem,
    length_problem,
    sequence_problem,
    xor_problem,
)

# Budgets large enough to be accurate on the tiny problems, small enough to fit in ~1 s.
FUNCTION_OPTIONS = {
    "rte": {"steps": 1500, "width": 64},
    "transductive_oracle": {},  # runs with rte's options (options_from)
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
_DISCRETE = {"steps": 600, "width": 64, "batch_size": 128, "lr": 5e-3, "top_k": 4}
DISCRETE_OPTIONS = {
    "rte_discrete": _DISCRETE,
    "rte_cached": _DISCRETE,
    "rte_exhaustive": _DISCRETE,
    "transductive_oracle_discrete": {},  # runs with rte_discrete's options
    "rte_learned": {**_DISCRETE, "decomposer_steps": 1500, "top_k": 8},
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
# Sequence methods run end to end on a tiny random language model (rte.testing).
SEQUENCE_OPTIONS = {
    "rte_sequence": {"steps": 2},
    "oracle_sequence": {},
    "rte_executed": {},
    "sft": {"steps": 2},
    "sft_scratchpad": {"steps": 2},
    "few_shot": {},
    "symbolic_search": {},
}
# The methods that read the context as few-shot demonstrations: a tiny model cannot infer
# a parity from them, so their tiny problem copies a bit (xor_problem("a")).
FEW_SHOT_READERS = {"sft", "sft_scratchpad", "few_shot"}
# Options of the method whose fit an oracle evaluates (registry options_from).
SOURCE_OPTIONS = {**FUNCTION_OPTIONS, **DISCRETE_OPTIONS, **SEQUENCE_OPTIONS}
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
ACCURATE = sorted(FUNCTION_OPTIONS) + sorted(DISCRETE_OPTIONS) + sorted(UNLABELLED_OPTIONS)
ALL_METHODS = ACCURATE + sorted(SEQUENCE_OPTIONS)


def test_every_registered_method_is_covered() -> None:
    assert set(method_names()) == set(ALL_METHODS)


def options(name: str) -> dict:
    """The accuracy budget of a method (an oracle's are those of the method it evaluates)."""
    source = get_method(name).options_from
    return dict(
        SOURCE_OPTIONS[source] if source else {**SOURCE_OPTIONS, **UNLABELLED_OPTIONS}[name]
    )


def problem(name: str) -> Problem:
    """The tiny problem a method is scored on."""
    if name in DISCRETE_OPTIONS:
        return composition_problem()
    if name in UNLABELLED_OPTIONS:
        return length_problem()
    if name in SEQUENCE_OPTIONS:
        return sequence_problem()
    relational = get_method(name).cls.relational
    return function_problem("F2" if relational else "in_support")


def build(name: str, chosen: dict) -> object:
    return get_method(name).build(0, chosen)


@pytest.mark.parametrize("name", ALL_METHODS)
def test_accurate_on_a_tiny_problem(name: str) -> None:
    if name in SEQUENCE_OPTIONS:
        tiny = xor_problem("a" if name in FEW_SHOT_READERS else "a,b")
        check_sequence_accuracy(build(name, options(name)), tiny)
        return
    spec, chosen = get_method(name), problem(name)
    model = build(name, options(name))
    model.fit(chosen.bank)
    check_accuracy(model, chosen, relational=spec.cls.relational)


@pytest.mark.parametrize("name", ALL_METHODS)
def test_estimator_contract(name: str) -> None:
    spec = get_method(name)
    base = get_method(spec.options_from or name)
    tiny = {k: v for k, v in TINY.items() if k in base.resolve()}
    if name in SEQUENCE_OPTIONS:
        tiny = options(name)
    check_method(build(name, tiny), problem(name), accuracy=False)
