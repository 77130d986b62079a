"""The transformer neural process: what its attention mask promises."""

from __future__ import annotations

import pytest
import torch

from rte.baselines.tnp import TNP, TNPNetwork
from rte.errors import ValidationError


def _net() -> TNPNetwork:
    torch.manual_seed(0)
    return TNPNetwork(1, d_model=16, layers=2, heads=2, feedforward=32).eval()


def _draw(seed: int, batch: int, k: int, q: int) -> tuple[torch.Tensor, ...]:
    """Random context inputs (batch, k, 1), outputs (batch, k) and queries (batch, q, 1)."""
    gen = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(*shape, generator=gen) for shape in ((batch, k, 1), (batch, k), (batch, q, 1))
    )


def test_queries_are_predicted_independently_of_each_other() -> None:
    net, (cx, cy, qx) = _net(), _draw(1, 2, 6, 9)
    with torch.no_grad():
        together = net(cx, cy, qx)
        alone = [net(cx, cy, qx[:, i : i + 1]) for i in range(qx.shape[1])]
    for got, part in zip(together, zip(*alone, strict=True), strict=True):
        torch.testing.assert_close(got, torch.cat(part, 1), rtol=1e-5, atol=1e-6)


def test_context_order_does_not_matter_but_context_values_do() -> None:
    net, (cx, cy, qx) = _net(), _draw(2, 1, 6, 5)
    order = torch.randperm(6, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        mean, std = net(cx, cy, qx)
        mean_perm, std_perm = net(cx[:, order], cy[:, order], qx)
        mean_other, _ = net(cx, cy + 1.0, qx)
    torch.testing.assert_close(mean, mean_perm, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(std, std_perm, rtol=1e-5, atol=1e-6)
    assert (mean - mean_other).abs().max() > 1e-3
    assert torch.all(std > 0)


def test_heads_must_divide_the_token_size(small_bank) -> None:
    with pytest.raises(ValidationError, match="heads"):
        TNP(d_model=10, heads=4).fit(small_bank)
