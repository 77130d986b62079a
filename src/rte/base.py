"""The contract every method shares (the RTE estimators and each baseline).

An estimator is a keyword-only dataclass of hyperparameters on top of
scikit-learn's ``BaseEstimator``, so ``get_params`` / ``set_params`` /
``sklearn.base.clone`` work. Its class is declared with :func:`estimator`, which
composes parameter groups (plain keyword dataclasses such as
:class:`rte.nn.NetParams`) into flat keyword arguments and writes the numpydoc
``Parameters`` and ``Attributes`` sections from the declarations. ``__init__`` only
stores; ``fit`` validates, learns and returns ``self``; learned state lives in the
trailing-underscore attributes the class declares in ``fitted``. What a method may
see at test time is declared in ``sees`` with the codes of :data:`SEES`; the
optional capabilities a suite may use are declared in :class:`Hooks`.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np
from sklearn.base import BaseEstimator

from rte._params import (
    at_least,
    canonical,
    check_known,
    compose,
    field_type,
    fields,
    help_text,
    param,
    remember_types,
    validate,
)
from rte.access import ORACLE_CODES, SEES, check_sees, sees_legend
from rte.errors import NotFittedError, ValidationError
from rte.runtime import limited_threads
from rte.tasks.bank import TargetSet, TaskBank

__all__ = [
    "ORACLE_CODES",
    "SEES",
    "Estimator",
    "FunctionMethod",
    "Hooks",
    "check_hooks",
    "check_is_fitted",
    "check_sees",
    "estimator",
    "sees_legend",
]

E = TypeVar("E", bound="Estimator")
G = TypeVar("G")


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator.<attribute>`` exists."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted yet. Call fit(bank) before using it."
        )


@dataclass(kw_only=True, repr=False, eq=False)
class Estimator(BaseEstimator):
    """Base of every method: declared hyperparameters, validated in :meth:`validate_params`.

    Subclasses are declared with :func:`estimator` and set the class attributes
    ``sees`` (access codes), ``description`` (one line) and ``fitted`` (the
    trailing-underscore attributes ``fit`` sets, with one line each; ``cached``
    lists those computed later, on first use).
    """

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = ""
    fitted: ClassVar[Mapping[str, str]] = {}
    cached: ClassVar[Mapping[str, str]] = {}
    # Parameter groups composed into this class (rte.base.estimator).
    groups: ClassVar[tuple[type, ...]] = ()
    # Hyperparameters that only matter at predict time: fits that differ only in
    # these are the same fit (see rte.models.shared.fit_shared).
    predict_params: ClassVar[frozenset[str]] = frozenset()
    # Whether equal fits are worth sharing between methods (large models only).
    share_fit: ClassVar[bool] = False
    # Whether the method predicts through Psi from an anchor: then it must beat copying
    # the anchor's own curve (rte.testing.check_method).
    relational: ClassVar[bool] = False
    # Sequence methods: whether fit takes the loaded language model (fit(bank, lm)); any
    # method: whether it searches the candidate decompositions the bank's labels allow
    # (a suite's band-shaped candidate ablation labels such rows).
    uses_language_model: ClassVar[bool] = False
    searches_candidates: ClassVar[bool] = False

    seed: int = param(0, "Seed of every random choice.", at_least(0))

    def __new__(cls, *args: Any, **kwargs: Any) -> Estimator:
        # Refuse unknown hyperparameters with the valid names listed, before __init__'s
        # bare TypeError (scikit-learn's clone and copy call this with known names only).
        kwargs = canonical(cls, kwargs, cls.__name__)
        check_known(kwargs, {f.name for f in fields(cls)}, cls.__name__)
        return super().__new__(cls)

    def validate_params(self) -> None:
        """Check every hyperparameter against its declaration; called first in ``fit``."""
        validate(self, prefix=f"{type(self).__name__}.")

    def group(self, kind: type[G]) -> G:
        """This estimator's values of the parameter group ``kind`` (e.g. NetParams)."""
        if kind not in type(self).groups:
            raise TypeError(f"{type(self).__name__} does not compose {kind.__name__}.")
        return kind(**{f.name: getattr(self, f.name) for f in fields(kind)})

    @classmethod
    def fitted_attributes(cls) -> dict[str, str]:
        """Every declared trailing-underscore attribute (fitted and cached), with its line."""
        out: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            out.update(vars(klass).get("fitted", {}))
            out.update(vars(klass).get("cached", {}))
        return out


def estimator(
    *groups: type, defaults: Mapping[str, Any] | None = None
) -> Callable[[type[E]], type[E]]:
    """Class decorator of every method.

    Makes the class a keyword-only dataclass whose hyperparameters are the fields of
    the parameter ``groups`` (and those its parents compose), with ``defaults``
    replacing some of their defaults, plus its own fields; accepts a renamed option
    under its old name; checks its optional :class:`Hooks`; and appends numpydoc
    ``Parameters`` and ``Attributes`` sections generated from the declarations.
    """

    def decorate(cls: type[E]) -> type[E]:
        inherited = tuple(g for base in cls.__mro__[1:] for g in vars(base).get("groups", ()))
        compose(cls, groups, defaults or {})
        cls.groups = tuple(dict.fromkeys(inherited + groups))
        cls = dataclass(kw_only=True, repr=False, eq=False)(cls)
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, **kwargs: Any) -> None:
            init(self, **canonical(cls, kwargs, cls.__name__))

        cls.__init__ = __init__  # type: ignore[method-assign]
        remember_types(cls)
        for name in THREADED:
            if name in vars(cls):
                setattr(cls, name, _on_rte_threads(vars(cls)[name]))
        check_sees(cls.sees, cls.__name__)
        check_hooks(cls)
        cls.__doc__ = numpydoc(cls)
        return cls

    return decorate


# The entry points that run an estimator's numerical work: each runs on rte's CPU
# threads (rte.runtime.limited_threads), whoever calls it.
THREADED = (
    "fit",
    "predict",
    "predict_batch",
    "predict_targets",
    "predict_distribution",
    "answer",
    "decompose",
    "predict_with",
)


def _on_rte_threads(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with limited_threads():
            return method(*args, **kwargs)

    return run


def numpydoc(cls: type[Estimator]) -> str:
    """The class docstring with its ``Parameters`` and ``Attributes`` sections, written
    from the declared fields (help, type, default) and ``fitted`` attributes."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    doc = doc.split("\n\nParameters\n----------\n")[0]  # a parent's generated sections
    lines = [doc, "", "Parameters", "----------"]
    for f in sorted(fields(cls), key=lambda f: f.name):
        kind = _type_text(field_type(cls, f.name))
        lines += [f"{f.name} : {kind}, default={f.default!r}", f"    {help_text(f)}"]
    attributes = cls.fitted_attributes()
    if attributes:
        lines += ["", "Attributes", "----------"]
        for name, what in attributes.items():
            lines += [name, f"    {what}"]
    return "\n".join(lines) + "\n"


def _type_text(kind: Any) -> str:
    args = typing.get_args(kind)
    if type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return f"{_type_text(inner[0])} or None"
    if typing.get_origin(kind) is tuple:
        return f"tuple of {_type_text(args[0])}" if args else "tuple"
    return getattr(kind, "__name__", str(kind))


@dataclass(frozen=True)
class FoundDecompositions:
    """What a method's decomposition found for a set of targets, for the runner to score
    against the truth (a method never reads the truth itself: it may lack access D).

    ``anchor_id`` and ``phi`` per target (bank task id, relation label or discovered code);
    ``proposals`` maps k to each target's first k proposed (anchor id, phi) pairs, where
    a proposer ranks candidates before the search; the decomposition's seconds per target
    and the number of candidates it searched.
    """

    anchor_id: tuple[str, ...]
    phi: tuple[str, ...]
    seconds_per_target: float
    candidates: int
    proposals: Mapping[int, tuple[tuple[tuple[str, str], ...], ...]] = field(default_factory=dict)


class Hooks(Protocol):
    """The optional capabilities a suite may use, beside ``fit`` and the suite's interface.

    A method implements any of them with exactly these parameters; registration
    (:func:`rte.registry.register_method`) and :func:`estimator` check that it does. Every
    hook returns what the method found or predicts; scoring it against the truth is the
    runner's job (:mod:`rte.bench.scoring`), so no method reads what its codes forbid.
    """

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictive mean (T, Q) and standard deviation (T, Q, or None): the suites score
        intervals from these (coverage, width, CRPS)."""
        ...

    def decompositions(self, targets: TargetSet) -> FoundDecompositions:
        """The decomposition behind the last predictions of ``targets`` (called right after
        the method predicted them)."""
        ...

    def relation_codes(self, anchors: np.ndarray, tasks: np.ndarray) -> Sequence[str]:
        """For methods that discover relations: the code of each bank pair (anchors[n] ->
        tasks[n]), to compare with the bank's true relations."""
        ...

    def describe_fit(self) -> Mapping[str, Any]:
        """What serves this fit, JSON-ready (e.g. rte's operator class, law and phi's
        dimension, and the choice its selection made): stored per episode in results.json
        (key ``fits``) and shown by ``rte report``."""
        ...


HOOK_NAMES = ("predict_distribution", "decompositions", "relation_codes", "describe_fit")


def check_hooks(cls: type) -> None:
    """Refuse a class whose optional hook has other parameters than :class:`Hooks` says."""
    for name in HOOK_NAMES:
        implemented = getattr(cls, name, None)
        if implemented is None:
            continue
        expected = list(inspect.signature(getattr(Hooks, name)).parameters)
        got = list(inspect.signature(implemented).parameters) if callable(implemented) else None
        if got is None or len(got) != len(expected):
            raise ValidationError(
                f"{cls.__name__}.{name} must be a method taking ({', '.join(expected[1:])}), "
                f"as rte.base.Hooks declares. Got {got!r}."
            )


def hook(method: Any, name: str) -> Callable[..., Any] | None:
    """A method's optional hook ``name`` (one of :class:`Hooks`), or None."""
    if name not in HOOK_NAMES:
        raise ValueError(f"{name!r} is not a hook of rte.base.Hooks.")
    return getattr(method, name, None)


class FunctionMethod(Protocol):
    """A method of the function-prediction suites: fit on a bank, predict targets."""

    sees: ClassVar[str]

    def fit(self, bank: TaskBank) -> FunctionMethod: ...

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at ``targets.query_x``, shape (T, Q)."""
        ...
