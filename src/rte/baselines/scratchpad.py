"""``sft_scratchpad``: supervised fine-tuning whose answers write the intermediate steps.

The strongest published ways to make a small language model extrapolate on tasks like
parity and string compositions write the steps out before the answer (scratchpads,
Nye et al. 2021; Anil et al., NeurIPS 2022; Zhou et al., ICLR 2024). This peer is
:class:`rte.baselines.lm.SFT` with such answers: the same language model, the same
LoRA budget and the same few-shot prompts of the bank's tasks, but the query's answer
spells out the value after each relation of the task's path from the root (parity:
the running XOR over the subset's bits; strings: the string after each primitive),
then the output. The steps are read off the stored examples of the path's tasks on
the same input (every bank task is stored on the same inputs) and the relation labels
(code L): no generator is called. At test time the target's context pairs are the
demonstrations, as for ``sft``; the model writes its own steps and the last one is its
answer. The format (values alone, or each with phi's label) is an option, chosen on
validation seeds (docs/sequence.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rte._checks import check_choice
from rte._params import one_of, optional, param
from rte.base import check_is_fitted, estimator
from rte.baselines.lm import SFT, Answer
from rte.decompose.sequence import RelationTree
from rte.errors import ValidationError
from rte.lm.scoring import generate
from rte.models.sequence import Context
from rte.params import LoraParams
from rte.tasks.sequence import SCRATCHPAD_FORMATS, SequenceBank


def scratchpad_answers(bank: SequenceBank, style: str) -> Answer:
    """``answer(task, x, y)``: the scratchpad of bank task ``task`` on stored input ``x``,
    its steps read off the stored examples along the task's relation path; ``style`` is
    one of :data:`SCRATCHPAD_FORMATS`, checked before any answer is written."""
    check_choice(style, SCRATCHPAD_FORMATS, "scratchpad format")
    tree = RelationTree.of(bank)
    tree.check_reaches(bank.tasks)
    kind = bank.kind

    def answer(task: str, x: str, y: str) -> str:
        steps = []
        for r in tree.path(task):
            value = bank.stored(r.task, x)
            if value is None:
                raise ValidationError(
                    f"A scratchpad reads every step of a task's path off stored examples on "
                    f"the same input. Got task {r.task!r} without one on {x!r}; store the "
                    "bank's tasks on shared inputs."
                )
            steps.append((r.phi, value))
        return kind.scratchpad_answer(x, steps, y, style)

    return answer


@estimator(LoraParams)
class ScratchpadSFT(SFT):
    """LoRA-tuned on few-shot prompts of the bank's tasks whose answers write the steps
    along each task's relation path; prompted with the target's context, it writes its
    own steps and answers with the last."""

    fitted: ClassVar[Mapping[str, str]] = {
        "max_new_tokens_": "longest scratchpad the model may write, in tokens",
    }

    sees: ClassVar[str] = "BCL"
    description: ClassVar[str] = (
        "LM LoRA-tuned (sft's budget) on few-shot prompts of the bank's tasks whose answers "
        "write the steps along each task's relation path (running XOR / string after each "
        "primitive), prompted with the context"
    )

    style: str | None = param(
        None,
        "Scratchpad format: running (the value after each step) or labelled (each step's "
        "phi label with it); none: the format the bank's tasks declare (parity labelled, "
        "strings running).",
        optional(one_of(*SCRATCHPAD_FORMATS)),
    )

    def _training_answer(self, bank: SequenceBank) -> Answer:
        """The scratchpads. Generation may write one step more than the bank's longest
        answer (a target may lie one relation beyond the bank): every character counts
        as a token, an upper bound."""
        answer = scratchpad_answers(bank, self.style or bank.kind.scratchpad_format)
        tree = RelationTree.of(bank)
        longest, steps = 0, 1
        for task, pairs in bank.tasks.items():
            steps = max(steps, len(tree.path(task)))
            longest = max(longest, *(len(answer(task, x, y)) for x, y in pairs))
        self.max_new_tokens_ = longest + longest // steps + 1
        return answer

    def predict(self, context: Context, inputs: Sequence[str]) -> list[str]:
        """Outputs for ``inputs``: the last step of the scratchpad written after few-shot
        prompts of ``context``."""
        check_is_fitted(self, "model_")
        kind = self.kind_
        prompts = [kind.fewshot_prompt(tuple(context), x) for x in inputs]
        texts = generate(
            self.model_,
            self.encoder_,
            prompts,
            max_new_tokens=self.max_new_tokens_,
            batch_size=self.score_batch_size,
        )
        return [kind.scratchpad_output(t.text) for t in texts]
