"""Where a suite's episodes run: in this process, in local worker processes, or on Ray.

An episode (one family at one seed) is independent of every other: it draws its own
bank and targets from seed-keyed streams and fits every method itself. So episodes
can run anywhere and in any order; results are always collected in episode order,
and every worker uses the same number of torch threads, so a parallel or Ray run
writes the same records as a serial one. Families and methods registered in the
calling process (a script's own) are installed in every worker before it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from rte._params import Settings, at_least, one_of, param
from rte.errors import BackendImportError
from rte.registry import Registrations, install, user_registrations
from rte.runtime import with_threads

T = TypeVar("T")
R = TypeVar("R")
BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class Execution(Settings):
    """How episodes run; not part of a suite's settings (it never changes a number)."""

    jobs: int = param(0, "Worker processes for episodes (0: one per CPU core).", at_least(0))
    backend: str = param("local", "local (joblib processes) or ray.", one_of(*BACKENDS))
    address: str | None = param(
        None, "Ray cluster address, e.g. ray://head:10001 (default: start Ray locally)."
    )
    threads: int = param(1, "Torch CPU threads per worker.", at_least(1))

    def workers(self, n_items: int) -> int:
        """Worker processes to start for ``n_items`` episodes (1: run in this process)."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, min(self.jobs or cores or 1, n_items))


def _in_worker(fn: Callable[[T], R], item: T, threads: int, registrations: Registrations) -> R:
    """``fn(item)`` in a worker: the caller's registrations installed, threads limited."""
    install(registrations)
    return with_threads(fn, item, threads)


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    n_items: int,
    execution: Execution | None = None,
    on_done: Callable[[], None] | None = None,
) -> Iterator[R]:
    """``fn`` over ``items``, results in the items' order; ``on_done`` after each one."""
    execution = execution or Execution()
    registrations = user_registrations()
    if execution.backend == "ray":
        yield from _map_ray(fn, items, execution, on_done, registrations)
        return
    workers = execution.workers(n_items)
    if workers == 1:
        results: Iterable[R] = (with_threads(fn, item, execution.threads) for item in items)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=workers, backend="loky", return_as="generator")(
            delayed(_in_worker)(fn, item, execution.threads, registrations) for item in items
        )
    for result in results:
        if on_done is not None:
            on_done()
        yield result


def _map_ray(
    fn: Callable[[T], R],
    items: Iterable[T],
    execution: Execution,
    on_done: Callable[[], None] | None,
    registrations: Registrations,
) -> Iterator[R]:
    try:
        import ray
    except ImportError:
        raise BackendImportError(
            "--backend ray needs the 'ray' package. Install it with: "
            "pip install 'relational-task-extrapolator[ray]'"
        ) from None
    if not ray.is_initialized():
        # A local instance gets ``jobs`` CPUs (all with 0); a cluster has its own.
        cpus = (execution.jobs or None) if execution.address is None else None
        ray.init(
            address=execution.address,
            num_cpus=cpus,
            include_dashboard=False,
            log_to_driver=False,
        )
    remote = ray.remote(num_cpus=1)(_in_worker)
    refs = [remote.remote(fn, item, execution.threads, registrations) for item in items]
    for ref in refs:
        result: Any = ray.get(ref)
        if on_done is not None:
            on_done()
        yield result
