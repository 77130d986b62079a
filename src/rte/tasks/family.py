"""What a task family is: a function f(x, theta), its input domain, the training
support of theta, and the extrapolation bands beyond it.

Bands (documented in docs/param.md): with support [lo, hi] and width w = hi - lo,
``in_support`` is [lo, hi], and each far band is the next half-width beyond the
last: ``F1`` (hi, hi + w/2], ``F2`` (hi + w/2, hi + w], ``F3`` (hi + w, hi + 1.5w]
and ``F4`` (hi + 1.5w, hi + 2w]. Nuisance parameters (phases, offsets)
vary within fixed ranges in every band, so only theta is ever out of support.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rte._checks import check_choice, check_range
from rte.errors import ValidationError

BANDS = ("in_support", "F1", "F2", "F3", "F4")

TaskFunction = Callable[..., Any]


@dataclass(frozen=True)
class TaskFamily:
    """A family of 1-D regression tasks ``y = fn(x, theta, **nuisance)``.

    Example:
        >>> import numpy as np
        >>> fam = TaskFamily("damped", lambda x, theta: np.exp(-theta * x), support=(1, 3),
        ...                  domain=(0, 2))
        >>> fam.band("F2")
        (4.0, 5.0)
    """

    name: str
    fn: TaskFunction
    support: tuple[float, float]
    domain: tuple[float, float] = (-1.0, 1.0)
    nuisance: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValidationError(f"TaskFamily name must be a non-empty string. Got {self.name!r}.")
        if not callable(self.fn):
            raise ValidationError(
                f"TaskFamily {self.name!r}: fn must be a callable f(x, theta). Got {self.fn!r}."
            )
        object.__setattr__(self, "support", _interval(self.support, f"{self.name} support"))
        object.__setattr__(self, "domain", _interval(self.domain, f"{self.name} domain"))
        if not isinstance(self.nuisance, Mapping):
            raise ValidationError(
                f"TaskFamily {self.name!r}: nuisance must map names to (low, high) ranges. Got "
                f"{self.nuisance!r}."
            )
        nuisance = {
            key: _interval(rng, f"{self.name} nuisance {key!r}")
            for key, rng in self.nuisance.items()
        }
        object.__setattr__(self, "nuisance", nuisance)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the columns of a parameter array: theta, then the nuisances."""
        return ("theta", *self.nuisance)

    def band(self, name: str) -> tuple[float, float]:
        """The theta interval of a band: ``in_support`` or ``F1`` .. ``F4``."""
        check_choice(name, BANDS, "band")
        lo, hi = self.support
        if name == "in_support":
            return lo, hi
        k = int(name[1:])  # F_k spans the k-th half-width above the support
        w = hi - lo
        return hi + (k - 1) * w / 2, hi + k * w / 2

    def sample_params(
        self, rng: np.random.Generator, n: int, band: str = "in_support"
    ) -> np.ndarray:
        """Draw ``n`` parameter rows (theta, *nuisance) with theta uniform in ``band``."""
        lo, hi = self.band(band)
        cols = [rng.uniform(lo, hi, n)]
        cols += [rng.uniform(a, b, n) for a, b in self.nuisance.values()]
        return np.stack(cols, axis=1)

    def evaluate_many(self, x: np.ndarray, params: np.ndarray) -> np.ndarray:
        """Evaluate M tasks (parameter rows (M, p)) on one grid of inputs (n,) -> (M, n).

        One vectorised call when ``fn`` broadcasts (the built-in families do), checked
        against the one-task path on the first row; otherwise one call per task.
        """
        xs = np.asarray(x, dtype=np.float64).reshape(-1)
        kwargs = {key: params[:, 1 + i, None] for i, key in enumerate(self.nuisance)}
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(self.fn(xs[None, :], params[:, :1], **kwargs), dtype=np.float64)
            vectorised = y.shape == (len(params), len(xs)) and np.array_equal(
                y[0], self.evaluate(xs, params[0])
            )
        except Exception:  # any failure of the broadcast call: fall back to one call per task
            vectorised = False
        if not vectorised:
            return np.stack([self.evaluate(xs, p) for p in params])
        bad = ~np.isfinite(y).all(1)
        if bad.any():
            self.evaluate(xs, params[int(np.argmax(bad))])  # raises with the offending params
        return y

    def evaluate(self, x: np.ndarray, params: np.ndarray) -> np.ndarray:
        """Evaluate one task (a parameter row) at inputs ``x`` of shape (n,) or (n, 1)."""
        xs = np.asarray(x, dtype=np.float64).reshape(-1)
        kwargs = {key: float(v) for key, v in zip(self.nuisance, params[1:], strict=True)}
        y = np.asarray(self.fn(xs, float(params[0]), **kwargs), dtype=np.float64)
        if y.shape != xs.shape:
            raise ValidationError(
                f"TaskFamily {self.name!r}: fn must return one value per input, shape "
                f"{xs.shape}. Got shape {y.shape}."
            )
        if not np.all(np.isfinite(y)):
            raise ValidationError(
                f"TaskFamily {self.name!r} returned NaN/inf at params {params.tolist()}; "
                "narrow the support or the domain."
            )
        return y


def _interval(value: Any, name: str) -> tuple[float, float]:
    """A (low, high) pair checked by :func:`check_range`."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValidationError(f"{name} must be two numbers (low, high). Got {value!r}.")
    return check_range(value[0], value[1], name)


_FAMILIES: dict[str, TaskFamily] = {}


def register_family(family: TaskFamily, *, replace: bool = False) -> TaskFamily:
    """Add ``family`` to the registry the CLI and benchmark look names up in.

    A name already registered (a built-in one included) is refused unless ``replace``
    is True, as for :func:`rte.register_method`.
    """
    if not isinstance(family, TaskFamily):
        raise ValidationError(
            f"register_family expects a TaskFamily. Got {type(family).__name__} {family!r}; "
            'build one with TaskFamily("name", fn, support=(lo, hi)).'
        )
    if family.name in _FAMILIES and not replace:
        raise ValidationError(
            f"A family named {family.name!r} is already registered. Choose another name or "
            "pass replace=True."
        )
    _FAMILIES[family.name] = family
    return family


def get_family(name: str) -> TaskFamily:
    """Look a registered family up by name; unknown names list the known ones."""
    check_choice(name, _FAMILIES, "family")
    return _FAMILIES[name]


def family_names() -> list[str]:
    """Names of every registered family, sorted."""
    return sorted(_FAMILIES)


# Families registered when rte.tasks is imported (built-in and real-bank forms); set once.
_BUILTIN_FAMILIES: set[str] = set()


def seal_builtin_families() -> None:
    """Record the families registered so far as built-in (rte.tasks does, after importing
    its own); the rest are a user's, which travel to worker processes."""
    _BUILTIN_FAMILIES.update(_FAMILIES)


def user_families() -> dict[str, TaskFamily]:
    """Families registered in this process beyond the built-in ones."""
    return {k: v for k, v in _FAMILIES.items() if k not in _BUILTIN_FAMILIES}
