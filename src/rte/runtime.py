"""Runtime services every entry point shares: CPU threads and seeded random streams.

The command line, the suites, the examples and the benchmark scripts all take these
from here, so a process is set up the same way wherever it starts.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from rte._validation import check_positive_int

T = TypeVar("T")
R = TypeVar("R")


def set_threads(threads: int) -> None:
    """Set torch's and numpy's BLAS CPU threads for this process: small networks and
    small matrices oversubscribe a busy 2-core machine."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(check_positive_int(threads, "threads"))
    threadpool_limits(threads)


def with_threads(fn: Callable[[T], R], item: T, threads: int) -> R:
    """``fn(item)`` with torch and numpy's BLAS limited to ``threads`` (worker processes)."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    # numpy's BLAS too: on small matrices, idle threads spinning on a busy core cost more
    # than they compute (a context GP took 15x longer with two BLAS threads under load).
    with threadpool_limits(threads):
        return fn(item)


def stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream keyed by the seed and names (family, band, ...), not by positions:
    a one-family run draws exactly the tasks of that family in the full run, and adding
    a band or a family leaves every other stream unchanged."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])
