"""Methods by name: the benchmark runner and the CLI only look names up here, so adding a
method is one module and one line below (or :func:`register_method` from user code).

A method is an estimator class (:class:`rte.base.Estimator`) plus, optionally, the
defaults it runs with under that name (``naive`` is the CNP with a larger budget;
``rte_exhaustive`` the discrete RTE with exhaustive search). Options a user passes
(``--set rte.steps=5000``) are checked against the class's declared hyperparameters
before any work is done, and the resolved options are what results.json records.

Built-in methods name their class as ``"module:Class"`` and are imported on first
use, so listing names (``rte.method_names()``, ``rte --help``) loads no model code.
Registrations made in this process (families and methods) travel to the worker
processes of a benchmark run with :func:`user_registrations` / :func:`install`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rte._checks import check_choice
from rte._optional import load
from rte._params import canonical, check_known, fields
from rte.access import check_sees
from rte.errors import ValidationError

if TYPE_CHECKING:
    from rte.base import Estimator
    from rte.tasks.family import TaskFamily


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: its estimator class, the defaults of this name, what it sees.

    ``source`` is the class itself or, for built-ins, ``"module:Class"`` imported on
    first use. ``options_from`` names the method whose fit this one evaluates (an
    oracle of rte, rte with executed anchors): it has no options of its own and runs
    with that method's, so both read one fitted model.
    """

    name: str
    source: type[Estimator] | str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description_text: str = ""
    options_from: str | None = None

    @cached_property
    def cls(self) -> type[Estimator]:
        """The estimator class (imported on first use for built-ins, then checked)."""
        if not isinstance(self.source, str):
            return self.source
        cls = load(self.source)
        _check_class(self.name, cls, self.defaults, self.options_from)
        return cls

    @property
    def sees(self) -> str:
        """Access codes (rte.base.SEES) of the method."""
        return self.cls.sees

    @property
    def description(self) -> str:
        """One line saying what the method is."""
        return self.description_text or self.cls.description

    def resolve(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every hyperparameter but ``seed``: declared defaults, this name's defaults, then
        ``options``; validated, so a bad option fails before any work."""
        options = canonical(self.cls, options or {}, self.name)
        declared = {f.name: f.default for f in fields(self.cls) if f.name != "seed"}
        check_known(options, declared, self.name)
        resolved = {**declared, **self.defaults, **options}
        self.cls(**resolved).validate_params()
        return resolved

    def describe(self, resolved: Mapping[str, Any]) -> dict[str, Any]:
        """results.json's entry for this method: what it sees, is, and ran with."""
        entry = {
            "access": list(self.sees),
            "description": self.description,
            "registry": self.name,
            "options": dict(resolved),
        }
        if self.options_from is not None:
            entry["options_from"] = self.options_from
        return entry

    def build(self, seed: int, options: Mapping[str, Any] | None = None) -> Estimator:
        """The estimator for one episode: resolved options and the episode's seed."""
        return self.cls(**self.resolve(options), seed=seed)


_METHODS: dict[str, MethodSpec] = {}


def _check_class(
    name: str, cls: Any, defaults: Mapping[str, Any], options_from: str | None
) -> dict[str, Any]:
    """Refuse a class that is no estimator, with bad access codes or hooks, defaults it does
    not declare, or other hyperparameters than the method it takes options from."""
    from rte.base import Estimator, check_hooks

    if not (isinstance(cls, type) and issubclass(cls, Estimator)):
        raise ValidationError(
            f"Method {name!r} must be an rte.base.Estimator subclass. Got {cls!r}."
        )
    check_sees(cls.sees, name)
    check_hooks(cls)
    known = canonical(cls, defaults, name)
    if "seed" in known:
        raise ValidationError(f"Method {name!r}: seed is set per episode, not by defaults.")
    check_known(known, {f.name for f in fields(cls)}, name)
    if options_from is not None:
        source = get_method(options_from)
        if {f.name for f in fields(source.cls)} != {f.name for f in fields(cls)}:
            raise ValidationError(
                f"Method {name!r} takes its options from {options_from!r}, so both classes "
                f"must declare the same hyperparameters. Got {cls.__name__} and "
                f"{source.cls.__name__}."
            )
    return known


def register_method(
    name: str,
    cls: type[Estimator] | str,
    *,
    defaults: Mapping[str, Any] | None = None,
    description: str | None = None,
    options_from: str | None = None,
    replace: bool = False,
) -> MethodSpec:
    """Register estimator class ``cls`` under ``name``; an existing name needs ``replace``.

    ``cls`` may also be ``"module:Class"``, imported and checked on first use.
    ``options_from`` names a registered method whose fit this one evaluates (see
    :class:`MethodSpec`); its class must declare the same hyperparameters.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValidationError(
            f"A method name must be an identifier (letters, digits, underscores). Got {name!r}."
        )
    if name in _METHODS and not replace:
        raise ValidationError(
            f"A method named {name!r} is already registered. Choose another name or pass "
            "replace=True."
        )
    if options_from is not None:
        get_method(options_from)
    defaults = dict(defaults or {})
    if not isinstance(cls, str):
        defaults = _check_class(name, cls, defaults, options_from)
    spec = MethodSpec(name, cls, defaults, description or "", options_from)
    _METHODS[name] = spec
    return spec


def get_method(name: str) -> MethodSpec:
    """Look a registered method up by name; unknown names list the known ones."""
    check_choice(name, _METHODS, "method")
    return _METHODS[name]


def method_names() -> list[str]:
    """Every registered method name, sorted."""
    return sorted(_METHODS)


@dataclass(frozen=True)
class Registrations:
    """Task families and methods registered in this process beyond the built-in ones."""

    families: Mapping[str, TaskFamily]
    methods: Mapping[str, MethodSpec]


def user_registrations() -> Registrations:
    """What this process registered beyond the built-ins, to install in worker processes
    (a family or method registered in a script is unknown to a fresh worker)."""
    from rte.tasks.family import user_families

    methods = {k: v for k, v in _METHODS.items() if k not in _BUILTIN_METHODS}
    return Registrations(user_families(), methods)


def install(registrations: Registrations) -> None:
    """Register in this process what another process registered (names already known here
    are left as they are)."""
    from rte.tasks.family import _FAMILIES

    for name, family in registrations.families.items():
        _FAMILIES.setdefault(name, family)
    for name, spec in registrations.methods.items():
        _METHODS.setdefault(name, spec)


def _register_builtin() -> None:
    models, baselines = "rte.models", "rte.baselines"
    builtin = {
        "rte": f"{models}.continuous:RelationalTaskExtrapolator",
        "inductive_t2v": f"{baselines}.inductive:InductiveT2V",
        "inductive_oracle": f"{baselines}.inductive:InductiveOracle",
        "context_mlp": f"{baselines}.context_mlp:ContextMLP",
        "nearest_task": f"{baselines}.nearest_task:NearestTask",
        "nearest_task_gp": f"{baselines}.nearest_task_gp:NearestTaskGP",
        "context_gp": f"{baselines}.context_gp:ContextGP",
        # The context alone through rte's correction kernel (issue 21).
        "context_gp_matched": f"{baselines}.context_gp_matched:MatchedContextGP",
        "family_fit": f"{baselines}.family_fit:FamilyFit",
        "rte_discrete": f"{models}.discrete:DiscreteRTE",
        "rte_unlabelled": f"{models}.unlabelled:UnlabelledRTE",
        "cnp": f"{baselines}.cnp:CNP",
        "maml": f"{baselines}.maml:MAML",
        "fomaml": f"{baselines}.maml:FOMAML",
        "reptile": f"{baselines}.reptile:Reptile",
        "bilinear": f"{baselines}.bilinear:BilinearTransduction",
        "snake_mlp": f"{baselines}.snake:SnakeMLP",
        # The strongest peers (docs/peers.md); dkt and symbolic_regression need the extra
        # peers.
        "dkt": f"{baselines}.dkt:DeepKernelTransfer",
        "tnp": f"{baselines}.tnp:TNP",
        "symbolic_regression": f"{baselines}.symbolic_regression:SymbolicRegression",
        # The sequence regime (a language model tuned with LoRA; parity and strings suites).
        "rte_sequence": f"{models}.sequence:SequenceRTE",
        "sft": f"{baselines}.lm:SFT",
        "sft_scratchpad": f"{baselines}.scratchpad:ScratchpadSFT",
        "few_shot": f"{baselines}.lm:FewShot",
        "symbolic_search": f"{baselines}.symbolic_search:SymbolicSearch",
    }
    for name, source in builtin.items():
        register_method(name, source)
    discrete = f"{models}.discrete:DiscreteRTE"
    variants = {
        "rte_cached": ("cached_curves", "every stored Psi curve ranked, top-k searched"),
        "rte_learned": ("learned", "a trained decomposer proposes the top-k searched"),
        "rte_exhaustive": ("exhaustive", "exhaustive decomposition search"),
    }
    for name, (strategy, what) in variants.items():
        register_method(
            name,
            discrete,
            defaults={"strategy": strategy},
            description=f"Psi on relation labels; {what}",
        )
    # rte without its residual GP correction: Psi alone (a row of the param table).
    register_method(
        "rte_uncorrected",
        f"{models}.continuous:RelationalTaskExtrapolator",
        defaults={"correction": "none"},
        description="rte without its correction: Psi along chains from the nearest anchors",
    )
    # The discrete suites' baseline: a converged CNP (4,000 steps; docs/length_comp.md).
    register_method(
        "naive",
        f"{baselines}.cnp:CNP",
        defaults={"steps": 4000},
        description="CNP set-encoder model mapping the context to predictions",
    )
    # Rows that evaluate another method's fit run with that method's options.
    oracles = f"{baselines}.oracles"
    register_method("transductive_oracle", f"{oracles}:TransductiveOracle", options_from="rte")
    register_method(
        "transductive_oracle_discrete", f"{oracles}:DiscreteOracle", options_from="rte_discrete"
    )
    register_method("oracle_sequence", f"{oracles}:SequenceOracle", options_from="rte_sequence")
    register_method("rte_executed", f"{oracles}:ExecutedSequenceRTE", options_from="rte_sequence")


_register_builtin()
_BUILTIN_METHODS = frozenset(_METHODS)
