"""Decomposition as a search: anchor outputs from a model of the bank, candidates ranked
by a context score, ties broken by the bank's candidate order.

Under the strict protocol an anchor enters Psi only as data: its output on an input
is the stored output where the input is among its stored examples, else a model's
prediction (:func:`modelled_values`): the root task's rule read off its stored
examples, then Psi applied along the task's relation path from the root, one step
per relation. Every step is a relation pair of the bank, on which Psi was trained,
so this model of the bank is in-support. The X rows compute the same outputs with
the generators instead (:func:`executed_values`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from rte.errors import ValidationError
from rte.tasks.sequence import Pairs, Relation, SequenceBank, SequenceDecomposition

# (x, anchor output, phi) -> Psi's output, for a batch of steps.
PsiOutputs = Callable[[Sequence[tuple[str, str, str]]], list[str]]
# (candidates, pairs) -> one score per candidate (lower is better).
Scorer = Callable[[Sequence[SequenceDecomposition], Pairs], np.ndarray]
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

    def extended(self, relation: Relation) -> RelationTree:
        """This tree with one more task: ``relation.task``, reached from its anchor."""
        depth = {**self.depth, relation.task: self.depth[relation.anchor] + 1}
        return RelationTree({**self.parent, relation.task: relation}, depth)

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
) -> Values:
    """Outputs of bank tasks on inputs, ``{(task, x): output}``, from a model of the bank.

    A stored input is looked up; the root follows its rule (:meth:`SequenceBank.root_value`);
    any other task is Psi applied to its parent's output with the relation's phi. One
    batched ``psi`` call per depth; no generator is called. When outputs are closed
    ``choices`` (parity's bits), every step is first asked for every possible parent
    output in one batched call, so a path of any depth costs one pass, not one per step.
    """
    wanted = list(dict.fromkeys(needs))
    todo = set(wanted)
    stack = list(wanted)
    while stack:
        task, x = stack.pop()
        if task != bank.root and bank.stored(task, x) is None:
            step = (tree.parent[task].anchor, x)
            if step not in todo:
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

    values: Values = {}
    for level in sorted(by_depth):
        calls = []
        for task, x in sorted(by_depth[level]):
            stored = bank.stored(task, x)
            if stored is not None:
                values[(task, x)] = stored
            elif task == bank.root:
                values[(task, x)] = bank.root_value(x)
            else:
                calls.append((task, x))
        if calls:
            parents = [tree.parent[t] for t, _ in calls]
            steps = [
                (x, values[(r.anchor, x)], r.phi) for r, (_, x) in zip(parents, calls, strict=True)
            ]
            values.update(zip(calls, psi(steps), strict=True))
    return {k: values[k] for k in wanted}


def executed_values(bank: SequenceBank, needs: Iterable[tuple[str, str]]) -> Values:
    """Generator: the same outputs computed by executing each task (X rows only)."""
    return {(t, x): bank.kind.anchor_output(t, x) for t, x in dict.fromkeys(needs)}


def choose(scores: np.ndarray, tie: float) -> int:
    """Index of the lowest score; scores within ``tie`` of it count as equally likely and
    the first in candidate order (fewest bits or primitives first) wins."""
    return int(np.flatnonzero(scores <= scores.min() + tie)[0])


def best_candidate(
    candidates: Sequence[SequenceDecomposition],
    context: Pairs,
    score: Scorer,
    *,
    probe: int = 0,
    keep: int = 16,
    tie: float = 0.0,
    probe_score: Scorer | None = None,
) -> SequenceDecomposition:
    """The candidate with the best context score, ties broken by candidate order.

    With ``0 < probe < len(context)`` every candidate is first scored on the first
    ``probe`` context pairs (by ``probe_score``, a cheaper score, if given) and only
    the best ``keep`` (in candidate order) on all.
    """
    if not candidates:
        raise ValidationError("best_candidate needs at least one candidate. Got none.")
    pool = list(candidates)
    if 0 < probe < len(context) and keep < len(pool):
        first = (probe_score or score)(pool, context[:probe])
        pool = [pool[i] for i in sorted(np.argsort(first, kind="stable")[:keep])]
    return pool[choose(score(pool, context), tie)]
