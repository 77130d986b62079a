"""What both sequence suites share: decompositions, targets, splits, the bank the
methods fit on and the suite contract.

Inputs and outputs are strings. A task is named by its decomposition
``(anchor, phi)``: its output on ``x`` is ``apply_phi(phi, anchor_output(anchor, x), x)``.
The suite modules (parity, strings) implement :class:`SequenceSuite`; the methods
and the runner only talk to this contract.

:class:`SequenceDecomposition` is this regime's (anchor, phi) named by strings, not
to be confused with ``rte.models.DiscreteDecomposition`` (a batch of predictions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rte.errors import ValidationError


@dataclass(frozen=True)
class SequenceDecomposition:
    """A task written as a seen anchor plus a seen transformation phi, both by name."""

    anchor: str
    phi: str


@dataclass(frozen=True)
class Target:
    """A test task: its true decomposition, a small context and held-out queries."""

    band: str
    truth: SequenceDecomposition
    context: tuple[tuple[str, str], ...]
    queries: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        """Readable id of the task, e.g. ``upper∘reverse``."""
        return f"{self.truth.phi}∘{self.truth.anchor}"


@dataclass(frozen=True)
class Split:
    """Everything one seed of a suite needs.

    ``train`` holds the relation pairs of the training bank: RTE trains Psi on
    them and SFT trains on few-shot prompts of the same tasks. ``candidates`` are
    the (anchor, phi) pairs likelihood scoring searches over.
    """

    train: tuple[SequenceDecomposition, ...]
    candidates: tuple[SequenceDecomposition, ...]
    targets: tuple[Target, ...]


class SequenceSuite(Protocol):
    """The contract a task suite implements for the methods and the runner."""

    family: str
    metric: str
    choices: tuple[str, ...] | None
    n_context: int
    max_answer_chars: int

    def sample_input(self, rng: np.random.Generator) -> str:
        """Draw one query input."""
        ...

    def anchor_output(self, anchor: str, x: str) -> str:
        """The anchor task's output on ``x`` (anchors are training tasks, so known)."""
        ...

    def apply_phi(self, phi: str, anchor_out: str, x: str) -> str:
        """Ground truth: the output of ``phi`` applied on top of the anchor's output."""
        ...

    def psi_prompt(self, x: str, anchor_out: str, phi: str) -> str:
        """Prompt for the relational operator Psi (answer follows directly)."""
        ...

    def psi_answer(self, x: str, phi: str, y: str) -> str:
        """Psi's answer text for output ``y`` (it may spell out an intermediate step)."""
        ...

    def fewshot_prompt(self, context: tuple[tuple[str, str], ...], x: str) -> str:
        """Prompt made of the context demonstrations followed by the query."""
        ...

    def answer(self, y: str) -> str:
        """Answer text as the model must produce it after a prompt."""
        ...

    def parse(self, text: str) -> str:
        """Normalise generated text into an output comparable with ``y``."""
        ...

    def split(self, rng: np.random.Generator) -> Split:
        """Training bank, candidates and test targets for one seed."""
        ...


@dataclass(frozen=True)
class SequenceBank:
    """What the sequence methods fit on: one seed's training bank and search space.

    ``suite`` supplies the prompt formats and the bank tasks' outputs (an anchor's
    output on a new input is known, since anchors are training tasks);
    ``relations`` are the bank's labelled (anchor, phi) pairs, the relation labels
    RTE trains Psi on and whose tasks SFT sees as few-shot prompts; ``candidates``
    are the (anchor, phi) pairs decomposition searches over.
    """

    suite: SequenceSuite
    relations: tuple[SequenceDecomposition, ...]
    candidates: tuple[SequenceDecomposition, ...]

    def __post_init__(self) -> None:
        for name in ("relations", "candidates"):
            if not getattr(self, name):
                raise ValidationError(
                    f"A SequenceBank needs at least one of its {name}. Got none; build it "
                    "with SequenceBank.from_split(suite, suite.split(rng))."
                )

    @classmethod
    def from_split(cls, suite: SequenceSuite, split: Split) -> SequenceBank:
        """The bank of one seed's split (its targets stay with the caller)."""
        return cls(suite, split.train, split.candidates)


def task_output(suite: SequenceSuite, task: SequenceDecomposition, x: str) -> str:
    """Output of the task ``task`` on input ``x``."""
    return suite.apply_phi(task.phi, suite.anchor_output(task.anchor, x), x)


def make_target(
    suite: SequenceSuite,
    truth: SequenceDecomposition,
    band: str,
    rng: np.random.Generator,
    *,
    n_context: int,
    n_queries: int,
) -> Target:
    """Draw a target's context and queries; queries never repeat a context input."""
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for _ in range(50 * (n_context + n_queries)):
        x = suite.sample_input(rng)
        if x not in seen:
            seen.add(x)
            pairs.append((x, task_output(suite, truth, x)))
        if len(pairs) == n_context + n_queries:
            break
    return Target(
        band=band,
        truth=truth,
        context=tuple(pairs[:n_context]),
        queries=tuple(pairs[n_context:]),
    )


def equivalent(
    suite: SequenceSuite, a: SequenceDecomposition, b: SequenceDecomposition, inputs: list[str]
) -> bool:
    """Whether two decompositions give the same task on ``inputs``.

    Several decompositions can name one task (S' + i and S'' + j with the same
    union; ``upper∘sort`` and ``sort∘upper``), so a found decomposition counts as
    correct when it is the same function on the target's context and queries.
    """
    return all(task_output(suite, a, x) == task_output(suite, b, x) for x in inputs)
