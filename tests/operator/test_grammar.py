"""The symbolic operator's grammar: generic, readable, and fitted in canonical form."""

from __future__ import annotations

import numpy as np

from rte.decompose.fitted import anchored
from rte.operator.grammar import KINDS, Formula, Term, enumerate_formulas
from rte.operator.symbolic import Law, bank_curves


def test_every_primitive_on_every_leaf_and_names_round_trip() -> None:
    formulas = enumerate_formulas(dim=2)
    singles = {f.terms[0] for f in formulas if len(f.terms) == 1}
    assert singles == {Term(k, leaf) for k in KINDS for leaf in ("x0", "x1", "a")}
    assert Term("lin", "w") in {f.terms[0] for f in enumerate_formulas(dim=1)}
    for formula in formulas:
        assert Formula.parse(formula.name) == formula


def test_sines_fitted_from_any_start_agree_on_their_constants() -> None:
    """sin(p x + q) = sin(-p x + pi - q) and c sin(u) = -c sin(u + pi): the canonical
    form makes the bank's pairs agree, so a shared frequency can be frozen."""
    x = np.linspace(-3, 3, 40)[None, :, None].repeat(2, 0)
    y = np.zeros((2, 40))
    curves = bank_curves(x, y, np.ones((2, 40), bool))
    law = Law.open(Formula.parse("sin(x0)"))
    rows = np.array([[0.1, 1.0, 3.0, 0.5], [0.1, -1.0, -3.0, np.pi - 0.5 + np.pi]])
    inputs = anchored(curves, np.arange(2), x)
    canonical = law.canonical(rows)
    np.testing.assert_allclose(law.values(canonical, inputs), law.values(rows, inputs), atol=1e-9)
    np.testing.assert_allclose(canonical[0], canonical[1], atol=1e-9)
