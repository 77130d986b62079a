"""Task tables: banks of tasks and target contexts from long-format CSV or Parquet files.

One row per observation: a task id column, one or more input columns, one output
column and, optionally, task-parameter columns (constant within a task; used only by
oracle embeddings and reports). Default column names: ``task``, inputs ``x`` (or
``x1``, ``x2``, ... for several), ``y``. Every check runs before any work, and every
message names the file, the column and the row (data rows counted from 1, header
excluded; in a CSV, row r is line r + 1).

Example:
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "bank.csv")
    >>> pd.DataFrame({"task": ["a"] * 3 + ["b"] * 3, "x": [0, 1, 2] * 2,
    ...               "y": [0, 1, 4, 0, 2, 8]}).to_csv(path, index=False)
    >>> load_bank(path).x.shape
    (2, 3, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rte._io import atomic_write_text
from rte._validation import check_magnitude
from rte.errors import ValidationError
from rte.tasks.bank import MIN_POINTS_PER_TASK, TaskBank

_NUMBERED_INPUT = re.compile(r"^x(\d+)$")
# Cells read as missing in numeric columns (pandas' defaults). Task-id columns are read
# as text verbatim: "007" is not "7", "1.0" is not "1", and "NA" is an id like any other.
_MISSING = (
    *("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"),
    *("1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
)


@dataclass(frozen=True)
class TableColumns:
    """Column names of a task table.

    ``x`` empty means: the column ``x`` if present, else every column ``x1``, ``x2``, ...
    in numeric order. ``params`` lists optional task-parameter columns.
    """

    task: str = "task"
    x: tuple[str, ...] = ()
    y: str = "y"
    params: tuple[str, ...] = ()

    def distinct(self, source: str) -> tuple[str, ...]:
        """Every named column, refusing one column in two roles (task, input, output, ...)."""
        named = (self.task, *self.x, self.y, *self.params)
        twice = sorted({n for n in named if named.count(n) > 1})
        if twice:
            raise ValidationError(
                f"{source}: column(s) {twice} named for more than one role (task id, inputs, "
                "output, task parameters). Each column plays one role; name different columns."
            )
        return named

    def resolve(self, frame: pd.DataFrame, source: str) -> TableColumns:
        """These names with the input columns of ``frame`` filled in (default pattern)."""
        if self.x:
            return self
        if "x" in frame.columns:
            return replace(self, x=("x",))
        numbered = sorted(
            (int(m.group(1)), c) for c in map(str, frame.columns) if (m := _NUMBERED_INPUT.match(c))
        )
        if not numbered:
            raise ValidationError(
                f"{source}: expected an input column 'x' or columns 'x1', 'x2', ... . Got columns "
                f"{list(map(str, frame.columns))}. Rename them or name the inputs (--x a,b)."
            )
        return replace(self, x=tuple(c for _, c in numbered))


@dataclass(frozen=True)
class TargetTables:
    """Targets read from a context table and a query table, in context-table order.

    ``contexts[i]`` is (x (k, d), y (k,)) and ``queries[i]`` is x (Q, d) of target
    ``task_ids[i]``; ``inputs`` names the input columns.
    """

    task_ids: tuple[str, ...]
    contexts: tuple[tuple[np.ndarray, np.ndarray], ...]
    queries: tuple[np.ndarray, ...]
    inputs: tuple[str, ...]


def read_table(path: str | Path, text: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV (``.csv``) or Parquet (``.parquet``, ``.pq``) file into a data frame.

    Columns named in ``text`` (task ids) are read verbatim as text from a CSV.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ValidationError(
            f"{source}: expected a .csv, .parquet or .pq file. Got the suffix {suffix!r}; "
            "convert the table or rename the file."
        )
    if not source.is_file():
        raise ValidationError(f"{source}: no such file. Check the path.")
    try:
        frame = _read_csv(source, text) if suffix == ".csv" else pd.read_parquet(source)
    except Exception as exc:  # any reader failure means an unreadable file
        raise ValidationError(
            f"{source}: cannot read it as {suffix[1:]}: {type(exc).__name__}: {exc}"
        ) from None
    if len(frame) == 0:
        raise ValidationError(f"{source}: expected data rows. Got an empty table.")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _read_csv(source: Path, text: tuple[str, ...]) -> pd.DataFrame:
    header = pd.read_csv(source, nrows=0).columns
    return pd.read_csv(
        source,
        dtype={c: str for c in text if c in header},
        keep_default_na=False,
        na_values={c: _MISSING for c in header if c not in text},
    )


def load_bank(path: str | Path, columns: TableColumns | None = None) -> TaskBank:
    """Load a bank of training tasks from a task table file (see the module docstring)."""
    columns = columns or TableColumns()
    frame = read_table(path, (columns.task,))
    return bank_from_frame(frame, columns.resolve(frame, str(path)), str(path))


def bank_from_frame(frame: pd.DataFrame, columns: TableColumns, source: str) -> TaskBank:
    """Check a task table read by :func:`read_table` and build its bank.

    ``columns`` must be resolved (:meth:`TableColumns.resolve`); ``source`` names the
    file in messages.
    """
    _require(frame, columns.distinct(source), source)
    tasks = _task_ids(frame[columns.task], source)
    x = _numeric(frame, columns.x, source, tasks)
    y = _numeric(frame, (columns.y,), source)[:, 0]
    params = _numeric(frame, columns.params, source) if columns.params else None
    groups = _groups(tasks)
    if len(groups) < 2:
        raise ValidationError(
            f"{source}: a task bank needs at least 2 tasks (distinct values of column "
            f"{columns.task!r}) to learn relations between them. Got {len(groups)}."
        )
    for tid, rows in groups.items():
        if len(rows) < MIN_POINTS_PER_TASK:
            raise ValidationError(
                f"{source}: task {tid!r} has {len(rows)} row(s) (rows {_labels(frame, rows)}); "
                f"every task needs at least {MIN_POINTS_PER_TASK}. Drop it or add observations."
            )
    _check_duplicates(frame, tasks, x, y, source)
    task_params = None
    if params is not None:
        task_params = np.stack(
            [
                _constant(frame, params, rows, columns.params, source, tid)
                for tid, rows in groups.items()
            ]
        )
    return TaskBank.from_tasks(
        [x[rows] for rows in groups.values()],
        [y[rows] for rows in groups.values()],
        list(groups),
        task_params,
        columns.params,
    )


def bank_to_frame(bank: TaskBank) -> pd.DataFrame:
    """A bank as a long-format task table: ``task``, inputs, ``y`` and its parameter columns.

    Inputs are ``x`` (or ``x1``, ``x2``, ... for several); parameter columns keep the
    bank's names. :func:`load_bank` reads the table back into an equal bank.
    """
    rows, cols = np.nonzero(bank.mask)
    inputs = ["x"] if bank.dim == 1 else [f"x{i + 1}" for i in range(bank.dim)]
    frame = pd.DataFrame({"task": np.asarray(bank.task_ids, dtype=object)[rows]})
    for j, name in enumerate(inputs):
        frame[name] = bank.x[rows, cols, j]
    frame["y"] = bank.y[rows, cols]
    if bank.params is not None:
        names = bank.param_names or tuple(f"param{i + 1}" for i in range(bank.params.shape[1]))
        for j, name in enumerate(names):
            frame[name] = bank.params[rows, j]
    return frame


def write_table(bank: TaskBank, path: str | Path) -> Path:
    """Write ``bank`` as a task table CSV (see :func:`bank_to_frame`), atomically."""
    target = Path(path)
    if target.suffix.lower() != ".csv":
        raise ValidationError(f"{target}: write_table writes CSV; give a path ending in .csv.")
    atomic_write_text(target, bank_to_frame(bank).to_csv(index=False))
    return target


def load_targets(
    context_path: str | Path, query_path: str | Path, columns: TableColumns | None = None
) -> TargetTables:
    """Load target contexts (task, inputs, y) and query inputs (task, inputs).

    Without a task column in either table, all rows form one target named ``target``.
    Every target needs a context and queries, and the two tables must use the same inputs.
    """
    columns = columns or TableColumns()
    ctx, qry = read_table(context_path, (columns.task,)), read_table(query_path, (columns.task,))
    ctx_source, qry_source = str(context_path), str(query_path)
    columns = columns.resolve(ctx, ctx_source)
    inputs = columns.x
    _require(ctx, (*inputs, columns.y), ctx_source)
    _require(qry, inputs, qry_source)
    single = columns.task not in ctx.columns and columns.task not in qry.columns
    if not single:
        _require(ctx, (columns.task,), ctx_source)
        _require(qry, (columns.task,), qry_source)
    ctx_tasks = _single_target(ctx) if single else _task_ids(ctx[columns.task], ctx_source)
    qry_tasks = _single_target(qry) if single else _task_ids(qry[columns.task], qry_source)
    cx = _numeric(ctx, inputs, ctx_source, ctx_tasks)
    cy = _numeric(ctx, (columns.y,), ctx_source)[:, 0]
    qx = _numeric(qry, inputs, qry_source, qry_tasks)
    _check_duplicates(ctx, ctx_tasks, cx, cy, ctx_source)
    ctx_groups, qry_groups = _groups(ctx_tasks), _groups(qry_tasks)
    if set(ctx_groups) != set(qry_groups):
        raise ValidationError(
            f"Expected the same targets in {ctx_source} and {qry_source}. Targets only in the "
            f"context: {sorted(set(ctx_groups) - set(qry_groups))[:5]}; only in the queries: "
            f"{sorted(set(qry_groups) - set(ctx_groups))[:5]}."
        )
    return TargetTables(
        task_ids=tuple(ctx_groups),
        contexts=tuple((cx[r], cy[r]) for r in ctx_groups.values()),
        queries=tuple(qx[qry_groups[t]] for t in ctx_groups),
        inputs=inputs,
    )


def _require(frame: pd.DataFrame, names: tuple[str, ...], source: str) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValidationError(
            f"{source}: missing column(s) {missing}. Got columns {list(map(str, frame.columns))}; "
            "rename them, or name the columns when fitting (rte fit --task, --x, --y, --params)."
        )


def _single_target(frame: pd.DataFrame) -> np.ndarray:
    return np.full(len(frame), "target", dtype=object)


def _task_ids(column: pd.Series, source: str) -> np.ndarray:
    empty = (column.isna() | (column.astype(str).str.strip() == "")).to_numpy()
    if empty.any():
        row = column.index[np.argmax(empty)]
        raise ValidationError(
            f"{source}, column {column.name!r}, row {row}: expected a task id. Got an empty "
            "value; fill in the task id or drop the row."
        )
    return column.astype(str).to_numpy(dtype=object)


def _numeric(
    frame: pd.DataFrame, names: tuple[str, ...], source: str, tasks: np.ndarray | None = None
) -> np.ndarray:
    """Columns ``names`` as a finite float array (n, len(names)), or a message naming the cell.

    With ``tasks`` the columns are inputs, which every task must fill or leave empty alike.
    """
    out = np.empty((len(frame), len(names)))
    for j, name in enumerate(names):
        raw = frame[name]
        values = pd.to_numeric(raw, errors="coerce")
        bad = (values.isna() & raw.notna()).to_numpy()
        if raw.dtype == bool or bad.any():
            row = int(np.argmax(bad))
            raise ValidationError(
                f"{source}, column {name!r}, row {frame.index[row]}: expected a number. Got "
                f"{raw.iloc[row]!r}; fix the value or drop the row."
            )
        out[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
        if tasks is not None:
            _check_dimension(out[:, j], tasks, frame, name, source)
        missing = ~np.isfinite(out[:, j])
        if missing.any():
            row = int(np.argmax(missing))
            raise ValidationError(
                f"{source}, column {name!r}, row {frame.index[row]}: expected a finite number. "
                f"Got {out[row, j]} ({int(missing.sum())} such value(s) in the column); remove "
                "or impute them."
            )
        check_magnitude(out[:, j], f"{source}, column {name!r}")
    return out


def _check_dimension(
    values: np.ndarray, tasks: np.ndarray, frame: pd.DataFrame, name: str, source: str
) -> None:
    """Refuse a column that some tasks fill and others leave wholly empty."""
    empty = pd.Series(np.isnan(values)).groupby(tasks, sort=False).all()
    if empty.any() and not empty.all():
        tid = empty.index[empty.to_numpy().argmax()]
        row = frame.index[np.argmax(tasks == tid)]
        raise ValidationError(
            f"{source}, column {name!r}, row {row}: inconsistent input dimensions. Task {tid!r} "
            f"has no values in {name!r} while other tasks do; every task must use the same "
            "columns."
        )


def _groups(tasks: np.ndarray) -> dict[str, np.ndarray]:
    """Row positions per task id, in order of first appearance."""
    codes, uniques = pd.factorize(tasks)
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1]
    return dict(zip(map(str, uniques), np.split(order, bounds), strict=True))


def _labels(frame: pd.DataFrame, rows: np.ndarray) -> str:
    return ", ".join(str(r) for r in frame.index[rows[:5]]) + (" ..." if len(rows) > 5 else "")


def _check_duplicates(
    frame: pd.DataFrame, tasks: np.ndarray, x: np.ndarray, y: np.ndarray, source: str
) -> None:
    """Refuse rows with the same task and inputs but different outputs."""
    keys = pd.DataFrame(x).assign(task=tasks)
    spread = pd.Series(y).groupby([keys[c] for c in keys.columns], sort=False).transform("nunique")
    conflict = spread.to_numpy() > 1
    if conflict.any():
        first = int(np.argmax(conflict))
        same = np.flatnonzero((keys == keys.iloc[first]).all(axis=1).to_numpy())
        raise ValidationError(
            f"{source}: rows {_labels(frame, same)} have the same task {tasks[first]!r} and "
            f"inputs {x[first].tolist()} but different outputs {sorted(set(y[same].tolist()))}. "
            "Average or drop the conflicting rows."
        )


def _constant(
    frame: pd.DataFrame,
    params: np.ndarray,
    rows: np.ndarray,
    names: tuple[str, ...],
    source: str,
    tid: str,
) -> np.ndarray:
    """A task's parameters, which must not vary between its rows."""
    block = params[rows]
    varies = (block != block[0]).any(axis=0)
    if varies.any():
        j = int(np.argmax(varies))
        at = int(np.argmax(block[:, j] != block[0, j]))
        raise ValidationError(
            f"{source}, column {names[j]!r}, row {frame.index[rows[at]]}: a task parameter must "
            f"be constant within a task. Task {tid!r} has {block[0, j]} and {block[at, j]}; "
            "fix the value."
        )
    return block[0]
