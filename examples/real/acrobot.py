"""Real bank example: an acrobot whose lower link is heavier than in any training swing.

The bank holds 60 free swings of gymnasium's acrobot (Acrobot-v1 dynamics, zero
torque) with the lower link's mass m2 in [0.5, 2] kg; RTE sees 10 moments of a swing
with m2 in [2.5, 4.5] kg and predicts the rest of its 12 seconds. Run from the
repository root (needs the extra 'real'):

    .venv/bin/python examples/real/acrobot.py [--figure docs/img/real_acrobot.png]
"""

from _common import main

if __name__ == "__main__":
    main("acrobot", __doc__)
