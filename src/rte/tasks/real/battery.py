"""A battery's bank: PyBaMM's Doyle-Fuller-Newman model of a lithium-ion cell, one discharge
per C-rate.

Each task discharges the LG M50 cell of Chen et al. (2020) (PyBaMM's ``Chen2020``
parameters, 5 Ah nominal) from full at a constant current of ``c_rate`` times its
nominal capacity per hour, in an isothermal cell at ``temperature`` (degrees C),
down to the 2.5 V cutoff. Inputs are the charge drawn (Ah, every 0.1 Ah up to the
cutoff), outputs the terminal voltage (V). A higher C-rate lowers the whole curve
(larger overpotentials) and ends it sooner; from about 2.2C the electrolyte at the
positive end of the cell runs out before the cutoff and the usable charge falls fast.
Training C-rates stop at 1C, targets go to 2.25C: beyond that the solver fails now
and then as the electrolyte empties, so no target is drawn there.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from rte._optional import require
from rte.errors import ValidationError
from rte.tasks.bank import TaskBank
from rte.tasks.real._draws import draw_variable
from rte.tasks.real.spec import RealBank

TRAIN_C = (0.2, 1.0)
TARGET_C = (1.25, 2.25)
TEMPERATURE = (10.0, 40.0)
CHARGE_STEP = 0.1  # Ah between recorded points
KELVIN = 273.15
_INPUTS = ("Current function [A]", "Ambient temperature [K]", "Initial temperature [K]")


@lru_cache(maxsize=1)
def _simulation() -> tuple[Any, float]:
    """The DFN simulation with current and temperature as inputs (built once: ~0.3 s)."""
    pybamm = require("pybamm", "real", "The real-data bank 'battery'")
    values = pybamm.ParameterValues("Chen2020")
    capacity = float(values["Nominal cell capacity [A.h]"])
    values.update(dict.fromkeys(_INPUTS, "[input]"))
    return pybamm.Simulation(pybamm.lithium_ion.DFN(), parameter_values=values), capacity


def discharge_curve(c_rate: float, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Charge drawn (Ah, every 0.1 Ah) and terminal voltage (V) of one discharge to 2.5 V."""
    if not c_rate > 0:
        raise ValidationError(f"c_rate must be a positive discharge rate. Got {c_rate!r}.")
    simulation, capacity = _simulation()
    current = c_rate * capacity
    hours = 1.2 * capacity / current  # past the cutoff, which ends the solve
    kelvin = temperature + KELVIN
    inputs = dict(zip(_INPUTS, (current, kelvin, kelvin), strict=True))
    solution = simulation.solve([0.0, 3600.0 * hours], inputs=inputs)
    if "Minimum voltage" not in solution.termination:
        raise ValidationError(
            f"The discharge at {c_rate:g}C and {temperature:g} C stopped before the 2.5 V "
            f"cutoff ({solution.termination}). Choose a C-rate and temperature inside the "
            "cell's ranges."
        )
    seconds = solution.t
    charge = np.arange(0.0, current * seconds[-1] / 3600.0, CHARGE_STEP)
    voltage = np.interp(3600.0 * charge / current, seconds, solution["Voltage [V]"].entries)
    return charge, voltage


def battery_bank(
    n_train: int = 60,
    n_targets: int = 20,
    seed: int = 0,
    train_c: tuple[float, float] = TRAIN_C,
    target_c: tuple[float, float] = TARGET_C,
) -> TaskBank:
    """``n_train`` discharges with C-rates in ``train_c`` and ``n_targets`` in ``target_c``.

    The C-rate and the temperature (uniform in 10-40 C) are drawn from ``seed``; the
    parameter columns are ``c_rate`` (the task variable) and ``temperature``.
    """
    rng = np.random.default_rng(seed)
    c_rate = draw_variable(rng, n_train, n_targets, train_c, target_c, "c_rate")
    temperature = rng.uniform(*TEMPERATURE, len(c_rate))
    runs = [discharge_curve(c, t) for c, t in zip(c_rate, temperature, strict=True)]
    return TaskBank.from_tasks(
        [q for q, _ in runs],
        [v for _, v in runs],
        [f"discharge-{i:03d}" for i in range(len(c_rate))],
        np.stack([c_rate, temperature], 1),
        ("c_rate", "temperature"),
    )


BANK = RealBank(
    "battery",
    lambda seed: battery_bank(seed=seed),
    "c_rate",
    TARGET_C[0],
    "charge drawn (Ah)",
    "terminal voltage (V)",
    "PyBaMM's Doyle-Fuller-Newman model with the Chen2020 parameters (LG M50 cell)",
    "BSD-3-Clause (PyBaMM)",
    ("pybamm",),
    simulated=True,
)
