"""Real bank example: a pendulum on a heavier planet (gymnasium's Pendulum-v1 dynamics).

The bank holds 60 trajectories released from rest with gravity g in [2, 10] m/s^2;
RTE sees 10 moments of a pendulum with g in [12, 20] and predicts the rest of its
3-second swing. Run from the repository root (needs the extra 'real'):

    .venv/bin/python examples/real/pendulum.py [--figure docs/img/real_pendulum.png]
"""

from _common import main

if __name__ == "__main__":
    main("pendulum", __doc__)
