"""The ``rte`` command line: ``rte bench SUITE``, ``rte fit``, ``rte predict``, ``rte inspect``.

Commands are thin: they parse options, call the Python API and print. Errors the
library raises on purpose (:class:`rte.errors.RTEError`) become one-line messages
with exit code 2, never a traceback.
"""

from __future__ import annotations

import inspect
import sys
import time
import typing
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from rte.bench.scale import scale_command
from rte.errors import RTEError
from rte.extrapolator import RTEConfig
from rte.sequence.cli import parity_command, strings_command

if TYPE_CHECKING:
    import pandas as pd

    from rte.extrapolator import RelationalTaskExtrapolator
    from rte.tasks.table import TableColumns, TargetTables

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Relational Task Extrapolator: extrapolate to unseen tasks as anchor + transformation.",
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(
    no_args_is_help=True,
    help="Run a benchmark suite: every method on the same tasks, contexts, queries and seeds.",
)
app.add_typer(bench_app, name="bench")
bench_app.command("parity")(parity_command)
bench_app.command("strings")(strings_command)
bench_app.command("scale")(scale_command)

err_console = Console(stderr=True, soft_wrap=True)  # one line per error, never wrapped
console = Console(soft_wrap=True)


def set_threads(threads: int) -> None:
    """Set torch's CPU threads; small networks oversubscribe a busy 2-core machine."""
    import torch

    from rte._validation import check_positive_int

    torch.set_num_threads(check_positive_int(threads, "threads"))


def main() -> None:
    """Entry point of the ``rte`` script."""
    try:
        app()
    except RTEError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


# Options shared by the function-prediction suites (param, length, comp).
SeedsOpt = Annotated[int, typer.Option(help="Number of seeds.")]
FirstSeedOpt = Annotated[int, typer.Option(help="First seed (validation runs use 100 and up).")]
MethodsOpt = Annotated[
    str | None, typer.Option(help="Comma-separated method names (default: the suite's).")
]
ThreadsOpt = Annotated[int, typer.Option(help="Torch CPU threads (small nets run fastest on one).")]


def _out_option(suite: str) -> Any:
    return typer.Option(f"runs/{suite}", help="Directory for results.json and plots.")


@bench_app.command("param")
def bench_param(
    out: str = _out_option("param"),
    seeds: SeedsOpt = 3,
    first_seed: FirstSeedOpt = 0,
    families: Annotated[
        str | None, typer.Option(help="Comma-separated family names (default: every built-in one).")
    ] = None,
    methods: MethodsOpt = None,
    n_targets: Annotated[int, typer.Option(help="Target tasks per band.")] = 30,
    threads: ThreadsOpt = 1,
) -> None:
    """Parameter extrapolation: every family x method x seed; MSE in_support, F1, F2."""
    set_threads(threads)
    from rte.bench.param import PARAM_METHODS, ParamSuiteConfig, run_param_suite
    from rte.bench.suite import parse_list
    from rte.tasks.builtin import DEFAULT_PARAM_FAMILIES

    config = ParamSuiteConfig(
        families=parse_list(families, DEFAULT_PARAM_FAMILIES),
        methods=parse_list(methods, PARAM_METHODS),
        seeds=seeds,
        first_seed=first_seed,
        n_targets=n_targets,
    )
    run_param_suite(config, out)


@bench_app.command("length")
def bench_length(
    out: str = _out_option("length"),
    seeds: SeedsOpt = 3,
    first_seed: FirstSeedOpt = 0,
    methods: MethodsOpt = None,
    n_targets: Annotated[int, typer.Option(help="Target tasks per band.")] = 30,
    threads: ThreadsOpt = 1,
) -> None:
    """Length extrapolation: train on polynomial depth <= 8, predict depth 9 (band L9)."""
    set_threads(threads)
    from rte.bench.discrete import DISCRETE_METHODS
    from rte.bench.length import LengthSuiteConfig, run_length_suite
    from rte.bench.suite import parse_list

    config = LengthSuiteConfig(
        methods=parse_list(methods, DISCRETE_METHODS),
        seeds=seeds,
        first_seed=first_seed,
        n_targets=n_targets,
    )
    run_length_suite(config, out)


@bench_app.command("comp")
def bench_comp(
    out: str = _out_option("comp"),
    seeds: SeedsOpt = 3,
    first_seed: FirstSeedOpt = 0,
    methods: MethodsOpt = None,
    per_composition: Annotated[int, typer.Option(help="Targets per held-out composition.")] = 5,
    threads: ThreadsOpt = 1,
) -> None:
    """Compositional extrapolation: g(h(x)) for held-out (g, h) pairs (band unseen)."""
    set_threads(threads)
    from rte.bench.comp import CompSuiteConfig, run_comp_suite
    from rte.bench.discrete import DISCRETE_METHODS
    from rte.bench.suite import parse_list

    config = CompSuiteConfig(
        methods=parse_list(methods, DISCRETE_METHODS),
        seeds=seeds,
        first_seed=first_seed,
        per_composition=per_composition,
    )
    run_comp_suite(config, out)


@app.command("report")
def report_command(
    results: Annotated[str, typer.Argument(help="A results.json written by `rte bench`.")],
    metric: Annotated[str, typer.Option(help="Metric to tabulate (mse, accuracy, ...).")] = "mse",
) -> None:
    """Print a results file as a markdown table (mean ± std over seeds per band)."""
    from rte._validation import check_choice
    from rte.bench.report import report
    from rte.bench.results import METRICS

    print(report(results, check_choice(metric, METRICS, "metric")))


def with_config_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` one --option per :class:`RTEConfig` field, passed on as ``config``.

    The options, defaults and help texts come from the dataclass, so the CLI never
    restates the settings.
    """
    names = [f.name for f in fields(RTEConfig)]
    hints = typing.get_type_hints(command)
    own = [p for p in inspect.signature(command).parameters.values() if p.name != "config"]
    options = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(f.default, help=f.metadata["help"], rich_help_panel="Model"),
            annotation=type(f.default),
        )
        for f in fields(RTEConfig)
    ]

    def wrapper(**kwargs: Any) -> None:
        config = RTEConfig(**{n: kwargs.pop(n) for n in names})
        command(config=config, **kwargs)

    wrapper.__name__, wrapper.__doc__ = command.__name__, command.__doc__
    wrapper.__signature__ = inspect.Signature([*own, *options])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: hints[p.name] for p in own} | {
        p.name: p.annotation for p in options
    }
    return wrapper


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip()) if text else ()


@app.command("fit")
@with_config_options
def fit_command(
    bank: str = typer.Argument(..., help="Task table (.csv, .parquet): task id, inputs, output."),
    out: str = typer.Option(..., "--out", help="Model directory to write (replaced if a model)."),
    task: str = typer.Option("task", help="Task id column."),
    x: str = typer.Option(None, help="Comma-separated input columns (default: x, or x1, x2, ...)."),
    y: str = typer.Option("y", help="Output column."),
    params: str = typer.Option(None, help="Comma-separated task-parameter columns (optional)."),
    threads: int = typer.Option(1, help="Torch CPU threads (small nets run fastest on one)."),
    progress: bool = typer.Option(True, help="Show a progress bar while training."),
    config: RTEConfig | None = None,
) -> None:
    """Fit RTE on a task table and save the model directory."""
    set_threads(threads)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rte.extrapolator import RelationalTaskExtrapolator
    from rte.persistence import check_replaceable
    from rte.tasks.table import TableColumns, bank_from_frame, read_table

    assert config is not None
    check_replaceable(Path(out))  # before the work, not after
    frame = read_table(bank)
    columns = TableColumns(task, _names(x), y, _names(params)).resolve(frame, bank)
    task_bank = bank_from_frame(frame, columns, bank)
    model = RelationalTaskExtrapolator(**config.to_dict())
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
        job = bar.add_task("fit", total=config.steps, loss=float("nan"))
        model.fit(task_bank, progress=lambda step, loss: bar.update(job, completed=step, loss=loss))
    columns_meta = {"task": task, "x": list(columns.x), "y": y, "params": list(columns.params)}
    model.save(out, {"columns": columns_meta, "source": str(bank)})
    console.print(
        f"Fitted on {task_bank.n_tasks} tasks ({int(task_bank.mask.sum())} points, "
        f"{task_bank.dim} input(s)) in {time.perf_counter() - start:.1f} s; wrote {out}",
        highlight=False,
    )


@app.command("predict")
def predict_command(
    model_dir: str = typer.Argument(..., help="Model directory written by `rte fit`."),
    context: str = typer.Option(..., help="Context table: task id, inputs, output."),
    query: str = typer.Option(..., help="Query table: task id, inputs."),
    out: str = typer.Option(None, help="CSV to write (default: print CSV to stdout)."),
    threads: int = typer.Option(1, help="Torch CPU threads."),
) -> None:
    """Predict new tasks from their contexts; writes predictions, anchor task and phi."""
    set_threads(threads)
    from rte._io import atomic_write_text
    from rte.extrapolator import RelationalTaskExtrapolator
    from rte.persistence import read_info
    from rte.tasks.table import load_targets

    info = read_info(model_dir)
    model = RelationalTaskExtrapolator.load(model_dir)
    columns = _model_columns(info, model.bank_.dim, model_dir)
    targets = load_targets(context, query, columns)
    table = _prediction_frame(model, targets, columns).to_csv(index=False)
    if out is None:
        sys.stdout.write(table)
    else:
        atomic_write_text(out, table)
        console.print(f"Predicted {len(targets.task_ids)} target(s); wrote {out}", highlight=False)


def _prediction_frame(
    model: RelationalTaskExtrapolator, targets: TargetTables, columns: TableColumns
) -> pd.DataFrame:
    """One row per query: task, inputs, prediction, anchor task id, phi, diagnostics."""
    import pandas as pd

    frames = []
    for tid, (cx, cy), qx in zip(targets.task_ids, targets.contexts, targets.queries, strict=True):
        out = model.predict(cx, cy, qx)
        frame = pd.DataFrame(qx, columns=list(targets.inputs))
        frame.insert(0, columns.task, tid)
        frame[columns.y] = out.y
        frame["anchor"] = out.anchor_id[0]
        for i, value in enumerate(out.phi[0]):
            frame[f"phi_{i + 1}"] = value
        frame["phi_in_range"] = bool(out.phi_in_range[0])
        frame["context_mse"] = out.context_mse[0]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@app.command("inspect")
def inspect_command(
    model_dir: str = typer.Argument(..., help="Model directory written by `rte fit`."),
) -> None:
    """Show what a model was fitted on: tasks, ranges, settings, versions."""
    from rte.extrapolator import RelationalTaskExtrapolator
    from rte.persistence import read_info

    info = read_info(model_dir)
    model = RelationalTaskExtrapolator.load(model_dir)  # verifies the weights: report from them
    bank, columns = model.bank_, _model_columns(info, model.bank_.dim, model_dir)
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
        f"embedding dim: {model.embedding_.dim}; final training loss: {model.losses_[-1]:.4g}",
        "settings: " + ", ".join(f"{k}={v}" for k, v in model.config.to_dict().items()),
    ]
    console.print("\n".join(lines), highlight=False)


def _model_columns(info: dict[str, Any], dim: int, model_dir: str) -> TableColumns:
    """The table column names a model was fitted with (defaults for API-saved models)."""
    from rte.errors import ModelFileError
    from rte.tasks.table import TableColumns

    cols = info["metadata"].get("columns", {})
    default_x = ["x"] if dim == 1 else [f"x{i + 1}" for i in range(dim)]
    task, x, y = cols.get("task", "task"), cols.get("x") or default_x, cols.get("y", "y")
    names = [task, y, *x] if isinstance(x, list) else [x]
    if not all(isinstance(n, str) for n in names) or len(x) != dim:
        raise ModelFileError(
            f"{model_dir}: metadata.columns must name a task, {dim} input(s) and an output "
            f"column. Got {cols!r}; fit the model again."
        )
    return TableColumns(task, tuple(x), y)
