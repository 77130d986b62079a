"""``dkt``: deep kernel transfer (Patacchiola et al. 2020), with gpytorch.

A Gaussian process whose kernel acts on a learned feature map of x: k(x, x') =
kernel(g(x), g(x')), g an MLP. The feature map, the kernel's hyperparameters, a
constant mean and the noise are meta-trained on the bank by the GP marginal
likelihood of random bank tasks (one shared set of weights for every task). At test
time the GP is conditioned on the target's context and predicts the latent curve
with its standard deviation.

One departure, because bank curves are noiseless while contexts are not: with
``adapt_scale`` the output scale (a factor on the kernel) and the noise variance are
re-estimated on each context by its marginal likelihood over a fixed grid, before
conditioning. Both are per-target empirical Bayes on the context only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from rte._optional import require
from rte._params import at_least, one_of, param, positive
from rte.base import check_is_fitted, estimator
from rte.baselines._meta import BankTensors
from rte.baselines._scaled import BankScaled
from rte.nn import mlp, train_regressor
from rte.tasks.bank import TargetSet, TaskBank

# The grids of adapt_scale: factors on the kernel, noise variances (scaled output units).
SCALE_GRID = 2.0 ** np.arange(-2.0, 7.0)
NOISE_GRID = 10.0 ** np.arange(-6.0, 0.5, 0.5)


def _gpytorch() -> Any:
    return require("gpytorch", "peers", "The dkt method (deep kernel transfer)")


class DeepKernelGP(nn.Module):
    """Feature MLP, kernel on the features, constant mean and Gaussian noise."""

    def __init__(
        self, dim: int, width: int, depth: int, features: int, kernel: str, mixtures: int
    ) -> None:
        super().__init__()
        gpytorch = _gpytorch()
        self.features = mlp(dim, features, width, depth)
        if kernel == "rbf":
            self.kernel = gpytorch.kernels.ScaleKernel(gpytorch.kernels.RBFKernel())
        else:
            self.kernel = gpytorch.kernels.SpectralMixtureKernel(
                num_mixtures=mixtures, ard_num_dims=features
            )
        self.mean = gpytorch.means.ConstantMean()
        self.likelihood = gpytorch.likelihoods.GaussianLikelihood()

    def prior(self, x: torch.Tensor) -> Any:
        """The GP prior of the latent curve at inputs (B, n, d): a batched MultivariateNormal."""
        gpytorch = _gpytorch()
        z = self.features(x)
        return gpytorch.distributions.MultivariateNormal(self.mean(z), self.kernel(z))

    def nll(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Negative log marginal likelihood per point, averaged over the tasks of a batch."""
        return -self.likelihood(self.prior(x)).log_prob(y).mean() / y.shape[-1]

    def covariances(
        self, cx: torch.Tensor, qx: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Prior mean, K(context, context), K(query, context), diag K(query, query)."""
        zc, zq = self.features(cx), self.features(qx)
        return (
            self.mean.constant.detach(),
            self.kernel(zc).to_dense(),
            self.kernel(zq, zc).to_dense(),
            self.kernel(zq, diag=True),
        )


def condition(
    mean: torch.Tensor,
    k_cc: torch.Tensor,
    k_qc: torch.Tensor,
    k_qq: torch.Tensor,
    y: torch.Tensor,
    scale: torch.Tensor,
    noise: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GP posterior of the latent curve: mean and variance (T, Q) for kernel factor ``scale``
    and noise variance ``noise`` (each (T,)); ``y`` (T, k) the context outputs."""
    eye = torch.eye(k_cc.shape[-1], dtype=k_cc.dtype)
    chol = torch.linalg.cholesky(scale[:, None, None] * k_cc + noise[:, None, None] * eye)
    cross = scale[:, None, None] * k_qc
    alpha = torch.cholesky_solve((y - mean)[..., None], chol)[..., 0]
    v = torch.linalg.solve_triangular(chol, cross.transpose(1, 2), upper=False)
    return mean + (cross @ alpha[..., None])[..., 0], scale[:, None] * k_qq - (v**2).sum(1)


def log_evidence(
    mean: torch.Tensor, k_cc: torch.Tensor, y: torch.Tensor, scale: float, noise: float
) -> torch.Tensor:
    """Log marginal likelihood of each context (T,) under kernel factor and noise variance."""
    eye = torch.eye(k_cc.shape[-1], dtype=k_cc.dtype)
    chol = torch.linalg.cholesky(scale * k_cc + noise * eye)
    r = (y - mean)[..., None]
    fit = (r * torch.cholesky_solve(r, chol)).sum((1, 2))
    logdet = 2 * torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(1)
    return -0.5 * (fit + logdet + y.shape[1] * np.log(2 * np.pi))


@estimator()
class DeepKernelTransfer(BankScaled):
    """Deep kernel transfer: a GP on a feature map meta-trained on the bank's tasks."""

    fitted: ClassVar[Mapping[str, str]] = {
        "gp_": "the meta-trained deep-kernel GP (feature network and kernel)",
    }

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = "deep kernel transfer: GP on a meta-learned feature map"

    kernel: str = param(
        "rbf", "Kernel on the features: rbf or spectral.", one_of("rbf", "spectral")
    )
    mixtures: int = param(4, "Components of the spectral mixture kernel.", at_least(1))
    width: int = param(40, "Hidden units of the feature MLP.", at_least(1))
    depth: int = param(2, "Hidden layers of the feature MLP.", at_least(1))
    features: int = param(16, "Size of the learned feature map.", at_least(1))
    n_points: int = param(20, "Points drawn per training task.", at_least(2))
    batch_tasks: int = param(16, "Tasks per training step.", at_least(1))
    steps: int = param(3000, "Adam steps on the marginal likelihood.", at_least(1))
    lr: float = param(5e-3, "Adam learning rate.", positive)
    adapt_scale: bool = param(
        True, "Re-estimate output scale and noise on each context (marginal likelihood, grid)."
    )

    def validate_params(self) -> None:
        """The declared checks, and gpytorch installed (before any work)."""
        super().validate_params()
        _gpytorch()

    def fit(self, bank: TaskBank) -> DeepKernelTransfer:
        """Meta-train feature map and kernel by the marginal likelihood of random bank tasks."""
        self.validate_params()
        data = BankTensors.from_bank(bank, self.scale_bank(bank))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            # float64 throughout: kernels of noiseless bank curves are near-singular.
            self.gp_ = DeepKernelGP(
                bank.dim, self.width, self.depth, self.features, self.kernel, self.mixtures
            ).double()
        n_points = min(self.n_points, int(bank.mask.sum(1).min()))
        train_regressor(
            self.gp_,
            lambda gen: data.draw(gen, self.batch_tasks, n_points),
            steps=self.steps,
            lr=self.lr,
            seed=self.seed,
            loss_fn=lambda gp, x, y: gp.nll(x.double(), y.double()),
        )
        return self

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of the latent curve at the queries, (T, Q) each."""
        check_is_fitted(self, "gp_")
        sc = self.scaling_
        cx, y, qx = self.scaled_targets(targets, torch.float64)
        with torch.no_grad():
            mean, k_cc, k_qc, k_qq = self.gp_.covariances(cx, qx)
            if self.adapt_scale:
                scale, noise = self._grid_search(mean, k_cc, y)
            else:
                scale = torch.ones(len(y), dtype=torch.float64)
                noise = torch.full_like(scale, float(self.gp_.likelihood.noise))
            mu, var = condition(mean, k_cc, k_qc, k_qq, y, scale, noise)
        std = var.clamp_min(1e-12).sqrt()
        return sc.y_inverse(mu.numpy()), std.numpy() * sc.y_std

    @staticmethod
    def _grid_search(
        mean: torch.Tensor, k_cc: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per context, the grid's (kernel factor, noise variance) of highest evidence."""
        pairs = [(s, n) for s in SCALE_GRID for n in NOISE_GRID]
        evidence = torch.stack([log_evidence(mean, k_cc, y, s, n) for s, n in pairs], 1)
        best = evidence.argmax(1)
        table = torch.tensor(pairs, dtype=torch.float64)
        return table[best, 0], table[best, 1]

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The posterior mean at the queries, (T, Q)."""
        return self.predict_distribution(targets)[0]
