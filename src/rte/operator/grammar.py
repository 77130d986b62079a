"""Formulas g(x, a; c) of a small generic grammar: what the symbolic operator searches.

A formula is a constant plus one or two weighted terms,

    g = c0 + c1 T1 [+ c2 T2],

each term a primitive applied to a leaf, with its own inner constants:

- leaves: ``x0``, ``x1``, ... (input coordinates), ``a`` (the anchor's value at x) and,
  for 1-D tasks, ``w`` (the anchor read at a warped input s x + t, so a relation that
  shifts or re-times the input is expressible);
- primitives: ``lin`` L, ``pow`` |L|^p, ``spow`` sign(L) |L|^p, ``exp`` exp(p L),
  ``log`` log|L + p|, ``sin`` sin(p L + q).

The grammar is generic: every primitive on every leaf, every one- and two-term sum
(:func:`enumerate_formulas`), nothing written for any task family. Everything is in
the bank's original units, where formulas are short (x^theta, exp(theta x)); values
that cannot be computed come back as a large finite number, so a least-squares step
into them is rejected (:mod:`rte.lsq`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from rte.errors import ValidationError
from rte.tasks.interpolate import AnchorInterpolator

# Inner constants of each primitive.
KINDS: dict[str, int] = {"lin": 0, "pow": 1, "spow": 1, "exp": 1, "log": 1, "sin": 2}
# A value that cannot be computed (overflow, log 0) counts as this large.
BAD = 1e6


@dataclass(frozen=True)
class Inputs:
    """Where B rows are evaluated: inputs ``x`` (B, n, d), the anchor's values ``a`` (B, n)
    there, and the row's anchor (``anchors`` (B,) into ``curves``) to read it elsewhere."""

    x: np.ndarray
    a: np.ndarray
    anchors: np.ndarray
    curves: AnchorInterpolator

    def read(self, x: np.ndarray) -> np.ndarray:
        """Each row's anchor at other inputs x (B, n, d)."""
        index = torch.as_tensor(self.anchors, dtype=torch.long)
        return self.curves(index, torch.as_tensor(x, dtype=torch.float64)).numpy()

    def repeat(self, times: int) -> Inputs:
        """Every row ``times`` times in a row (row r becomes rows r * times ...)."""
        return Inputs(
            np.repeat(self.x, times, axis=0),
            np.repeat(self.a, times, axis=0),
            np.repeat(self.anchors, times, axis=0),
            self.curves,
        )


@dataclass(frozen=True)
class Term:
    """A primitive (``kind``) on a ``leaf``."""

    kind: str
    leaf: str

    @property
    def n_inner(self) -> int:
        """Inner constants: the warp's (s, t) first, then the primitive's."""
        return KINDS[self.kind] + (2 if self.leaf == "w" else 0)

    @property
    def name(self) -> str:
        return f"{self.kind}({self.leaf})"

    def values(self, inner: np.ndarray, inputs: Inputs) -> np.ndarray:
        """The term at every point, (B, n); ``inner`` (B, n_inner)."""
        if self.leaf == "a":
            leaf = inputs.a
        elif self.leaf == "w":
            s, t = inner[:, :1, None], inner[:, 1:2, None]
            leaf = inputs.read(s * inputs.x + t)
            inner = inner[:, 2:]
        else:
            leaf = inputs.x[..., int(self.leaf[1:])]
        p = inner[:, :1]
        if self.kind == "lin":
            return leaf
        if self.kind == "pow":
            return np.abs(leaf) ** p
        if self.kind == "spow":
            return np.sign(leaf) * np.abs(leaf) ** p
        if self.kind == "exp":
            return np.exp(p * leaf)
        if self.kind == "log":
            return np.log(np.abs(leaf + p))
        return np.sin(p * leaf + inner[:, 1:2])

    def text(self, inner: list[str]) -> str:
        """Readable form with the inner constants written as given."""
        leaf = self.leaf
        if leaf == "w":
            leaf, inner = f"a({inner[0]}*x + {inner[1]})", inner[2:]
        if self.kind == "lin":
            return leaf
        if self.kind == "pow":
            return f"|{leaf}|^{inner[0]}"
        if self.kind == "spow":
            return f"sign({leaf})|{leaf}|^{inner[0]}"
        if self.kind == "exp":
            return f"exp({inner[0]}*{leaf})"
        if self.kind == "log":
            return f"log|{leaf} + {inner[0]}|"
        return f"sin({inner[0]}*{leaf} + {inner[1]})"


@dataclass(frozen=True)
class Formula:
    """c0 + sum_k c_k T_k. Constants are laid out as [c0, c_1..c_K, inner of T_1, ...]."""

    terms: tuple[Term, ...]

    @classmethod
    def parse(cls, name: str) -> Formula:
        """Inverse of :attr:`name` ("lin(a)+sin(x0)")."""
        terms = []
        for part in name.split("+"):
            kind, _, leaf = part.rstrip(")").partition("(")
            if kind not in KINDS or not (leaf in ("a", "w") or leaf[:1] == "x"):
                raise ValidationError(f"Unknown formula term {part!r} in {name!r}.")
            terms.append(Term(kind, leaf))
        return cls(tuple(terms))

    @property
    def name(self) -> str:
        return "+".join(t.name for t in self.terms)

    @property
    def n_outer(self) -> int:
        """The linear constants c0 .. c_K."""
        return 1 + len(self.terms)

    @cached_property
    def n_constants(self) -> int:
        return self.n_outer + sum(t.n_inner for t in self.terms)

    @property
    def uses_anchor(self) -> bool:
        return any(t.leaf in ("a", "w") for t in self.terms)

    @cached_property
    def inner_slices(self) -> tuple[slice, ...]:
        """Where each term's inner constants sit in a constant row."""
        ends = self.n_outer + np.cumsum([0, *(t.n_inner for t in self.terms)])
        return tuple(slice(int(a), int(b)) for a, b in itertools.pairwise(ends))

    def term_values(self, constants: np.ndarray, inputs: Inputs, bad: float = BAD) -> np.ndarray:
        """Each term at every point, (B, n, K), non-finite values replaced by ``bad``."""
        with np.errstate(all="ignore"):
            out = np.stack(
                [
                    t.values(constants[:, s], inputs)
                    for t, s in zip(self.terms, self.inner_slices, strict=True)
                ],
                axis=-1,
            )
        return np.where(np.isfinite(out), out, bad)

    def evaluate(self, constants: np.ndarray, inputs: Inputs, bad: float = BAD) -> np.ndarray:
        """g at every point, (B, n): constants (B, n_constants); ``bad`` where a value
        cannot be computed (BAD for fitting, NaN to detect it)."""
        terms = self.term_values(constants, inputs, bad)
        with np.errstate(all="ignore"):
            out = constants[:, :1] + (terms * constants[:, None, 1 : self.n_outer]).sum(-1)
        return np.where(np.isfinite(out), out, bad)

    def text(self, constants: np.ndarray | None = None) -> str:
        """Readable form, with the given constant values or with names c0, c1, ..."""
        if constants is None:
            names = [f"c{i}" for i in range(self.n_constants)]
        else:
            names = [f"{float(v):.4g}" for v in constants]
        parts = [names[0]] + [
            f"{names[1 + k]}*{t.text(names[s])}"
            for k, (t, s) in enumerate(zip(self.terms, self.inner_slices, strict=True))
        ]
        return " + ".join(parts)


def enumerate_formulas(dim: int, max_terms: int = 2) -> list[Formula]:
    """Every formula of the grammar with at most ``max_terms`` terms (1 or 2): each
    primitive on each leaf, and every two such terms (a term without inner constants is
    never repeated, it would add nothing)."""
    leaves = [f"x{k}" for k in range(dim)] + ["a"]
    terms = [Term(kind, leaf) for leaf in leaves for kind in KINDS]
    if dim == 1:
        terms.append(Term("lin", "w"))
    out = [Formula((t,)) for t in terms]
    if max_terms >= 2:
        for i, j in itertools.combinations_with_replacement(range(len(terms)), 2):
            if i != j or terms[i].n_inner > 0:
                out.append(Formula((terms[i], terms[j])))
    return out


def inner_starts(term: Term, low: float, high: float) -> list[tuple[float, ...]]:
    """Generic starting values of a term's inner constants, from its leaf's range [low,
    high] over the bank: a few scales of each constant, nothing fitted to a family. A
    warped leaf starts at the identity warp (s, t) = (1, 0)."""
    span = max(high - low, 1e-12)
    base: list[tuple[float, ...]]
    if term.kind == "lin":
        base = [()]
    elif term.kind in ("pow", "spow"):
        base = [(0.5,), (2.0,), (3.0,)]
    elif term.kind == "exp":
        base = [(v / span,) for v in (-4.0, -1.0, 1.0, 4.0)]
    elif term.kind == "log":
        base = [(span * v - low,) for v in (0.1, 1.0)]
    else:  # sin: from a quarter of a period to four periods over the leaf's range
        cycles = np.geomspace(0.25, 4.0, 13)
        base = [(float(2 * np.pi * c / span), q) for c in cycles for q in (0.0, 1.5)]
    if term.leaf == "w":
        return [(1.0, 0.0, *b) for b in base]
    return base
