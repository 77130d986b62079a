"""A second physics engine's bank: gymnasium's acrobot, one free swing per mass of its lower link.

The acrobot is a double pendulum (two links of 1 m, the upper one of 1 kg). Each task
releases it from rest with the upper link at ``theta1`` and the elbow bent by
``theta2`` (radians, 0 = hanging straight) and records the upper link's angle every
step of ``gymnasium.envs.classic_control.AcrobotEnv`` with zero torque, for
``horizon`` seconds. The environment itself is stepped, so its integrator (one
fourth-order Runge-Kutta step per dt = 0.2 s) and its equations (Sutton & Barto's)
are the ones used; only the lower link's mass ``m2``, the task variable, is changed.

The swing mixes the system's two modes; the lower link's mass sets how they mix, so
the beat pattern of the upper link's swing changes with it. The environment clips
the joint speeds (4 pi and 9 pi rad/s) and wraps the angles to [-pi, pi]; a
trajectory that comes within 0.1 pi rad of the wrap or reaches a clip is refused.
"""

from __future__ import annotations

import numpy as np

from rte._optional import require
from rte.errors import ValidationError
from rte.tasks.bank import TaskBank
from rte.tasks.real._draws import draw_variable
from rte.tasks.real.spec import RealBank

TRAIN_M2 = (0.5, 2.0)
TARGET_M2 = (2.5, 4.5)
THETA1 = (0.3, 0.7)
THETA2 = (-0.5, 0.5)
HORIZON = 12.0
WRAP_MARGIN = 0.9  # a trajectory must stay within 0.9 pi rad of hanging straight


def acrobot_trajectory(
    m2: float, theta1: float, theta2: float, horizon: float = HORIZON
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and upper-link angles from hanging (rad) of one release from rest."""
    module = require(
        "gymnasium.envs.classic_control.acrobot", "real", "The real-data bank 'acrobot'"
    )
    env = module.AcrobotEnv()
    env.reset(seed=0)
    env.LINK_MASS_2 = float(m2)
    env.state = np.array([theta1, theta2, 0.0, 0.0])
    no_torque = env.AVAIL_TORQUE.index(0.0)
    n_steps = round(horizon / env.dt)
    states = [env.state.copy()]
    for _ in range(n_steps):
        env.step(no_torque)
        states.append(np.asarray(env.state, dtype=np.float64).copy())
    env.close()
    path = np.stack(states)
    speeds = np.abs(path[:, 2:]).max(0)
    if np.abs(path[:, :2]).max() >= WRAP_MARGIN * np.pi or np.any(
        speeds >= (env.MAX_VEL_1, env.MAX_VEL_2)
    ):
        raise ValidationError(
            f"The acrobot with m2 = {m2:g} released at ({theta1:g}, {theta2:g}) rad swings "
            f"past {WRAP_MARGIN:g} pi rad, near the environment's angle wrap, or reaches its "
            "speed clip. Release it closer to hanging straight."
        )
    return np.arange(n_steps + 1) * env.dt, path[:, 0]


def acrobot_bank(
    n_train: int = 60,
    n_targets: int = 20,
    seed: int = 0,
    horizon: float = HORIZON,
    train_m2: tuple[float, float] = TRAIN_M2,
    target_m2: tuple[float, float] = TARGET_M2,
) -> TaskBank:
    """``n_train`` swings with m2 in ``train_m2`` and ``n_targets`` with m2 in ``target_m2``.

    m2 (kg) and the release angles (``theta1`` uniform in 0.3-0.7 rad, ``theta2`` in
    -0.5-0.5 rad) are drawn from ``seed``; the parameter columns are ``m2`` (the task
    variable), ``theta1`` and ``theta2``.
    """
    rng = np.random.default_rng(seed)
    m2 = draw_variable(rng, n_train, n_targets, train_m2, target_m2, "m2")
    theta1 = rng.uniform(*THETA1, len(m2))
    theta2 = rng.uniform(*THETA2, len(m2))
    runs = [acrobot_trajectory(*start, horizon) for start in zip(m2, theta1, theta2, strict=True)]
    return TaskBank.from_tasks(
        [t for t, _ in runs],
        [a for _, a in runs],
        [f"acrobot-{i:03d}" for i in range(len(m2))],
        np.stack([m2, theta1, theta2], 1),
        ("m2", "theta1", "theta2"),
    )


BANK = RealBank(
    "acrobot",
    lambda seed: acrobot_bank(seed=seed),
    "m2",
    TARGET_M2[0],
    "time (s)",
    "upper link's angle from hanging (rad)",
    "gymnasium's classic-control Acrobot-v1 dynamics, stepped with zero torque",
    "MIT (gymnasium)",
    ("gymnasium",),
    simulated=True,
)
