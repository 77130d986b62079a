"""Runtime services every entry point shares: CPU threads and seeded random streams.

The command line, the suites, the examples and the benchmark scripts all take these
from here, so a process is set up the same way wherever it starts.

**Threads.** rte's networks and matrices are small: extra threads cost more than they
compute, and on a busy machine idle OpenMP threads spinning on a taken core slow a run
many times over (the README's example took 122 s with torch's default threads beside
another job, 5.9 s with one). So every estimator runs its fit and predictions with
:func:`threads` CPU threads for torch and numpy's BLAS (``RTE_THREADS``, default 1;
:func:`set_threads`, ``--threads``), and restores the caller's settings afterwards.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from rte._checks import check_positive_int

if TYPE_CHECKING:
    import numpy as np

T = TypeVar("T")
R = TypeVar("R")
_chosen: list[int] = []  # the count set_threads chose in this process, if any


def threads() -> int:
    """CPU threads rte's work uses: :func:`set_threads`' choice, else ``RTE_THREADS``, else 1."""
    if _chosen:
        return _chosen[-1]
    return check_positive_int(int(os.environ.get("RTE_THREADS", "1")), "RTE_THREADS")


def set_threads(count: int) -> None:
    """Use ``count`` CPU threads for torch and numpy's BLAS in this process, rte's work
    included (the command line's ``--threads``)."""
    import torch

    _chosen.append(check_positive_int(count, "threads"))
    torch.set_num_threads(count)
    _blas().limit(limits=count)


@cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def limited_threads() -> Iterator[None]:
    """Run the block on :func:`threads` torch and BLAS threads, then restore the caller's
    torch setting (cheap: a few microseconds, so it wraps every prediction)."""
    import torch

    count, before = threads(), torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        with _blas().limit(limits=count):
            yield
    finally:
        torch.set_num_threads(before)


def with_threads(fn: Callable[[T], R], item: T, count: int) -> R:
    """``fn(item)`` in a worker process with torch and numpy's BLAS on ``count`` threads."""
    set_threads(count)
    return fn(item)


def stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream keyed by the seed and names (family, band, ...), not by positions:
    a one-family run draws exactly the tasks of that family in the full run, and adding
    a band or a family leaves every other stream unchanged."""
    import numpy as np  # here, not at the top: the command line's start-up loads no numpy

    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])
