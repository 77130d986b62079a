"""Atmospheric CO2 at Mauna Loa (statsmodels' ``co2``): one task per year, the seasonal curve.

Weekly concentrations (ppm) from March 1958 to December 2001, shipped inside
statsmodels; weeks without a measurement are dropped. A task is one calendar year:
inputs are the fraction of the year elapsed (0 to 1), outputs the concentration,
and the parameter column ``year`` is the task variable.
"""

from __future__ import annotations

import numpy as np

from rte._optional import require
from rte.tasks.bank import TaskBank
from rte.tasks.real.forms import SEASONAL_TREND
from rte.tasks.real.spec import RealBank


def co2_bank() -> TaskBank:
    """Every year of the record (1958-2001) as a task."""
    data = (
        require("statsmodels.api", "real", "The real-data bank 'co2'")
        .datasets.co2.load_pandas()
        .data.dropna()
    )
    index = data.index
    fraction = (index.day_of_year.to_numpy() - 1) / np.where(index.is_leap_year, 366.0, 365.0)
    years = index.year.to_numpy()
    values = data["co2"].to_numpy(dtype=np.float64)
    kept = np.unique(years)
    return TaskBank.from_tasks(
        [fraction[years == y] for y in kept],
        [values[years == y] for y in kept],
        [str(y) for y in kept],
        kept.astype(np.float64)[:, None],
        ("year",),
        family=SEASONAL_TREND.name,
    )


BANK = RealBank(
    "co2",
    lambda seed: co2_bank(),
    "year",
    1980.0,
    "fraction of the year",
    "CO2 (ppm)",
    "Mauna Loa weekly CO2 (Keeling & Whorf 2004), shipped in statsmodels as co2",
    "public domain (statsmodels: BSD-3-Clause)",
    ("statsmodels",),
    form=SEASONAL_TREND.name,
)
