"""Methods by name: the benchmark runner and the CLI only look names up here, so adding a
method is one module and one line below (or :func:`register_method` from user code).

A method is an estimator class (:class:`rte.base.Estimator`) plus, optionally, the
defaults it runs with under that name (``naive`` is the CNP with a larger budget;
``rte_exhaustive`` the discrete RTE with exhaustive search). Options a user passes
(``--set rte.steps=5000``) are checked against the class's declared hyperparameters
before any work is done, and the resolved options are what results.json records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rte._params import canonical, check_known, fields
from rte._validation import check_choice
from rte.base import Estimator, check_hooks, check_sees
from rte.baselines.bilinear import BilinearTransduction
from rte.baselines.cnp import CNP
from rte.baselines.context_gp import ContextGP
from rte.baselines.context_mlp import ContextMLP
from rte.baselines.dkt import DeepKernelTransfer
from rte.baselines.family_fit import FamilyFit
from rte.baselines.inductive import InductiveOracle, InductiveT2V
from rte.baselines.lm import SFT, FewShot
from rte.baselines.maml import FOMAML, MAML
from rte.baselines.nearest_task import NearestTask
from rte.baselines.oracles import (
    DiscreteOracle,
    ExecutedSequenceRTE,
    SequenceOracle,
    TransductiveOracle,
)
from rte.baselines.reptile import Reptile
from rte.baselines.snake import SnakeMLP
from rte.baselines.symbolic_regression import SymbolicRegression
from rte.baselines.symbolic_search import SymbolicSearch
from rte.baselines.tnp import TNP
from rte.errors import ValidationError
from rte.models.continuous import RelationalTaskExtrapolator
from rte.models.discrete import DiscreteRTE
from rte.models.sequence import SequenceRTE
from rte.models.unlabelled import UnlabelledRTE


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: its estimator class, the defaults of this name, what it sees.

    ``options_from`` names the method whose fit this one evaluates (an oracle of rte,
    rte with executed anchors): it has no options of its own and runs with that
    method's, so both read one fitted model.
    """

    name: str
    cls: type[Estimator]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    options_from: str | None = None

    @property
    def sees(self) -> str:
        """Access codes (rte.base.SEES) of the method."""
        return self.cls.sees

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


def register_method(
    name: str,
    cls: type[Estimator],
    *,
    defaults: Mapping[str, Any] | None = None,
    description: str | None = None,
    options_from: str | None = None,
    replace: bool = False,
) -> MethodSpec:
    """Register estimator class ``cls`` under ``name``; an existing name needs ``replace``.

    ``options_from`` names a registered method whose fit this one evaluates (see
    :class:`MethodSpec`); its class must declare the same hyperparameters.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValidationError(
            f"A method name must be an identifier (letters, digits, underscores). Got {name!r}."
        )
    if not (isinstance(cls, type) and issubclass(cls, Estimator)):
        raise ValidationError(
            f"Method {name!r} must be an rte.base.Estimator subclass. Got {cls!r}."
        )
    if name in _METHODS and not replace:
        raise ValidationError(
            f"A method named {name!r} is already registered. Choose another name or pass "
            "replace=True."
        )
    check_sees(cls.sees, name)
    check_hooks(cls)
    if options_from is not None:
        source = get_method(options_from)
        if {f.name for f in fields(source.cls)} != {f.name for f in fields(cls)}:
            raise ValidationError(
                f"Method {name!r} takes its options from {options_from!r}, so both classes "
                f"must declare the same hyperparameters. Got {cls.__name__} and "
                f"{source.cls.__name__}."
            )
    known = canonical(cls, defaults or {}, name)
    if "seed" in known:
        raise ValidationError(f"Method {name!r}: seed is set per episode, not by defaults.")
    check_known(known, {f.name for f in fields(cls)}, name)
    spec = MethodSpec(name, cls, known, description or cls.description, options_from)
    _METHODS[name] = spec
    return spec


def get_method(name: str) -> MethodSpec:
    """Look a registered method up by name; unknown names list the known ones."""
    check_choice(name, _METHODS, "method")
    return _METHODS[name]


def method_names() -> list[str]:
    """Every registered method name, sorted."""
    return sorted(_METHODS)


def _register_builtin() -> None:
    register_method("rte", RelationalTaskExtrapolator)
    register_method("inductive_t2v", InductiveT2V)
    register_method("inductive_oracle", InductiveOracle)
    register_method("transductive_oracle", TransductiveOracle, options_from="rte")
    register_method("context_mlp", ContextMLP)
    register_method("nearest_task", NearestTask)
    register_method("context_gp", ContextGP)
    register_method("family_fit", FamilyFit)
    register_method("rte_discrete", DiscreteRTE)
    register_method(
        "rte_cached",
        DiscreteRTE,
        defaults={"strategy": "cached_curves"},
        description="Psi on relation labels; every stored Psi curve ranked, top-k searched",
    )
    register_method(
        "rte_learned",
        DiscreteRTE,
        defaults={"strategy": "learned"},
        description="Psi on relation labels; a trained decomposer proposes the top-k searched",
    )
    register_method(
        "rte_exhaustive",
        DiscreteRTE,
        defaults={"strategy": "exhaustive"},
        description="Psi on relation labels; exhaustive decomposition search",
    )
    register_method("rte_unlabelled", UnlabelledRTE)
    register_method("transductive_oracle_discrete", DiscreteOracle, options_from="rte_discrete")
    # The discrete suites' baseline: a converged CNP (4,000 steps; docs/length_comp.md).
    register_method(
        "naive",
        CNP,
        defaults={"steps": 4000},
        description="CNP set-encoder model mapping the context to predictions",
    )
    register_method("cnp", CNP)
    register_method("maml", MAML)
    register_method("fomaml", FOMAML)
    register_method("reptile", Reptile)
    register_method("bilinear", BilinearTransduction)
    register_method("snake_mlp", SnakeMLP)
    # The strongest peers (docs/peers.md); dkt and symbolic_regression need the peers extra.
    register_method("dkt", DeepKernelTransfer)
    register_method("tnp", TNP)
    register_method("symbolic_regression", SymbolicRegression)
    # The sequence regime (a language model tuned with LoRA; parity and strings suites).
    register_method("rte_sequence", SequenceRTE)
    register_method("oracle_sequence", SequenceOracle, options_from="rte_sequence")
    register_method("rte_executed", ExecutedSequenceRTE, options_from="rte_sequence")
    register_method("sft", SFT)
    register_method("few_shot", FewShot)
    register_method("symbolic_search", SymbolicSearch)


_register_builtin()
