"""Psi, imported directly: the residual operator and its label-conditioned form keep the
anchor's values when their output layer is zero, round-trip exactly, read the bank's
labelled relations, and learn a relation from them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rte._state import State
from rte.errors import ValidationError
from rte.operator.labelled import LabelledOperator, bank_relations, fit_labelled_operator
from rte.operator.psi import RelationalOperator
from rte.tasks.bank import RelationLabel, TaskBank
from rte.tasks.interpolate import AnchorInterpolator


def _inputs(seed: int, dim_x: int = 2, dim_phi: int = 3) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 9, dim_x, generator=gen)
    anchor_y = torch.randn(4, 9, generator=gen)
    phi = torch.randn(4, 9, dim_phi, generator=gen)
    return x, anchor_y, phi


def _silence(last: torch.nn.Linear) -> None:
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()


def test_psi_with_a_zero_output_layer_returns_the_anchor() -> None:
    psi = RelationalOperator(2, 3, width=16, depth=2)
    x, anchor_y, phi = _inputs(0)
    assert not torch.allclose(psi(x, anchor_y, phi), anchor_y)  # a random net moves it
    _silence(psi.net[-1])
    out = psi(x, anchor_y, phi)
    assert out.shape == anchor_y.shape
    assert torch.equal(out, anchor_y)


def test_psi_state_round_trip_gives_identical_outputs() -> None:
    psi = RelationalOperator(2, 3, width=16, depth=2)
    state = psi.state()
    assert {k: state.value(k) for k in ("dim_x", "dim_phi", "width", "depth")} == {
        "dim_x": 2,
        "dim_phi": 3,
        "width": 16,
        "depth": 2,
    }
    x, anchor_y, phi = _inputs(1)
    with torch.no_grad():
        before = psi(x, anchor_y, phi)
        psi.net[0].bias.add_(1.0)  # trained further after the state was taken
    restored = RelationalOperator.from_state(state)
    assert not restored.training
    with torch.no_grad():
        # The state is a snapshot: identical outputs to Psi when it was taken.
        assert torch.equal(restored(x, anchor_y, phi), before)
        assert not torch.equal(restored(x, anchor_y, phi), psi(x, anchor_y, phi))


def test_a_psi_state_missing_a_setting_is_refused_by_name() -> None:
    state = RelationalOperator(1, 1, width=8, depth=1).state()
    config = {k: v for k, v in state.config.items() if k != "depth"}
    with pytest.raises(ValidationError, match="depth"):
        RelationalOperator.from_state(State(config, state.tensors))


def test_labelled_psi_keeps_the_anchor_with_a_zero_output_layer_and_reads_labels() -> None:
    psi = LabelledOperator(2, n_labels=3, dim_phi=4, width=16, depth=2)
    x, anchor_y, _ = _inputs(2)
    zero, two = torch.zeros(4, 9, dtype=torch.long), torch.full((4, 9), 2)
    assert not torch.allclose(psi(x, anchor_y, zero), psi(x, anchor_y, two))
    _silence(psi.psi.net[-1])
    assert torch.equal(psi(x, anchor_y, two), anchor_y)


def test_labelled_psi_weights_round_trip_give_identical_outputs() -> None:
    psi = LabelledOperator(2, n_labels=3, dim_phi=4, width=16, depth=2)
    copy = LabelledOperator(2, n_labels=3, dim_phi=4, width=16, depth=2)
    copy.load_state_dict({k: v.clone() for k, v in psi.state_dict().items()})
    x, anchor_y, _ = _inputs(3)
    labels = torch.randint(0, 3, (4, 9), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(copy(x, anchor_y, labels), psi(x, anchor_y, labels))


def _labelled_bank(labels: list[RelationLabel] | None) -> TaskBank:
    x = np.linspace(-1, 1, 8)
    ys = [x, x + 1, 2 * x, x + 2]
    return TaskBank.from_tasks([x] * 4, ys, ["a", "b", "c", "d"], labels=labels)


def test_bank_relations_read_anchor_task_and_label() -> None:
    bank = _labelled_bank(
        [
            RelationLabel("x"),
            RelationLabel("x+1", anchor="a", phi="shift"),
            RelationLabel("2x", anchor="a", phi="double"),
            RelationLabel("x+2", anchor="b", phi="shift"),
        ]
    )
    rows, vocab = bank_relations(bank)
    assert vocab == ("double", "shift")  # sorted
    assert rows.tolist() == [[0, 1, 1], [0, 2, 0], [1, 3, 1]]


def test_bank_relations_skip_anchors_outside_the_bank() -> None:
    bank = _labelled_bank(
        [
            RelationLabel("x"),
            RelationLabel("x+1", anchor="a", phi="shift"),
            RelationLabel("2x", anchor="elsewhere", phi="double"),
            RelationLabel("x+2"),
        ]
    )
    rows, vocab = bank_relations(bank)
    assert vocab == ("shift",) and rows.tolist() == [[0, 1, 0]]


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (None, "needs a bank with relation labels"),
        ([RelationLabel(s) for s in "abcd"], "name no relation"),
        ([RelationLabel("x", anchor="nowhere", phi="p")] * 4, "name no relation"),
    ],
)
def test_banks_without_usable_relations_are_refused(labels, match) -> None:
    with pytest.raises(ValidationError, match=match):
        bank_relations(_labelled_bank(labels))


def test_fit_labelled_operator_learns_a_shift_and_a_double() -> None:
    x = np.linspace(-1, 1, 16)
    anchors = [np.sin(2 * x), x**2 - 0.5, 0.5 * x]
    ys = anchors + [a + 0.5 for a in anchors] + [2 * a for a in anchors]
    z = np.broadcast_to(x[:, None], (9, 16, 1)).copy()
    yt, mask = np.stack(ys), np.ones((9, 16), dtype=bool)
    relations = np.array([(a, 3 * (1 + lab) + a, lab) for lab in range(2) for a in range(3)])
    psi = LabelledOperator(1, 2, dim_phi=4, width=32, depth=2)
    losses = fit_labelled_operator(
        psi, relations, z, yt, mask, AnchorInterpolator(z, yt, mask),
        steps=300, batch_size=64, lr=1e-2, seed=0,
    )  # fmt: skip
    assert len(losses) == 300 and np.mean(losses[-20:]) < 0.05 * losses[0]
    zt = torch.as_tensor(z[:3], dtype=torch.float32)
    a_y = torch.as_tensor(yt[:3], dtype=torch.float32)
    with torch.no_grad():
        shifted = psi(zt, a_y, torch.zeros(3, 16, dtype=torch.long)).numpy()
        doubled = psi(zt, a_y, torch.ones(3, 16, dtype=torch.long)).numpy()
    assert np.sqrt(np.mean((shifted - yt[3:6]) ** 2)) < 0.1
    assert np.sqrt(np.mean((doubled - yt[6:9]) ** 2)) < 0.1
