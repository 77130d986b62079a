"""Real bank example: the seasonal CO2 curve of a year after the training years (Mauna Loa).

The bank holds one weekly curve per year, 1958-1979; RTE sees 10 weeks of a year in
1980-2001 and predicts its other weeks. Run from the repository root (needs the
extra 'real'):

    .venv/bin/python examples/real/co2.py [--figure docs/img/real_co2.png]
"""

from _common import main

if __name__ == "__main__":
    main("co2", __doc__)
