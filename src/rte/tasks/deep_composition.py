"""Compositions of depth 3 over a large primitive library: the scaled composition regime.

Every primitive maps [-1, 1] into [-1, 1], so compositions of any depth stay bounded
(the twelve primitives of :mod:`rte.tasks.composition` do not: exp(exp(exp)) leaves
any sensible range). The library has 48 primitives from seven families, interleaved
so that its first ``n`` primitives mix every family.

The bank holds the ``n`` primitives, every depth-2 composition h(k) and
``n_triples`` random depth-3 compositions g(h(k)). A composition's relation label is
its outer primitive g, its anchor the inner task (a primitive or a depth-2
composition). With ``band`` candidates every primitive and every depth-2 composition
may anchor: about (n + n^2) x n candidate (anchor, phi) pairs, 112,896 for n = 48;
with ``bank`` candidates (the default) the depth-3 tasks too, (n + n^2 +
``n_triples``) x n pairs, 256,896. Band ``seen``
re-draws contexts of training triples, band ``unseen`` draws triples that are not in
the bank (their outer primitive and their anchor both are).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rte._checks import check_choice, check_positive_int
from rte.errors import ValidationError
from rte.tasks.bank import RelationLabel, TargetSet, TaskBank
from rte.tasks.composition import composition_name
from rte.tasks.labelled import LabelledTask, labelled_bank, labelled_targets
from rte.tasks.sequence import CANDIDATE_SETS

Fn = Callable[[np.ndarray], np.ndarray]


def _wave(a: float, b: float) -> Fn:
    return lambda x: np.sin(a * x + b)


def _step(a: float, c: float) -> Fn:
    return lambda x: np.tanh(a * (x - c))


def _bump(a: float, c: float) -> Fn:
    return lambda x: 2.0 * np.exp(-a * (x - c) ** 2) - 1.0


def _affine(s: float, t: float) -> Fn:
    return lambda x: s * x + t


def _families() -> list[list[tuple[str, Fn]]]:
    waves = [
        (f"wave{a:g}{b:+g}", _wave(a, b)) for b in (0, 0.8, 1.6, 2.4) for a in (1.5, 2.5, 3.5, 4.5)
    ]
    steps = [(f"step{a:g}@{c:+g}", _step(a, c)) for c in (0.0, -0.5, 0.5) for a in (2, 5)]
    bumps = [(f"bump{a:g}@{c:+g}", _bump(a, c)) for c in (0.0, -0.5, 0.5) for a in (3, 8)]
    affine = [
        (f"affine{s:+g}{t:+g}", _affine(s, t))
        for s, t in ((0.5, 0.5), (-0.6, 0.3), (0.7, -0.2), (-0.8, -0.1), (0.5, -0.5), (-0.4, -0.5))
    ]
    powers: list[tuple[str, Fn]] = [
        ("cube", lambda x: x**3),
        ("2sq-1", lambda x: 2.0 * x**2 - 1.0),
        ("x|x|", lambda x: x * np.abs(x)),
        ("1-2|x|", lambda x: 1.0 - 2.0 * np.abs(x)),
        ("sqrt", lambda x: np.sign(x) * np.sqrt(np.abs(x))),
        ("2x^4-1", lambda x: 2.0 * x**4 - 1.0),
        ("2sqrt|x|-1", lambda x: 2.0 * np.sqrt(np.abs(x)) - 1.0),
    ]
    shapes: list[tuple[str, Fn]] = [
        ("xcos3", lambda x: x * np.cos(3.0 * x)),
        ("xsin5", lambda x: x * np.sin(5.0 * x)),
        ("sin3sq", lambda x: np.sin(3.0 * x**2)),
        ("atan4", lambda x: np.arctan(4.0 * x) / np.arctan(4.0)),
        ("triangle", lambda x: 1.0 - 2.0 * np.abs(np.mod(1.5 * x + 1.5, 2.0) - 1.0)),
        ("gslope", lambda x: x * np.exp(0.5 - x**2) * np.sqrt(2.0)),
        ("sinc4", lambda x: np.sinc(4.0 * x / np.pi)),
    ]
    return [waves, steps, bumps, powers, affine, shapes]


def _library() -> dict[str, Fn]:
    """The 48 primitives, families interleaved (one of each in turn)."""
    fams = _families()
    out: dict[str, Fn] = {}
    for i in range(max(len(f) for f in fams)):
        for fam in fams:
            if i < len(fam):
                out[fam[i][0]] = fam[i][1]
    return out


LIBRARY: dict[str, Fn] = _library()


@dataclass(frozen=True)
class DeepCompositionTasks:
    """The first ``n_primitives`` of :data:`LIBRARY`, all their depth-2 compositions and
    ``n_triples`` depth-3 training compositions drawn with ``seed``; with ``candidates``
    ``bank`` every task may anchor, with ``band`` (the ablation that knows the targets'
    depth) only primitives and depth-2 tasks."""

    n_primitives: int = 48
    n_triples: int = 3000
    seed: int = 0
    candidates: str = "bank"
    primitives: tuple[str, ...] = field(init=False)
    triples: tuple[tuple[str, str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        check_choice(self.candidates, CANDIDATE_SETS, "candidates")
        check_positive_int(self.n_primitives, "n_primitives", 2)
        check_positive_int(self.n_triples, "n_triples")
        if self.n_primitives > len(LIBRARY):
            raise ValidationError(
                f"n_primitives must be at most {len(LIBRARY)} (the library's size). Got "
                f"{self.n_primitives}."
            )
        n = self.n_primitives
        if self.n_triples > n**3 // 2:
            raise ValidationError(
                f"n_triples must leave at least half of the {n**3} triples unseen. Got "
                f"{self.n_triples}; use at most {n**3 // 2}."
            )
        names = tuple(LIBRARY)[:n]
        rng = np.random.default_rng(self.seed)
        picks = rng.choice(n**3, self.n_triples, replace=False)
        triples = tuple((names[p // n**2], names[p // n % n], names[p % n]) for p in np.sort(picks))
        object.__setattr__(self, "primitives", names)
        object.__setattr__(self, "triples", triples)

    @staticmethod
    def _fn(names: tuple[str, ...]) -> Fn:
        fns = [LIBRARY[name] for name in reversed(names)]

        def composed(x: np.ndarray) -> np.ndarray:
            for fn in fns:
                x = fn(x)
            return x

        return composed

    def task(self, *names: str) -> LabelledTask:
        """The composition names[0](names[1](...)); phi is names[0], the anchor the rest."""
        if len(names) == 1:
            return LabelledTask(names[0], LIBRARY[names[0]], RelationLabel(names[0]))
        inner = names[1] if len(names) == 2 else composition_name(*names[1:])
        tid = composition_name(names[0], inner)
        label = RelationLabel(
            tid, anchor=inner, phi=names[0], can_anchor=len(names) < 3 or self.candidates == "bank"
        )
        return LabelledTask(tid, self._fn(names), label)

    def bank(self, n_points: int = 64) -> TaskBank:
        """Primitives, every depth-2 composition and the training triples, on a grid."""
        ps = self.primitives
        tasks = [self.task(p) for p in ps] + [self.task(g, h) for g in ps for h in ps]
        return labelled_bank(tasks + [self.task(*t) for t in self.triples], n_points)

    def targets(self, band: str, n_targets: int, rng: np.random.Generator, **kw) -> TargetSet:
        """``n_targets`` depth-3 compositions: training triples (band ``seen``) or triples
        outside the bank (any other band); ``kw`` as in
        :func:`rte.tasks.labelled.labelled_targets`."""
        check_positive_int(n_targets, "n_targets")
        if band == "seen":
            chosen = [self.triples[i] for i in rng.integers(0, len(self.triples), n_targets)]
        else:
            n, trained = self.n_primitives, set(self.triples)
            ps, chosen = self.primitives, []
            while len(chosen) < n_targets:
                t = tuple(ps[i] for i in rng.integers(0, n, 3))
                if t not in trained:
                    chosen.append(t)
        return labelled_targets(band, [self.task(*t) for t in chosen], rng, **kw)
