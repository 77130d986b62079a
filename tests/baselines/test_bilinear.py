"""The batched anchor search of bilinear transduction against a plain loop."""

from __future__ import annotations

import torch

from rte.baselines.bilinear import nearest_anchors


def test_nearest_anchors_matches_a_loop() -> None:
    gen = torch.Generator().manual_seed(0)
    queries, anchors, diffs = (torch.randn(n, 3, generator=gen) for n in (70, 9, 11))
    expected = [
        min(range(9), key=lambda a, q=q: (q - anchors[a] - diffs).norm(dim=1).min().item())
        for q in queries
    ]
    assert nearest_anchors(queries, anchors, diffs).tolist() == expected
