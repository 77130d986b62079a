"""The built-in task families of the parameter-extrapolation suite.

theta is the parameter that is extrapolated; nuisance parameters vary within
fixed ranges in every band. Ranges are documented in docs/param.md.
"""

from __future__ import annotations

import numpy as np

from rte.tasks.family import TaskFamily, register_family


def _triangle(u: np.ndarray) -> np.ndarray:
    """Triangle wave with period 1 and range [-1, 1]."""
    return 4.0 * np.abs(u - np.floor(u + 0.5)) - 1.0


QUADRATIC = register_family(
    TaskFamily(
        "quadratic",
        lambda x, theta, offset: theta * x**2 + offset,
        support=(1.0, 3.0),
        domain=(-3.0, 3.0),
        nuisance={"offset": (-1.0, 1.0)},
        description="theta * x^2 + offset",
    )
)
CUBIC = register_family(
    TaskFamily(
        "cubic",
        lambda x, theta, offset: theta * x**3 + offset,
        support=(1.0, 3.0),
        domain=(-2.0, 2.0),
        nuisance={"offset": (-1.0, 1.0)},
        description="theta * x^3 + offset",
    )
)
SINE_TREND = register_family(
    TaskFamily(
        "sine_trend",
        lambda x, theta, phase: np.sin(3.0 * x + phase) + theta * x,
        support=(0.5, 1.5),
        domain=(-3.0, 3.0),
        nuisance={"phase": (0.0, 0.5)},
        description="sin(3x + phase) + theta * x",
    )
)
TRIANGLE_TREND = register_family(
    TaskFamily(
        "triangle_trend",
        lambda x, theta, phase: _triangle(x / 2.0 + phase) + theta * x,
        support=(0.5, 1.5),
        domain=(-3.0, 3.0),
        nuisance={"phase": (0.0, 0.25)},
        description="triangle wave (period 2, shifted by phase) + theta * x",
    )
)
EXPONENTIAL = register_family(
    TaskFamily(
        "exponential",
        lambda x, theta: np.exp(theta * x),
        support=(0.5, 1.5),
        domain=(-1.0, 1.0),
        description="exp(theta * x)",
    )
)

# Families whose parameter acts non-linearly on the output (a frequency, a power):
# a model that continues a linear trend in theta cannot extrapolate them.
SINE_FREQUENCY = register_family(
    TaskFamily(
        "sine_frequency",
        lambda x, theta, phase: np.sin(theta * x + phase),
        support=(1.0, 2.0),
        domain=(-3.0, 3.0),
        nuisance={"phase": (0.0, 0.5)},
        description="sin(theta * x + phase)",
    )
)
POWER = register_family(
    TaskFamily(
        "power",
        lambda x, theta: x**theta,
        support=(1.0, 2.0),
        domain=(0.0, 2.0),
        description="x^theta on x >= 0",
    )
)

DEFAULT_PARAM_FAMILIES = (
    "quadratic",
    "cubic",
    "sine_trend",
    "triangle_trend",
    "exponential",
    "sine_frequency",
    "power",
)
