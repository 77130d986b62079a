"""Choosing Psi for a bank without looking at any target: the bank's top as far targets.

A model is chosen for how it extrapolates, and the bank itself can show that. The
tasks at the top of the bank's main axis of variation (the first axis of the task
embedding; both ends in turn, since nothing says on which side targets will lie)
are held out with the package's one hold-out-the-top split
(:func:`rte.tasks.holdout.holdout_split`), each shown through a small noisy context
as a target is (``train_context_size`` points, noise ``train_context_noise``), and
each candidate setting, fitted on the remaining tasks, predicts their other
observations. The setting with the lowest mean squared error over the held-out tasks
serves the bank (a simpler one that is not significantly worse, and at most 10 %
worse, is preferred) and is then fitted on the whole bank.

Candidates, cheapest first:

1. the symbolic operator with each law its search kept (the search ran once, on the
   whole bank: a law's form is a handful of choices, its phi is fitted to each held-out
   context from anchors of the remaining tasks only), Psi's mean alone or corrected by
   the residual GP (intervals come from the GP either way);
2. only if the best symbolic setting misses the held-out tasks by more than the noise
   of their contexts (mean squared error above ``train_context_noise`` squared): the
   MLP and the warp operator, along chains or in one step, alone or with the GP's
   mean. Below that noise level little is left for a network to win, and training
   networks twice per end is the bulk of the selection's cost. Each trains for
   ``selection_steps`` (1,000 of the default 3,000: chosen on the real banks'
   validation splits, where it scored no worse; rte's time on ``rte bench real`` fell
   by about 60 %, docs/real.md);
   the network that serves trains for ``steps``.

A bank with fewer than ``MIN_HELD_OUT`` tasks at an end (under 20 tasks) is not
selected for: a choice on two or three simulated targets is a coin toss (on the
9-task Theoph bank it cost four times the MLP's error, docs/operators.md), and the
MLP, the paper's operator, serves it. The choice and every candidate's score are
returned as a JSON-ready record.

The chosen setting's standardized errors on the held-out tasks also calibrate rte's
intervals (split-conformal: they are returned beside the record, which counts them
under ``calibration``): its phi is fitted from the kept tasks' anchors only, and a
network is trained on the kept tasks only. Two parts
of the symbolic setting did see the held-out tasks: the law's form (one of a handful,
searched once on the whole bank) and the embedding that retrieves candidate anchors.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from rte.errors import ValidationError
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.holdout import HoldoutSplit, holdout_split

# Share of the bank held out at each end of its main axis.
SHARE = 0.25
# Fewer held-out tasks per end than this choose by chance: such a bank keeps the MLP.
MIN_HELD_OUT = 5
# A candidate tried earlier wins over the lowest error if at most this factor above it.
_TIE = 1.1
# The network operators, tried only when no law reaches the noise floor.
NETWORKS = ("mlp", "warp")
# Context size of the held-out tasks when training used dense tasks only.
_CONTEXT = 10


def held_out(model: Any, bank: TaskBank, variable: np.ndarray) -> list[tuple[TaskBank, TargetSet]]:
    """(reduced bank, held-out targets) for the top and the bottom of ``variable``. Only the
    bank's tasks are split (access B): its true parameters, labels or family, which the
    model may not see (a view holds them as Forbidden), are left behind."""
    bank = TaskBank(bank.x, bank.y, bank.mask, bank.task_ids)
    split = HoldoutSplit(
        share=SHARE,
        bands=("top",),
        context_size=model.train_context_size or _CONTEXT,
        noise=model.train_context_noise,
    )
    out = []
    for end, sign in enumerate((1.0, -1.0)):
        result = holdout_split(
            bank, sign * variable, split, np.random.default_rng([model.seed, 13, end])
        )
        out.append((result.bank, result.targets[0]))
    return out


def _variant(model: Any, operator: str) -> Any:
    """A fresh model with ``model``'s hyperparameters, the given operator and the
    selection's training budget (``selection_steps``, at most ``steps``)."""
    steps = min(model.selection_steps, model.steps)
    return type(model)(**{**model.get_params(), "operator": operator, "steps": steps})


class _Scores:
    """Each candidate's mean squared error per held-out target, and its standardized
    errors |truth - mean| / std at every held-out point (the conformal scores); one entry
    per held-out end, in the order they were scored."""

    def __init__(self) -> None:
        self.errors: dict[str, list[np.ndarray]] = defaultdict(list)
        self.standardized: dict[str, list[np.ndarray]] = defaultdict(list)
        self.settings: dict[str, dict[str, str]] = {}

    def add(
        self,
        name: str,
        setting: dict[str, str],
        pred: np.ndarray,
        std: np.ndarray,
        truth: np.ndarray,
    ) -> None:
        self.errors[name].append(((pred - truth) ** 2).mean(1))
        self.standardized[name].append((np.abs(truth - pred) / np.maximum(std, 1e-12)).ravel())
        self.settings[name] = setting

    def calibration(self, name: str) -> tuple[dict[str, int], np.ndarray]:
        """Candidate ``name``'s conformal scores (rte.intervals.conformal_factor turns them
        into a factor at any level) and their counts."""
        scores = np.concatenate(self.standardized[name])
        counts = {"points": int(scores.size), "tasks": sum(len(e) for e in self.errors[name])}
        return counts, scores

    def means(self) -> dict[str, float]:
        return {name: float(np.concatenate(e).mean()) for name, e in self.errors.items()}

    def best(self, targets: int) -> tuple[str, float] | None:
        """Among the candidates scored on all ``targets`` held-out targets, the first (in
        the order they were tried) whose error is not significantly above the lowest
        (paired over targets, within two standard errors of the mean difference) and at
        most ``_TIE`` times it (few held-out tasks make every difference insignificant).
        A tie goes to the simpler, earlier candidate (the laws come in the search's
        order, which puts a law that reads the anchor before one that does not)."""
        full = {n: np.concatenate(e) for n, e in self.errors.items()}
        full = {n: e for n, e in full.items() if len(e) == targets}
        if not full:
            return None
        lowest = min(full, key=lambda n: full[n].mean())
        for name, errors in full.items():
            gap = errors - full[lowest]
            close = errors.mean() <= _TIE * full[lowest].mean()
            if close and gap.mean() <= 2 * gap.std() / np.sqrt(len(gap)):
                return name, float(errors.mean())
        return lowest, float(full[lowest].mean())


def _score_means(
    scores: _Scores,
    name: str,
    setting: dict,
    fitted: Any,
    targets: TargetSet,
    anchors: np.ndarray | None = None,
):
    alone, corrected, std = fitted.predict_means(
        targets.context_x, targets.context_y, targets.query_x, anchors
    )
    truth = targets.query_y
    scores.add(f"{name} intervals", {**setting, "correction": "intervals"}, alone, std, truth)
    scores.add(f"{name} gp", {**setting, "correction": "gp"}, corrected, std, truth)


def score_candidates(
    model: Any,
    bank: TaskBank,
    splits: list[tuple[TaskBank, TargetSet]],
    networks: bool | None = None,
) -> _Scores:
    """Every candidate's scores on the held-out ends ``splits`` of ``bank`` (from
    :func:`held_out`). The networks are scored when ``networks`` is True, never when
    False, and when None only if the best law misses the held-out tasks by more than
    their contexts' noise."""
    n_targets = sum(len(t.query_y) for _, t in splits)
    scores = _Scores()
    laws = model.psi_
    index = {tid: i for i, tid in enumerate(bank.task_ids)}
    for reduced, targets in splits:
        kept = np.array([index[tid] for tid in reduced.task_ids])
        for k, law in enumerate(laws.laws):
            model.psi_ = laws.chosen(k)
            setting = {"operator": "symbolic", "law_key": law.key}
            _score_means(scores, f"symbolic {law.key}", setting, model, targets, kept)
    model.psi_ = laws
    if networks is None:
        best = scores.best(n_targets)
        networks = best is None or best[1] > model.train_context_noise**2
    if networks:
        for operator in NETWORKS:
            for reduced, targets in splits:
                fitted = _variant(model, operator).fit(reduced)
                for decomposition in ("chain", "admissible"):
                    fitted.set_params(decomposition=decomposition)
                    setting = {"operator": operator, "decomposition": decomposition}
                    _score_means(scores, f"{operator} {decomposition}", setting, fitted, targets)
    return scores


def select_operator(
    model: Any, bank: TaskBank, variable: np.ndarray
) -> tuple[dict[str, Any], np.ndarray]:
    """The setting that predicts the bank's held-out top best (see the module docstring),
    as a record: ``operator``, ``law_key`` (symbolic), ``decomposition`` (networks),
    ``correction`` (gp or intervals), every candidate's ``scores`` and what was held out;
    and the chosen setting's conformal scores on the held-out points (empty when nothing
    was selected). ``model`` is fitted on ``bank`` with the symbolic operator (its
    search's laws); ``variable`` orders the bank's tasks (one value per task)."""
    none = np.empty(0)
    try:
        splits = held_out(model, bank, variable)
    except ValidationError as exc:
        return {"operator": "mlp", "note": f"no selection, the bank is too small: {exc}"}, none
    if min(len(t.query_y) for _, t in splits) < MIN_HELD_OUT:
        return {
            "operator": "mlp",
            "note": f"no selection: fewer than {MIN_HELD_OUT} tasks held out at an end",
        }, none
    scores = score_candidates(model, bank, splits)
    n_targets = sum(len(t.query_y) for _, t in splits)
    floor = model.train_context_noise**2
    best = scores.best(n_targets)
    if best is None:
        return {
            "operator": "mlp",
            "note": "no selection: no candidate predicted every target",
        }, none
    counts, calibration = scores.calibration(best[0])
    record = {
        **scores.settings[best[0]],
        "chosen": best[0],
        "calibration": counts,
        "scores": scores.means(),
        "held_out": [len(t.query_y) for _, t in splits],
        "noise_floor": floor,
    }
    return record, calibration
