"""String transformations: compositional extrapolation to unseen pairs g(h(s)).

Twelve primitive string functions; a task is a composition ``g∘h``. Each seed
holds out ``n_held_out`` of the 144 ordered pairs: they never enter training
(band ``unseen``). The training bank is the identity, every primitive and the
remaining compositions, each stored as examples on the seed's ``n_stored``
inputs; Psi learns "apply g to the anchor's output" from the relations
(identity, g) and (h, g∘h). phi is the outer primitive g, the anchor h.

Defaults, and why:
- Inputs are 4 or 5 lowercase letters, written space-separated (``h e l l o``)
  so each character is one token for SmolLM2's tokenizer; otherwise letters
  merge into sub-words and character manipulation is invisible to the model.
- 12 primitives give 144 compositions; holding out 100 leaves 44 training
  compositions. 16 primitives would allow 200 held out, but every extra
  primitive adds candidates to score per target; 12 keeps a default run
  inside the CPU budget.
- Candidates (``bank``, the default): every bank task as anchor (identity, the
  12 primitives, the training compositions) with every primitive as phi, fewest
  primitives first. ``band`` (an ablation) keeps the identity and the primitives
  as anchors, i.e. it knows a target is a composition of exactly two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import ClassVar

import numpy as np

from rte._checks import check_choice, check_positive_int
from rte._params import Settings, at_least, one_of, param, settings
from rte.errors import ValidationError
from rte.tasks import sequence
from rte.tasks.sequence import Pairs, Relation, SequenceDecomposition, Split, TaskSizes

VOWELS = frozenset("aeiouAEIOU")
IDENTITY = "identity"
EMPTY = "empty"


def _caesar(s: str) -> str:
    def shift(c: str) -> str:
        base = ord("a") if c.islower() else ord("A")
        return chr(base + (ord(c) - base + 1) % 26)

    return "".join(shift(c) for c in s)


def _swap_pairs(s: str) -> str:
    chars = list(s)
    for i in range(0, len(chars) - 1, 2):
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def _swap_ends(s: str) -> str:
    return s if len(s) < 2 else s[-1] + s[1:-1] + s[0]


PRIMITIVES: dict[str, Callable[[str], str]] = {
    "reverse": lambda s: s[::-1],
    "upper": str.upper,
    "rotate_left": lambda s: s[1:] + s[:1],
    "rotate_right": lambda s: s[-1:] + s[:-1],
    "duplicate": lambda s: "".join(c + c for c in s),
    "drop_vowels": lambda s: "".join(c for c in s if c not in VOWELS),
    "sort": lambda s: "".join(sorted(s)),
    "caesar": _caesar,
    "swap_pairs": _swap_pairs,
    "drop_first": lambda s: s[1:],
    "drop_last": lambda s: s[:-1],
    "swap_ends": _swap_ends,
}

# Plain-English descriptions: the pretrained model's prior about the words may help it
# learn each primitive in few LoRA steps. Which set Psi reads (``phi_labels``) was chosen
# on validation seeds (benchmarks/tune_sequence.py, docs/sequence.md).
DESCRIPTIONS: dict[str, str] = {
    "reverse": "reverse",
    "upper": "uppercase",
    "rotate_left": "move first letter to end",
    "rotate_right": "move last letter to front",
    "duplicate": "double each letter",
    "drop_vowels": "remove vowels",
    "sort": "sort letters",
    "caesar": "next letter in alphabet",
    "swap_pairs": "swap neighbouring pairs",
    "drop_first": "drop first letter",
    "drop_last": "drop last letter",
    "swap_ends": "swap first and last letter",
}
# Longer descriptions that spell each operation out.
EXPLICIT: dict[str, str] = {
    "reverse": "write the letters in reverse order",
    "upper": "make every letter uppercase",
    "rotate_left": "move the first letter to the end",
    "rotate_right": "move the last letter to the front",
    "duplicate": "write every letter twice",
    "drop_vowels": "delete every vowel",
    "sort": "sort the letters in alphabetical order",
    "caesar": "replace each letter by the next one in the alphabet",
    "swap_pairs": "swap letters 1 and 2, 3 and 4",
    "drop_first": "delete the first letter",
    "drop_last": "delete the last letter",
    "swap_ends": "swap the first and the last letter",
}
# The labels phi can carry in Psi prompts (and sft_scratchpad's labelled steps).
PHI_LABELS: dict[str, dict[str, str]] = {
    "words": DESCRIPTIONS,
    "names": {name: name.replace("_", " ") for name in PRIMITIVES},
    "explicit": EXPLICIT,
}


def apply_primitive(name: str, s: str) -> str:
    """Apply one primitive (or the identity) by name."""
    if name == IDENTITY:
        return s
    check_choice(name, PRIMITIVES, "string primitive")
    return PRIMITIVES[name](s)


def composition_name(d: SequenceDecomposition) -> str:
    """Label of the task ``d.phi`` after ``d.anchor``: ``g∘h``, or ``g`` after the identity."""
    return d.phi if d.anchor == IDENTITY else f"{d.phi}∘{d.anchor}"


def apply_task(label: str, s: str) -> str:
    """Apply a bank task by label (``identity``, ``g`` or ``g∘h``), innermost first."""
    for name in reversed(label.split("∘")):
        s = apply_primitive(name, s)
    return s


def render(s: str) -> str:
    """Space-separated characters, ``empty`` for the empty string."""
    return " ".join(s) if s else EMPTY


def unrender(text: str) -> str:
    """Inverse of :func:`render` on model output (tolerates missing spaces)."""
    text = text.strip()
    return "" if text == EMPTY else text.replace(" ", "")


def all_compositions() -> list[SequenceDecomposition]:
    """Every ordered pair (h, g) of primitives, g applied after h."""
    return [SequenceDecomposition(h, g) for h in PRIMITIVES for g in PRIMITIVES]


@settings(TaskSizes, defaults={"n_context": 4, "n_queries": 4, "lora_steps": 800})
class StringTasks(Settings):
    """Compositions of string primitives with a held-out set of pairs."""

    family: ClassVar[str] = "strings"
    metric: ClassVar[str] = "exact_match"
    choices: ClassVar[tuple[str, ...] | None] = None
    chain: ClassVar[bool] = False
    # sft_scratchpad's format when its own style is none (validation seed 100,
    # docs/sequence.md).
    scratchpad_format: ClassVar[str] = "running"

    n_held_out: int = param(100, "Compositions never trained on.", at_least(1))
    phi_labels: str = param(
        "words",
        "How Psi prompts name phi: words (short plain-word descriptions), names (the "
        "primitives' identifiers) or explicit (longer descriptions).",
        one_of(*PHI_LABELS),
    )
    prompt_input: bool = param(
        True,
        "Whether Psi prompts show the input besides the anchor's output (phi acts on the "
        "anchor's output alone).",
    )
    min_length: int = param(4, "Shortest input string.", at_least(2))
    max_length: int = param(5, "Longest input string.", at_least(2))

    def __post_init__(self) -> None:
        super().__post_init__()
        total = len(PRIMITIVES) ** 2
        if self.n_held_out >= total:
            raise ValidationError(
                f"n_held_out must leave training compositions: expected < {total}, "
                f"got {self.n_held_out}."
            )
        check_positive_int(self.max_length, "max_length", minimum=self.min_length)
        if self.n_targets > self.n_held_out:
            raise ValidationError(
                f"n_targets must be <= n_held_out ({self.n_held_out}). Got {self.n_targets}."
            )

    @property
    def max_answer_chars(self) -> int:
        """Longest possible output: duplicate twice quadruples the input."""
        return 4 * self.max_length

    def sample_input(self, rng: np.random.Generator) -> str:
        """Random lowercase letters, ``min_length`` to ``max_length`` of them."""
        n = int(rng.integers(self.min_length, self.max_length + 1))
        return "".join(chr(ord("a") + int(i)) for i in rng.integers(0, 26, n))

    def input_space(self) -> int:
        """Lowercase strings of the allowed lengths."""
        return sum(26**n for n in range(self.min_length, self.max_length + 1))

    def anchor_output(self, anchor: str, x: str) -> str:
        """Generator: the anchor task (identity, primitive or composition) applied to ``x``."""
        return apply_task(anchor, x)

    def apply_phi(self, phi: str, anchor_out: str, x: str) -> str:
        """Generator: phi is the outer primitive g, applied to the anchor's output."""
        if phi == IDENTITY:
            raise ValidationError(
                "phi must be a string primitive. Got 'identity'; it is an anchor only."
            )
        return apply_primitive(phi, anchor_out)

    def label(self, phi: str) -> str:
        """phi's name in prompts (the ``phi_labels`` set)."""
        check_choice(phi, PRIMITIVES, "string primitive")
        return PHI_LABELS[self.phi_labels][phi]

    def psi_prompt(self, x: str, anchor_out: str, phi: str) -> str:
        """E.g. ``in h e l l o; anchor o l l e h; apply uppercase ->`` (without ``in ...;``
        when ``prompt_input`` is false)."""
        shown = f"in {render(x)}; " if self.prompt_input else ""
        return f"{shown}anchor {render(anchor_out)}; apply {self.label(phi)} ->"

    def psi_answer(self, x: str, anchor_out: str, phi: str, y: str) -> str:
        """Psi answers like the few-shot format: the rendered output and a newline."""
        return self.answer(y)

    def psi_output(self, text: str) -> str:
        """Psi's generated answer back to a plain string."""
        return self.parse(text)

    def fewshot_prompt(self, context: Pairs, x: str) -> str:
        """Demonstrations ``x -> y`` one per line, then the query, each string rendered."""
        return sequence.demonstrations(context, x, render)

    def answer(self, y: str) -> str:
        """Rendered output ended by a newline, so generation knows where to stop."""
        return f" {render(y)}\n"

    def parse(self, text: str) -> str:
        """Generated text back to a plain string."""
        return unrender(text)

    def scratchpad_answer(
        self, x: str, steps: Sequence[tuple[str, str]], y: str, style: str
    ) -> str:
        """The string after each primitive of the task, innermost first: ``running``
        writes `` o l l e h => O L L E H``, ``labelled`` `` reverse: o l l e h | uppercase:
        O L L E H`` (each primitive by the label Psi reads). The identity writes its
        output alone."""
        if not steps:
            return self.answer(y)
        if style == "running":
            return " " + " => ".join(render(v) for _, v in steps) + "\n"
        return " " + " | ".join(f"{self.label(phi)}: {render(v)}" for phi, v in steps) + "\n"

    def scratchpad_output(self, text: str) -> str:
        """The string after the last step (text after the last ``=>``, ``|`` and ``:``)."""
        last = text.split("=>")[-1].split("|")[-1].split(":")[-1]
        return self.parse(last)

    def held_out(self, rng: np.random.Generator) -> list[SequenceDecomposition]:
        """The seed's unseen compositions."""
        pairs = all_compositions()
        pick = rng.choice(len(pairs), self.n_held_out, replace=False)
        return [pairs[int(i)] for i in sorted(pick)]

    def split(self, rng: np.random.Generator, candidates: str = "bank") -> Split:
        """Bank = identity, the primitives and the training compositions, stored; targets =
        unseen compositions. ``candidates``: ``bank`` (every bank task as anchor) or
        ``band`` (identity and primitives only: the ablation that knows the depth)."""
        check_choice(candidates, sequence.CANDIDATE_SETS, "candidates")
        unseen = self.held_out(rng)
        hidden = set(unseen)
        pairs = [SequenceDecomposition(IDENTITY, g) for g in PRIMITIVES]
        pairs += [d for d in all_compositions() if d not in hidden]
        relations = [Relation(d.anchor, d.phi, composition_name(d)) for d in pairs]
        anchors = [IDENTITY, *PRIMITIVES]
        if candidates == "bank":
            anchors += [r.task for r in relations if r.anchor != IDENTITY]
        pool = [SequenceDecomposition(h, g) for h in anchors for g in PRIMITIVES]
        return sequence.seed_split(self, IDENTITY, relations, pool, self._drawn(unseen, rng), rng)

    def _drawn(
        self, unseen: Sequence[SequenceDecomposition], rng: np.random.Generator
    ) -> Iterator[tuple[SequenceDecomposition, str]]:
        """``n_targets`` of the unseen compositions, drawn once the bank is stored."""
        for i in rng.choice(len(unseen), self.n_targets, replace=False):
            yield unseen[int(i)], "unseen"
