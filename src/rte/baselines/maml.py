"""``maml`` and ``fomaml``: model-agnostic meta-learning (Finn et al. 2017).

The initialisation of a small MLP is trained so that a few gradient steps on a
task's support points fit its query points. ``maml`` differentiates through the
inner steps (second order, nested :func:`torch.func.grad`); ``fomaml`` drops the
second-order terms and uses the query gradient at the adapted weights.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn
from torch.func import grad, vmap

from rte.base import estimator
from rte.baselines._meta import MetaLearner, Params, adapt, mse


def maml_meta_gradient(
    net: nn.Module,
    params: Params,
    support: tuple[torch.Tensor, torch.Tensor],
    query: tuple[torch.Tensor, torch.Tensor],
    *,
    steps: int,
    lr: float,
    first_order: bool = False,
) -> Params:
    """Gradient of the mean query loss after adaptation, over a batch of tasks.

    ``support`` and ``query`` are (inputs (B, n, d), outputs (B, n)) pairs.
    """
    if first_order:
        adapted = vmap(adapt, in_dims=(None, None, 0, 0, None, None))(
            net, params, *support, steps, lr
        )
        grads = vmap(grad(mse, argnums=1), in_dims=(None, 0, 0, 0))(net, adapted, *query)
        return {k: g.mean(0) for k, g in grads.items()}

    def query_loss(
        p: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor
    ) -> torch.Tensor:
        return mse(net, adapt(net, p, xs, ys, steps, lr), xq, yq)

    def meta_loss(p: Params) -> torch.Tensor:
        return vmap(query_loss, in_dims=(None, 0, 0, 0, 0))(p, *support, *query).mean()

    return grad(meta_loss)(params)


@estimator()
class _MAML(MetaLearner):
    first_order: ClassVar[bool] = False

    def meta_gradient(
        self, params: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor
    ) -> Params:
        return maml_meta_gradient(
            self.net_,
            params,
            (xs, ys),
            (xq, yq),
            steps=self.inner_steps,
            lr=self.inner_lr,
            first_order=self.first_order,
        )


@estimator()
class MAML(_MAML):
    """Second-order MAML on an MLP of x; adapted by gradient steps on each context."""

    description: ClassVar[str] = "MAML (second order), adapted on the target's context"


@estimator()
class FOMAML(_MAML):
    """First-order MAML: the query gradient at the adapted weights moves the initialisation."""

    description: ClassVar[str] = "first-order MAML, adapted on the target's context"
    first_order: ClassVar[bool] = True
