"""A physics engine's bank: gymnasium's classic-control pendulum, one trajectory per gravity.

Each task releases the pendulum from rest at an angle ``theta0`` from the hanging
position and records the angle (radians, 0 = hanging) every step of
``gymnasium.envs.classic_control.PendulumEnv`` with zero torque, for ``horizon``
seconds. The environment itself is stepped, so its integrator (semi-implicit Euler,
dt = 0.05 s) and its constants (m = l = 1) are the ones used.

The environment clips the angular velocity at ``max_speed`` (8 rad/s). Released
from rest at ``|theta0| <= 1.3`` rad, a pendulum with g <= 20 peaks at 6.7 rad/s,
so no trajectory of the default ranges touches the clip; every step is checked all
the same, and a trajectory that would hit it is refused.
"""

from __future__ import annotations

import numpy as np

from rte._optional import require
from rte.errors import ValidationError
from rte.tasks.bank import TaskBank
from rte.tasks.real._draws import draw_variable
from rte.tasks.real.forms import PENDULUM
from rte.tasks.real.spec import RealBank

TRAIN_G = (2.0, 10.0)
TARGET_G = (12.0, 20.0)
THETA0 = (0.3, 1.3)


def pendulum_trajectory(g: float, theta0: float, horizon: float = 3.0) -> tuple[np.ndarray, ...]:
    """Times (s) and angles from hanging (rad) of one release from rest in gymnasium's env."""
    module = require(
        "gymnasium.envs.classic_control.pendulum", "real", "The real-data bank 'pendulum'"
    )
    env = module.PendulumEnv(g=float(g))
    env.reset(seed=0)
    n_steps = round(horizon / env.dt)
    env.state = np.array([np.pi + theta0, 0.0])  # gymnasium measures the angle from upright
    angles, speeds = [theta0], [0.0]
    for _ in range(n_steps):
        env.step(np.zeros(1, dtype=np.float32))
        angles.append(float(env.state[0]) - np.pi)
        speeds.append(float(env.state[1]))
    if np.abs(speeds).max() >= env.max_speed:
        raise ValidationError(
            f"The pendulum with g = {g:g} released at {theta0:g} rad reaches the environment's "
            f"speed clip ({env.max_speed} rad/s). Release it closer to the hanging position."
        )
    env.close()
    return np.arange(n_steps + 1) * env.dt, np.asarray(angles)


def pendulum_bank(
    n_train: int = 60,
    n_targets: int = 20,
    seed: int = 0,
    horizon: float = 3.0,
    train_g: tuple[float, float] = TRAIN_G,
    target_g: tuple[float, float] = TARGET_G,
) -> TaskBank:
    """``n_train`` trajectories with g in ``train_g`` and ``n_targets`` with g in ``target_g``.

    g and the release angle (uniform in 0.3-1.3 rad) are drawn from ``seed``; the
    parameter columns are ``g`` (the task variable) and ``theta0``.
    """
    rng = np.random.default_rng(seed)
    g = draw_variable(rng, n_train, n_targets, train_g, target_g, "g")
    theta0 = rng.uniform(*THETA0, len(g))
    runs = [pendulum_trajectory(gi, ti, horizon) for gi, ti in zip(g, theta0, strict=True)]
    return TaskBank.from_tasks(
        [t for t, _ in runs],
        [a for _, a in runs],
        [f"pendulum-{i:03d}" for i in range(len(g))],
        np.stack([g, theta0], 1),
        ("g", "theta0"),
        family=PENDULUM.name,
    )


BANK = RealBank(
    "pendulum",
    lambda seed: pendulum_bank(seed=seed),
    "g",
    TARGET_G[0],
    "time (s)",
    "angle from hanging (rad)",
    "gymnasium's classic-control Pendulum-v1 dynamics, stepped with zero torque",
    "MIT (gymnasium)",
    ("gymnasium",),
    form=PENDULUM.name,
    simulated=True,
)
