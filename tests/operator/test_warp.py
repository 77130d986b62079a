"""The warp operator reads the anchor where its warp network points, not only at x."""

from __future__ import annotations

import torch

from rte.operator import WarpOperator, operator_from_state


def test_the_anchor_is_read_at_the_warped_input() -> None:
    torch.manual_seed(0)
    psi = WarpOperator(dim_x=1, dim_phi=2, width=8, depth=1)
    torch.nn.init.constant_(psi.warp[-1].bias, 0.25)  # warp = a shift by 0.25
    for p in psi.net.parameters():
        torch.nn.init.zeros_(p)  # no residual: Psi is the anchor read at x + 0.25
    x = torch.linspace(-1, 1, 7).reshape(1, 7, 1)
    phi = torch.zeros(1, 7, 2)
    out = psi(x, lambda at: torch.sin(3 * at[..., 0]), phi)
    torch.testing.assert_close(out, torch.sin(3 * (x[..., 0] + 0.25)))


def test_state_round_trip() -> None:
    psi = WarpOperator(dim_x=1, dim_phi=3, width=8, depth=1)
    again = operator_from_state(psi.state())
    assert isinstance(again, WarpOperator)
    for a, b in zip(psi.state_dict().values(), again.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)
