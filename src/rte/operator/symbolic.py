"""The symbolic relational operator: a short formula g(x, f_anchor, phi) found on the bank.

Psi as a law instead of a network. Every formula of a small generic grammar
(:mod:`rte.operator.grammar`: c0 + c1 T1 [+ c2 T2], terms such as sin(p x + q),
|a|^p or the anchor read at a warped input a(s x + t)) is fitted to pairs of bank
tasks (i, j) -- f_j(x) ~ g(x, f_i(x); c_ij), constants per pair, by the batched
Levenberg-Marquardt of :mod:`rte.lsq` -- and the formulas that explain every pair
best, with fewest constants, are kept (:func:`search_laws`):

1. **Screen** every formula on a few pairs; keep the best by a score that trades the
   pairs' error against the number of constants.
2. **Refine** those on more pairs.
3. **Freeze** constants the pairs agree on: a constant whose value the bank's pairs
   share (a coefficient of exactly 1, an offset of 0, the same frequency) is fixed at
   their median when the pairs' error does not grow. What stays free varies from pair
   to pair: that is phi, and its dimension is the law's.

g is fixed from the bank before any target is seen. A target's phi is fitted to its
context, continuously and without a prior (:mod:`rte.decompose.fitted`), so a relation
that holds between every two tasks of the support keeps holding beyond it: nothing
in g depends on where the bank's tasks lie, only phi does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
import torch

from rte._state import State, as_tensor
from rte.lsq import levenberg_marquardt, solve_rows
from rte.operator.grammar import BAD, Formula, Inputs, enumerate_formulas, inner_starts
from rte.tasks.interpolate import AnchorInterpolator

# Error floor (share of the bank's output variance) below which two laws count as exact.
_FLOOR = 1e-9
# A frozen constant may raise the pairs' error to at most this factor (plus the floor).
_FREEZE_SLACK = 2.0
# Only constants whose pairs' spread (10 to 90 %) is within this share of their median
# are tried at a shared value (a term's coefficient is always tried at 0).
_AGREE = 0.5


@dataclass(frozen=True)
class Law:
    """A formula with its frozen constants: ``free`` (p,) marks phi's entries, ``fixed``
    (p,) holds the others' values; ``box`` (2, k) the 2 and 98 % quantiles of phi over
    the bank's pairs; ``error`` the pairs' mean squared error over the bank's output
    variance."""

    formula: Formula
    free: np.ndarray
    fixed: np.ndarray
    box: np.ndarray
    error: float

    @classmethod
    def open(cls, formula: Formula) -> Law:
        """Every constant free."""
        p = formula.n_constants
        return cls(formula, np.ones(p, bool), np.zeros(p), np.zeros((2, p)), np.inf)

    @property
    def dim(self) -> int:
        """Dimension of phi."""
        return int(self.free.sum())

    @property
    def name(self) -> str:
        return self.formula.name

    @property
    def key(self) -> str:
        """The law's form: formula and which constants are free (not their values), e.g.
        "lin(a)|110": the same form found on two banks has the same key."""
        return f"{self.name}|{''.join('1' if f else '0' for f in self.free)}"

    def constants(self, phi: np.ndarray) -> np.ndarray:
        """Every constant of the formula, (B, p), from phi (B, k)."""
        out = np.broadcast_to(self.fixed, (len(phi), len(self.fixed))).copy()
        out[:, self.free] = phi
        return out

    def values(self, phi: np.ndarray, inputs: Inputs, bad: float = BAD) -> np.ndarray:
        """g at the inputs' points, (B, n); ``bad`` where it cannot be computed."""
        return self.formula.evaluate(self.constants(phi), inputs, bad)

    def text(self, phi: np.ndarray | None = None) -> str:
        """The law with its frozen constants written out; free ones as phi0, phi1, ..."""
        names = [f"{v:.4g}" for v in self.fixed]
        free = np.flatnonzero(self.free)
        for k, i in enumerate(free):
            names[i] = f"phi{k}" if phi is None else f"{float(phi[k]):.4g}"
        return _fill(self.formula.text(), names)

    def starts(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` starting rows of phi for a context fit (1 if no free constant enters
        non-linearly): each non-linear entry at ``n`` even levels over its bank range
        widened by twice its width each way (as ``family_fit`` spreads theta), levels
        shuffled independently per entry; the linear ones are solved exactly anyway."""
        inner = np.flatnonzero(self.free)[: self.dim] >= self.formula.n_outer
        mid = self.box.mean(0)
        if not inner.any():
            return mid[None]
        lo, hi = self.box
        width = np.maximum(hi - lo, 1e-3 * np.maximum(1.0, np.abs(mid)))
        levels = np.linspace(lo - 2 * width, hi + 2 * width, n)  # (n, k)
        rng = np.random.default_rng(seed)
        out = np.repeat(mid[None], n, 0)
        for j in np.flatnonzero(inner):
            out[:, j] = levels[rng.permutation(n), j]
        return out

    def fit(
        self, inputs: Inputs, y: np.ndarray, starts: np.ndarray, iterations: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """phi (B, k) and sum of squared errors (B,) of each row, best of the starts
        (see :meth:`fit_starts`)."""
        phi, cost = self.fit_starts(inputs, y, starts, iterations)
        best = cost.argmin(1)
        rows = np.arange(len(y))
        return phi[rows, best], cost[rows, best]

    def fit_starts(
        self, inputs: Inputs, y: np.ndarray, starts: np.ndarray, iterations: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """phi (B, S, k) and sum of squared errors (B, S) of each row from each start.

        ``starts`` (S, k) shared by every row, or (B, S, k) per row. Variable projection
        (Golub and Pereyra 1973): the free linear constants (c0 .. c_K) are solved by
        least squares wherever g is evaluated, so Levenberg-Marquardt only moves the free
        non-linear ones (at most a few) and no start is needed for the linear ones.
        """
        b = len(y)
        s = starts.shape[-2]
        rows = inputs.repeat(s)
        target = np.repeat(y, s, axis=0)
        phi = np.broadcast_to(starts, (b, s, self.dim)).reshape(b * s, self.dim).copy()
        inner = np.flatnonzero(self.free) >= self.formula.n_outer
        if inner.any():

            def values(p: np.ndarray) -> np.ndarray:
                full = phi.copy()
                full[:, inner] = p
                return self._project(full, rows, target)[1]

            phi[:, inner], _ = levenberg_marquardt(values, target, phi[:, inner], iterations)
        phi, fitted = self._project(self.canonical(phi), rows, target)
        cost = ((fitted - target) ** 2).sum(1)
        cost = np.where(np.isfinite(cost), cost, np.inf)
        return phi.reshape(b, s, self.dim), cost.reshape(b, s)

    def canonical(self, phi: np.ndarray) -> np.ndarray:
        """The same law values with every sine written c sin(p L + q), p >= 0, q in (-pi,
        pi] and c >= 0 where c is free: fits of one relation from different starts then
        agree, so constants the bank's pairs share can be seen and frozen."""
        full = self.constants(phi)
        for k, (term, inner) in enumerate(
            zip(self.formula.terms, self.formula.inner_slices, strict=True)
        ):
            if term.kind != "sin":
                continue
            p, q = inner.stop - 2, inner.stop - 1
            flip = full[:, p] < 0  # sin(p L + q) = sin(-p L + pi - q)
            full[:, p] = np.abs(full[:, p])
            full[:, q] = np.where(flip, np.pi - full[:, q], full[:, q])
            if self.free[1 + k]:  # c sin(u) = -c sin(u + pi)
                negative = full[:, 1 + k] < 0
                full[:, 1 + k] = np.abs(full[:, 1 + k])
                full[:, q] = np.where(negative, full[:, q] + np.pi, full[:, q])
            full[:, q] = np.pi - np.mod(np.pi - full[:, q], 2 * np.pi)
        return full[:, self.free]

    def warps(self, phi: np.ndarray) -> np.ndarray:
        """(s, t) of every warped anchor term, (B, W, 2) (W = 0 for a law without one)."""
        full = self.constants(phi)
        slices = [
            sl
            for term, sl in zip(self.formula.terms, self.formula.inner_slices, strict=True)
            if term.leaf == "w"
        ]
        if not slices:
            return np.zeros((len(phi), 0, 2))
        return np.stack([full[:, sl][:, :2] for sl in slices], 1)

    def _project(
        self, phi: np.ndarray, inputs: Inputs, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """phi with its free linear entries (among c0 .. c_K) at their least-squares values
        given the others (a small ridge keeps collinear terms finite), and g's values there.
        The terms are computed once: they do not depend on the linear constants."""
        n_outer = self.formula.n_outer
        free_outer = self.free[:n_outer]
        full = self.constants(phi)
        terms = self.formula.term_values(full, inputs)
        design = np.concatenate([np.ones_like(terms[..., :1]), terms], -1)  # (B, n, K+1)
        out = phi
        if free_outer.any():
            a = design[..., free_outer]
            with np.errstate(all="ignore"):  # huge terms: a non-finite solution, dropped below
                rhs = y - (design * (full[:, None, :n_outer] * ~free_outer)).sum(-1)
                gram = a.transpose(0, 2, 1) @ a
                ridge = 1e-10 * (np.trace(gram, axis1=1, axis2=2)[:, None, None] + 1.0)
                normal = (a.transpose(0, 2, 1) @ rhs[..., None])[..., 0]
                system = gram + ridge * np.eye(gram.shape[-1])
            coef = solve_rows(system, normal)
            out = phi.copy()
            columns = np.flatnonzero(np.flatnonzero(self.free) < n_outer)
            out[:, columns] = np.where(np.isfinite(coef), coef, 0.0)
            full[:, self.free] = out
        with np.errstate(all="ignore"):
            values = (design * full[:, None, :n_outer]).sum(-1)
        return out, np.where(np.isfinite(values), values, BAD)

    def state(self) -> State:
        """The law as a saved state: formula name, free mask, fixed values, phi's box."""
        return State(
            {"formula": self.formula.name, "error": self.error},
            {
                "free": as_tensor(self.free.astype(np.int64)),
                "fixed": as_tensor(self.fixed),
                "box": as_tensor(self.box),
            },
        )

    @classmethod
    def from_state(cls, state: State) -> Law:
        """Inverse of :meth:`state`."""
        return cls(
            Formula.parse(str(state.value("formula"))),
            state.array("free").astype(bool),
            state.array("fixed").astype(np.float64),
            state.array("box").astype(np.float64),
            float(state.value("error")),
        )


def _fill(template: str, names: list[str]) -> str:
    """Replace c0, c1, ... in ``template`` (highest index first, so c1 never eats c12)."""
    for i in sorted(range(len(names)), reverse=True):
        template = template.replace(f"c{i}", names[i])
    return template


@dataclass(frozen=True)
class PairSet:
    """Bank pairs (anchor i, task j) at ``n`` observed points of j: the search's data."""

    inputs: Inputs
    y: np.ndarray  # (P, n)

    def head(self, n_pairs: int, n_points: int) -> PairSet:
        """The first ``n_pairs`` pairs at their first ``n_points`` points."""
        i = self.inputs
        r, c = slice(0, n_pairs), slice(0, n_points)
        return PairSet(Inputs(i.x[r, c], i.a[r, c], i.anchors[r], i.curves), self.y[r, c])


def bank_curves(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> AnchorInterpolator:
    """The bank's observations as anchor curves in original units, float64, cubic between
    observations in 1-D (an exact law must not inherit linear interpolation's error)."""
    return AnchorInterpolator(x, y, mask, dtype=torch.float64, cubic=True)


def draw_pairs(
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    curves: AnchorInterpolator,
    n_pairs: int,
    n_points: int,
    rng: np.random.Generator,
) -> PairSet:
    """``n_pairs`` random pairs of distinct bank tasks, each at ``n_points`` random observed
    points of its task (with repeats if it has fewer)."""
    m = len(x)
    i = rng.integers(0, m, n_pairs)
    j = (i + rng.integers(1, m, n_pairs)) % m
    counts = mask[j].sum(1)
    slots = np.argsort(~mask[j], axis=1, kind="stable")  # observed slots first
    pick = np.floor(rng.random((n_pairs, n_points)) * counts[:, None]).astype(int)
    cols = np.take_along_axis(slots, pick, 1)
    px = x[j[:, None], cols]
    index = torch.as_tensor(i)
    a = curves(index, torch.as_tensor(px, dtype=torch.float64)).numpy()
    return PairSet(Inputs(px, a, i, curves), y[j[:, None], cols])


def _formula_starts(
    formula: Formula, ranges: dict[str, tuple[float, float]], cap: int, rng: np.random.Generator
) -> np.ndarray:
    """Starting constant rows (S, p) of a formula for the bank search: the product of its
    terms' generic inner starts (at most ``cap``, a seeded subset), linear ones at 0."""
    per_term = [inner_starts(t, *ranges["a" if t.leaf == "w" else t.leaf]) for t in formula.terms]
    combos = list(itertools.product(*per_term))
    if len(combos) > cap:
        combos = [combos[k] for k in np.sort(rng.choice(len(combos), cap, replace=False))]
    rows = np.zeros((len(combos), formula.n_constants))
    for r, combo in enumerate(combos):
        rows[r, formula.n_outer :] = [v for inner in combo for v in inner]
    return rows


def _pair_error(law: Law, pairs: PairSet, starts: np.ndarray, iterations: int, scale: float):
    """(phi per pair, normalised error): each pair's mean squared error over ``scale``,
    averaged over the best 90 % of pairs (a pair whose fit failed from every start must
    not sink a law that explains all the others)."""
    phi, cost = law.fit(pairs.inputs, pairs.y, starts, iterations)
    per_pair = np.sort(cost / pairs.y.shape[1] / scale)
    keep = max(1, int(np.ceil(0.9 * len(per_pair))))
    return phi, float(per_pair[:keep].mean())


def _score(error: float, n_constants: int, penalty: float) -> float:
    """Decades of error (in steps of a tenth, below the floor all equal) plus ``penalty``
    per constant."""
    return float(np.round(10 * np.log10(max(error, _FLOOR))) / 10 + penalty * n_constants)


def _rank(law: Law, penalty: float) -> tuple:
    """Best first: error and phi's dimension, then fewer constants in all, then laws that
    use the anchor (a relation carries the bank's curves, a formula in x only does not)."""
    return (
        _score(law.error, law.dim, penalty),
        law.formula.n_constants,
        not law.formula.uses_anchor,
        law.name,
    )


def _freeze(
    law: Law, phi: np.ndarray, pairs: PairSet, iterations: int, scale: float
) -> tuple[Law, np.ndarray]:
    """Fix, one at a time, the constants the pairs agree on (see the module docstring): a
    term's coefficient is first tried at 0 (the term is then dropped), every constant at
    the nearest integer (when within a tenth of it), then at the pairs' median; the first
    trial that keeps the pairs' error within the slack is taken."""
    spread = np.subtract(*np.quantile(phi, [0.9, 0.1], axis=0))
    centre = np.median(phi, axis=0)
    order = np.flatnonzero(law.free)[np.argsort(spread / (np.abs(centre) + 1e-3), kind="stable")]
    for column in order:
        position = int(np.sum(law.free[:column]))
        low, median, high = np.quantile(phi[:, position], [0.1, 0.5, 0.9])
        values = [0.0] if 1 <= column < law.formula.n_outer else []
        if high - low <= _AGREE * (abs(median) + 1e-3):
            if 0 < abs(median - round(median)) <= 0.1 * max(1.0, abs(median)):
                values.append(float(round(median)))
            values.append(float(median))
        for value in values:
            free = law.free.copy()
            free[column] = False
            fixed = law.fixed.copy()
            fixed[column] = value
            trial = replace(law, free=free, fixed=fixed)
            warm = np.delete(phi, position, axis=1)[:, None, :]
            trial_phi, trial_error = _pair_error(trial, pairs, warm, iterations, scale)
            if trial_error <= _FREEZE_SLACK * law.error + _FLOOR:
                law, phi = replace(trial, error=trial_error), trial_phi
                break
    return _simplify(law, phi)


def _simplify(law: Law, phi: np.ndarray) -> tuple[Law, np.ndarray]:
    """The same law, written shortest: terms whose coefficient is frozen at 0 dropped
    (with their constants), sign(L)|L|^1 written L and a(1 x + 0) written a."""
    formula = law.formula
    frozen = {i: law.fixed[i] for i in range(formula.n_constants) if not law.free[i]}
    live, terms, keep = [], [], [0]
    for k, (term, inner) in enumerate(zip(formula.terms, formula.inner_slices, strict=True)):
        if frozen.get(1 + k) == 0.0:
            continue
        columns = list(range(formula.n_constants)[inner])
        if term.leaf == "w" and frozen.get(columns[0]) == 1.0 and frozen.get(columns[1]) == 0.0:
            term, columns = replace(term, leaf="a"), columns[2:]
        if term.kind == "spow" and frozen.get(columns[-1]) == 1.0:
            term, columns = replace(term, kind="lin"), columns[:-1]
        live.append(k)
        terms.append(term)
        keep += columns
    if not terms:
        return law, phi
    keep = [0, *(1 + k for k in live), *keep[1:]]
    keep_phi = [int(np.sum(law.free[:i])) for i in keep if law.free[i]]
    reduced = Formula(tuple(terms))
    return replace(law, formula=reduced, free=law.free[keep], fixed=law.fixed[keep]), phi[
        :, keep_phi
    ]


def search_laws(
    pairs: PairSet,
    ranges: dict[str, tuple[float, float]],
    scale: float,
    rng: np.random.Generator,
    *,
    screen: tuple[int, int] = (8, 16),
    refine: int = 8,
    keep: int = 4,
    penalty: float = 0.5,
    iterations: int = 12,
    max_starts: int = 12,
) -> list[Law]:
    """The ``keep`` best distinct laws of the grammar on the bank's ``pairs``, best first.

    ``ranges`` maps each leaf ("x0", ..., "a") to its (min, max) over the bank, for
    generic starting values; ``scale`` is the bank's output variance. Every formula
    is screened on ``screen`` = (pairs, points) of the pairs with at most ``max_starts``
    generic starts; the ``refine`` best by error plus ``penalty`` decades per constant
    are fitted on all pairs (from the screened pairs' fits) and their shared constants
    frozen; the result is ranked by the same score with phi's dimension (:func:`_rank`).
    """
    dim = pairs.inputs.x.shape[-1]
    few = pairs.head(*screen)
    screened: list[tuple] = []
    # Fewest constants first; a formula whose score could not beat the ``refine``-th best
    # even at zero error is skipped (the error is floored, so this prunes exactly).
    for formula in sorted(enumerate_formulas(dim), key=lambda f: f.n_constants):
        if (
            len(screened) >= refine
            and _score(0.0, formula.n_constants, penalty) >= screened[refine - 1][0]
        ):
            continue
        starts = _formula_starts(formula, ranges, max_starts, rng)
        law = Law.open(formula)
        found, error = _pair_error(law, few, starts, iterations, scale)
        law = replace(law, error=error)
        screened.append((_score(error, formula.n_constants, penalty), formula.name, law, found))
        screened.sort(key=lambda row: row[:2])
    laws: dict[tuple, Law] = {}
    for _, _, law, found in screened[:refine]:
        # The screened pairs' fits start every pair: a constant the pairs share is found
        # already, one that varies is spread the way the bank spreads it.
        starts = np.unique(found, axis=0)
        phi, error = _pair_error(law, pairs, starts, iterations, scale)
        law, phi = _freeze(replace(law, error=error), phi, pairs, iterations, scale)
        box = np.quantile(phi, [0.02, 0.98], axis=0).reshape(2, law.dim)
        key = (law.name, tuple(law.free))
        if key not in laws or law.error < laws[key].error:
            laws[key] = replace(law, box=box)
    return sorted(laws.values(), key=lambda law: _rank(law, penalty))[:keep]


class SymbolicOperator:
    """The symbolic operator as a fitted component: the laws the bank's search kept
    (best first) and the one in use (``choice``; selection may change it)."""

    kind = "symbolic"

    def __init__(self, laws: tuple[Law, ...], choice: int = 0) -> None:
        self.laws = tuple(laws)
        self.choice = int(choice)

    @property
    def law(self) -> Law:
        return self.laws[self.choice]

    @property
    def dim_phi(self) -> int:
        return self.law.dim

    @classmethod
    def search(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        mask: np.ndarray,
        rng: np.random.Generator,
        *,
        n_pairs: int = 32,
        n_points: int = 32,
        keep: int = 4,
    ) -> SymbolicOperator:
        """Search the grammar on ``n_pairs`` random pairs of the bank (x (M, N, d), y (M, N),
        mask (M, N), original units), ``n_points`` observed points each."""
        curves = bank_curves(x, y, mask)
        pairs = draw_pairs(x, y, mask, curves, n_pairs, n_points, rng)
        observed = y[mask]
        ranges = {
            f"x{k}": (float(x[..., k][mask].min()), float(x[..., k][mask].max()))
            for k in range(x.shape[-1])
        }
        ranges["a"] = (float(observed.min()), float(observed.max()))
        scale = float(observed.var()) or 1.0
        return cls(tuple(search_laws(pairs, ranges, scale, rng, keep=keep)))

    def chosen(self, choice: int) -> SymbolicOperator:
        """The same laws with law ``choice`` in use."""
        return SymbolicOperator(self.laws, choice)

    def index(self, key: str) -> int:
        """The position of the law of form ``key`` (:attr:`Law.key`); 0 if none has it."""
        keys = [law.key for law in self.laws]
        return keys.index(key) if key in keys else 0

    def describe(self) -> dict:
        """JSON-ready summary: the law in use, phi's dimension, the other candidates."""
        return {
            "law": self.law.text(),
            "law_key": self.law.key,
            "dim_phi": self.law.dim,
            "pair_error": self.law.error,
            "candidates": [law.text() for law in self.laws],
        }

    def state(self) -> State:
        """Every kept law (formula, free mask, fixed constants, phi's box) and the choice."""
        config: dict = {"kind": self.kind, "choice": self.choice, "laws": []}
        tensors = {}
        for k, law in enumerate(self.laws):
            part = law.state()
            config["laws"].append(dict(part.config))
            tensors |= {f"law{k}.{name}": value for name, value in part.tensors.items()}
        return State(config, tensors)

    @classmethod
    def from_state(cls, state: State) -> SymbolicOperator:
        """Inverse of :meth:`state`."""
        laws = []
        for k, config in enumerate(state.value("laws")):
            prefix = f"law{k}."
            tensors = {
                n[len(prefix) :]: v for n, v in state.tensors.items() if n.startswith(prefix)
            }
            laws.append(Law.from_state(State(config, tensors)))
        return cls(tuple(laws), int(state.value("choice")))
