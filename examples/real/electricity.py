"""Real bank example: electricity demand on a day hotter than any training day (Victoria, 2014).

The bank holds the half-hourly demand of the 340 days of 2014 with a maximum
temperature below 32 C; RTE sees 10 half-hours of one of the 25 hotter days (up to
43.2 C) and predicts the rest of its day. Run from the repository root (needs the
extra 'real'):

    .venv/bin/python examples/real/electricity.py [--figure docs/img/real_electricity.png]
"""

from _common import main

if __name__ == "__main__":
    main("electricity", __doc__)
