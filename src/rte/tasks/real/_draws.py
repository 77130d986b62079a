"""What several real banks share: a simulated bank's draw of its task variable, and the
dealing of a measured bank's targets into disjoint sets, one per seed."""

from __future__ import annotations

import numpy as np

from rte.errors import ValidationError

# The generator that orders each group of dealt targets; fixed, so that a seed's targets
# depend on the seed alone and not on any other draw.
DEAL_SEED = 20260124


def draw_variable(
    rng: np.random.Generator,
    n_train: int,
    n_targets: int,
    train: tuple[float, float],
    target: tuple[float, float],
    name: str,
) -> np.ndarray:
    """``n_train`` values uniform in ``train``, then ``n_targets`` uniform in ``target``,
    which must lie above it (a simulated bank's task variable)."""
    if not train[0] <= train[1] < target[0] <= target[1]:
        raise ValidationError(
            f"The target values of {name} must lie above the training ones, each range "
            f"(low, high). Got train={train}, target={target}."
        )
    return np.concatenate([rng.uniform(*train, n_train), rng.uniform(*target, n_targets)])


def deal(values: np.ndarray, cut: float, sets: int, seed: int) -> np.ndarray:
    """Which tasks seed ``seed`` keeps: every task below ``cut`` and one of ``sets``
    disjoint shares of the tasks at or above it (a boolean mask over ``values``).

    The tasks at or above the cut, in order of their value, are taken in consecutive
    groups of ``sets``, and each group gives one task to each share (in an order drawn
    once from :data:`DEAL_SEED`): the shares are disjoint and span the same range.
    Seed s keeps share s mod ``sets``, so seeds 0 to ``sets - 1`` score different targets.
    """
    if sets < 1:
        raise ValidationError(f"sets must be a positive number of target sets. Got {sets}.")
    values = np.asarray(values, dtype=np.float64)
    above = np.flatnonzero(values >= cut)
    above = above[np.argsort(values[above], kind="stable")]
    groups = -(-len(above) // sets)
    orders = np.tile(np.arange(sets), (groups, 1))
    share = np.random.default_rng(DEAL_SEED).permuted(orders, axis=1).ravel()[: len(above)]
    keep = values < cut
    keep[above[share == seed % sets]] = True
    return keep
