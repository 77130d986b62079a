"""A solar module's bank: pvlib's single-diode model of real modules, one current-voltage curve
per cell temperature.

Each task is one crystalline-silicon module of the California Energy Commission's
module list (the CEC parameters pvlib ships from NREL's SAM library) at cell
temperature ``temp_cell`` (degrees C) under ``irradiance`` (W/m2), its curve given by
the CEC single-diode model (``pvlib.pvsystem.calcparams_cec`` and ``i_from_v``).
Inputs are the voltage as a fraction of the module's rated open-circuit voltage
(0 to 1.2 in steps of 0.025, up to the open-circuit point), outputs the current as a
fraction of its rated short-circuit current. A hotter cell drops its open-circuit
voltage (about a third of a percent per degree): the knee moves to lower voltages,
while the irradiance sets the height of its flat part.
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

TRAIN_T = (-10.0, 45.0)
TARGET_T = (55.0, 85.0)
IRRADIANCE = (400.0, 1000.0)
VOLTAGE = np.linspace(0.0, 1.2, 49)  # fractions of the rated open-circuit voltage
TECHNOLOGIES = ("Mono-c-Si", "Multi-c-Si")
_MODEL = ("alpha_sc", "a_ref", "I_L_ref", "I_o_ref", "R_sh_ref", "R_s", "Adjust")
_RATED = ("V_oc_ref", "I_sc_ref")


@lru_cache(maxsize=1)
def module_table() -> Any:
    """The c-Si modules of pvlib's CEC list with their single-diode parameters (one row each)."""
    pvsystem = require("pvlib.pvsystem", "real", "The real-data bank 'pv_module'")
    table = pvsystem.retrieve_sam("CECMod").T
    table = table[table["Technology"].isin(TECHNOLOGIES)]
    numbers = table[list(_MODEL + _RATED)].astype(np.float64)
    return numbers[np.isfinite(numbers.to_numpy()).all(1)]


def iv_curves(
    modules: Any, temp_cell: np.ndarray, irradiance: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each module's (voltage, current) as fractions of its ratings, up to open circuit."""
    pvsystem = require("pvlib.pvsystem", "real", "The real-data bank 'pv_module'")
    temp_cell, irradiance = np.asarray(temp_cell), np.asarray(irradiance)
    if temp_cell.shape != (len(modules),) or irradiance.shape != (len(modules),):
        raise ValidationError(
            f"Expected one cell temperature and one irradiance per module ({len(modules)}). "
            f"Got shapes {temp_cell.shape} and {irradiance.shape}."
        )
    args = [modules[name].to_numpy() for name in _MODEL]
    diode = pvsystem.calcparams_cec(irradiance, temp_cell, *args)
    volts = VOLTAGE[None, :] * modules["V_oc_ref"].to_numpy()[:, None]
    current = pvsystem.i_from_v(volts, *(np.asarray(p)[:, None] for p in diode))
    current = current / modules["I_sc_ref"].to_numpy()[:, None]
    return [(VOLTAGE[row >= 0], row[row >= 0]) for row in current]


def pv_bank(
    n_train: int = 60,
    n_targets: int = 20,
    seed: int = 0,
    train_t: tuple[float, float] = TRAIN_T,
    target_t: tuple[float, float] = TARGET_T,
) -> TaskBank:
    """``n_train`` modules with cell temperatures in ``train_t``, ``n_targets`` in ``target_t``.

    The modules (each once), the temperatures and the irradiances (uniform in
    400-1000 W/m2) are drawn from ``seed``; the parameter columns are ``temp_cell``
    (the task variable) and ``irradiance``.
    """
    rng = np.random.default_rng(seed)
    temp_cell = draw_variable(rng, n_train, n_targets, train_t, target_t, "temp_cell")
    irradiance = rng.uniform(*IRRADIANCE, len(temp_cell))
    table = module_table()
    modules = table.iloc[rng.choice(len(table), len(temp_cell), replace=False)]
    curves = iv_curves(modules, temp_cell, irradiance)
    return TaskBank.from_tasks(
        [v for v, _ in curves],
        [i for _, i in curves],
        [f"module-{i:03d}" for i in range(len(temp_cell))],
        np.stack([temp_cell, irradiance], 1),
        ("temp_cell", "irradiance"),
    )


BANK = RealBank(
    "pv_module",
    lambda seed: pv_bank(seed=seed),
    "temp_cell",
    TARGET_T[0],
    "voltage / rated open-circuit voltage",
    "current / rated short-circuit current",
    "pvlib's CEC single-diode model of the c-Si modules in its CEC module list (SAM)",
    "BSD-3-Clause (pvlib, SAM's module list)",
    ("pvlib",),
    simulated=True,
)
