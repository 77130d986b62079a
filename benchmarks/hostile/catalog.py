"""Every group of hostile inputs, and running them in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hostile.generated import GENERATED
from hostile.harness import Outcome, Runner
from hostile.scripted import KILLS, SCRIPTED, Group


def groups() -> list[Group]:
    """Scripted inputs first (the failures of issue 14), then kills, then generated ones."""
    return [*SCRIPTED, *KILLS, *GENERATED]


def run_groups(
    chosen: Iterable[Group],
    sizes: Callable[[Group], int],
    seed: int,
    report: Callable[[Outcome], None],
    timeout: float,
) -> None:
    """Run ``sizes(group)`` inputs of every chosen group in this process."""
    runner = Runner(report, timeout=timeout)
    for group in chosen:
        runner.group = group.name
        group.run(runner, sizes(group), seed)
