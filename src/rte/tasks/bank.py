"""Task banks (the training tasks) and target sets (unseen tasks with small contexts).

A :class:`TaskBank` stores every task's observations padded into one array, so
embeddings and pair sampling run batched over tasks. Banks and target sets of the
discrete regimes (length, composition) also carry one :class:`RelationLabel` per
task; methods that do not use relation labels simply ignore them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from rte._checks import check_nonnegative, check_positive_int
from rte._state import State, as_tensor
from rte._validation import (
    check_context,
    check_finite,
    check_inputs,
    check_magnitude,
    check_rng,
    float_array,
)
from rte.access import Forbidden, forbidden_fields
from rte.errors import ValidationError
from rte.tasks.family import TaskFamily

MIN_POINTS_PER_TASK = 3


@dataclass(frozen=True)
class RelationLabel:
    """A task's discrete relation, known in training: the task is ``phi`` applied to ``anchor``.

    ``structure`` names the task (e.g. ``"sin(cube)"``); ``anchor`` is the task id of its
    anchor in the training bank and ``phi`` the relation label, both None for a task
    built from no bank task; ``can_anchor`` says whether the task may serve as an
    anchor at all (in the composition regime only single primitives do).
    """

    structure: str
    anchor: str | None = None
    phi: str | None = None
    can_anchor: bool = True


@dataclass(frozen=True, eq=False)
class TaskBank:
    """Training tasks: inputs ``x`` (M, N, d), outputs ``y`` (M, N), ``mask`` (M, N).

    Build one with :meth:`from_tasks` (validated) or :func:`sample_bank`.
    ``params`` (M, p) holds true task parameters when known (oracle methods only);
    ``labels`` one :class:`RelationLabel` per task in the discrete regimes; ``family``
    names the registered :class:`TaskFamily` the bank was sampled from, when it was
    (references that know the functional form, such as ``family_fit``, need it).
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    task_ids: tuple[str, ...]
    params: np.ndarray | None = None
    param_names: tuple[str, ...] = ()
    labels: tuple[RelationLabel, ...] | None = None
    family: str | None = None

    def __post_init__(self) -> None:
        """Check the arrays however the bank was built (directly, from tasks, from a grid,
        from a saved model): consistent shapes, finite values of a scalable size, at
        least two tasks of at least three observations each. Whole-array checks, so a
        million tasks are checked in a fraction of a second."""
        x, y, mask = self.x, self.y, self.mask
        for name, arr, ndim in (("x", x, 3), ("y", y, 2), ("mask", mask, 2)):
            if not isinstance(arr, np.ndarray) or arr.ndim != ndim:
                raise ValidationError(
                    f"TaskBank.{name} must be a {ndim}-D numpy array. Got "
                    f"{getattr(arr, 'shape', type(arr).__name__)}; build banks with "
                    "TaskBank.from_tasks or TaskBank.from_grid."
                )
        if y.shape != x.shape[:2] or mask.shape != y.shape:
            raise ValidationError(
                f"TaskBank arrays must agree: x (M, N, d), y (M, N), mask (M, N). Got x "
                f"{x.shape}, y {y.shape}, mask {mask.shape}."
            )
        if mask.dtype != bool:
            raise ValidationError(f"TaskBank.mask must be boolean. Got dtype {mask.dtype}.")
        if x.shape[0] < 2:
            raise ValidationError(
                f"A task bank needs at least 2 tasks to learn relations between them. "
                f"Got {x.shape[0]}."
            )
        counts = mask.sum(1)
        if counts.min() < MIN_POINTS_PER_TASK:
            worst = int(counts.argmin())
            raise ValidationError(
                f"Every task of a bank needs at least {MIN_POINTS_PER_TASK} observed points "
                f"(mask True). Task {worst} has {int(counts[worst])}."
            )
        for name, arr in (("x", x), ("y", y)):
            check_finite(
                np.asarray(arr, dtype=np.float64).reshape(len(arr), -1), f"TaskBank.{name}"
            )
            check_magnitude(arr, f"TaskBank.{name}")
        if len(self.task_ids) != x.shape[0] or len(set(self.task_ids)) != x.shape[0]:
            raise ValidationError(
                f"TaskBank.task_ids must be {x.shape[0]} unique names, one per task. Got "
                f"{len(self.task_ids)} names, {len(set(self.task_ids))} unique."
            )
        if self.params is not None:
            params = np.asarray(self.params)
            if params.ndim != 2 or len(params) != x.shape[0]:
                raise ValidationError(
                    f"TaskBank.params must have one row per task, (M, p). Got {params.shape}."
                )
            check_finite(params, "TaskBank.params")
        if self.labels is not None and len(self.labels) != x.shape[0]:
            raise ValidationError(
                f"TaskBank.labels must hold one RelationLabel per task. Got {len(self.labels)}."
            )

    @classmethod
    def from_tasks(
        cls,
        xs: Sequence[np.ndarray],
        ys: Sequence[np.ndarray],
        task_ids: Sequence[str] | None = None,
        params: np.ndarray | None = None,
        param_names: Sequence[str] = (),
        labels: Sequence[RelationLabel] | None = None,
        family: str | None = None,
    ) -> TaskBank:
        """Validate per-task arrays and pad them into a bank."""
        if len(xs) != len(ys):
            raise ValidationError(
                f"Expected one y array per x array. Got {len(xs)} x arrays and {len(ys)} y arrays."
            )
        if len(xs) < 2:
            raise ValidationError(
                f"A task bank needs at least 2 tasks to learn relations between them. "
                f"Got {len(xs)}."
            )
        ids = [str(i) for i in range(len(xs))] if task_ids is None else [str(t) for t in task_ids]
        if len(ids) != len(xs) or len(set(ids)) != len(ids):
            raise ValidationError(
                f"task_ids must be {len(xs)} unique names, one per task. Got {len(ids)} names, "
                f"{len(set(ids))} unique."
            )
        checked = []
        dim = None
        for tid, x, y in zip(ids, xs, ys, strict=True):
            cx, cy = check_context(x, y, dim, name=f"task {tid!r}")
            check_magnitude(cx, f"task {tid!r} inputs")
            check_magnitude(cy, f"task {tid!r} outputs")
            dim = cx.shape[1]
            if cx.shape[0] < MIN_POINTS_PER_TASK:
                raise ValidationError(
                    f"Task {tid!r} has {cx.shape[0]} point(s); every task needs at least "
                    f"{MIN_POINTS_PER_TASK}. Drop it or add observations."
                )
            checked.append((cx, cy))
        n_max = max(cx.shape[0] for cx, _ in checked)
        m = len(checked)
        assert dim is not None
        x_pad = np.zeros((m, n_max, dim))
        y_pad = np.zeros((m, n_max))
        mask = np.zeros((m, n_max), dtype=bool)
        for i, (cx, cy) in enumerate(checked):
            n = cx.shape[0]
            x_pad[i, :n], y_pad[i, :n], mask[i, :n] = cx, cy, True
            # Padding repeats the last point so interpolation tables stay well-formed.
            x_pad[i, n:], y_pad[i, n:] = cx[-1], cy[-1]
        if params is not None:
            params = np.asarray(params, dtype=np.float64).reshape(m, -1)
            if not np.all(np.isfinite(params)):
                raise ValidationError("Task parameters must be finite. Got NaN/inf values.")
        if labels is not None:
            labels = tuple(labels)
            if len(labels) != m or not all(isinstance(lb, RelationLabel) for lb in labels):
                raise ValidationError(
                    f"labels must be {m} RelationLabel objects, one per task. Got {len(labels)} "
                    "items; build them with rte.tasks.RelationLabel."
                )
        return cls(x_pad, y_pad, mask, tuple(ids), params, tuple(param_names), labels, family)

    @classmethod
    def from_grid(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        task_ids: Sequence[str],
        params: np.ndarray | None = None,
        param_names: Sequence[str] = (),
        family: str | None = None,
    ) -> TaskBank:
        """A bank whose tasks share one grid of inputs x (n,) or (n, d); y (M, n).

        Checked with whole-array operations, so a million tasks build in seconds.
        """
        grid = check_inputs(x, "grid x")
        check_magnitude(grid, "grid x")
        values = float_array(y, "y")
        m = values.shape[0] if values.ndim == 2 else 0
        if values.ndim != 2 or values.shape[1] != len(grid) or m < 2:
            raise ValidationError(
                f"y must have shape (M >= 2 tasks, {len(grid)} points). Got {values.shape}."
            )
        if len(grid) < MIN_POINTS_PER_TASK:
            raise ValidationError(
                f"Every task needs at least {MIN_POINTS_PER_TASK} points. Got a grid of "
                f"{len(grid)}."
            )
        check_finite(values, "y")
        check_magnitude(values, "y")
        ids = tuple(str(t) for t in task_ids)
        if len(ids) != m or len(set(ids)) != m:
            raise ValidationError(f"task_ids must be {m} unique names, one per task.")
        if params is not None:
            params = float_array(params, "params").reshape(m, -1)
            check_finite(params, "params")
        x_all = np.broadcast_to(grid, (m, *grid.shape))
        mask = np.ones(values.shape, dtype=bool)
        return cls(x_all, values, mask, ids, params, tuple(param_names), None, family)

    @property
    def n_tasks(self) -> int:
        """Number of tasks M."""
        return self.x.shape[0]

    @property
    def dim(self) -> int:
        """Input dimension d."""
        return self.x.shape[2]

    def input_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-dimension min and max of every observed input."""
        flat = self.x[self.mask]
        return flat.min(axis=0), flat.max(axis=0)

    def output_range(self) -> tuple[float, float]:
        """Min and max of every observed output."""
        flat = self.y[self.mask]
        return float(flat.min()), float(flat.max())

    def state(self) -> State:
        """The bank's observations and names (model files)."""
        tensors = {"x": as_tensor(self.x), "y": as_tensor(self.y), "mask": as_tensor(self.mask)}
        if self.params is not None:
            tensors["params"] = as_tensor(self.params)
        config = {"task_ids": list(self.task_ids), "param_names": list(self.param_names)}
        if self.labels is not None:
            config["labels"] = [asdict(label) for label in self.labels]
        if self.family is not None:
            config["family"] = self.family
        return State(config, tensors)

    @classmethod
    def from_state(cls, state: State) -> TaskBank:
        """Inverse of :meth:`state`; shapes are checked against each other."""
        x, y, mask = state.array("x"), state.array("y"), state.array("mask")
        ids = tuple(str(t) for t in state.value("task_ids"))
        params = state.array("params") if "params" in state.tensors else None
        labels = state.config.get("labels")
        m = x.shape[0] if x.ndim == 3 else -1
        if x.ndim != 3 or y.shape != x.shape[:2] or mask.shape != y.shape or len(ids) != m:
            raise ValidationError(
                f"saved bank arrays disagree: x {x.shape}, y {y.shape}, mask {mask.shape}, "
                f"{len(ids)} task ids."
            )
        return cls(
            x,
            y,
            mask.astype(bool),
            ids,
            params,
            tuple(str(p) for p in state.value("param_names")),
            None if labels is None else tuple(RelationLabel(**lb) for lb in labels),
            state.config.get("family"),
        )

    def fingerprint(self) -> str:
        """A SHA-256 of the bank's contents: equal banks give equal fingerprints (in a view,
        of what the view shows)."""
        h = hashlib.sha256()
        for arr in (self.x, self.y, self.mask):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\0".join(self.task_ids).encode())
        if not isinstance(self.labels, Forbidden):
            h.update(repr(self.labels).encode())
        return h.hexdigest()

    def view(self, codes: str, owner: str) -> TaskBank:
        """This bank as a method with access ``codes`` may see it: its tasks with B, its
        relation labels with L, the tasks' true parameters with P, the family's name (its
        functional form) with F; every other field raises AccessError when used. The input
        dimension is always shown (a context shows it too)."""
        needs = {"x": "B", "y": "B", "mask": "B", "task_ids": "B"}
        needs |= {"params": "P", "labels": "L", "family": "F"}
        present = {name: getattr(self, name) for name in needs}
        hidden = forbidden_fields(codes, needs, present, owner)
        return BankView(
            **{**present, "param_names": self.param_names, **hidden}, shown_dim=self.dim
        )


@dataclass(frozen=True, eq=False)
class BankView(TaskBank):
    """A :class:`TaskBank` seen through access codes (:meth:`TaskBank.view`): not checked
    again (its source was), and its hidden fields are :class:`rte.access.Forbidden`."""

    shown_dim: int = 0

    def __post_init__(self) -> None:
        """A view's arrays were checked when its bank was built."""

    @property
    def dim(self) -> int:
        """Input dimension d (shown whatever the codes)."""
        return self.shown_dim


@dataclass(frozen=True, eq=False)
class TargetSet:
    """Unseen target tasks of one band, each with a small noisy context and clean queries.

    Shapes: ``context_x`` (T, k, d), ``context_y`` (T, k), ``query_x`` (T, Q, d),
    ``query_y`` (T, Q); ``params`` (T, p) are the true parameters and ``labels`` the
    true relation labels (anchors are bank task ids): oracles and scoring only.
    """

    band: str
    context_x: np.ndarray
    context_y: np.ndarray
    query_x: np.ndarray
    query_y: np.ndarray
    params: np.ndarray | None = None
    labels: tuple[RelationLabel, ...] | None = None

    @property
    def n_targets(self) -> int:
        """Number of targets T."""
        return self.context_x.shape[0]

    def view(self, codes: str, owner: str) -> TargetSet:
        """These targets as a method with access ``codes`` may see them: contexts and query
        inputs always, the clean query values with Q, the true parameters with P, the true
        decomposition (relation labels) with D; a hidden field raises AccessError when used."""
        needs = {"query_y": "Q", "params": "P", "labels": "D"}
        present = {name: getattr(self, name) for name in needs}
        return replace(self, **forbidden_fields(codes, needs, present, owner))


def task_groups(bank: TaskBank) -> np.ndarray:
    """One id per set of tasks with identical observations: one candidate anchor, and either
    id a right answer (low-depth length chains repeat, some compositions equal a primitive)."""
    rows = np.concatenate([bank.x.reshape(bank.n_tasks, -1), bank.y, bank.mask], 1)
    return np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1)


def _check_family(family: object) -> None:
    if not isinstance(family, TaskFamily):
        raise ValidationError(
            f"Expected a TaskFamily. Got {type(family).__name__} {family!r}; look a family up "
            "with rte.get_family(name)."
        )


def _grid(family: TaskFamily, n: int) -> np.ndarray:
    return np.linspace(*family.domain, n)


def sample_bank(
    family: TaskFamily,
    n_tasks: int,
    n_points: int,
    rng: np.random.Generator | int,
    noise: float = 0.0,
) -> TaskBank:
    """Draw ``n_tasks`` training tasks with theta in the support, observed on a grid.

    ``rng`` is a numpy Generator or an integer seed.
    """
    _check_family(family)
    rng = check_rng(rng)
    check_positive_int(n_tasks, "n_tasks", 2)
    check_positive_int(n_points, "n_points", MIN_POINTS_PER_TASK)
    noise = check_nonnegative(noise, "noise")
    params = family.sample_params(rng, n_tasks)
    x = _grid(family, n_points)
    y = family.evaluate_many(x, params) + noise * rng.standard_normal((n_tasks, n_points))
    return TaskBank.from_grid(
        x,
        y,
        [f"{family.name}-{i}" for i in range(n_tasks)],
        params,
        family.param_names,
        family=family.name,
    )


def sample_targets(
    family: TaskFamily,
    band: str,
    n_targets: int,
    rng: np.random.Generator | int,
    *,
    context_size: int = 10,
    noise: float = 0.05,
    n_query: int = 100,
) -> TargetSet:
    """Draw target tasks with theta in ``band``: k noisy context points at uniform random
    inputs, and noiseless queries on a grid over the whole domain. ``rng`` is a numpy
    Generator or an integer seed."""
    _check_family(family)
    rng = check_rng(rng)
    check_positive_int(n_targets, "n_targets")
    check_positive_int(context_size, "context_size", 2)
    check_positive_int(n_query, "n_query")
    noise = check_nonnegative(noise, "noise")
    params = family.sample_params(rng, n_targets, band)
    cx = rng.uniform(*family.domain, size=(n_targets, context_size))
    cy = np.stack([family.evaluate(c, p) for c, p in zip(cx, params, strict=True)])
    cy = cy + noise * rng.standard_normal(cy.shape)
    qx = np.broadcast_to(_grid(family, n_query), (n_targets, n_query))
    qy = np.stack([family.evaluate(q, p) for q, p in zip(qx, params, strict=True)])
    return TargetSet(band, cx[..., None], cy, qx[..., None].copy(), qy, params)
