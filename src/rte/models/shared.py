"""One fit shared by methods that are the same model evaluated differently.

``rte`` and ``transductive_oracle`` use the same Psi; ``rte`` and ``rte_exhaustive``
(discrete suites) differ only in how they decompose; the sequence regime's rte, its
oracle and its executed-anchor ablation are one fitted Psi read three ways. Fitting is
deterministic for a bank and hyperparameters, so a fit can be reused without changing
any number. Only classes that set ``share_fit`` are kept, and only hyperparameters
that shape the fit count: those an estimator lists in ``predict_params`` are left out
of the key, and a subclass that does not override ``fit`` has its parent's fit.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, TypeVar

from rte.tasks.bank import TaskBank

E = TypeVar("E")
_CACHE_SIZE = 4
_fits: OrderedDict[tuple[str, str, str], Any] = OrderedDict()


def fit_owner(cls: type) -> type:
    """The class whose ``fit`` an estimator class runs (itself, or the ancestor it inherits
    ``fit`` from)."""
    return next(c for c in cls.__mro__ if "fit" in vars(c))


def fit_signature(estimator: Any) -> tuple[str, str]:
    """(class whose fit runs, hyperparameters that shape the fit): equal signatures on the
    same bank give the same fitted state."""
    params = {k: v for k, v in estimator.get_params().items() if k not in estimator.predict_params}
    return fit_owner(type(estimator)).__qualname__, json.dumps(params, sort_keys=True)


def fit_key(estimator: Any, bank: TaskBank) -> tuple[str, str, str]:
    """(class, hyperparameters that shape the fit, bank contents)."""
    return (*fit_signature(estimator), bank.fingerprint())


def adopt_fit(estimator: E, fitted: Any) -> E:
    """Give ``estimator`` the fitted state of ``fitted`` (an equal fit): every
    trailing-underscore attribute (the estimator contract), so it ends exactly as if it
    had been fitted itself."""
    estimator.validate_params()  # type: ignore[attr-defined]
    state = {k: v for k, v in vars(fitted).items() if k.endswith("_") and not k.startswith("_")}
    vars(estimator).update(state)
    return estimator


def fit_shared(estimator: E, bank: TaskBank) -> E:
    """Fit ``estimator`` on ``bank``, or give it the fitted state of an equal fit."""
    if not getattr(type(estimator), "share_fit", False):
        estimator.fit(bank)  # type: ignore[attr-defined]
        return estimator
    key = fit_key(estimator, bank)
    fitted = _fits.get(key)
    if fitted is None:
        estimator.fit(bank)  # type: ignore[attr-defined]
        _fits[key] = estimator
        while len(_fits) > _CACHE_SIZE:
            _fits.popitem(last=False)
        return estimator
    _fits.move_to_end(key)
    return adopt_fit(estimator, fitted)
