"""``symbolic_regression``: genetic-programming symbolic regression on each target's context
alone, with pyoperon (Burlacu et al. 2020; C++ core, no Julia).

No bank: for every target an expression tree over x is evolved on the context's
points with coefficients fitted by Levenberg-Marquardt, multi-objective on (error,
length) with NSGA-II, and the Pareto front's model of smallest description length is
kept (of those finite at every query input; if none is, the context mean). The
budget per target is fixed in evaluations (deterministic per seed) and capped in
wall time. The primitive set is a generic one fixed in advance, not chosen
per family.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

from rte._optional import require
from rte._params import at_least, nonnegative, one_of, param
from rte.base import check_is_fitted, estimator
from rte.baselines.context_only import ContextOnly
from rte.errors import ValidationError
from rte.tasks.bank import TargetSet

CRITERIA = {
    "bic": "bayesian_information_criterion",
    "aic": "akaike_information_criterion",
    "mdl": "minimum_description_length",
}


def _operon() -> Any:
    return require("pyoperon.sklearn", "peers", "The symbolic_regression method (pyoperon)")


@estimator()
class SymbolicRegression(ContextOnly):
    """An expression evolved per target on its context (pyoperon), predicted at the queries."""

    description: ClassVar[str] = "symbolic regression (pyoperon) on the target's context alone"

    symbols: str = param(
        "add,sub,mul,aq,exp,logabs,sin,cos,sqrtabs,square,tanh,constant,variable",
        "Primitive set (pyoperon names): protected division, log and sqrt keep curves finite.",
    )
    population_size: int = param(500, "Expressions per generation.", at_least(2))
    generations: int = param(50, "Generations of the evolution.", at_least(1))
    max_evaluations: int = param(50_000, "Fitness evaluations per target.", at_least(1))
    max_length: int = param(30, "Largest expression (nodes).", at_least(3))
    optimizer_iterations: int = param(
        5, "Levenberg-Marquardt steps on an expression's coefficients.", at_least(0)
    )
    criterion: str = param(
        "mdl",
        "Pick from the Pareto front by mdl (description length, uses noise), bic or aic.",
        one_of("bic", "aic", "mdl"),
    )
    noise: float = param(
        0.05, "Assumed noise std of context outputs (mdl only; chosen on seed 100).", nonnegative
    )
    max_seconds: int = param(5, "Wall-time cap per target (seconds).", at_least(1))

    def validate_params(self) -> None:
        """The declared checks, a non-empty primitive set, and pyoperon installed."""
        super().validate_params()
        symbols = set(self.symbols.split(","))
        # pyoperon checks names only once fitting starts; its table is checked here instead.
        known = set(getattr(_operon(), "_KNOWN_SYMBOLS", symbols))
        if not {"constant", "variable"} <= symbols or not symbols <= known:
            raise ValidationError(
                "SymbolicRegression.symbols must be pyoperon symbol names including constant "
                f"and variable. Got {self.symbols!r}; e.g. add,sub,mul,aq,constant,variable "
                f"(known: {','.join(sorted(known))})."
            )

    def _regressor(self, index: int) -> Any:
        return _operon().SymbolicRegressor(
            allowed_symbols=self.symbols,
            population_size=self.population_size,
            generations=self.generations,
            max_evaluations=self.max_evaluations,
            max_length=self.max_length,
            optimizer_iterations=self.optimizer_iterations,
            objectives=["mse", "length"],
            uncertainty=[max(self.noise, 1e-6)],
            model_selection_criterion=CRITERIA[self.criterion],
            max_time=self.max_seconds,
            n_threads=1,
            random_state=self.seed * 100_003 + index,
        )

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Each target's evolved expression at its queries, (T, Q)."""
        check_is_fitted(self, "dim_")
        rows = []
        for i in range(targets.n_targets):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = self._regressor(i).fit(targets.context_x[i], targets.context_y[i])
                rows.append(finite_front_prediction(model, targets.query_x[i]))
            if rows[-1] is None:
                rows[-1] = np.full(targets.query_x.shape[1], targets.context_y[i].mean())
        return np.stack(rows)


def finite_front_prediction(model: Any, query_x: np.ndarray) -> np.ndarray | None:
    """Predictions of the Pareto-front model best by the regressor's criterion among those finite
    at every query input (an expression such as exp(exp(x)) can overflow between or
    beyond the context points); None if no model is."""
    for entry in sorted(model.pareto_front_, key=lambda e: e[model.model_selection_criterion]):
        with np.errstate(all="ignore"):
            pred = np.asarray(model.evaluate_model(entry["tree"], query_x), dtype=np.float64)
        if np.all(np.isfinite(pred)):
            return pred
    return None
