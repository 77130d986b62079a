"""The length and composition task families: values, splits, labels and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from rte.errors import ValidationError
from rte.tasks.bank import RelationLabel, TaskBank
from rte.tasks.composition import HELD_OUT, PRIMITIVES, CompositionTasks, composition_name
from rte.tasks.deep_composition import LIBRARY, DeepCompositionTasks
from rte.tasks.length import COEFFICIENTS, LengthTasks, coefficient_grid, horner, step_label


def test_horner_is_the_power_sum() -> None:
    x = np.linspace(-1, 1, 7)
    coeffs = [0.5, -1.0, 1.0, -0.5]
    expected = sum(c * x ** (len(coeffs) - 1 - i) for i, c in enumerate(coeffs))
    np.testing.assert_allclose(horner(x, coeffs), expected)


def test_length_bank_labels_chain_each_depth_to_the_previous() -> None:
    tasks = LengthTasks.sample(3, np.random.default_rng(0))
    bank = tasks.bank(16)
    assert bank.n_tasks == 3 * 8 and bank.labels is not None
    x = bank.x[0, :, 0]
    for tid, label, y in zip(bank.task_ids, bank.labels, bank.y, strict=True):
        chain, depth = tid.split("-L")
        depth = int(depth)
        if depth == 1:
            assert label.anchor is None and label.phi is None
            continue
        anchor = bank.task_ids.index(label.anchor)
        c = tasks.chains[int(chain.removeprefix("chain")), depth]
        assert label.phi == step_label(c)
        np.testing.assert_allclose(y, x * bank.y[anchor] + c)


def test_depth_nine_targets_extend_a_depth_eight_bank_task() -> None:
    tasks = LengthTasks.sample(4, np.random.default_rng(1))
    bank = tasks.bank(32)
    targets = tasks.targets("L9", [9], 6, np.random.default_rng(2), noise=0.0)
    assert targets.labels is not None
    for label, qx, qy in zip(targets.labels, targets.query_x, targets.query_y, strict=True):
        assert label.anchor.endswith("-L8") and label.anchor in bank.task_ids
        chain = int(label.anchor.split("-L")[0].removeprefix("chain"))
        step = next(c for c in COEFFICIENTS if step_label(c) == label.phi)
        expected = qx[:, 0] * horner(qx[:, 0], tasks.chains[chain]) + step
        np.testing.assert_allclose(qy, expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda: horner(np.zeros(3), [1.0]),
        lambda: LengthTasks.sample(2, np.random.default_rng(0)).task(0, 0),
        lambda: LengthTasks.sample(2, np.random.default_rng(0), max_depth=0),
        lambda: LengthTasks.sample(2, np.random.default_rng(0)).targets(
            "L10", [10], 3, np.random.default_rng(0)
        ),
    ],
)
def test_depth_below_one_or_without_anchor_is_refused(call) -> None:
    with pytest.raises(ValidationError, match="depth"):
        call()


def test_unseen_split_excludes_held_out_pairs_from_training() -> None:
    tasks = CompositionTasks()
    bank = tasks.bank(16)
    held = {composition_name(g, h) for g, h in HELD_OUT}
    assert bank.labels is not None
    trained = {(lb.phi, lb.anchor) for lb in bank.labels if lb.phi is not None}
    assert not held & set(bank.task_ids)
    assert not held & {lb.structure for lb in bank.labels}
    assert not set(HELD_OUT) & trained
    assert len(trained) == len(PRIMITIVES) ** 2 - len(HELD_OUT)
    # ... while every primitive is seen as outer and as inner function, and as a task.
    assert {g for g, _ in trained} == set(PRIMITIVES) == {h for _, h in trained}
    assert set(PRIMITIVES) <= set(bank.task_ids)
    targets = tasks.targets("unseen", HELD_OUT, 2, np.random.default_rng(0))
    assert {lb.structure for lb in targets.labels} == held


def test_held_out_compositions_have_no_functional_twin() -> None:
    x = np.linspace(-1, 1, 201)
    curves = {(g, h): PRIMITIVES[g](PRIMITIVES[h](x)) for g in PRIMITIVES for h in PRIMITIVES}
    for pair in HELD_OUT:
        gap = min(np.abs(curves[pair] - c).max() for other, c in curves.items() if other != pair)
        assert gap > 0.05, pair


def test_composition_targets_evaluate_g_of_h() -> None:
    tasks = CompositionTasks()
    t = tasks.targets("unseen", [("sin", "cube")], 1, np.random.default_rng(0), noise=0.0)
    np.testing.assert_allclose(t.context_y[0], np.sin(2 * t.context_x[0, :, 0] ** 3))
    assert t.labels[0] == RelationLabel("sin(cube)", anchor="cube", phi="sin")


@pytest.mark.parametrize(("candidates", "anchors"), [("bank", 12 + 132), ("band", 12)])
def test_the_candidate_setting_says_which_bank_tasks_anchor(candidates, anchors) -> None:
    """Every bank task may anchor by default; the band-shaped ablation keeps the
    primitives only, so every candidate has the targets' depth."""
    bank = CompositionTasks(candidates=candidates).bank(16)
    assert sum(label.can_anchor for label in bank.labels) == anchors
    deep = DeepCompositionTasks(n_primitives=4, n_triples=10, candidates=candidates).bank(16)
    depth3 = [lb for lb in deep.labels if lb.structure.count("(") == 2]
    assert len(depth3) == 10 and all(lb.can_anchor == (candidates == "bank") for lb in depth3)
    with pytest.raises(ValidationError, match="candidates"):
        CompositionTasks(candidates="depth")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"primitives": ()}, "primitive set is empty"),
        ({"primitives": ("sin", "cosh")}, "Unknown primitive 'cosh'"),
        ({"held_out": (("sin", "tan"),)}, "Unknown held-out inner primitive 'tan'"),
        ({"primitives": ("sin", "cos"), "held_out": (("sin", "sin"), ("sin", "cos"))}, "never"),
    ],
)
def test_bad_primitive_sets_get_clear_errors(kwargs, match) -> None:
    with pytest.raises(ValidationError, match=match):
        CompositionTasks(**kwargs)


def test_bank_labels_must_match_the_tasks() -> None:
    x = np.linspace(0, 1, 5)
    with pytest.raises(ValidationError, match="RelationLabel"):
        TaskBank.from_tasks([x, x], [x, x], labels=[RelationLabel("a")])
    bank = TaskBank.from_tasks([x, x], [x, x])
    assert bank.labels is None


def test_coefficient_grid_extends_the_default_set() -> None:
    assert coefficient_grid(4) == COEFFICIENTS
    grid = coefficient_grid(16)
    assert len(grid) == 16 and 0.0 not in grid and grid == tuple(sorted(grid))
    with pytest.raises(ValidationError, match="even"):
        coefficient_grid(3)


def test_deep_compositions_stay_bounded_and_label_their_inner_task() -> None:
    x = np.linspace(-1, 1, 101)
    assert len(LIBRARY) == 48
    for fn in LIBRARY.values():
        assert np.all(np.abs(fn(x)) <= 1.0 + 1e-9)
    tasks = DeepCompositionTasks(n_primitives=6, n_triples=30, seed=0, candidates="band")
    bank = tasks.bank(32)
    assert bank.n_tasks == 6 + 36 + 30
    labels = dict(zip(bank.task_ids, bank.labels, strict=True))
    g, h, k = tasks.triples[0]
    triple = labels[f"{g}({h}({k}))"]
    assert (triple.anchor, triple.phi, triple.can_anchor) == (f"{h}({k})", g, False)
    assert labels[f"{h}({k})"].can_anchor and labels[f"{h}({k})"].anchor == k
    i, j = bank.task_ids.index(f"{g}({h}({k}))"), bank.task_ids.index(f"{h}({k})")
    np.testing.assert_allclose(bank.y[i], LIBRARY[g](bank.y[j]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_primitives": 49}, "at most 48"), ({"n_primitives": 4, "n_triples": 40}, "unseen")],
)
def test_bad_deep_composition_sizes_get_clear_errors(kwargs, match) -> None:
    with pytest.raises(ValidationError, match=match):
        DeepCompositionTasks(**kwargs)
