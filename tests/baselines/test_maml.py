"""MAML's meta-gradient against finite differences, and adaptation on a small bank."""

from __future__ import annotations

import numpy as np
import torch

from rte.baselines._meta import adapt, mse
from rte.baselines.maml import MAML, maml_meta_gradient
from rte.nn import mlp


def _tiny_problem() -> tuple[torch.nn.Module, dict, tuple, tuple]:
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = mlp(1, 1, width=6, depth=1).double()
    params = {k: v.detach() for k, v in net.named_parameters()}
    xs, xq = torch.randn(3, 4, 1, generator=gen).double(), torch.randn(3, 5, 1, generator=gen)
    ys, yq = torch.sin(3 * xs[..., 0]), torch.sin(3 * xq[..., 0]).double()
    return net, params, (xs, ys), (xq.double(), yq)


def test_meta_gradient_matches_finite_differences() -> None:
    net, params, support, query = _tiny_problem()
    steps, lr = 2, 0.3

    def meta_loss(p: dict) -> float:
        losses = [
            mse(net, adapt(net, p, support[0][t], support[1][t], steps, lr), *(q[t] for q in query))
            for t in range(support[0].shape[0])
        ]
        return float(torch.stack(losses).mean())

    g = maml_meta_gradient(net, params, support, query, steps=steps, lr=lr)
    gen = torch.Generator().manual_seed(1)
    direction = {k: torch.randn(v.shape, generator=gen).double() for k, v in params.items()}
    eps = 1e-6
    plus = meta_loss({k: params[k] + eps * direction[k] for k in params})
    minus = meta_loss({k: params[k] - eps * direction[k] for k in params})
    numeric = (plus - minus) / (2 * eps)
    analytic = float(sum((g[k] * direction[k]).sum() for k in params))
    assert abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric))
    # The first-order approximation drops real terms here, so the check is not vacuous.
    fo = maml_meta_gradient(net, params, support, query, steps=steps, lr=lr, first_order=True)
    fo_dir = float(sum((fo[k] * direction[k]).sum() for k in params))
    assert abs(fo_dir - numeric) > 1e-4 * max(1.0, abs(numeric))


def test_adaptation_beats_the_unadapted_network(small_bank, in_support) -> None:
    model = MAML(seed=0, meta_steps=150).fit(small_bank)
    adapted = model.predict_targets(in_support)
    unadapted = model.adapted_predictions(in_support, steps=0)
    mse_adapted = np.mean((adapted - in_support.query_y) ** 2)
    mse_unadapted = np.mean((unadapted - in_support.query_y) ** 2)
    assert mse_adapted < 0.8 * mse_unadapted
