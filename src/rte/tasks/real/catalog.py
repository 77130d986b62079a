"""The real banks by name, in their table order; each bank module declares its own
:class:`~rte.tasks.real.spec.RealBank` beside its loader (docs/real.md)."""

from __future__ import annotations

from rte._checks import check_choice
from rte.tasks.real import (
    acrobot,
    battery,
    co2,
    electricity,
    life_expectancy,
    nox,
    pendulum,
    pv_module,
)
from rte.tasks.real.spec import RealBank

REAL_BANKS: dict[str, RealBank] = {
    module.BANK.name: module.BANK
    for module in (pendulum, co2, electricity, acrobot, battery, pv_module, nox, life_expectancy)
}


def real_bank_names() -> list[str]:
    """The real banks, in their table order."""
    return list(REAL_BANKS)


def get_real_bank(name: str) -> RealBank:
    """Look a real bank up by name; unknown names list the known ones."""
    return REAL_BANKS[check_choice(name, REAL_BANKS, "real bank")]
