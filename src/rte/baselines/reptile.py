"""``reptile``: first-order meta-learning by moving towards adapted weights (Nichol et al. 2018).

Each task is fitted by plain gradient steps on its drawn points (support and query
together); the initialisation moves towards the mean adapted weights. The
difference ``params - mean(adapted)`` is handed to Adam as the meta-gradient.
"""

from __future__ import annotations

import torch
from torch.func import vmap

from rte.baselines._meta import MetaLearner, Params, adapt
from rte.registry import BANK, CONTEXT, register_method


@register_method("reptile", (BANK, CONTEXT), "Reptile, adapted on the target's context")
class Reptile(MetaLearner):
    """Reptile on an MLP of x; adapted by gradient steps on each context."""

    def meta_gradient(
        self, params: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor
    ) -> Params:
        x, y = torch.cat([xs, xq], 1), torch.cat([ys, yq], 1)
        cfg = self.config
        adapted = vmap(adapt, in_dims=(None, None, 0, 0, None, None))(
            self.net_, params, x, y, cfg.inner_steps, cfg.inner_lr
        )
        return {k: params[k] - adapted[k].mean(0) for k in params}
