"""Real task banks: physics engines and simulators engineers use, and measured records, each
loaded offline from a pip package (the optional extra ``real``), with extrapolation splits
fixed in advance.

Each loader returns an ordinary :class:`rte.tasks.TaskBank` whose first parameter
column is the task variable, so it goes through ``fit`` / ``predict`` like any
bank, and :func:`rte.tasks.table.write_table` writes it as a task table for
``rte fit``. ``rte bench real`` runs every method on them (docs/real.md).
"""

from rte.tasks.real.acrobot import acrobot_bank, acrobot_trajectory
from rte.tasks.real.battery import battery_bank, discharge_curve
from rte.tasks.real.catalog import REAL_BANKS, get_real_bank, real_bank_names
from rte.tasks.real.co2 import co2_bank
from rte.tasks.real.electricity import electricity_bank
from rte.tasks.real.life_expectancy import life_expectancy_bank
from rte.tasks.real.nox import nox_bank
from rte.tasks.real.pendulum import pendulum_bank, pendulum_trajectory
from rte.tasks.real.pv_module import iv_curves, pv_bank
from rte.tasks.real.spec import RealBank, share_above

__all__ = [
    "REAL_BANKS",
    "RealBank",
    "acrobot_bank",
    "acrobot_trajectory",
    "battery_bank",
    "co2_bank",
    "discharge_curve",
    "electricity_bank",
    "get_real_bank",
    "iv_curves",
    "life_expectancy_bank",
    "nox_bank",
    "pendulum_bank",
    "pendulum_trajectory",
    "pv_bank",
    "real_bank_names",
    "share_above",
]
