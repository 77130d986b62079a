"""What both kinds of sequence tasks (parity, strings) share: decompositions, the stored
bank, targets, answers and the contract a kind of task implements.

Inputs and outputs are strings. A task is named by a label; the bank holds each of
its tasks as **stored examples** only (a fixed, finite set of (input, output) pairs,
the same for every method) plus its **relations**: labelled pairs (anchor, phi,
task) saying that ``task`` is ``anchor`` followed by the transformation ``phi``.
After the bank is built, the strict methods (rte, oracle, sft, few_shot) learn
from these and never call a task's generator; only rows whose access includes X
(executable generators: ``symbolic_search``, the ``rte_executed`` ablation) call
:meth:`SequenceTasks.anchor_output` / :meth:`SequenceTasks.apply_phi`.

The modules :mod:`rte.tasks.parity` and :mod:`rte.tasks.strings` implement
:class:`SequenceTasks`; the methods and the runner only talk to this contract.
:class:`SequenceDecomposition` is this regime's (anchor, phi) by name, not
``rte.models.DiscreteDecomposition``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rte._params import at_least, param
from rte.errors import ValidationError

Pairs = tuple[tuple[str, str], ...]
# At most this many stored examples per bank task (and never more than a quarter of
# the task's input space), so that looking an input up is not executing the task.
MAX_STORED = 64
CANDIDATE_SETS = ("bank", "band")
# How a scratchpad answer writes a bank task's intermediate steps (the value after each
# relation of its path from the root): the values alone, or each with phi's label.
SCRATCHPAD_FORMATS = ("running", "labelled")


@dataclass(frozen=True, kw_only=True)
class TaskSizes:
    """The sizes every kind of sequence task declares (a parameter group; each kind sets
    its own defaults)."""

    n_context: int = param(10, "Context pairs per target.", at_least(1))
    n_queries: int = param(12, "Held-out query inputs per target.", at_least(1))
    n_targets: int = param(20, "Test targets per seed.", at_least(1))
    n_stored: int = param(
        MAX_STORED, f"Stored examples per bank task (at most {MAX_STORED}).", at_least(1)
    )
    lora_steps: int = param(
        40, "LoRA steps of a tuned method whose own steps is none (docs/sequence.md).", at_least(1)
    )


@dataclass(frozen=True)
class SequenceDecomposition:
    """A task written as a seen anchor plus a seen transformation phi, both by name."""

    anchor: str
    phi: str


@dataclass(frozen=True)
class Relation:
    """A labelled pair of the bank: ``task`` is ``anchor`` followed by ``phi``."""

    anchor: str
    phi: str
    task: str

    @property
    def decomposition(self) -> SequenceDecomposition:
        """The relation as an (anchor, phi) decomposition of ``task``."""
        return SequenceDecomposition(self.anchor, self.phi)


@dataclass(frozen=True)
class Target:
    """A test task: its true decomposition, a small context and held-out queries.

    ``equivalent`` lists the candidates that are the same function as the truth on
    the target's context and query inputs; ``consistent`` those that reproduce the
    context. Both are computed with the generators while the split is built, so
    scoring a found decomposition needs none later.
    """

    band: str
    truth: SequenceDecomposition
    context: Pairs
    queries: Pairs
    equivalent: frozenset[SequenceDecomposition] = frozenset()
    consistent: frozenset[SequenceDecomposition] = frozenset()

    @property
    def ambiguous(self) -> bool:
        """Whether the context leaves candidates consistent that answer some query
        differently from the truth: then no search over the candidates can tell from
        the context alone which one is meant."""
        return not self.consistent <= self.equivalent

    @property
    def name(self) -> str:
        """Readable id of the task, e.g. ``upper∘reverse``."""
        return f"{self.truth.phi}∘{self.truth.anchor or '∅'}"


class SequenceTasks(Protocol):
    """The contract a task kind implements for the methods and the runner.

    Generators (used to build the bank and the targets, and by X rows only):
    :meth:`sample_input`, :meth:`anchor_output`, :meth:`apply_phi`. Everything
    else is formats: how a Psi prompt, a Psi answer and a few-shot prompt look.
    """

    family: str
    metric: str
    choices: tuple[str, ...] | None
    n_context: int
    n_queries: int
    n_stored: int
    max_answer_chars: int
    # The LoRA steps a tuned method takes on these tasks when its own ``steps`` is none.
    lora_steps: int
    # The scratchpad format (one of SCRATCHPAD_FORMATS) when sft_scratchpad's is none.
    scratchpad_format: str

    def sample_input(self, rng: np.random.Generator) -> str:
        """Draw one input."""
        ...

    def input_space(self) -> int:
        """How many distinct inputs exist (the stored examples may cover a quarter)."""
        ...

    def anchor_output(self, anchor: str, x: str) -> str:
        """Generator: the output of bank task ``anchor`` on ``x``."""
        ...

    def apply_phi(self, phi: str, anchor_out: str, x: str) -> str:
        """Generator: the output of ``phi`` applied on top of the anchor's output."""
        ...

    def psi_prompt(self, x: str, anchor_out: str, phi: str) -> str:
        """Prompt for the relational operator Psi (the answer follows directly)."""
        ...

    def psi_answer(self, x: str, anchor_out: str, phi: str, y: str) -> str:
        """Psi's training answer for output ``y``: the answer text, or a chain of steps
        ending in it (see :attr:`chain`)."""
        ...

    @property
    def chain(self) -> bool:
        """Whether Psi's answers spell out steps before the output. Then scoring reads the
        output's likelihood after Psi's own greedy chain, never after a chain the task
        kind wrote (which would compute phi for the model)."""
        ...

    def psi_output(self, text: str) -> str:
        """The output in Psi's generated answer text."""
        ...

    def fewshot_prompt(self, context: Pairs, x: str) -> str:
        """Prompt made of the context demonstrations followed by the query."""
        ...

    def answer(self, y: str) -> str:
        """Answer text as the model must produce it after a few-shot prompt."""
        ...

    def parse(self, text: str) -> str:
        """Normalise generated text into an output comparable with ``y``."""
        ...

    def scratchpad_answer(
        self, x: str, steps: Sequence[tuple[str, str]], y: str, style: str
    ) -> str:
        """A few-shot answer that writes the intermediate steps before the output:
        ``steps`` are (phi, the value after it) along the task's relation path, read off
        stored examples; ``style`` is one of :data:`SCRATCHPAD_FORMATS`. Ends in a newline."""
        ...

    def scratchpad_output(self, text: str) -> str:
        """The output in a generated scratchpad answer (its last step)."""
        ...

    def split(self, rng: np.random.Generator, candidates: str = "bank") -> Split:
        """The bank (stored examples, relations, candidates) and test targets of one seed."""
        ...


@dataclass(frozen=True)
class SequenceBank:
    """What the sequence methods fit on: one seed's stored bank and its search space.

    ``kind`` supplies the formats (and, for X rows only, the generators); ``tasks``
    maps every bank task's label to its stored examples; ``root`` is the task every
    relation path starts from (parity: the empty subset; strings: the identity);
    ``relations`` are the bank's labelled (anchor, phi, task) pairs, the relation
    labels (code L) RTE trains Psi on; ``candidates`` are the (anchor, phi) pairs
    decomposition searches over, in the
    order that breaks ties (fewest bits or primitives first, fixed in advance).
    """

    kind: SequenceTasks
    tasks: Mapping[str, Pairs]
    root: str
    relations: tuple[Relation, ...]
    candidates: tuple[SequenceDecomposition, ...]
    lookup: Mapping[str, Mapping[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("tasks", "relations", "candidates"):
            if not getattr(self, name):
                raise ValidationError(
                    f"A SequenceBank needs at least one of its {name}. Got none; build it "
                    "with kind.split(rng).bank."
                )
        if self.root not in self.tasks:
            raise ValidationError(
                f"The bank's root task {self.root!r} must be one of its stored tasks. Got "
                "tasks without it."
            )
        limit = min(MAX_STORED, self.kind.input_space() // 4)
        for label, pairs in self.tasks.items():
            if not pairs or len(pairs) > limit:
                raise ValidationError(
                    f"Bank task {label!r} must store between 1 and {limit} examples (at most "
                    f"{MAX_STORED} and a quarter of the input space). Got {len(pairs)}."
                )
        named = {r.anchor for r in self.relations} | {r.task for r in self.relations}
        unknown = sorted((named | {d.anchor for d in self.candidates}) - set(self.tasks))
        if unknown:
            raise ValidationError(
                f"Relations and candidates must name stored bank tasks. Got unknown "
                f"task(s) {unknown[:5]}."
            )
        object.__setattr__(self, "lookup", {k: dict(v) for k, v in self.tasks.items()})
        self.root_value(self.tasks[self.root][0][0])  # refuse a root no rule describes

    def root_value(self, x: str) -> str:
        """The root task's output on ``x``, read off its stored examples.

        The root is fitted by the simplest rule that reproduces every stored
        example: a constant (parity's empty subset is 0 on every stored input) or
        the input itself (strings' identity). No generator is called.
        """
        pairs = self.tasks[self.root]
        outputs = {y for _, y in pairs}
        if len(outputs) == 1:
            return next(iter(outputs))
        if all(x_ == y for x_, y in pairs):
            return x
        raise ValidationError(
            f"The bank's root task {self.root!r} must be a constant or the identity on its "
            "stored examples, so its output on a new input can be read off them. Got "
            "neither; choose a root task of that kind."
        )

    def fingerprint(self) -> str:
        """A SHA-256 of what a fit reads: the kind with its settings, the stored examples,
        the root, relations and candidates. Equal banks give equal fingerprints."""
        parts = (repr(self.kind), sorted(self.tasks.items()), self.root)
        text = repr((*parts, self.relations, self.candidates))
        return hashlib.sha256(text.encode()).hexdigest()

    def stored(self, task: str, x: str) -> str | None:
        """The stored output of ``task`` on ``x``, or None when ``x`` is not stored (or
        ``task`` is not a bank task)."""
        return self.lookup.get(task, {}).get(x)


@dataclass(frozen=True)
class SequenceAnswer:
    """A sequence method's outputs on a target's query inputs, and the decomposition it
    found from the context (None for methods that do not decompose, and for oracles)."""

    outputs: tuple[str, ...]
    found: SequenceDecomposition | None = None


@dataclass(frozen=True)
class Split:
    """Everything one seed of a kind needs: the bank and the targets."""

    bank: SequenceBank
    targets: tuple[Target, ...]


def task_output(kind: SequenceTasks, task: SequenceDecomposition, x: str) -> str:
    """Generator: output of the task ``task`` on input ``x`` (X rows and building only)."""
    return kind.apply_phi(task.phi, kind.anchor_output(task.anchor, x), x)


def demonstrations(context: Pairs, x: str, render: Callable[[str], str] = str) -> str:
    """A few-shot prompt: the context pairs as ``x -> y`` one per line, then the query
    ``x ->``, each string written by ``render`` (by default as it is)."""
    lines = [f"{render(cx)} -> {render(cy)}" for cx, cy in context]
    return "\n".join([*lines, f"{render(x)} ->"])


def stored_inputs(kind: SequenceTasks, rng: np.random.Generator) -> tuple[str, ...]:
    """The seed's ``n_stored`` distinct inputs, every bank task's stored examples' inputs.

    One shared set lets every relation pair be read off the stored examples of both
    of its tasks on the same inputs.
    """
    limit = min(MAX_STORED, kind.input_space() // 4)
    if not 1 <= kind.n_stored <= limit:
        raise ValidationError(
            f"n_stored must be between 1 and {limit} (at most {MAX_STORED} and a quarter of "
            f"the {kind.input_space()} inputs). Got {kind.n_stored}."
        )
    seen: dict[str, None] = {}
    while len(seen) < kind.n_stored:
        seen.setdefault(kind.sample_input(rng))
    return tuple(seen)


def store_tasks(
    kind: SequenceTasks,
    root: str,
    relations: Sequence[Relation],
    inputs: Sequence[str],
) -> dict[str, Pairs]:
    """Every bank task's stored examples on ``inputs``, written once by the generators."""
    tasks = {root: SequenceDecomposition(root, "")}
    tasks.update({r.task: r.decomposition for r in relations})
    out: dict[str, Pairs] = {}
    for label, d in tasks.items():
        if label == root:
            out[label] = tuple((x, kind.anchor_output(root, x)) for x in inputs)
        else:
            out[label] = tuple((x, task_output(kind, d, x)) for x in inputs)
    return out


def stored_bank(
    kind: SequenceTasks,
    root: str,
    relations: Sequence[Relation],
    candidates: Sequence[SequenceDecomposition],
    rng: np.random.Generator,
) -> SequenceBank:
    """One seed's bank: every task of ``relations`` (and the root) stored on the seed's
    inputs, drawn from ``rng``, with the relations and the candidates searched."""
    tasks = store_tasks(kind, root, relations, stored_inputs(kind, rng))
    return SequenceBank(kind, tasks, root, tuple(relations), tuple(candidates))


def seed_split(
    kind: SequenceTasks,
    root: str,
    relations: Sequence[Relation],
    candidates: Sequence[SequenceDecomposition],
    truths: Iterable[tuple[SequenceDecomposition, str]],
    rng: np.random.Generator,
) -> Split:
    """One seed's :class:`Split`: the bank (:func:`stored_bank`), then a target per
    (truth, band) of ``truths``, read lazily so that a kind may draw each truth from
    ``rng`` between the targets' own draws."""
    bank = stored_bank(kind, root, relations, candidates, rng)
    return Split(bank, tuple(draw_target(bank, truth, band, rng) for truth, band in truths))


def make_target(
    kind: SequenceTasks,
    truth: SequenceDecomposition,
    band: str,
    rng: np.random.Generator,
    candidates: Sequence[SequenceDecomposition],
    *,
    n_context: int,
    n_queries: int,
) -> Target:
    """Draw a target's context and queries (queries never repeat a context input) and
    list the candidates consistent with its context and those equivalent to the truth
    on all of its inputs."""
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for _ in range(50 * (n_context + n_queries)):
        x = kind.sample_input(rng)
        if x not in seen:
            seen.add(x)
            pairs.append((x, task_output(kind, truth, x)))
        if len(pairs) == n_context + n_queries:
            break
    anchor_outputs: dict[tuple[str, str], str] = {}

    def agrees(d: SequenceDecomposition, x: str, y: str) -> bool:
        if (d.anchor, x) not in anchor_outputs:
            anchor_outputs[(d.anchor, x)] = kind.anchor_output(d.anchor, x)
        return kind.apply_phi(d.phi, anchor_outputs[(d.anchor, x)], x) == y

    context, queries = pairs[:n_context], pairs[n_context:]
    fits = frozenset(d for d in candidates if all(agrees(d, x, y) for x, y in context))
    same = frozenset(d for d in fits if all(agrees(d, x, y) for x, y in queries))
    return Target(
        band=band,
        truth=truth,
        context=tuple(context),
        queries=tuple(queries),
        equivalent=same | {truth},
        consistent=fits | {truth},
    )


def draw_target(
    bank: SequenceBank, truth: SequenceDecomposition, band: str, rng: np.random.Generator
) -> Target:
    """A target of the bank's kind, of the kind's context and query sizes, with its
    consistent and equivalent candidates among the bank's (:func:`make_target`)."""
    kind = bank.kind
    return make_target(
        kind,
        truth,
        band,
        rng,
        bank.candidates,
        n_context=kind.n_context,
        n_queries=kind.n_queries,
    )


def equivalent(
    kind: SequenceTasks, a: SequenceDecomposition, b: SequenceDecomposition, inputs: list[str]
) -> bool:
    """Generator: whether two decompositions give the same task on ``inputs``.

    Several decompositions can name one task (S' + i and S'' + j with the same
    union; ``upper∘sort`` and ``sort∘upper``), so a found decomposition counts as
    correct when it is the same function on the target's context and queries.
    """
    return all(task_output(kind, a, x) == task_output(kind, b, x) for x in inputs)
