"""``reptile``: first-order meta-learning by moving towards adapted weights (Nichol et al. 2018).

Each task is fitted by plain gradient steps on its drawn points (support and query
together); the initialisation moves towards the mean adapted weights. The
difference ``params - mean(adapted)`` is handed to Adam as the meta-gradient.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch.func import vmap

from rte.base import estimator
from rte.baselines._meta import MetaLearner, Params, adapt


@estimator()
class Reptile(MetaLearner):
    """Reptile on an MLP of x; adapted by gradient steps on each context."""

    description: ClassVar[str] = "Reptile, adapted on the target's context"

    def meta_gradient(
        self, params: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor
    ) -> Params:
        x, y = torch.cat([xs, xq], 1), torch.cat([ys, yq], 1)
        adapted = vmap(adapt, in_dims=(None, None, 0, 0, None, None))(
            self.net_, params, x, y, self.inner_steps, self.inner_lr
        )
        return {k: params[k] - adapted[k].mean(0) for k in params}
