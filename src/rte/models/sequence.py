"""SequenceRTE: the relational task extrapolator of the language-model regime.

Psi is a pretrained causal LM tuned with LoRA on the bank's relation pairs, read off
the stored examples: a prompt carries the input, the anchor task's output on it and
the label of the transformation phi; the answer is the related task's output (for
parity a short chain of steps ending in it). A target is decomposed by likelihood
scoring over the bank's candidates: each candidate's anchor outputs on the context
inputs come from a model of the bank (:mod:`rte.decompose.sequence`: stored examples,
else Psi along the anchor's relation path from the root, each (task, input) computed
once per fit), and the context outputs' negative log-likelihood (NLL) under Psi is
summed. The lowest is the decomposition it reports (equal scores: one drawn at random
by a stream keyed by the seed and the context). The queries are answered by the
posterior over the candidates: every candidate within ``margin`` nats of the best
answers with Psi, weighted by its likelihood (a uniform prior over the bank's
candidates), and the heaviest answer wins; candidates are asked heaviest first, and
only until the weight not yet asked cannot change a winner
(:func:`rte.decompose.sequence.settled_vote`). No task generator is called (the strict
protocol); passing ``executed=True`` computes anchor outputs with the generators
instead, the ``rte_executed`` ablation row (access X).

The language model is not a hyperparameter: it is loaded once per run
(:func:`rte.lm.backends.load_language_model`) and passed to ``fit``, so that
``clone`` and ``get_params`` stay cheap and several methods share one model.
Fitting wraps that model in place with the adapter; :meth:`SequenceRTE.release`
removes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from rte._params import at_least, nonnegative, param
from rte.base import Estimator, check_is_fitted, estimator
from rte.decompose.sequence import (
    RelationTree,
    Values,
    bounded_scores,
    choose,
    executed_values,
    modelled_values,
    posterior,
    settled_vote,
    tie_stream,
)
from rte.errors import ModelFileError, ValidationError
from rte.lm.backends import LanguageModel
from rte.lm.lora import detach_lora, load_adapter, save_adapter, train_lora
from rte.lm.prompts import Example
from rte.lm.scoring import Generated, answer_nll, generate
from rte.models.adapters import differences, fit_record, read_record, save_with_record
from rte.params import LoraParams, ScoringParams
from rte.tasks.sequence import (
    Pairs,
    Relation,
    SequenceAnswer,
    SequenceBank,
    SequenceDecomposition,
    Target,
)

Context = Sequence[tuple[str, str]]
# Context NLL charged for a Psi answer with no output in it (a broken chain).
MALFORMED_NLL = 20.0


def query_task(d: SequenceDecomposition) -> str:
    """The label a decomposition takes as one more task of the relation tree when it
    answers queries (a function of the decomposition alone, so its outputs can be
    cached with the bank's)."""
    return f"<query {d.anchor} {d.phi}>"


def check_fit_inputs(bank: Any, language_model: Any, owner: str) -> None:
    """Refuse a ``bank`` or ``language_model`` of the wrong type before any work."""
    if not isinstance(bank, SequenceBank):
        raise ValidationError(
            f"{owner}.fit expects a SequenceBank (kind.split(rng).bank). Got {type(bank).__name__}."
        )
    if not isinstance(language_model, LanguageModel):
        raise ValidationError(
            f"{owner}.fit expects a LanguageModel (rte.lm.backends.load_language_model). "
            f"Got {type(language_model).__name__}."
        )


def relation_examples(bank: SequenceBank) -> dict[Relation, list[tuple[str, str, str]]]:
    """Per relation, its (x, anchor output, task output) triples read off the stored
    examples of both tasks on the inputs they share."""
    out = {}
    for r in bank.relations:
        triples = []
        for x, y in bank.tasks[r.task]:
            a = bank.stored(r.anchor, x)
            if a is not None:
                triples.append((x, a, y))
        if triples:
            out[r] = triples
    if not out:
        raise ValidationError(
            "Psi trains on relation pairs stored on shared inputs. Got a bank whose related "
            "tasks share no stored input; store them on common inputs."
        )
    return out


def psi_training_batch(
    bank: SequenceBank,
    rng: np.random.Generator,
    size: int,
    examples: dict[Relation, list[tuple[str, str, str]]] | None = None,
) -> list[Example]:
    """Random relation pairs of the bank on stored inputs, as Psi examples.

    Balanced over phi: draw phi uniformly, then one of the bank's pairs with it.
    Uniform over pairs would train each phi in proportion to its number of
    training pairs (1 to 7 in the strings kind), and the phis with the fewest
    training compositions are the outer primitives of the most held-out ones.
    """
    kind = bank.kind
    examples = examples if examples is not None else relation_examples(bank)
    by_phi: dict[str, list[Relation]] = {}
    for r in examples:
        by_phi.setdefault(r.phi, []).append(r)
    phis = sorted(by_phi)
    batch = []
    for _ in range(size):
        pairs = by_phi[phis[int(rng.integers(len(phis)))]]
        r = pairs[int(rng.integers(len(pairs)))]
        x, a, y = examples[r][int(rng.integers(len(examples[r])))]
        batch.append(Example(kind.psi_prompt(x, a, r.phi), kind.psi_answer(x, a, r.phi, y)))
    return batch


@estimator(LoraParams, ScoringParams)
class SequenceRTE(Estimator):
    """LoRA-tuned Psi on the bank's relation labels; decomposition by likelihood scoring.

    Example::

        lm = load_language_model()
        split = StringTasks().split(np.random.default_rng(0))
        rte = SequenceRTE().fit(split.bank, lm)  # the tasks' LoRA budget
        target = split.targets[0]
        outputs = rte.predict(target.context, [x for x, _ in target.queries])
        base = rte.release()
    """

    fitted: ClassVar[Mapping[str, str]] = {
        "bank_": "the stored bank (SequenceBank)",
        "tree_": "each bank task's relation path from the root (RelationTree)",
        "model_": "the language model carrying Psi's LoRA adapter",
        "base_model_": "where the base language model came from (LanguageModel.source)",
        "encoder_": "the tokenisation cache (Encoder)",
        "losses_": "Psi's training loss per step (list of float)",
        "max_new_tokens_": "longest answer Psi generates, in tokens",
        "generated_": "Psi's greedy answer per distinct prompt (filled as Psi is asked)",
        "nll_": "Psi's answer NLL per scored example and answer length (filled as scored)",
        "values_": "the model of the bank's output per (task, input), filled as asked and "
        "read by every method that shares this fit",
    }

    sees: ClassVar[str] = "BCL"
    description: ClassVar[str] = (
        "LoRA-tuned Psi on the bank's relation pairs; anchors from a model of the bank; "
        "decomposition by likelihood scoring"
    )
    uses_language_model: ClassVar[bool] = True
    share_fit: ClassVar[bool] = True
    searches_candidates: ClassVar[bool] = True
    # Whether anchor outputs come from the generators (the rte_executed row, access X).
    executed_anchors: ClassVar[bool] = False
    # How the fitted Psi is read, not what it is: fits that differ only in these are one fit.
    predict_params: ClassVar[frozenset[str]] = frozenset(
        {"tie", "margin", "bound_tokens", "score_batch_size"}
    )

    tie: float = param(
        0.0,
        "Candidates whose context NLL is within this many nats of the best count as equally "
        "likely; the reported decomposition is drawn among them at random (a stream keyed by "
        "the seed and the context), so no candidate order or size is preferred.",
        nonnegative,
    )
    margin: float = param(
        6.0,
        "Candidates within this many nats of the best context NLL answer the queries "
        "together, each weighted by its posterior exp(-NLL) (0: only the best and its ties).",
        nonnegative,
    )
    bound_tokens: int = param(
        0,
        "The search's first pass over every candidate: 0 scores the first context pair in "
        "full; k > 0 only its first k answer tokens, a looser lower bound. It changes the "
        "cost, never the scores within the margin (0 was twice as fast on validation seed "
        "100, benchmarks/sequence_search_cost.py).",
        at_least(0),
    )

    def fit(
        self,
        bank: SequenceBank,
        language_model: LanguageModel,
        on_step: Callable[[int, float], None] | None = None,
    ) -> SequenceRTE:
        """Train the LoRA Psi on the bank's stored relation pairs (batches from ``[seed, 1]``).

        ``language_model.model`` carries the adapter until :meth:`release`;
        ``on_step(step, loss)`` is called after each training step (progress bars).
        """
        tree, examples = self._prepare(bank, language_model)
        rng = np.random.default_rng([self.seed, 1])
        losses: list[float] = []

        def step_done(step: int, loss: float) -> None:
            losses.append(loss)
            if on_step is not None:
                on_step(step, loss)

        batches = partial(psi_training_batch, bank, rng, self.batch_size, examples)
        lora = self.group(LoraParams)
        model = train_lora(
            language_model, batches, lora, self.seed, bank.kind.lora_steps, step_done
        )
        return self._settle(bank, tree, examples, language_model, model, losses)

    def load_adapter(
        self, bank: SequenceBank, language_model: LanguageModel, directory: str | Path
    ) -> SequenceRTE:
        """Fitted state from an adapter saved by :meth:`save_adapter`, without training.

        The folder's ``fit.json`` must record this fit: the same class, the hyperparameters
        that shape the fit (``predict_params`` aside), the same bank and base model;
        anything else is refused before the adapter is attached. ``losses_`` is empty.
        """
        tree, examples = self._prepare(bank, language_model)
        expected = fit_record(self, bank.fingerprint(), language_model.source)
        found = differences(read_record(directory), expected)
        if found:
            raise ModelFileError(
                f"{directory}: the adapter was tuned by another fit (it differs in "
                f"{', '.join(found)}). Load it with the hyperparameters, bank and base model "
                "it was tuned with, or fit this estimator."
            )
        model = load_adapter(language_model.model, directory)
        return self._settle(bank, tree, examples, language_model, model, [])

    def _prepare(
        self, bank: SequenceBank, language_model: LanguageModel
    ) -> tuple[RelationTree, dict[Relation, list[tuple[str, str, str]]]]:
        """Every check of a fit's inputs, before any work; the relation tree and pairs."""
        self.validate_params()
        check_fit_inputs(bank, language_model, type(self).__name__)
        kind = bank.kind
        if kind.chain and not kind.choices:
            raise ValidationError(
                f"A kind whose Psi answers are chains needs closed choices. Got "
                f"{type(kind).__name__} with chain=True and no choices."
            )
        tree = RelationTree.of(bank)
        tree.check_reaches(d.anchor for d in bank.candidates)
        return tree, relation_examples(bank)

    def _settle(
        self,
        bank: SequenceBank,
        tree: RelationTree,
        examples: dict[Relation, list[tuple[str, str, str]]],
        language_model: LanguageModel,
        model: Any,
        losses: list[float],
    ) -> SequenceRTE:
        """The fitted state around a tuned Psi (by training or from a saved adapter)."""
        kind = bank.kind
        self.model_ = model
        self.base_model_ = language_model.source
        self.bank_ = bank
        self.tree_ = tree
        self.encoder_ = language_model.encoder
        self.losses_ = losses
        # Room for the longest output and its end of line; a chain (parity's has one
        # length) stops at its last token, the output: no step is spent on the newline.
        ids = self.encoder_.ids
        if kind.chain:
            chains = psi_training_batch(bank, np.random.default_rng(0), 64, examples)
            self.max_new_tokens_ = max(len(ids(e.answer.rstrip("\n"))) for e in chains)
        else:
            self.max_new_tokens_ = len(ids(kind.answer("x" * kind.max_answer_chars))) + 1
        self.generated_: dict[str, Generated] = {}
        self.nll_: dict[int, dict[Example, float]] = {}
        self.values_: Values = {}
        return self

    # Psi, cached: each distinct prompt is generated or scored once per fit.
    def _generate(self, prompts: Sequence[str]) -> list[Generated]:
        missing = [p for p in dict.fromkeys(prompts) if p not in self.generated_]
        if missing:
            kind = self.bank_.kind
            done = generate(
                self.model_,
                self.encoder_,
                missing,
                max_new_tokens=self.max_new_tokens_,
                batch_size=self.score_batch_size,
                track=kind.choices if kind.chain else (),
            )
            self.generated_.update(zip(missing, done, strict=True))
        return [self.generated_[p] for p in prompts]

    def _psi_outputs(self, steps: Sequence[tuple[str, str, str]]) -> list[str]:
        kind = self.bank_.kind
        texts = self._generate([kind.psi_prompt(x, a, phi) for x, a, phi in steps])
        return [kind.psi_output(g.text) for g in texts]

    def _psi_nll(
        self, rows: Sequence[tuple[str, str, str, str]], answer_tokens: int = 0
    ) -> np.ndarray:
        """NLL of each observed ``y`` under Psi given (x, anchor output, phi).

        A chain suite's output is scored after Psi's own greedy chain; an answer
        without a chain is scored directly (teacher forcing the observed output, its
        first ``answer_tokens`` tokens only when > 0).
        """
        kind = self.bank_.kind
        if kind.chain:
            made = self._generate([kind.psi_prompt(x, a, phi) for x, a, phi, _ in rows])
            return np.array(
                [
                    -g.choice_logprobs[kind.choices.index(y)]
                    if g.choice_logprobs
                    else MALFORMED_NLL
                    for g, (*_, y) in zip(made, rows, strict=True)
                ]
            )
        examples = [
            Example(kind.psi_prompt(x, a, phi), kind.psi_answer(x, a, phi, y))
            for x, a, phi, y in rows
        ]
        cache = self.nll_.setdefault(answer_tokens, {})
        missing = [e for e in dict.fromkeys(examples) if e not in cache]
        if missing:
            nll = answer_nll(
                self.model_,
                self.encoder_,
                missing,
                batch_size=self.score_batch_size,
                answer_tokens=answer_tokens,
            )
            cache.update(zip(missing, nll.tolist(), strict=True))
        return np.array([cache[e] for e in examples])

    def anchor_values(
        self, anchors: Sequence[str], inputs: Sequence[str], *, executed: bool = False
    ) -> dict[tuple[str, str], str]:
        """Outputs of bank tasks on inputs: from the model of the bank, or (``executed``,
        the X ablation) from the generators."""
        check_is_fitted(self, "model_")
        return self._values([(a, x) for a in dict.fromkeys(anchors) for x in inputs], executed)

    def _values(self, needs: Sequence[tuple[str, str]], executed: bool) -> Values:
        if executed:
            return executed_values(self.bank_, needs)
        kind = self.bank_.kind
        return modelled_values(
            self.bank_, self.tree_, needs, self._psi_outputs, kind.choices, self.values_
        )

    def scores(self, context: Context, *, executed: bool = False) -> np.ndarray:
        """Every bank candidate's context NLL: exact within ``margin`` of the best, a lower
        bound beyond it (:func:`rte.decompose.sequence.bounded_scores`)."""
        check_is_fitted(self, "model_")
        pairs = tuple(context)
        candidates = self.bank_.candidates

        def score(rows: Sequence[tuple[int, int]], tokens: int) -> np.ndarray:
            needs = [(candidates[c].anchor, pairs[j][0]) for c, j in rows]
            values = self._values(needs, executed)
            steps = []
            for c, j in rows:
                d, (x, y) = candidates[c], pairs[j]
                steps.append((x, values[(d.anchor, x)], d.phi, y))
            return self._psi_nll(steps, tokens)

        return bounded_scores(
            len(candidates),
            len(pairs),
            score,
            margin=max(self.margin, self.tie),
            first_tokens=self.bound_tokens,
        )

    def decompose(self, context: Context, *, executed: bool = False) -> SequenceDecomposition:
        """The bank candidate whose Psi prompts give the context's outputs the lowest NLL
        (ties within ``tie`` drawn at random)."""
        return self._decide(tuple(context), self.scores(context, executed=executed))

    def _decide(self, context: Pairs, scores: np.ndarray) -> SequenceDecomposition:
        return self.bank_.candidates[choose(scores, self.tie, tie_stream(self.seed, context))]

    def answers(
        self,
        decompositions: Sequence[SequenceDecomposition],
        inputs: Sequence[str],
        *,
        executed: bool = False,
    ) -> list[list[str]]:
        """Psi's outputs on ``inputs`` for each decomposition, all asked in one batch per
        depth: ``answers[k][i]`` is decomposition k's output on input i."""
        check_is_fitted(self, "model_")
        if executed:
            values = self._values([(d.anchor, x) for d in decompositions for x in inputs], True)
            steps = [(x, values[(d.anchor, x)], d.phi) for d in decompositions for x in inputs]
            flat = self._psi_outputs(steps)
        else:
            # Each decomposition as one more task of the tree: its anchor's path and the
            # last step are asked together (one pass for closed outputs).
            labels = [query_task(d) for d in decompositions]
            tree = self.tree_.extended(
                Relation(d.anchor, d.phi, q) for d, q in zip(decompositions, labels, strict=True)
            )
            needs = [(q, x) for q in labels for x in inputs]
            kind = self.bank_.kind
            values = modelled_values(
                self.bank_, tree, needs, self._psi_outputs, kind.choices, self.values_
            )
            flat = [values[n] for n in needs]
        n = len(inputs)
        return [flat[k * n : (k + 1) * n] for k in range(len(decompositions))]

    def predict_with(
        self,
        decomposition: SequenceDecomposition,
        inputs: Sequence[str],
        *,
        executed: bool = False,
    ) -> list[str]:
        """Psi's outputs on ``inputs`` for a given decomposition (the oracle row's use)."""
        return self.answers([decomposition], inputs, executed=executed)[0]

    def _answer(
        self, context: Context, inputs: Sequence[str], executed: bool
    ) -> tuple[SequenceDecomposition, list[str]]:
        pairs = tuple(context)
        scores = self.scores(pairs, executed=executed)
        found = self._decide(pairs, scores)
        chosen, weights = posterior(scores, self.margin)
        candidates = [self.bank_.candidates[int(i)] for i in chosen]

        def ask(ks: Sequence[int]) -> list[list[str]]:
            return self.answers([candidates[k] for k in ks], inputs, executed=executed)

        return found, settled_vote(weights, ask, tie_stream(self.seed, pairs, "vote"))

    def predict(self, context: Context, inputs: Sequence[str]) -> list[str]:
        """Answer ``inputs`` by the posterior over the candidates given ``context``."""
        return self._answer(context, inputs, executed=False)[1]

    def answer(self, target: Target) -> SequenceAnswer:
        """The benchmark interface: decompose ``target`` from its context, answer its
        query inputs by the posterior over the candidates (anchors executed only in rows
        with access X)."""
        inputs = [x for x, _ in target.queries]
        found, outputs = self._answer(target.context, inputs, self.executed_anchors)
        return SequenceAnswer(tuple(outputs), found)

    def clear_caches(self) -> None:
        """Forget Psi's cached answers and scores and the model of the bank's outputs:
        the next target is answered from nothing (a cost measurement; memory)."""
        check_is_fitted(self, "model_")
        self.generated_, self.nll_, self.values_ = {}, {}, {}

    def save_adapter(self, directory: str | Path) -> Path:
        """Write the adapter to ``directory``: safetensors, peft's JSON config and
        ``fit.json``, the record :meth:`load_adapter` checks (all or nothing)."""
        check_is_fitted(self, "model_")
        record = fit_record(self, self.bank_.fingerprint(), self.base_model_)
        return save_with_record(partial(save_adapter, self.model_), directory, record)

    def release(self) -> Any:
        """Remove the adapter; returns the base model (``language_model.model`` again).

        The estimator is unfitted afterwards: its Psi was the adapter.
        """
        check_is_fitted(self, "model_")
        base = detach_lora(self.model_)
        for name in self.fitted:
            delattr(self, name)
        return base
