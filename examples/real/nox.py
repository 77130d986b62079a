"""Real bank example: NOx beside a motorway on a day windier than any training day.

The bank holds the hourly log NOx concentration of the 256 days with a mean wind
below 2.5 m/s; RTE sees 10 hours of a windier day (seed 0's set of 23 of the 69
windy days, up to 7.5 m/s) and predicts its other 14 hours. Run from the repository
root (needs the extra 'real'):

    .venv/bin/python examples/real/nox.py [--figure docs/img/real_nox.png]
"""

from _common import main

if __name__ == "__main__":
    main("nox", __doc__)
