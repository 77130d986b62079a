"""The parameter groups of every estimator, in one place.

A parameter group is a plain keyword dataclass of :func:`rte._params.param` fields:
a network's size and budget, the task embedding's settings, a LoRA budget. An
estimator composes the groups it needs (:func:`rte.base.estimator`), so its
constructor keeps flat keyword arguments (``get_params``, ``--set``, results.json)
while a function that needs a group takes the group: ``self.group(NetParams)``.
Nothing here imports torch, so the command line builds its options from these
declarations without loading a model.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from rte._params import (
    at_least,
    compose,
    fraction,
    names,
    nonnegative,
    one_of,
    optional,
    param,
    positive,
    share,
)

# The strategies of the discrete RTE's decomposition (rte.models.discrete).
STRATEGIES = ("curve_index", "cached_curves", "learned", "exhaustive")
# Every linear layer of a Llama-style block gets a LoRA adapter by default.
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True, kw_only=True)
class NetParams:
    """Size and training budget of a method's main network (Psi, the inductive MLPs): a
    parameter group composed into estimators (:func:`rte.base.estimator`)."""

    width: int = param(128, "Hidden units per layer.", at_least(1))
    depth: int = param(3, "Hidden layers.", at_least(1))
    steps: int = param(3000, "Adam steps.", at_least(1))
    batch_size: int = param(512, "Training pairs or points per step.", at_least(1))
    lr: float = param(2e-3, "Adam learning rate.", positive)


@dataclass(frozen=True, kw_only=True)
class EmbeddingParams:
    """The task embedding's settings and the simulated contexts trained on."""

    embedding_dim: int = param(6, "Largest task-embedding size.", at_least(1))
    probe_width: int = param(128, "Hidden units of the Fisher probe.", at_least(1))
    prior_noise: float = param(1e-3, "Prior noise of the probe's subspace adaptation.", nonnegative)
    train_context_size: int = param(
        10, "Context size simulated when training (0: dense tasks only).", at_least(0)
    )
    train_context_noise: float = param(
        0.05, "Noise added to simulated training contexts.", nonnegative
    )


@dataclass(frozen=True, kw_only=True)
class OperatorParams:
    """Which class of relational operator Psi :class:`RelationalTaskExtrapolator` fits: a
    parameter group (a fit-time choice; :mod:`rte.models.selection` makes it on "auto")."""

    operator: str = param(
        "auto",
        "Psi's class: mlp (the paper's network on x, the anchor's value there and phi); "
        "symbolic (a formula g(x, f_anchor, phi) found on the bank's pairs, phi fitted to "
        "the context); warp (a network that reads the anchor at a learned warped input, so "
        "a shifted or re-timed anchor is expressible); auto (chosen, with the decomposition "
        "and correction, by the error on the bank's own top held out as far targets).",
        one_of("auto", "mlp", "warp", "symbolic"),
    )
    selection_steps: int = param(
        1000,
        "auto: Adam steps (at most steps) of each network the selection trains on the bank's "
        "held-out ends to score it; the served network trains for steps.",
        at_least(1),
    )


@dataclass(frozen=True, kw_only=True)
class DecomposeParams:
    """How :class:`RelationalTaskExtrapolator` (and its oracle) decompose a target, predict
    and correct it: a parameter group; every field matters at predict time only."""

    decomposition: str = param(
        "auto",
        "chain: the nearest anchors, each reached in steps of seen size; admissible: one step "
        "from anchors whose phi was seen in training (the paper's strategy A); auto: the "
        "selection's choice (chain without one). The symbolic operator fits phi instead.",
        one_of("auto", "chain", "admissible"),
    )
    candidates: int = param(8, "Anchors nearest in embedding that compete (chain).", at_least(1))
    chain_step: float = param(
        0.9,
        "Longest chain step, as a quantile of the transformation sizes seen in training.",
        fraction,
    )
    correction: str = param(
        "auto",
        "gp: a Gaussian process on the context residuals corrects Psi and gives intervals; "
        "intervals: Psi's mean with the GP's intervals; cv: per target, the GP's mean only "
        "where it predicts left-out context points better than Psi alone; none: Psi alone, "
        "no intervals; auto: gp or intervals, as the selection found better (gp without one).",
        one_of("auto", "gp", "intervals", "cv", "none"),
    )
    refine: int = param(
        0,
        "L-BFGS iterations fitting the last step's phi to the context (0: the embedding's).",
        at_least(0),
    )
    refine_prior: float = param(
        1e-3,
        "Weight of the embedding's phi as a prior when refining (scaled units).",
        nonnegative,
    )
    n_anchors: int = param(
        1,
        "Best-fitting anchors (lowest context error first) whose predictions are averaged.",
        at_least(1),
    )
    calibration_reach: float = param(
        0.5,
        "Intervals are calibrated on bank tasks reached from anchors up to this share of the "
        "bank's spread away.",
        fraction,
    )
    calibration_level: float = param(
        0.92,
        "Share of the calibration points the 90% intervals are made to cover (the "
        "split-conformal level; above 0.9 widens them for targets farther out than the "
        "bank's held-out ends; 0.92 chosen on validation seeds, "
        "benchmarks/tune_calibration.py).",
        fraction,
    )
    fallback_anchors: int = param(
        8,
        "With no anchor whose phi was seen in training, how many anchors nearest to the seen "
        "transformations compete on context fit.",
        at_least(1),
    )


# The parameter groups of RTE in the parameter regime (and of its oracle).
RTE_GROUPS = (EmbeddingParams, NetParams, OperatorParams, DecomposeParams)
# Fits that differ only in these are the same fit (rte.models.shared.fit_shared).
RTE_PREDICT_PARAMS = frozenset(f.name for f in fields(DecomposeParams))


@dataclass(frozen=True, kw_only=True)
class DiscreteParams:
    """The label-conditioned Psi's label embedding and how :class:`DiscreteRTE` decomposes
    (chosen on validation seeds 100..): a parameter group."""

    dim_phi: int = param(8, "Size of the learned label embedding.", at_least(1))
    probe_points: int = param(64, "Inputs at which candidate curves are stored (B).", at_least(1))
    top_k: int = param(8, "Candidates the proposer hands to Psi's context search.", at_least(1))
    strategy: str = param(
        "curve_index",
        "Proposer: curve_index (clusters of stored Psi curves, the best-fitting clusters' "
        "members ranked), cached_curves (rank every stored curve), learned (a trained "
        "decomposer), or exhaustive (Psi on every candidate).",
        one_of(*STRATEGIES),
    )
    probe_clusters: int = param(
        64,
        "curve_index: clusters of stored curves whose members are ranked exactly per target.",
        at_least(1),
    )
    index_above: int = param(
        4096, "curve_index: below this many candidates every stored curve is ranked.", at_least(1)
    )
    decomposer_steps: int = param(3000, "learned: Adam steps of the decomposer.", at_least(1))
    decomposer_simulated: float = param(
        0.5,
        "learned: share of training contexts drawn from stored Psi curves of random "
        "candidates (0: bank pairs only, the paper's recipe).",
        share,
    )


# The parameter groups of the discrete RTE (and of its oracle): Psi's size and budget
# (2,000 steps of 256 relation points: docs/length_comp.md) and the decomposition.
DISCRETE_GROUPS = (NetParams, DiscreteParams)
DISCRETE_NET_DEFAULTS = {"steps": 2000, "batch_size": 256}
# Fits that differ only in these are the same fit (rte.models.shared.fit_shared).
DISCRETE_PREDICT_PARAMS = frozenset(
    {
        "strategy",
        "top_k",
        "probe_clusters",
        "index_above",
        "decomposer_steps",
        "decomposer_simulated",
    }
)


@dataclass(frozen=True, kw_only=True)
class LoraParams:
    """The LoRA budget of a tuned language-model method: a parameter group composed into
    each (:func:`rte.base.estimator`), declared once."""

    rank: int = param(8, "LoRA rank r.", at_least(1))
    alpha: int = param(16, "LoRA scaling alpha (updates are scaled by alpha / r).", at_least(1))
    steps: int | None = param(
        None,
        "AdamW steps (none: the budget the bank's tasks declare, e.g. parity 40, strings 800).",
        optional(at_least(1)),
    )
    batch_size: int = param(8, "Sequences per training step.", at_least(1))
    lr: float = param(3e-3, "AdamW peak learning rate.", positive, aliases=("learning_rate",))
    warmup: int = param(5, "Linear warm-up steps, then linear decay to 0.", at_least(0))
    target_modules: tuple[str, ...] = param(
        DEFAULT_TARGETS, "Linear layers that get adapters.", names
    )


@dataclass(frozen=True, kw_only=True)
class ScoringParams:
    """The batch size of a language-model method's scoring and generation passes."""

    score_batch_size: int = param(
        64, "Sequences per forward pass when scoring or generating answers.", at_least(1)
    )


@dataclass(frozen=True, kw_only=True)
class SeedParams:
    """The seed every estimator declares (rte.base.Estimator.seed), as a group for
    :func:`settings_of`."""

    seed: int = param(0, "Seed of every random choice.", at_least(0))


def settings_of(name: str, *groups: type, defaults: dict | None = None) -> type:
    """A plain dataclass with the fields of ``groups``: an estimator's hyperparameters as
    the command line declares them (``rte fit --width``), without importing the estimator
    and its torch code. Tests hold it equal to the estimator's own declaration."""
    cls = type(name, (), {"__module__": __name__, "__doc__": f"Hyperparameters of {name}."})
    compose(cls, groups, defaults or {})
    return dataclass(frozen=True, kw_only=True)(cls)


# RelationalTaskExtrapolator's hyperparameters, for the command line.
RTE_SETTINGS = settings_of("RelationalTaskExtrapolator", SeedParams, *RTE_GROUPS)
