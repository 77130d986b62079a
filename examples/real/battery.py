"""Real bank example: a battery discharged faster than in any training discharge (PyBaMM).

The bank holds 60 discharges of PyBaMM's Doyle-Fuller-Newman model of an LG M50 cell
(Chen2020 parameters) at C-rates in [0.2, 1] and 10-40 C; RTE sees the voltage at 10
points of a discharge at 1.25C-2.25C and predicts the rest of its curve down to the
2.5 V cutoff. Run from the repository root (needs the extra 'real'):

    .venv/bin/python examples/real/battery.py [--figure docs/img/real_battery.png]
"""

from _common import main

if __name__ == "__main__":
    main("battery", __doc__)
