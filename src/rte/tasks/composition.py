"""The compositional-extrapolation family: tasks g(h(x)) of two primitives.

Twelve primitives on x in [-1, 1] (outputs stay within about [-1.5, 1.7], so every
composition stays within about [-3.4, 5.1]). The bank holds every primitive h as a
task of its own (the anchors) and every composition g(h) except a held-out set;
a composition's relation label is phi = g (the outer primitive), its anchor the
task h. Every primitive appears in training as outer and as inner function, only
the held-out *pairs* never do: band ``unseen``. Band ``seen`` re-draws contexts of
training compositions.

Which bank tasks may serve as anchors (``candidates``): ``bank`` (the default) every
task, so a decomposition may also build a depth-3 function on a composition;
``band`` the primitives only, so the candidates are exactly the depth-2 pairs, the
targets' depth: an ablation that knows the target band.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rte._checks import check_choice
from rte.errors import ValidationError
from rte.tasks.bank import RelationLabel, TargetSet, TaskBank
from rte.tasks.labelled import LabelledTask, labelled_bank, labelled_targets
from rte.tasks.sequence import CANDIDATE_SETS

PRIMITIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": lambda x: np.sin(2.0 * x),
    "cos": lambda x: np.cos(2.0 * x),
    "square": np.square,
    "cube": lambda x: x**3,
    "tanh": lambda x: np.tanh(2.0 * x),
    "abs": np.abs,
    "gauss": lambda x: np.exp(-2.0 * x**2),
    "exp": lambda x: np.exp(x) - 1.0,
    "neg": np.negative,
    "scale": lambda x: 1.5 * x,
    "shift_up": lambda x: x + 0.5,
    "shift_down": lambda x: x - 0.5,
}

# Held-out (outer g, inner h) pairs: none has a functional twin among all pairs.
HELD_OUT = (
    ("sin", "cube"),
    ("cos", "square"),
    ("square", "sin"),
    ("cube", "tanh"),
    ("tanh", "exp"),
    ("abs", "shift_down"),
    ("gauss", "shift_up"),
    ("exp", "sin"),
    ("neg", "gauss"),
    ("scale", "cos"),
    ("shift_up", "cube"),
    ("sin", "scale"),
)


def composition_name(g: str, h: str) -> str:
    """The task id of g(h(x)), e.g. ``"sin(cube)"``."""
    return f"{g}({h})"


@dataclass(frozen=True)
class CompositionTasks:
    """A primitive set, the held-out pairs and which bank tasks may anchor (``bank``:
    all, ``band``: primitives only); the bank and the targets come from them."""

    primitives: tuple[str, ...] = tuple(PRIMITIVES)
    held_out: tuple[tuple[str, str], ...] = HELD_OUT
    candidates: str = "bank"
    pairs: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        check_choice(self.candidates, CANDIDATE_SETS, "candidates")
        if not self.primitives:
            raise ValidationError(
                "The primitive set is empty. Name at least one of: "
                f"{', '.join(sorted(PRIMITIVES))}."
            )
        for name in self.primitives:
            check_choice(name, PRIMITIVES, "primitive")
        for g, h in self.held_out:
            check_choice(g, self.primitives, "held-out outer primitive")
            check_choice(h, self.primitives, "held-out inner primitive")
        held = set(self.held_out)
        pairs = tuple(
            (g, h) for g in self.primitives for h in self.primitives if (g, h) not in held
        )
        for role, index in (("outer", 0), ("inner", 1)):
            missing = set(self.primitives) - {p[index] for p in pairs}
            if missing:
                raise ValidationError(
                    f"Primitive(s) {sorted(missing)} never appear as {role} function in training; "
                    "hold out fewer pairs so every primitive is seen."
                )
        object.__setattr__(self, "pairs", pairs)

    def primitive(self, name: str) -> LabelledTask:
        """The single-primitive task h: an anchor, built from no other task."""
        return LabelledTask(name, PRIMITIVES[name], RelationLabel(name))

    def composition(self, g: str, h: str) -> LabelledTask:
        """The task g(h(x)): phi = g applied to the anchor task h (itself an anchor with
        ``bank`` candidates)."""
        outer, inner = PRIMITIVES[g], PRIMITIVES[h]
        name = composition_name(g, h)
        label = RelationLabel(name, anchor=h, phi=g, can_anchor=self.candidates == "bank")
        return LabelledTask(name, lambda x: outer(inner(x)), label)

    def bank(self, n_points: int = 64) -> TaskBank:
        """Every primitive and every training composition, observed on a grid."""
        tasks = [self.primitive(p) for p in self.primitives]
        return labelled_bank(tasks + [self.composition(g, h) for g, h in self.pairs], n_points)

    def targets(
        self,
        band: str,
        pairs: Sequence[tuple[str, str]],
        per_pair: int,
        rng: np.random.Generator,
        **kw,
    ) -> TargetSet:
        """``per_pair`` targets of each composition in ``pairs``, grouped by pair; ``kw`` as in
        :func:`rte.tasks.labelled.labelled_targets`."""
        tasks = [self.composition(g, h) for g, h in pairs for _ in range(per_pair)]
        return labelled_targets(band, tasks, rng, **kw)
