"""Real bank example: a theophylline concentration curve at a dose above every training dose.

The bank holds the curves of the 9 subjects with doses up to 4.95 mg/kg; RTE sees 5
samples of a subject given 5.3-5.86 mg/kg and predicts the other 6. Run from the
repository root (needs the extra 'real'):

    .venv/bin/python examples/real/theoph.py [--figure docs/img/real_theoph.png]
"""

from _common import main

if __name__ == "__main__":
    main("theoph", __doc__)
