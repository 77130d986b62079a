"""Real bank example: a solar module hotter than any training module (pvlib's CEC model).

The bank holds the current-voltage curves of 60 crystalline-silicon modules of the
CEC list at cell temperatures of -10 to 45 C; RTE sees 10 points of another module's
curve at 55-85 C and predicts the rest, up to its open-circuit voltage. Run from the
repository root (needs the extra 'real'):

    .venv/bin/python examples/real/pv_module.py [--figure docs/img/real_pv_module.png]
"""

from _common import main

if __name__ == "__main__":
    main("pv_module", __doc__)
