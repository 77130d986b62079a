"""The known functional forms of the real banks, as task families (``family_fit`` fits them).

- ``pendulum``: the pendulum equation theta'' = -(3 g / 2 l) sin theta with m = l = 1,
  stepped like gymnasium's environment (semi-implicit Euler, dt = 0.05 s), released
  from rest at ``theta0``; theta is g.
- ``seasonal_trend``: the usual curve fit of a CO2 record within a year, a level,
  a linear trend and two annual harmonics; theta is the level (ppm).

Their supports are the ranges of the banks' training tasks, so ``rte bench param
--families pendulum`` also runs them as synthetic families.
"""

from __future__ import annotations

import numpy as np

from rte.tasks.family import TaskFamily, register_family

PENDULUM_DT = 0.05


def pendulum_angle(t: np.ndarray, g: np.ndarray, theta0: np.ndarray) -> np.ndarray:
    """Angle from hanging (rad) at times ``t`` (s) of a release from rest, g in m/s^2.

    Broadcasts: ``g`` and ``theta0`` of shape (B, 1) with ``t`` of shape (B, n) give
    B trajectories at once (``family_fit`` solves many fits together).
    """
    t, g, theta0 = (np.asarray(v, dtype=np.float64) for v in (t, g, theta0))
    n_steps = max(1, int(np.ceil(float(np.max(t)) / PENDULUM_DT)))
    shape = np.broadcast_shapes(g.shape, theta0.shape)
    angle = np.empty((*shape, n_steps + 1))
    angle[..., 0] = theta0
    speed = np.zeros(shape)
    for step in range(n_steps):
        speed = speed - 1.5 * g * np.sin(angle[..., step]) * PENDULUM_DT
        angle[..., step + 1] = angle[..., step] + speed * PENDULUM_DT
    # Linear interpolation between the steps around each time.
    position = np.clip(t / PENDULUM_DT, 0.0, n_steps)
    low = np.minimum(np.floor(position).astype(int), n_steps - 1)
    out = np.broadcast_shapes(shape, t.shape)
    table = np.broadcast_to(angle, (*out, n_steps + 1))
    low = np.broadcast_to(low, out)[..., None]
    left = np.take_along_axis(table, low, -1)[..., 0]
    right = np.take_along_axis(table, low + 1, -1)[..., 0]
    return left + (np.broadcast_to(position, out) - low[..., 0]) * (right - left)


def seasonal_trend(
    x: np.ndarray, level: float, trend: float, s1: float, c1: float, s2: float, c2: float
) -> np.ndarray:
    """Level + trend * x + two annual harmonics, x the fraction of the year."""
    w = 2 * np.pi * x
    return (
        level
        + trend * x
        + s1 * np.sin(w)
        + c1 * np.cos(w)
        + s2 * np.sin(2 * w)
        + c2 * np.cos(2 * w)
    )


PENDULUM = register_family(
    TaskFamily(
        "pendulum",
        pendulum_angle,
        support=(2.0, 10.0),
        domain=(0.0, 3.0),
        nuisance={"theta0": (0.3, 1.3)},
        description="pendulum released from rest at theta0, gravity theta (gymnasium's steps)",
    )
)
SEASONAL_TREND = register_family(
    TaskFamily(
        "seasonal_trend",
        seasonal_trend,
        support=(315.0, 337.0),  # yearly levels of the training years, 1958-1979
        domain=(0.0, 1.0),
        nuisance={
            "trend": (0.0, 3.0),
            "s1": (-3.0, 3.0),
            "c1": (-3.0, 3.0),
            "s2": (-1.0, 1.0),
            "c2": (-1.0, 1.0),
        },
        description="theta + trend * x + two annual harmonics",
    )
)
