"""One configuration pattern for every estimator and every settings class.

A configurable thing is a dataclass whose fields are declared with :func:`param`:
a default, a help text (shown by the CLI and ``rte report``) and a check. The same
declaration gives

- explicit keyword arguments with defaults (the dataclass ``__init__``),
- validation with one message style (:func:`validate`),
- command-line options and ``--set NAME.KEY=VALUE`` parsing (:func:`coerce`),
- a JSON round trip (:func:`to_dict`, :func:`from_dict`).

Estimators validate in ``fit`` (scikit-learn's rule: ``__init__`` only stores);
settings classes validate when built (:class:`Settings`).
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

from rte._checks import check_choice, check_nonnegative, check_positive, check_positive_int
from rte.errors import ValidationError

Check = Callable[[Any, str], Any]
T = TypeVar("T")


def param(
    default: Any, help: str, check: Check | None = None, aliases: tuple[str, ...] = ()
) -> Any:
    """Declare a field: its default, one line of help, an optional check, and the old names
    it is still accepted under (a renamed option keeps its old name as an alias)."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("param defaults must be immutable; use a tuple.")
    metadata = {"help": help, "check": check, "aliases": tuple(aliases)}
    return dataclasses.field(default=default, metadata=metadata)


def aliases(cls: type) -> dict[str, str]:
    """Old option name -> declared name, for every field of ``cls`` declared with aliases."""
    return {old: f.name for f in fields(cls) for old in f.metadata.get("aliases", ())}


def canonical(cls: type, values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``values`` with old option names replaced by their declared names; an option given
    under both names is refused."""
    renamed = aliases(cls)
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = renamed.get(key, key)
        if name in out:
            raise ValidationError(
                f"{what}: {name!r} was given twice (once as {key!r}, its old name). Give it once."
            )
        out[name] = value
    return out


def compose(cls: type, groups: tuple[type, ...], defaults: Mapping[str, Any]) -> None:
    """Declare on ``cls`` (before it becomes a dataclass) the fields of every parameter group
    in ``groups``, with ``defaults`` replacing some of their defaults.

    A group is a plain keyword dataclass of :func:`param` fields (e.g. the network size
    and budget, :class:`rte.nn.NetParams`). Its fields become flat keyword arguments of
    the estimator, so ``get_params``, ``--set`` and results.json see one flat list; the
    estimator rebuilds a group's instance from its own values when a function needs it.
    A field ``cls`` declares itself wins over a group's.
    """
    own = dict(inspect.get_annotations(cls))
    declared: dict[str, Any] = {}
    unknown = set(defaults)
    for group in groups:
        hints = _hints(group)
        for f in fields(group):
            if f.name in own or f.name in declared:
                continue
            default = defaults.get(f.name, f.default)
            unknown.discard(f.name)
            declared[f.name] = hints[f.name]
            setattr(cls, f.name, dataclasses.field(default=default, metadata=f.metadata))
    if unknown:
        raise TypeError(f"{cls.__name__}: defaults for undeclared fields {sorted(unknown)}.")
    cls.__annotations__ = {**declared, **own}


def at_least(minimum: int) -> Check:
    """Check: an integer >= ``minimum`` (bools refused)."""
    return lambda value, name: check_positive_int(value, name, minimum)


def positive(value: Any, name: str) -> float:
    """Check: a finite number > 0."""
    return check_positive(value, name)


def nonnegative(value: Any, name: str) -> float:
    """Check: a finite number >= 0."""
    return check_nonnegative(value, name)


def optional(check: Check) -> Check:
    """Check: None (a preset decides), or a value passing ``check``."""
    return lambda value, name: None if value is None else check(value, name)


def share(value: Any, name: str) -> float:
    """Check: a number in [0, 1] (0 allowed, unlike :func:`fraction`)."""
    value = check_nonnegative(value, name)
    if value > 1:
        raise ValidationError(f"{name} must be a share in [0, 1]. Got {value!r}.")
    return value


def fraction(value: Any, name: str) -> float:
    """Check: a number in (0, 1]."""
    out = check_positive(value, name)
    if out > 1:
        raise ValidationError(f"{name} must be a number in (0, 1]. Got {value!r}.")
    return out


def one_of(*choices: str) -> Check:
    """Check: one of ``choices``."""
    return lambda value, name: check_choice(value, choices, name)


def names(value: Any, name: str) -> tuple[str, ...]:
    """Check: a non-empty tuple of non-empty strings."""
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise ValidationError(
            f"{name} must be a non-empty list of names. Got {value!r}; write e.g. a,b."
        )
    return value


def fields(obj_or_cls: Any) -> tuple[dataclasses.Field, ...]:
    """The declared fields (dataclass fields that are ``__init__`` arguments)."""
    return tuple(f for f in dataclasses.fields(obj_or_cls) if f.init)


def help_text(f: dataclasses.Field) -> str:
    """A field's help line ("" when undeclared)."""
    return str(f.metadata.get("help", ""))


def validate(obj: Any, prefix: str = "") -> None:
    """Run every field's type check and declared check; raise ValidationError on the first."""
    hints = _hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        _check_type(value, hints[f.name], name)
        check = f.metadata.get("check")
        if check is not None:
            check(value, name)


def to_dict(obj: Any) -> dict[str, Any]:
    """JSON-ready values of the declared fields (tuples become lists)."""
    return {f.name: _jsonable(getattr(obj, f.name)) for f in fields(obj)}


def from_dict(cls: type[T], data: Mapping[str, Any], what: str | None = None) -> T:
    """Build ``cls`` from a mapping such as :func:`to_dict` wrote; unknown keys are refused."""
    known = {f.name: f for f in fields(cls)}
    data = canonical(cls, data, what or cls.__name__)
    check_known(data, known, what or cls.__name__)
    hints = _hints(cls)
    return cls(**{k: _from_json(v, hints[k]) for k, v in data.items()})


def check_known(data: Mapping[str, Any], known: Mapping[str, Any], what: str) -> None:
    """Refuse keys of ``data`` that are not in ``known``, listing the valid ones."""
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationError(
            f"Unknown option(s) {unknown} for {what}. Expected some of: {', '.join(sorted(known))}."
        )


def coerce(cls: type, name: str, text: str, what: str) -> Any:
    """Parse command-line ``text`` into the type of field ``name`` of ``cls``."""
    known = {f.name: f for f in fields(cls)}
    name = aliases(cls).get(name, name)
    check_known({name: text}, known, what)
    return parse(text, _hints(cls)[name], f"{what}.{name}", f"--set {what}.{name}=")


def parse(text: str, kind: Any, name: str, example_prefix: str = "") -> Any:
    """Parse command-line ``text`` into ``kind`` (int, float, bool, text, tuples of them,
    optionally None), or raise a ValidationError naming ``name``."""
    try:
        return _parse(text, kind)
    except ValueError:
        raise ValidationError(
            f"{name} must be {_describe(kind)}. Got {text!r}; e.g. "
            f"{example_prefix}{_example(kind)}."
        ) from None


def field_type(cls: type, name: str) -> Any:
    """The resolved type annotation of field ``name``."""
    return _hints(cls)[name]


def settings(
    *groups: type, defaults: Mapping[str, Any] | None = None
) -> Callable[[type[T]], type[T]]:
    """Class decorator of a settings class that composes parameter groups: a frozen
    dataclass with the groups' fields (``defaults`` replacing some of their defaults) and
    its own. The class also derives from :class:`Settings` for validation and JSON."""

    def decorate(cls: type[T]) -> type[T]:
        compose(cls, groups, defaults or {})
        return dataclasses.dataclass(frozen=True)(cls)

    return decorate


class Settings:
    """Mixin for frozen settings dataclasses: validated when built, JSON round trip."""

    def __post_init__(self) -> None:
        validate(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (results.json, model files)."""
        return to_dict(self)

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        return from_dict(cls, data)


# Where a class keeps its fields' resolved types (see remember_types).
TYPES_ATTRIBUTE = "__param_types__"


def remember_types(cls: type) -> None:
    """Resolve ``cls``'s field types now and keep them on the class: a class pickled by
    value into a worker process (one a user defined in a script) no longer has the module
    globals its string annotations name."""
    setattr(cls, TYPES_ATTRIBUTE, typing.get_type_hints(cls))


@cache
def _hints(cls: type) -> dict[str, Any]:
    stored = vars(cls).get(TYPES_ATTRIBUTE)
    return stored if stored is not None else typing.get_type_hints(cls)


def _optional(kind: Any) -> tuple[Any, bool]:
    """(inner type, allows None) for ``X | None``."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return kind, False


def _check_type(value: Any, kind: Any, name: str) -> None:
    inner, nullable = _optional(kind)
    if value is None and nullable:
        return
    ok = {
        bool: lambda v: isinstance(v, bool),
        int: lambda v: isinstance(v, int) and not isinstance(v, bool),
        float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        str: lambda v: isinstance(v, str),
    }.get(inner)
    if typing.get_origin(inner) is tuple:
        ok = lambda v: isinstance(v, tuple)  # noqa: E731
    if ok is not None and not ok(value):
        raise ValidationError(f"{name} must be {_describe(kind)}. Got {value!r}.")


def _describe(kind: Any) -> str:
    inner, nullable = _optional(kind)
    base = {bool: "true or false", int: "an integer", float: "a number", str: "text"}.get(
        inner, "a comma-separated list" if typing.get_origin(inner) is tuple else str(inner)
    )
    return f"{base} (or none)" if nullable else base


def _example(kind: Any) -> str:
    inner, _ = _optional(kind)
    return {bool: "true", int: "10", float: "0.5", str: "name"}.get(inner, "a,b")


def _parse(text: str, kind: Any) -> Any:
    inner, nullable = _optional(kind)
    if nullable and text.strip().lower() in ("none", "null", ""):
        return None
    if inner is bool:
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(text)
        return lowered in ("true", "1", "yes")
    if inner is int:
        return int(text)
    if inner is float:
        return float(text)
    if typing.get_origin(inner) is tuple:
        items = tuple(v.strip() for v in text.split(",") if v.strip())
        if not items:
            raise ValueError(text)
        element = (typing.get_args(inner) or (str,))[0]
        return tuple(element(v) for v in items)
    return text


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _from_json(value: Any, kind: Any) -> Any:
    inner, _ = _optional(kind)
    if typing.get_origin(inner) is tuple and isinstance(value, list):
        return tuple(value)
    return value
