"""SequenceRTE: the relational task extrapolator of the language-model regime.

Psi is a pretrained causal LM tuned with LoRA on the bank's relation pairs: a
prompt carries the anchor task's output on the query input, the name of the
transformation phi and the input; the answer is the related task's output. A
target is decomposed by likelihood scoring: the candidate (anchor, phi) whose Psi
prompts give the target's context outputs the lowest negative log-likelihood
wins, and Psi then answers the queries with it.

The language model is not a hyperparameter: it is loaded once per run
(:func:`rte.sequence.backends.load_language_model`) and passed to ``fit``, so that
``clone`` and ``get_params`` stay cheap and several methods share one model.
Fitting wraps that model in place with the adapter; :meth:`SequenceRTE.release`
removes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from rte._params import at_least, param
from rte.base import check_is_fitted
from rte.errors import ValidationError
from rte.sequence.backends import LanguageModel
from rte.sequence.lora import LoraParams, detach_lora, save_adapter, train_lora
from rte.sequence.prompts import Example
from rte.sequence.scoring import ScoringParams, answer_prompts, best_decomposition
from rte.sequence.tasks import SequenceBank, SequenceDecomposition

Context = Sequence[tuple[str, str]]


def check_fit_inputs(bank: Any, language_model: Any, owner: str) -> None:
    """Refuse a ``bank`` or ``language_model`` of the wrong type before any work."""
    if not isinstance(bank, SequenceBank):
        raise ValidationError(
            f"{owner}.fit expects a SequenceBank (SequenceBank.from_split(suite, split)). "
            f"Got {type(bank).__name__}."
        )
    if not isinstance(language_model, LanguageModel):
        raise ValidationError(
            f"{owner}.fit expects a LanguageModel (rte.sequence.backends.load_language_model). "
            f"Got {type(language_model).__name__}."
        )


def psi_training_batch(bank: SequenceBank, rng: np.random.Generator, size: int) -> list[Example]:
    """Random relation pairs of the bank on random inputs, as Psi examples.

    Balanced over phi: draw phi uniformly, then one of the bank's pairs with it.
    Uniform over pairs would train each phi in proportion to its number of
    training pairs (1 to 7 in the strings suite), and the phis with the fewest
    training compositions are the outer primitives of the most held-out ones.
    """
    suite = bank.suite
    by_phi: dict[str, list[SequenceDecomposition]] = {}
    for d in bank.relations:
        by_phi.setdefault(d.phi, []).append(d)
    phis = sorted(by_phi)
    batch = []
    for _ in range(size):
        pairs = by_phi[phis[int(rng.integers(len(phis)))]]
        d = pairs[int(rng.integers(len(pairs)))]
        x = suite.sample_input(rng)
        anchor_out = suite.anchor_output(d.anchor, x)
        y = suite.apply_phi(d.phi, anchor_out, x)
        batch.append(Example(suite.psi_prompt(x, anchor_out, d.phi), suite.psi_answer(x, d.phi, y)))
    return batch


@dataclass(kw_only=True, repr=False, eq=False)
class SequenceRTE(LoraParams, ScoringParams):
    """LoRA-tuned Psi on the bank's relation labels; decomposition by likelihood scoring.

    Example::

        lm = load_language_model()
        suite = StringSuite()
        split = suite.split(np.random.default_rng(0))
        rte = SequenceRTE(steps=150).fit(SequenceBank.from_split(suite, split), lm)
        target = split.targets[0]
        outputs = rte.predict(target.context, [x for x, _ in target.queries])
        base = rte.release()
    """

    sees: ClassVar[str] = "BCL"
    description: ClassVar[str] = (
        "LoRA-tuned Psi on the bank's relation pairs; decomposition by likelihood scoring"
    )

    probe: int = param(
        0, "Context pairs of the pruning pass of decomposition (0: no pruning).", at_least(0)
    )
    keep: int = param(16, "Candidates kept after the pruning pass.", at_least(1))

    def fit(
        self,
        bank: SequenceBank,
        language_model: LanguageModel,
        on_step: Callable[[int, float], None] | None = None,
    ) -> SequenceRTE:
        """Train the LoRA Psi on the bank's relation pairs (batches from ``[seed, 1]``).

        ``language_model.model`` carries the adapter until :meth:`release`;
        ``on_step(step, loss)`` is called after each training step (progress bars).
        """
        self.validate_params()
        check_fit_inputs(bank, language_model, type(self).__name__)
        rng = np.random.default_rng([self.seed, 1])
        losses: list[float] = []

        def step_done(step: int, loss: float) -> None:
            losses.append(loss)
            if on_step is not None:
                on_step(step, loss)

        self.model_ = train_lora(
            language_model.model,
            language_model.encoder,
            lambda _step: psi_training_batch(bank, rng, self.batch_size),
            self,
            on_step=step_done,
        )
        self.bank_ = bank
        self.encoder_ = language_model.encoder
        self.losses_ = losses
        return self

    def decompose(self, context: Context) -> SequenceDecomposition:
        """The bank candidate whose Psi prompts give the context's outputs the lowest NLL."""
        check_is_fitted(self, "model_")
        return best_decomposition(
            self.model_,
            self.encoder_,
            self.bank_.suite,
            self.bank_.candidates,
            context,
            batch_size=self.score_batch_size,
            probe=self.probe,
            keep=self.keep,
        )

    def predict_with(
        self, decomposition: SequenceDecomposition, inputs: Sequence[str]
    ) -> list[str]:
        """Psi's outputs on ``inputs`` for a given decomposition (the oracle row's use)."""
        check_is_fitted(self, "model_")
        suite, d = self.bank_.suite, decomposition
        prompts = [suite.psi_prompt(x, suite.anchor_output(d.anchor, x), d.phi) for x in inputs]
        return answer_prompts(
            self.model_,
            self.encoder_,
            suite,
            prompts,
            lambda r, y: suite.psi_answer(inputs[r], d.phi, y),
            self.score_batch_size,
        )

    def predict(self, context: Context, inputs: Sequence[str]) -> list[str]:
        """Decompose the target from its context, then answer ``inputs`` with Psi."""
        return self.predict_with(self.decompose(context), inputs)

    def save_adapter(self, directory: str | Path) -> Path:
        """Write the adapter to ``directory`` as safetensors plus its JSON config."""
        check_is_fitted(self, "model_")
        return save_adapter(self.model_, directory)

    def release(self) -> Any:
        """Remove the adapter; returns the base model (``language_model.model`` again).

        The estimator is unfitted afterwards: its Psi was the adapter.
        """
        check_is_fitted(self, "model_")
        base = detach_lora(self.model_)
        del self.model_, self.bank_, self.encoder_, self.losses_
        return base
