"""``rte fit``, ``rte predict``, ``rte inspect``: your own task tables and model directories."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import typer

from rte.cli._common import ThreadsOpt, err_console, say, with_fields
from rte.params import RTE_SETTINGS

if TYPE_CHECKING:
    import pandas as pd

    from rte.models.continuous import RelationalTaskExtrapolator
    from rte.tasks.table import TableColumns, TargetTables


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip()) if text else ()


@with_fields(RTE_SETTINGS, "hyper", "Model")
def fit_command(
    bank: str = typer.Argument(..., help="Task table (.csv, .parquet): task id, inputs, output."),
    out: str = typer.Option(..., "--out", help="Model directory to write (replaced if a model)."),
    task: str = typer.Option("task", help="Task id column."),
    x: str = typer.Option(None, help="Comma-separated input columns (default: x, or x1, x2, ...)."),
    y: str = typer.Option("y", help="Output column."),
    params: str = typer.Option(None, help="Comma-separated task-parameter columns (optional)."),
    threads: ThreadsOpt = 1,
    progress: bool = typer.Option(True, help="Show a progress bar while training."),
    hyper: dict[str, Any] | None = None,
) -> None:
    """Fit RTE on a task table and save the model directory."""
    from pathlib import Path

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rte.models.continuous import RelationalTaskExtrapolator
    from rte.persistence import check_replaceable
    from rte.runtime import set_threads
    from rte.tasks.table import TableColumns, bank_from_frame, read_table

    set_threads(threads)
    model = RelationalTaskExtrapolator(**(hyper or {}))
    model.validate_params()  # before the work, not after
    check_replaceable(Path(out))
    frame = read_table(bank)
    columns = TableColumns(task, _names(x), y, _names(params)).resolve(frame, bank)
    task_bank = bank_from_frame(frame, columns, bank)
    start = time.perf_counter()
    with Progress(
        TextColumn("training Psi"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.3g}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not progress,
    ) as bar:
        job = bar.add_task("fit", total=model.steps, loss=float("nan"))
        model.fit(task_bank, progress=lambda step, loss: bar.update(job, completed=step, loss=loss))
    columns_meta = {"task": task, "x": list(columns.x), "y": y, "params": list(columns.params)}
    model.save(out, {"columns": columns_meta, "source": str(bank)})
    say(
        f"Fitted on {task_bank.n_tasks} tasks ({int(task_bank.mask.sum())} points, "
        f"{task_bank.dim} input(s)) in {time.perf_counter() - start:.1f} s; wrote {out}"
    )


def predict_command(
    model_dir: str = typer.Argument(..., help="Model directory written by `rte fit`."),
    context: str = typer.Option(..., help="Context table: task id, inputs, output."),
    query: str = typer.Option(..., help="Query table: task id, inputs."),
    out: str = typer.Option(None, help="CSV to write (default: print CSV to stdout)."),
    threads: ThreadsOpt = 1,
) -> None:
    """Predict new tasks from their contexts; writes predictions, anchor task and phi."""
    from rte._io import atomic_write_text, check_output_file
    from rte.models.continuous import RelationalTaskExtrapolator
    from rte.runtime import set_threads
    from rte.tasks.table import load_targets

    set_threads(threads)
    if out is not None:
        check_output_file(out)
    model = RelationalTaskExtrapolator.load(model_dir)
    columns = model_columns(model, model_dir)
    targets = load_targets(context, query, columns)
    table = _prediction_frame(model, targets, columns).to_csv(index=False)
    if out is None:
        sys.stdout.write(table)
    else:
        atomic_write_text(out, table)
        say(f"Predicted {len(targets.task_ids)} target(s); wrote {out}")


def _prediction_frame(
    model: RelationalTaskExtrapolator, targets: TargetTables, columns: TableColumns
) -> pd.DataFrame:
    """One row per query: task, inputs, prediction and its 90% interval, anchor task id,
    phi, diagnostics.

    A diagnostic column whose name the table already uses (an input named ``anchor``)
    gets the prefix ``rte_``, so no column of the user's is ever overwritten.
    """
    import pandas as pd

    taken = {columns.task, *targets.inputs, columns.y}
    frames = []
    for tid, (cx, cy), qx in zip(targets.task_ids, targets.contexts, targets.queries, strict=True):
        out = model.predict(cx, cy, qx)
        interval = () if out.std is None else out.interval(0.9)
        diagnostics = {
            **dict(zip(("lower_90", "upper_90"), interval, strict=True)),
            "anchor": out.anchor_id[0],
            **{f"phi_{i + 1}": value for i, value in enumerate(out.phi[0])},
            "phi_in_range": bool(out.phi_in_range[0]),
            "context_mse": out.context_mse[0],
        }
        frame = pd.DataFrame(qx, columns=list(targets.inputs))
        frame.insert(0, columns.task, tid)
        frame[columns.y] = out.y
        for name, value in diagnostics.items():
            frame[_free_name(name, taken)] = value
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``rte_name`` (``rte_rte_name``, ...) if the table already has it."""
    while name in taken:
        name = f"rte_{name}"
    return name


def inspect_command(
    model_dir: str = typer.Argument(..., help="Model directory written by `rte fit`."),
) -> None:
    """Show what a model was fitted on: tasks, ranges, settings, versions."""
    from rte.models.continuous import RelationalTaskExtrapolator
    from rte.persistence import read_info

    info = read_info(model_dir)
    model = RelationalTaskExtrapolator.load(model_dir)  # verifies the weights: report from them
    bank, columns = model.bank_, model_columns(model, model_dir)
    ids, counts = bank.task_ids, bank.mask.sum(1)
    (x_lo, x_hi), (y_lo, y_hi) = bank.input_range(), bank.output_range()
    p_lo, p_hi = (bank.params.min(0), bank.params.max(0)) if bank.params is not None else ((), ())
    lines = [
        f"model {model_dir}: format {info['format_version']}, rte {info.get('package_version')}, "
        f"created {info.get('created')}",
        f"source: {info['metadata'].get('source', 'Python API')}",
        f"tasks: {len(ids)} ({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''}), "
        f"{counts.sum()} points, {counts.min()}-{counts.max()} per task",
        *(
            f"input {n}: [{lo:.4g}, {hi:.4g}]"
            for n, lo, hi in zip(columns.x, x_lo, x_hi, strict=True)
        ),
        f"output {columns.y}: [{y_lo:.4g}, {y_hi:.4g}]",
        *(
            f"parameter {n}: [{lo:.4g}, {hi:.4g}]"
            for n, lo, hi in zip(bank.param_names, p_lo, p_hi, strict=False)
        ),
        f"embedding dim: {model.embedding_.dim}"
        + (f"; final training loss: {model.losses_[-1]:.4g}" if model.losses_ else ""),
        "operator: "
        + ", ".join(f"{k}={v}" for k, v in model.describe_operator().items() if k != "selection"),
        intervals_line(model),
        "settings: " + ", ".join(f"{k}={v}" for k, v in model.get_params().items()),
    ]
    say("\n".join(lines))


def intervals_line(model: RelationalTaskExtrapolator) -> str:
    """How the model's 90% intervals are calibrated: where the scores come from, the
    conformal level and the factor on the GP's std."""
    if model.setting("correction") == "none":
        return "intervals: none (correction=none)"
    return (
        f"intervals: {model.calibration_source()} calibration, level "
        f"{model.calibration_level}, factor {model.calibration():.4g} on the GP's std"
    )


def model_columns(model: RelationalTaskExtrapolator, model_dir: str) -> TableColumns:
    """The table column names a model was fitted with (defaults for API-saved models)."""
    from rte.errors import ModelFileError
    from rte.tasks.table import TableColumns

    dim = model.bank_.dim
    cols = model.metadata_.get("columns", {})
    default_x = ["x"] if dim == 1 else [f"x{i + 1}" for i in range(dim)]
    task, x, y = cols.get("task", "task"), cols.get("x") or default_x, cols.get("y", "y")
    names = [task, y, *x] if isinstance(x, list) else [x]
    if not all(isinstance(n, str) for n in names) or len(x) != dim:
        raise ModelFileError(
            f"{model_dir}: metadata.columns must name a task, {dim} input(s) and an output "
            f"column. Got {cols!r}; fit the model again."
        )
    return TableColumns(task, tuple(x), y)
