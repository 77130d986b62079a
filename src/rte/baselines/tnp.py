"""``tnp``: transformer neural process, the TNP-D of Nguyen & Grover (2022).

Every context point (x, y, 1) and every query point (x, 0, 0) becomes a token; a
transformer encoder runs over all tokens with a mask that lets every token attend
to the context tokens only (so queries are predicted independently given the
context), and an MLP head maps each query token to a Gaussian mean and std.
Training and prediction are the neural processes' shared ones (:mod:`._process`),
the same as ``cnp``'s: only the network differs.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from rte._params import at_least, param
from rte.base import estimator
from rte.baselines._process import NeuralProcess, ProcessParams, gaussian_head
from rte.errors import ValidationError
from rte.nn import mlp


class TNPNetwork(nn.Module):
    """Token embedding, masked transformer encoder, Gaussian head on the query tokens."""

    def __init__(self, dim: int, d_model: int, layers: int, heads: int, feedforward: int) -> None:
        super().__init__()
        self.embed = mlp(dim + 2, d_model, d_model, 2)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, feedforward, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = mlp(d_model, 2, feedforward, 2)

    def forward(
        self, cx: torch.Tensor, cy: torch.Tensor, qx: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context (B, k, d), (B, k); queries (B, q, d) -> mean and std, each (B, q)."""
        k, q = cx.shape[1], qx.shape[1]
        context = torch.cat([cx, cy[..., None], torch.ones_like(cy)[..., None]], -1)
        queries = torch.cat([qx, qx.new_zeros(*qx.shape[:2], 2)], -1)
        tokens = self.embed(torch.cat([context, queries], 1))
        # True = may not attend: no token attends to a query token.
        mask = torch.zeros(k + q, k + q, dtype=torch.bool)
        mask[:, k:] = True
        return gaussian_head(self.head(self.encoder(tokens, mask=mask)[:, k:]))


@estimator(ProcessParams, defaults={"steps": 1500, "lr": 1e-3})
class TNP(NeuralProcess):
    """Transformer neural process (TNP-D); predicts the mean, keeps the std for intervals."""

    description: ClassVar[str] = "transformer neural process conditioned on the context"

    d_model: int = param(64, "Token size of the transformer.", at_least(1))
    layers: int = param(2, "Transformer encoder layers.", at_least(1))
    heads: int = param(4, "Attention heads (must divide d_model).", at_least(1))
    feedforward: int = param(128, "Hidden units of each layer's feed-forward block.", at_least(1))

    def validate_params(self) -> None:
        """The shared checks, and heads that divide the token size."""
        super().validate_params()
        if self.d_model % self.heads:
            raise ValidationError(
                f"TNP.heads must divide TNP.d_model. Got heads={self.heads}, "
                f"d_model={self.d_model}; e.g. d_model=64 with heads=4."
            )

    def network(self, dim: int) -> TNPNetwork:
        """The masked transformer."""
        return TNPNetwork(dim, self.d_model, self.layers, self.heads, self.feedforward)
