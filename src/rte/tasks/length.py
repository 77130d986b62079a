"""The length-extrapolation family: polynomials built one expansion step at a time.

A depth-L task is the degree-L polynomial written in Horner form,

    p_0(x) = c_0,    p_L(x) = x * p_{L-1}(x) + c_L,

so p_L(x) = sum_{k<=L} c_{L-k} x^k, on x in [-1, 1] with every coefficient drawn
from ``COEFFICIENTS`` = {-1, -0.5, 0.5, 1} (the scaled suite: a finer grid,
:func:`coefficient_grid`). The expansion step from depth L-1 to L
(multiply by x, add the new term c_L) is the relation phi; its label is the new
term, e.g. ``"x*f+0.5"``, and the anchor is the depth L-1 task. Horner form makes
the step the same *kind* of transformation at every depth, so a depth-9 target is
a seen anchor (a depth-8 bank task) plus a seen step: out of combination, not out
of support. Why this choice: docs/length_comp.md.

The bank holds ``n_chains`` random coefficient chains, each observed at depths
1..``max_depth`` (default 8); depth-1 tasks have no anchor in the bank. Targets of
depth D extend a bank chain's depth-(D-1) task by a fresh coefficient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rte._checks import check_positive_int
from rte.errors import ValidationError
from rte.tasks.bank import RelationLabel, TargetSet, TaskBank
from rte.tasks.labelled import LabelledTask, labelled_bank, labelled_targets

COEFFICIENTS = (-1.0, -0.5, 0.5, 1.0)
MAX_TRAIN_DEPTH = 8


def coefficient_grid(n: int) -> tuple[float, ...]:
    """``n`` (even) coefficients evenly spaced in [-1, 1] without 0: n = 4 gives
    :data:`COEFFICIENTS`, larger n the larger label sets of the scaled suite."""
    check_positive_int(n, "n_coefficients", 2)
    if n % 2:
        raise ValidationError(f"n_coefficients must be even (a grid symmetric about 0). Got {n}.")
    half = np.linspace(0.0, 1.0, n // 2 + 1)[1:]
    return tuple(float(c) for c in np.concatenate([-half[::-1], half]))


def horner(x: np.ndarray, coefficients: Sequence[float]) -> np.ndarray:
    """The depth-(len - 1) polynomial p(x) = ((c_0 x + c_1) x + ...) x + c_L."""
    if len(coefficients) < 2:
        raise ValidationError(
            f"A length task needs depth >= 1, i.e. at least 2 coefficients. Got "
            f"{len(coefficients)}; pass (c_0, ..., c_L) with L >= 1."
        )
    y = np.full_like(np.asarray(x, dtype=np.float64), coefficients[0])
    for c in coefficients[1:]:
        y = x * y + c
    return y


def step_label(coefficient: float) -> str:
    """The relation label of the expansion step that adds ``coefficient``."""
    return f"x*f{coefficient:+g}"


@dataclass(frozen=True)
class LengthTasks:
    """Coefficient chains (n_chains, max_depth + 1) over the coefficient set
    ``coefficients``: the bank and its targets come from them."""

    chains: np.ndarray
    coefficients: tuple[float, ...] = COEFFICIENTS

    def __post_init__(self) -> None:
        if self.chains.ndim != 2 or self.chains.shape[0] < 1 or self.chains.shape[1] < 3:
            raise ValidationError(
                "chains must have shape (n_chains >= 1, max_depth + 1 >= 3). Got shape "
                f"{self.chains.shape}."
            )

    @classmethod
    def sample(
        cls,
        n_chains: int,
        rng: np.random.Generator,
        max_depth: int = MAX_TRAIN_DEPTH,
        coefficients: tuple[float, ...] = COEFFICIENTS,
    ) -> LengthTasks:
        """Draw ``n_chains`` chains of ``coefficients`` for depths 0..``max_depth``."""
        check_positive_int(n_chains, "n_chains")
        check_positive_int(max_depth, "max_depth", 2)
        return cls(rng.choice(coefficients, size=(n_chains, max_depth + 1)), tuple(coefficients))

    @property
    def max_depth(self) -> int:
        """Deepest task in the bank."""
        return self.chains.shape[1] - 1

    def task(self, chain: int, depth: int, step: float | None = None) -> LabelledTask:
        """The depth-``depth`` task of ``chain``; with ``step``, its last coefficient replaced."""
        check_positive_int(depth, "depth")
        coeffs = [*self.chains[chain, :depth], self.chains[chain, depth] if step is None else step]
        label = RelationLabel(
            f"depth {depth}",
            anchor=None if depth == 1 else _task_id(chain, depth - 1),
            phi=None if depth == 1 else step_label(coeffs[-1]),
        )
        return LabelledTask(_task_id(chain, depth), lambda x: horner(x, coeffs), label)

    def bank(self, n_points: int = 64) -> TaskBank:
        """Every chain at depths 1..max_depth, observed on a grid of ``n_points``."""
        n, depth = self.chains.shape[0], self.max_depth
        return labelled_bank(
            [self.task(i, d) for i in range(n) for d in range(1, depth + 1)], n_points
        )

    def targets(
        self, band: str, depths: Sequence[int], n_targets: int, rng: np.random.Generator, **kw
    ) -> TargetSet:
        """``n_targets`` tasks of depths drawn from ``depths``, each a bank chain extended by a
        fresh coefficient; ``kw`` as in :func:`rte.tasks.labelled.labelled_targets`."""
        check_positive_int(n_targets, "n_targets")
        for d in depths:
            check_positive_int(d, "target depth", 2)
            if d > self.max_depth + 1:
                raise ValidationError(
                    f"Target depth {d} needs an anchor of depth {d - 1}, but the bank stops at "
                    f"depth {self.max_depth}. Use depths <= {self.max_depth + 1}."
                )
        chains = rng.integers(0, self.chains.shape[0], n_targets)
        ds = rng.choice(np.asarray(depths), n_targets)
        steps = rng.choice(self.coefficients, n_targets)
        tasks = [self.task(c, d, s) for c, d, s in zip(chains, ds, steps, strict=True)]
        return labelled_targets(band, tasks, rng, **kw)


def _task_id(chain: int, depth: int) -> str:
    return f"chain{chain}-L{depth}"
