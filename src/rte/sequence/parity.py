"""Sparse parity: length extrapolation from |S| <= 5 to |S| = 6.

A task is the parity of the bits of an n-bit input that lie in a subset S. The
training bank holds every subset with 1 <= |S| <= 5; a test task with |S| = 6
(band ``S6``) is a training anchor S' with |S'| = 5 plus one added index i, which
is phi. Psi must compute ``parity_S'(x) XOR x_i``: the same relation, whatever
|S'|, which is why it extrapolates while a model of the tasks themselves does not.

Defaults, and why:
- n = 10 bits, the smallest the brief allows: digits are single tokens, so
  every bit costs prompt tokens, and tokens are what CPU time is spent on.
- Psi prompts label the bits with letters (``a0 b1 ...``) and name phi by its
  letter, so reading x_i is a copy after a matching label (what pretrained
  LMs do well) rather than counting positions; Psi's answer spells out
  ``anchor + x_i = sum so parity`` (see :meth:`ParitySuite.psi_answer`).
- Few-shot prompts (sft, few_shot) show plain digit strings, half the tokens; a
  model inferring an unknown subset from examples gains nothing from labels.
- Candidates are one expansion step beyond the bank, the issue's construction:
  every largest bank task S' (|S'| = 5) with every index i not in S'. That
  covers all 6-subsets evenly, so it says nothing about which one a target
  is. A pilot that also offered the smaller anchors drowned the truth in
  spurious subsets consistent with 10 context pairs (about 3.8k candidates
  over 848 distinct functions of size <= 6, versus 1,260 over 210). Scoring
  cost does not depend on the count: a Psi prompt depends only on
  (x, parity_S'(x), i), 2 n per context input, each scored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import ClassVar

import numpy as np

from rte._params import Settings, at_least, param
from rte.errors import ValidationError
from rte.sequence.tasks import SequenceDecomposition, Split, make_target

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def parse_subset(name: str, n_bits: int) -> tuple[int, ...]:
    """Subset from its name, e.g. 'a,c,f' -> (0, 2, 5); '' is the empty subset."""
    if name == "":
        return ()
    idx = []
    for part in name.split(","):
        if len(part) != 1 or part not in LETTERS[:n_bits]:
            raise ValidationError(
                f"A parity subset must be comma-separated bit letters among "
                f"{LETTERS[:n_bits]!r}. Got {name!r}; write e.g. 'a,c,f'."
            )
        idx.append(LETTERS.index(part))
    if len(set(idx)) != len(idx):
        raise ValidationError(f"A parity subset must not repeat a bit. Got {name!r}.")
    return tuple(sorted(idx))


def subset_name(subset: tuple[int, ...]) -> str:
    """Name of a subset: its bit letters, comma-separated, sorted."""
    return ",".join(LETTERS[i] for i in sorted(subset))


@dataclass(frozen=True)
class ParitySuite(Settings):
    """Sparse parity with training sizes 1..max_train_size and one held-out size."""

    family: ClassVar[str] = "parity"
    metric: ClassVar[str] = "accuracy"
    choices: ClassVar[tuple[str, ...] | None] = ("0", "1")
    max_answer_chars: ClassVar[int] = 1

    n_bits: int = param(10, "Input length n (10 to 16).", at_least(10))
    max_train_size: int = param(5, "Largest |S| in the training bank.", at_least(1))
    n_context: int = param(10, "Context pairs per target.", at_least(1))
    n_queries: int = param(16, "Held-out query inputs per target.", at_least(1))
    n_targets: int = param(8, "Test targets per band and seed.", at_least(1))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_bits > 16:
            raise ValidationError(f"n_bits must be between 10 and 16. Got {self.n_bits}.")
        if self.max_train_size + 1 > self.n_bits:
            raise ValidationError(
                f"max_train_size + 1 must be <= n_bits so the held-out size exists. Got "
                f"max_train_size={self.max_train_size}, n_bits={self.n_bits}."
            )

    @property
    def held_out_band(self) -> str:
        """Band name of the extrapolation targets, e.g. ``S6``."""
        return f"S{self.max_train_size + 1}"

    def sample_input(self, rng: np.random.Generator) -> str:
        """A uniformly random n-bit string."""
        return "".join(str(int(b)) for b in rng.integers(0, 2, self.n_bits))

    def _check_input(self, x: str) -> None:
        if len(x) != self.n_bits or set(x) - {"0", "1"}:
            raise ValidationError(
                f"A parity input must be {self.n_bits} characters of 0/1. Got {x!r}."
            )

    def anchor_output(self, anchor: str, x: str) -> str:
        """Parity of the anchor subset's bits of ``x``."""
        self._check_input(x)
        return str(sum(int(x[i]) for i in parse_subset(anchor, self.n_bits)) % 2)

    def _phi_index(self, phi: str) -> int:
        (index,) = parse_subset(phi, self.n_bits) or (None,)
        if index is None:
            raise ValidationError(f"A parity phi must be one bit letter. Got {phi!r}.")
        return index

    def apply_phi(self, phi: str, anchor_out: str, x: str) -> str:
        """Adding index i to the subset flips the parity when x_i is 1."""
        return str((int(anchor_out) + int(x[self._phi_index(phi)])) % 2)

    def psi_prompt(self, x: str, anchor_out: str, phi: str) -> str:
        """E.g. ``bits a0 b1 ... j1; anchor 1; add h ->``."""
        self._check_input(x)
        bits = " ".join(f"{LETTERS[i]}{b}" for i, b in enumerate(x))
        return f"bits {bits}; anchor {anchor_out}; add {LETTERS[self._phi_index(phi)]} ->"

    def psi_answer(self, x: str, phi: str, y: str) -> str:
        """Psi spells the step out: ``anchor + x_i = sum so parity``, e.g. `` 1+1=2 so 0``.

        XOR in one token is hard to learn in a few LoRA steps; copying the anchor
        bit, reading x_i, adding (which the pretrained model knows) and mapping
        the sum to its parity are each easy. The anchor bit is implied by y and
        x_i, so a candidate whose anchor disagrees with the observed y is
        penalised at the first answer token.
        """
        added = int(x[self._phi_index(phi)])
        anchor = (int(y) + added) % 2
        return f" {anchor}+{added}={anchor + added} so {y}"

    def fewshot_prompt(self, context: tuple[tuple[str, str], ...], x: str) -> str:
        """Demonstrations ``x -> y`` one per line, then the query."""
        lines = [f"{cx} -> {cy}" for cx, cy in context]
        return "\n".join([*lines, f"{x} ->"])

    def answer(self, y: str) -> str:
        """The bit after ``->``, with its separating space."""
        return f" {y}"

    def parse(self, text: str) -> str:
        """Generated text stripped of spaces."""
        return text.strip()

    def relations(self, sizes: range) -> list[SequenceDecomposition]:
        """All (S', i) with |S' + i| in ``sizes``, i not in S'."""
        out = []
        for size in sizes:
            for subset in combinations(range(self.n_bits), size - 1):
                for i in range(self.n_bits):
                    if i not in subset:
                        out.append(SequenceDecomposition(subset_name(subset), LETTERS[i]))
        return out

    def split(self, rng: np.random.Generator) -> Split:
        """Bank: 1 <= |S| <= max size. Targets: |S| = max + 1, as a max-size anchor + i."""
        top = self.max_train_size
        train = self.relations(range(1, top + 1))
        candidates = self.relations(range(top + 1, top + 2))
        targets = []
        for _ in range(self.n_targets):
            subset = tuple(sorted(rng.choice(self.n_bits, top + 1, replace=False).tolist()))
            i = int(rng.choice(subset))
            truth = SequenceDecomposition(
                subset_name(tuple(j for j in subset if j != i)), LETTERS[i]
            )
            targets.append(
                make_target(
                    self,
                    truth,
                    self.held_out_band,
                    rng,
                    n_context=self.n_context,
                    n_queries=self.n_queries,
                )
            )
        return Split(tuple(train), tuple(candidates), tuple(targets))
