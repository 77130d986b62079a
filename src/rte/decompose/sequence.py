"""Decomposition as a search: anchor outputs from a model of the bank, candidates ranked
by a context score, ties broken at random by a stream keyed by the episode's seed and
the context.

Under the strict protocol an anchor enters Psi only as data: its output on an input
is the stored output where the input is among its stored examples, else a model's
prediction (:func:`modelled_values`): the root task's rule read off its stored
examples, then Psi applied along the task's relation path from the root, one step
per relation. Every step is a relation pair of the bank, on which Psi was trained,
so this model of the bank is in-support; each (task, input) is computed once and
kept in a cache that every candidate and target reads. The X rows compute the same
outputs with the generators instead (:func:`executed_values`).

:func:`bounded_scores` finds the context score of every candidate within a margin of
the best without scoring the others in full (a score is a sum of non-negative
per-token NLLs, so a partial sum bounds it from below); :func:`posterior` and
:func:`vote` turn the scores into a weighted answer, and :func:`settled_vote` reaches
the same answer asking only the candidates whose weight can still change it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np

from rte.errors import ValidationError
from rte.runtime import stream
from rte.tasks.sequence import Pairs, Relation, SequenceBank, SequenceDecomposition

# (x, anchor output, phi) -> Psi's output, for a batch of steps.
PsiOutputs = Callable[[Sequence[tuple[str, str, str]]], list[str]]
# (candidates, pairs) -> one score per candidate (lower is better).
Scorer = Callable[[Sequence[SequenceDecomposition], Pairs], np.ndarray]
# ((candidate index, context pair index) rows, answer tokens, 0 for all) -> one NLL per row.
PairScorer = Callable[[Sequence[tuple[int, int]], int], np.ndarray]
Values = dict[tuple[str, str], str]


@dataclass(frozen=True)
class RelationTree:
    """Each bank task's first relation on a path from the root, and its depth."""

    parent: dict[str, Relation]
    depth: dict[str, int]

    @classmethod
    def of(cls, bank: SequenceBank) -> RelationTree:
        """Breadth first from the root over the bank's relations, in bank order."""
        children: dict[str, list[Relation]] = defaultdict(list)
        for r in bank.relations:
            children[r.anchor].append(r)
        parent: dict[str, Relation] = {}
        depth = {bank.root: 0}
        frontier = [bank.root]
        while frontier:
            following = []
            for task in frontier:
                for r in children[task]:
                    if r.task not in depth:
                        depth[r.task], parent[r.task] = depth[task] + 1, r
                        following.append(r.task)
            frontier = following
        return cls(parent, depth)

    def extended(self, relations: Iterable[Relation]) -> RelationTree:
        """This tree with more tasks: each ``relation.task``, reached from its anchor."""
        parent, depth = dict(self.parent), dict(self.depth)
        for r in relations:
            parent[r.task], depth[r.task] = r, self.depth[r.anchor] + 1
        return RelationTree(parent, depth)

    def path(self, task: str) -> list[Relation]:
        """The relations from the root to ``task``, root first."""
        steps = []
        while task in self.parent:
            steps.append(self.parent[task])
            task = self.parent[task].anchor
        return steps[::-1]

    def check_reaches(self, anchors: Iterable[str]) -> None:
        """Refuse anchors no relation path from the root reaches (no model of them)."""
        lost = sorted(set(anchors) - set(self.depth))
        if lost:
            raise ValidationError(
                f"Every candidate anchor must be reachable from the bank's root through its "
                f"relations, so its outputs can be modelled. Got unreachable {lost[:5]}."
            )


def modelled_values(
    bank: SequenceBank,
    tree: RelationTree,
    needs: Iterable[tuple[str, str]],
    psi: PsiOutputs,
    choices: Sequence[str] | None = None,
    cache: MutableMapping[tuple[str, str], str] | None = None,
) -> Values:
    """Outputs of bank tasks on inputs, ``{(task, x): output}``, from a model of the bank.

    A stored input is looked up; the root follows its rule (:meth:`SequenceBank.root_value`);
    any other task is Psi applied to its parent's output with the relation's phi. One
    batched ``psi`` call per depth; no generator is called. When outputs are closed
    ``choices`` (parity's bits), every step is first asked for every possible parent
    output in one batched call, so a path of any depth costs one pass, not one per step.
    ``cache`` (read and filled) keeps every (task, x) computed, intermediate steps
    included, so no step is computed twice across calls.
    """
    cache = {} if cache is None else cache
    wanted = list(dict.fromkeys(needs))
    todo = {n for n in wanted if n not in cache}
    stack = list(todo)
    while stack:
        task, x = stack.pop()
        if task != bank.root and bank.stored(task, x) is None:
            step = (tree.parent[task].anchor, x)
            if step not in todo and step not in cache:
                todo.add(step)
                stack.append(step)
    by_depth: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for task, x in todo:
        by_depth[tree.depth[task]].append((task, x))
    if choices is not None:
        modelled = [(t, x) for t, x in todo if t != bank.root and bank.stored(t, x) is None]
        ahead = sorted({(x, c, tree.parent[t].phi) for t, x in modelled for c in choices})
        known = dict(zip(ahead, psi(ahead), strict=True))

        def psi(steps: Sequence[tuple[str, str, str]], ask: PsiOutputs = psi) -> list[str]:
            unknown = [s for s in dict.fromkeys(steps) if s not in known]
            known.update(zip(unknown, ask(unknown) if unknown else [], strict=True))
            return [known[s] for s in steps]

    for level in sorted(by_depth):
        calls = []
        for task, x in sorted(by_depth[level]):
            stored = bank.stored(task, x)
            if stored is not None:
                cache[(task, x)] = stored
            elif task == bank.root:
                cache[(task, x)] = bank.root_value(x)
            else:
                calls.append((task, x))
        if calls:
            parents = [tree.parent[t] for t, _ in calls]
            steps = [
                (x, cache[(r.anchor, x)], r.phi) for r, (_, x) in zip(parents, calls, strict=True)
            ]
            cache.update(zip(calls, psi(steps), strict=True))
    return {k: cache[k] for k in wanted}


def executed_values(bank: SequenceBank, needs: Iterable[tuple[str, str]]) -> Values:
    """Generator: the same outputs computed by executing each task (X rows only)."""
    return {(t, x): bank.kind.anchor_output(t, x) for t, x in dict.fromkeys(needs)}


def tie_stream(seed: int, context: Pairs, purpose: str = "ties") -> np.random.Generator:
    """The random stream that breaks one target's ties: keyed by the episode's seed and
    the target's context, so a draw does not depend on which targets came before."""
    return stream(seed, purpose, "\n".join(f"{x}\t{y}" for x, y in context))


def choose(scores: np.ndarray, tie: float, rng: np.random.Generator) -> int:
    """Index of the lowest score; scores within ``tie`` of it count as equally good and
    one of them is drawn uniformly from ``rng``. No order of the candidates (and so
    no size or depth) is preferred."""
    tied = np.flatnonzero(scores <= scores.min() + tie)
    return int(tied[0]) if len(tied) == 1 else int(rng.choice(tied))


def best_candidate(
    candidates: Sequence[SequenceDecomposition],
    context: Pairs,
    score: Scorer,
    *,
    rng: np.random.Generator,
    tie: float = 0.0,
) -> SequenceDecomposition:
    """The candidate with the best context score, ties drawn from ``rng``."""
    if not candidates:
        raise ValidationError("best_candidate needs at least one candidate. Got none.")
    return candidates[choose(score(candidates, context), tie, rng)]


def bounded_scores(
    n_candidates: int, n_pairs: int, score: PairScorer, *, margin: float, first_tokens: int = 0
) -> np.ndarray:
    """Every candidate's context score (the sum of its per-pair NLLs), exact for each
    candidate within ``margin`` of the best, a lower bound above best + ``margin`` for
    the others.

    An NLL is a sum of non-negative per-token terms, so the pairs scored so far bound a
    candidate's score from below. The first pass scores pair 0 for everyone: in full,
    or (``first_tokens`` > 0) only its first answer tokens, a cheaper but looser bound.
    The most promising candidate is then scored in full; then, round by round, every
    candidate whose bound is still within ``margin`` of the best full score is scored on
    its next pair (one batched call per round) until none is left open. Nothing within
    the margin is ever dropped, so the result does not depend on ``first_tokens``, only
    its cost does.
    """
    if n_candidates < 1 or n_pairs < 1:
        raise ValidationError(
            f"bounded_scores needs at least one candidate and one context pair. Got "
            f"{n_candidates} and {n_pairs}."
        )
    known = np.full((n_candidates, n_pairs), np.nan)
    everyone = [(c, 0) for c in range(n_candidates)]
    partial: np.ndarray | float = 0.0
    if first_tokens:
        partial = score(everyone, first_tokens)
    else:
        known[:, 0] = score(everyone, 0)
    while True:
        summed = np.nansum(known, axis=1)
        lower = np.where(np.isnan(known[:, 0]), summed + partial, summed)
        complete = ~np.isnan(known).any(axis=1)
        if not complete.any():
            lead = int(np.argmin(lower))
            rows = [(lead, j) for j in range(n_pairs) if np.isnan(known[lead, j])]
        else:
            limit = lower[complete].min() + margin
            open_ = np.flatnonzero(~complete & (lower <= limit))
            if not len(open_):
                return lower
            following = np.argmax(np.isnan(known[open_]), axis=1)
            rows = [(int(c), int(j)) for c, j in zip(open_, following, strict=True)]
        values = score(rows, 0)
        for (c, j), v in zip(rows, values, strict=True):
            known[c, j] = v


def posterior(scores: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """The candidates within ``margin`` nats of the best score and their posterior weights
    (a uniform prior over the bank's candidates times the context likelihood
    ``exp(-score)``, normalised)."""
    chosen = np.flatnonzero(scores <= scores.min() + margin)
    weights = np.exp(-(scores[chosen] - scores.min()))
    return chosen, weights / weights.sum()


# Relative slack under which two tallies count as equal (the vote's tie rule).
TALLY_TIE = 1e-12


def vote(
    weights: Sequence[float], answers: Sequence[Sequence[str]], rng: np.random.Generator
) -> list[str]:
    """Per query, the answer with the largest total weight over the candidates that give
    it (``answers[k][q]``: candidate k's answer to query q); exact ties drawn from
    ``rng``."""
    out = []
    for q in range(len(answers[0])):
        tally: dict[str, float] = defaultdict(float)
        for w, said in zip(weights, answers, strict=True):
            tally[said[q]] += float(w)
        top = max(tally.values())
        best = [a for a, w in tally.items() if w >= top * (1 - TALLY_TIE)]
        out.append(best[0] if len(best) == 1 else best[int(rng.integers(len(best)))])
    return out


def _leaders(
    said: Mapping[int, Sequence[str]], weights: np.ndarray, rest: float
) -> list[str] | None:
    """Each query's leading answer if no answer can overtake or tie it with ``rest`` more
    weight, else None."""
    leaders = []
    for q in range(len(next(iter(said.values())))):
        tally: dict[str, float] = defaultdict(float)
        for k, answers in said.items():
            tally[answers[q]] += float(weights[k])
        ranked = sorted(tally.items(), key=lambda item: -item[1])
        top = ranked[0][1]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if runner_up + rest >= top * (1 - TALLY_TIE):
            return None
        leaders.append(ranked[0][0])
    return leaders


def settled_vote(
    weights: Sequence[float],
    ask: Callable[[Sequence[int]], list[list[str]]],
    rng: np.random.Generator,
    first: int = 4,
) -> list[str]:
    """:func:`vote` over every candidate, without asking every candidate for its answers.

    ``ask(ks)`` returns the answers of candidates ``ks`` (indices into ``weights``).
    Candidates are asked heaviest first, in blocks of ``first``, then twice as many each
    round; the vote stops as soon as, on every query, the leading answer's tally exceeds
    the runner-up's by more than the weight not yet asked, since then no answer of the
    others can change a winner. Otherwise every candidate is asked and :func:`vote`
    decides, ties and their draws from ``rng`` included, so the answers are always those
    of :func:`vote` over all candidates.
    """
    w = np.asarray(weights, dtype=float)
    if len(w) == 0 or first < 1:
        raise ValidationError(
            f"settled_vote needs at least one candidate and a first block of at least 1. "
            f"Got {len(w)} candidates and first={first}."
        )
    order = np.argsort(-w, kind="stable")
    said: dict[int, Sequence[str]] = {}
    start, size = 0, first
    while start < len(order):
        block = [int(k) for k in order[start : start + size]]
        said.update(zip(block, ask(block), strict=True))
        start, size = start + len(block), size * 2
        leaders = _leaders(said, w, float(w[order[start:]].sum()))
        if leaders is not None:
            return leaders
    asked = sorted(said)
    return vote(w[asked].tolist(), [said[k] for k in asked], rng)
