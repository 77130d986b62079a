"""The language-model baselines of the sequence suites: ``few_shot`` and ``sft``.

Both answer a target's queries from few-shot prompts (its context pairs as
demonstrations, then the query). ``few_shot`` uses the untouched base model;
``sft`` first tunes a LoRA adapter on few-shot prompts of the bank's tasks, with
the LoRA budget RTE gets (:class:`rte.lm.lora.LoraParams`). Like
:class:`rte.models.sequence.SequenceRTE` they take the loaded language model in
``fit``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

import numpy as np

from rte.base import Estimator, check_is_fitted, estimator
from rte.lm.backends import LanguageModel
from rte.lm.lora import detach_lora, train_lora
from rte.lm.prompts import Example
from rte.lm.scoring import answer_prompts
from rte.models.sequence import Context, check_fit_inputs
from rte.params import LoraParams, ScoringParams
from rte.tasks.sequence import SequenceAnswer, SequenceBank, Target

# (bank task, input, output) -> the answer text a tuned model is trained to write.
Answer = Callable[[str, str, str], str]


def sft_training_batch(
    bank: SequenceBank, rng: np.random.Generator, size: int, answer: Answer | None = None
) -> list[Example]:
    """Few-shot prompts of random bank tasks from their stored examples, the query's
    answer as label (``answer(task, x, y)``, by default the plain output).

    Each step draws one number of demonstrations between 1 and the suite's
    ``n_context`` (uniformly, at most one less than a task stores) for the whole
    batch: the model learns to answer from contexts of every length, and since a
    batch is as long as its longest prompt, one length per batch makes the average
    step about half as long as full contexts would.
    """
    kind = bank.kind
    labels = list(bank.tasks)
    fewest = min(len(pairs) for pairs in bank.tasks.values())
    k = int(rng.integers(1, max(1, min(kind.n_context, fewest - 1)) + 1))
    batch = []
    for _ in range(size):
        task = labels[int(rng.integers(len(labels)))]
        pairs = bank.tasks[task]
        picked = [pairs[int(i)] for i in rng.choice(len(pairs), min(k + 1, len(pairs)), False)]
        *demos, (x, y) = picked
        text = kind.answer(y) if answer is None else answer(task, x, y)
        batch.append(Example(kind.fewshot_prompt(tuple(demos), x), text))
    return batch


@estimator(ScoringParams)
class FewShot(Estimator):
    """The base model reads the target's context as demonstrations.

    ``fit`` keeps only the suite's prompt format from the bank (not its tasks) and
    the model.
    """

    fitted: ClassVar[Mapping[str, str]] = {
        "kind_": "the kind of tasks: prompt formats (SequenceTasks)",
        "model_": "the language model (tuned in place by SFT)",
        "encoder_": "the tokenisation cache (Encoder)",
    }

    sees: ClassVar[str] = "C"
    description: ClassVar[str] = "the base LM prompted with the target's context as demonstrations"
    uses_language_model: ClassVar[bool] = True

    def fit(self, bank: SequenceBank, language_model: LanguageModel) -> FewShot:
        """Keep the prompt format and the (untuned) model."""
        self.validate_params()
        check_fit_inputs(bank, language_model, type(self).__name__)
        self.kind_ = bank.kind
        self.model_ = language_model.model
        self.encoder_ = language_model.encoder
        return self

    def predict(self, context: Context, inputs: Sequence[str]) -> list[str]:
        """Outputs for ``inputs`` from few-shot prompts of ``context``."""
        check_is_fitted(self, "model_")
        kind = self.kind_
        prompts = [kind.fewshot_prompt(tuple(context), x) for x in inputs]
        return answer_prompts(self.model_, self.encoder_, kind, prompts, self.score_batch_size)

    def answer(self, target: Target) -> SequenceAnswer:
        """The benchmark interface: outputs for the target's query inputs."""
        return SequenceAnswer(tuple(self.predict(target.context, [x for x, _ in target.queries])))


@estimator(LoraParams)
class SFT(FewShot):
    """LoRA-tuned on few-shot prompts of the bank's tasks, then prompted like few_shot."""

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = (
        "LM LoRA-tuned on few-shot prompts of the bank's tasks, prompted with the context"
    )

    def fit(
        self,
        bank: SequenceBank,
        language_model: LanguageModel,
        on_step: Callable[[int, float], None] | None = None,
    ) -> SFT:
        """Tune the adapter (batches from ``[seed, 2]``); ``language_model.model`` carries it
        until :meth:`release`. ``on_step(step, loss)`` follows training."""
        self.validate_params()
        check_fit_inputs(bank, language_model, type(self).__name__)
        answer = self._training_answer(bank)
        rng = np.random.default_rng([self.seed, 2])
        batches = partial(sft_training_batch, bank, rng, self.batch_size, answer)
        lora = self.group(LoraParams)
        self.model_ = train_lora(
            language_model, batches, lora, self.seed, bank.kind.lora_steps, on_step
        )
        self.kind_ = bank.kind
        self.encoder_ = language_model.encoder
        return self

    def _training_answer(self, bank: SequenceBank) -> Answer | None:
        """The answers the adapter learns to write (None: the plain outputs)."""
        return None

    def release(self) -> Any:
        """Remove the adapter; returns the base model. The estimator is unfitted afterwards."""
        check_is_fitted(self, "model_")
        base = detach_lora(self.model_)
        for name in self.fitted_attributes():
            if hasattr(self, name):
                delattr(self, name)
        return base
