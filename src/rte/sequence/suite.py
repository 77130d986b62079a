"""The sequence suites ``parity`` and ``strings``: every method, every seed, one results.json.

``run_sequence_suite(StringsConfig(quick=True), "runs/strings-quick")`` draws each
seed's split (stored bank, candidates, targets) once, then runs its jobs: per
seed, ``rte`` (fit Psi; evaluate rte, the ``rte_executed`` ablation and the
oracle with it), ``sft`` (fit and evaluate), ``few_shot`` (the untouched base
model) and ``symbolic_search`` (no model). Jobs run in worker processes, one
torch thread each (``Execution``; one per CPU core by default), each loading the
model once; the records do not depend on how jobs are spread. It writes
DIR/results.json (rte.bench.results format, plus ``intervals``: the 95 %
bootstrap interval over targets of every accuracy), DIR/targets.csv (one row per
target and method), DIR/accuracy.png and the rte adapters (safetensors) under
DIR/adapters/.

Each fitted method runs with its declared defaults, then the suite's (the LoRA
budget and search settings below), then the user's ``options``, e.g.
``{"rte": {"steps": 5000}, "sft": {"steps": 10}}``; results.json records what
each method sees, what it is and the options it ran with.
"""

from __future__ import annotations

import csv
import io
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rte._io import atomic_write_bytes, atomic_write_text
from rte._params import Settings, at_least, one_of, param
from rte._validation import check_choice
from rte.base import Estimator, sees_legend
from rte.baselines.lm import SFT, FewShot
from rte.baselines.symbolic_search import SymbolicSearch
from rte.bench.execution import Execution, map_ordered
from rte.bench.intervals import LEVEL, bootstrap_interval
from rte.bench.results import Record, summarize, write_results
from rte.bench.suite import Options
from rte.errors import ValidationError
from rte.models.sequence import SequenceRTE
from rte.registry import MethodSpec
from rte.sequence.backends import LanguageModel, load_language_model
from rte.sequence.device import DEVICES, DTYPES
from rte.sequence.parity import ParitySuite
from rte.sequence.strings import StringSuite
from rte.sequence.tasks import CANDIDATE_SETS, SequenceDecomposition, SequenceSuite, Split, Target

# The fitted methods, as results.json names them.
METHODS: Mapping[str, type[Estimator]] = {
    "rte": SequenceRTE,
    "sft": SFT,
    "few_shot": FewShot,
    "symbolic_search": SymbolicSearch,
}


@dataclass(frozen=True)
class DerivedRow:
    """A row evaluated with rte's fitted Psi, not a fit of its own (no options)."""

    sees: str
    description: str


DERIVED: Mapping[str, DerivedRow] = {
    "oracle": DerivedRow(
        "BLD",
        "rte's fitted Psi given each target's true (anchor, phi), the anchor's outputs from "
        "the model of the bank; no options of its own (it runs with rte's)",
    ),
    "rte_executed": DerivedRow(
        "BCLX",
        "ablation: rte with every anchor's outputs computed by its generator (with "
        "--candidates band, the protocol before issue 12); rte's fitted Psi and options",
    ),
}
ORACLE = "oracle"
EXECUTED = "rte_executed"
# Rows of the table and bars of the plot; every row of a default run.
METHOD_ORDER = ("rte", "sft", "few_shot", ORACLE, "symbolic_search", EXECUTED)
CANDIDATE_NOTE = {
    "bank": "",
    "band": " [candidates from the target band: ablation]",
}


def _check_methods(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, tuple) or not value:
        raise ValidationError(f"{name} must be a non-empty list of methods. Got {value!r}.")
    for method in value:
        check_choice(method, METHOD_ORDER, "method")
    if set(value) & set(DERIVED) and "rte" not in value:
        raise ValidationError(
            f"{name}: oracle and rte_executed evaluate rte's fitted Psi. Got {list(value)} "
            "without rte; add rte."
        )
    return value


@dataclass(frozen=True)
class SequenceConfig(Settings, ABC):
    """Seeds, model, methods and candidate set of a sequence suite run; stored in
    results.json to rerun it.

    A suite sets ``name``, the LoRA steps of rte and sft (``lora_steps``; 30 with
    ``quick``), rte's search settings (``rte_search``) and its task sizes
    (:meth:`task_suite`). Defaults are sized for a 2-core CPU (docs/sequence.md
    gives the timing behind each number and the validation seeds behind each
    choice).
    """

    name: ClassVar[str]
    lora_steps: ClassVar[int]
    quick_steps: ClassVar[int] = 30
    rte_search: ClassVar[Mapping[str, Any]] = {}

    seeds: int | None = param(
        None, "Independent seeds (splits, targets, LoRA); default 3, or 1 with --quick."
    )
    first_seed: int = param(
        0, "First seed. Benchmarks report 0..; choices are made on 100.. only.", at_least(0)
    )
    quick: bool = param(False, "Smaller run for a smoke test (1 seed unless --seeds is given).")
    targets: int | None = param(
        None, "Test targets per seed; default 20, or 10 with --quick (at least 1)."
    )
    methods: tuple[str, ...] = param(METHOD_ORDER, "Rows to run.", _check_methods)
    candidates: str = param(
        "bank",
        "bank: every bank anchor with every phi (the protocol); band: anchors of the "
        "target's size or depth only (an ablation; its rows say so).",
        one_of(*CANDIDATE_SETS),
    )
    model: str | None = param(
        None, "Local Hugging Face causal-LM directory; none = the packaged SmolLM2 GGUF."
    )
    device: str = param("auto", "auto, cpu or cuda.", one_of(*DEVICES))
    dtype: str = param("auto", "auto, float32, bfloat16 or float16.", one_of(*DTYPES))

    def __post_init__(self) -> None:
        if self.seeds is None:
            object.__setattr__(self, "seeds", 1 if self.quick else 3)
        if self.targets is None:
            object.__setattr__(self, "targets", 10 if self.quick else 20)
        super().__post_init__()
        for name in ("seeds", "targets"):
            if getattr(self, name) < 1:
                raise ValidationError(f"{name} must be an integer >= 1. Got {getattr(self, name)}.")

    @abstractmethod
    def task_suite(self) -> SequenceSuite:
        """The task suite with this run's sizes (``quick`` shrinks them)."""

    def seed_range(self) -> range:
        """The seeds this run covers."""
        return range(self.first_seed, self.first_seed + int(self.seeds or 1))

    def method_defaults(self) -> dict[str, dict[str, Any]]:
        """The suite's defaults per fitted method, applied before the user's options.

        rte and sft get the same LoRA budget.
        """
        lora = {"steps": self.quick_steps if self.quick else self.lora_steps, "learning_rate": 3e-3}
        return {
            "rte": {**lora, **self.rte_search},
            "sft": dict(lora),
            "few_shot": {},
            "symbolic_search": {},
        }

    @classmethod
    def method_class(cls, method: str) -> type:
        """The estimator class behind a method name (types ``--set`` values)."""
        if method in DERIVED:
            raise ValidationError(
                f"{method} has no options of its own: it evaluates rte's fitted Psi; set them "
                "on rte."
            )
        return METHODS[check_choice(method, METHODS, "method")]

    def resolve_options(self, options: Options | None = None) -> dict[str, dict[str, Any]]:
        """Every method's resolved hyperparameters but ``seed``: declared defaults, the
        suite's, then ``options[method]``.

        An unknown method, an unknown key or a bad value is refused here, before any
        work: a typo in ``{"rtee": ...}`` or ``{"rte": {"stepz": ...}}`` must not pass
        silently. The derived rows (oracle, rte_executed) resolve to ``{}``.
        """
        options = dict(options or {})
        stray = sorted(set(options) - set(METHOD_ORDER))
        if stray:
            raise ValidationError(
                f"Options given for {stray}, which the {self.name} suite does not run. "
                f"Its methods: {', '.join(METHOD_ORDER)}."
            )
        for name, given in options.items():
            if not isinstance(given, Mapping):
                raise ValidationError(
                    f"Options of {name} must map hyperparameter names to values, e.g. "
                    f"{{'steps': 100}}. Got {given!r}."
                )
        for name in DERIVED:
            if options.get(name):
                raise ValidationError(
                    f"{name} has no options of its own: it evaluates rte's fitted Psi. Got "
                    f"{sorted(options[name])}; set them on rte instead."
                )
        defaults = self.method_defaults()
        resolved = {
            name: MethodSpec(name, cls, defaults[name]).resolve(options.get(name))
            for name, cls in METHODS.items()
        }
        resolved.update({name: {} for name in DERIVED})
        return resolved

    def method_table(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """results.json's ``methods``: what each run method sees, is, and ran with."""
        note = CANDIDATE_NOTE[self.candidates]
        table = {}
        for name in self.methods:
            row = METHODS.get(name) or DERIVED[name]
            searches = name in ("rte", EXECUTED, "symbolic_search")
            table[name] = {
                "access": list(row.sees),
                "description": row.description + (note if searches else ""),
                "options": dict(resolved[name]),
            }
        return table


@dataclass(frozen=True)
class ParityConfig(SequenceConfig):
    """``parity``: sparse parity, |S| <= 5 in training, |S| = 6 at test."""

    name: ClassVar[str] = "parity"
    lora_steps: ClassVar[int] = 40

    def task_suite(self) -> ParitySuite:
        """``targets`` targets per seed of 12 queries (8 with ``quick``)."""
        return ParitySuite(n_targets=int(self.targets or 1), n_queries=8 if self.quick else 12)


@dataclass(frozen=True)
class StringsConfig(SequenceConfig):
    """``strings``: string-function compositions, unseen pairs g(h(s)) at test."""

    name: ClassVar[str] = "strings"
    lora_steps: ClassVar[int] = 150
    # 684 candidates: score all on the first context pair, the best 8 on the whole context.
    rte_search: ClassVar[Mapping[str, Any]] = {"probe": 1, "keep": 8}

    def task_suite(self) -> StringSuite:
        """``targets`` unseen targets per seed."""
        return StringSuite(n_targets=int(self.targets or 1))


@dataclass(frozen=True)
class TargetResult:
    """One method's outcome on one target."""

    method: str
    target: Target
    correct: tuple[bool, ...]
    seconds: float
    found: SequenceDecomposition | None = None

    @property
    def score(self) -> float:
        """Fraction of queries answered exactly right."""
        return float(np.mean(self.correct))

    @property
    def decomposition_correct(self) -> bool | None:
        """Whether the found decomposition is the target's function on its inputs."""
        return None if self.found is None else self.found in self.target.equivalent


def _correct(target: Target, predictions: Sequence[str]) -> tuple[bool, ...]:
    return tuple(p == y for p, (_, y) in zip(predictions, target.queries, strict=True))


def _queries(target: Target) -> list[str]:
    return [x for x, _ in target.queries]


def evaluate_few_shot(method: FewShot, name: str, targets: Sequence[Target]) -> list[TargetResult]:
    """Answer every target's queries from its few-shot prompt, timed per target
    (``few_shot``, and ``sft`` on its tuned model)."""
    out = []
    for target in targets:
        start = time.perf_counter()
        preds = method.predict(target.context, _queries(target))
        out.append(TargetResult(name, target, _correct(target, preds), time.perf_counter() - start))
    return out


def evaluate_search(
    method: SequenceRTE | SymbolicSearch,
    name: str,
    targets: Sequence[Target],
    **how: Any,
) -> list[TargetResult]:
    """Per target: decompose the context, then answer the queries, timed."""
    out = []
    for target in targets:
        start = time.perf_counter()
        found = method.decompose(target.context, **how)
        preds = method.predict_with(found, _queries(target), **how)
        seconds = time.perf_counter() - start
        out.append(TargetResult(name, target, _correct(target, preds), seconds, found))
    return out


def evaluate_oracle(rte: SequenceRTE, targets: Sequence[Target]) -> list[TargetResult]:
    """Psi's answers given each target's true decomposition, timed."""
    out = []
    for target in targets:
        start = time.perf_counter()
        preds = rte.predict_with(target.truth, _queries(target))
        seconds = time.perf_counter() - start
        out.append(TargetResult(ORACLE, target, _correct(target, preds), seconds))
    return out


def records_from(
    family: str, seed: int, results: Iterable[TargetResult], metric: str
) -> list[Record]:
    """Per (method, band): mean score, mean seconds per target, decomposition accuracy."""
    groups: dict[tuple[str, str], list[TargetResult]] = {}
    for r in results:
        groups.setdefault((r.method, r.target.band), []).append(r)
    out = []
    for (method, band), rs in sorted(groups.items()):
        values = {
            metric: np.mean([r.score for r in rs]),
            "seconds": np.mean([r.seconds for r in rs]),
        }
        if rs[0].found is not None:
            values["decomposition_accuracy"] = np.mean([bool(r.decomposition_correct) for r in rs])
        out += [Record(family, method, band, seed, k, float(v)) for k, v in values.items()]
    return out


def intervals_from(rows: Iterable[tuple[int, TargetResult]], family: str, metric: str) -> list:
    """The 95 % bootstrap interval over targets (within seeds) of every accuracy."""
    scores: dict[tuple[str, str, str], dict[int, list[float]]] = {}
    for seed, r in rows:
        values = {metric: r.score}
        if r.decomposition_correct is not None:
            values["decomposition_accuracy"] = float(r.decomposition_correct)
        for name, value in values.items():
            scores.setdefault((r.method, r.target.band, name), {}).setdefault(seed, []).append(
                value
            )
    out = []
    for (method, band, name), by_seed in sorted(scores.items()):
        low, high = bootstrap_interval(list(by_seed.values()))
        out.append(
            {
                "family": family,
                "method": method,
                "band": band,
                "metric": name,
                "level": LEVEL,
                "low": round(low, 6),
                "high": round(high, 6),
                "targets": sum(len(v) for v in by_seed.values()),
            }
        )
    return out


def targets_csv(rows: Iterable[tuple[int, TargetResult]]) -> str:
    """One line per (seed, target, method): the per-size / per-composition table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "seed",
            "band",
            "target",
            "anchor",
            "phi",
            "method",
            "score",
            "seconds",
            "found",
            "decomposition_correct",
        ]
    )
    for seed, r in rows:
        found = "" if r.found is None else f"{r.found.phi}∘{r.found.anchor or '∅'}"
        flag = "" if r.decomposition_correct is None else int(r.decomposition_correct)
        writer.writerow(
            [
                seed,
                r.target.band,
                r.target.name,
                r.target.truth.anchor,
                r.target.truth.phi,
                r.method,
                f"{r.score:.4f}",
                f"{r.seconds:.3f}",
                found,
                flag,
            ]
        )
    return buffer.getvalue()


def _percent(mean: float, std: float, interval: tuple[float, float] | None) -> str:
    text = f"{100 * mean:.1f} ± {100 * std:.1f} %"
    if interval is not None:
        text += f" [{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]"
    return text


def results_table(
    records: list[Record],
    intervals: list[dict[str, Any]],
    methods: Mapping[str, Mapping[str, Any]],
    metric: str,
    title: str,
) -> Table:
    """Rich table: one row per (band, method): sees, mean ± std over seeds and the 95 %
    interval over targets."""
    stats = summarize(records)
    bounds = {(i["method"], i["band"], i["metric"]): (i["low"], i["high"]) for i in intervals}
    count = {(i["method"], i["band"]): i["targets"] for i in intervals if i["metric"] == metric}
    table = Table(title=escape(title), caption=f"sees: {sees_legend()}")
    columns = ("band", "method", "sees", metric, "decomposition_accuracy", "s / target", "targets")
    for column in columns:
        table.add_column(column)
    bands = sorted({k[2] for k in stats}, reverse=True)
    for band in bands:
        for method in METHOD_ORDER:
            key = (records[0].family, method, band)
            if (*key, metric) not in stats:
                continue
            mean, std, _ = stats[(*key, metric)]
            dec = stats.get((*key, "decomposition_accuracy"))
            sec = stats[(*key, "seconds")]
            table.add_row(
                band,
                method,
                "".join(methods.get(method, {}).get("access", [])),
                _percent(mean, std, bounds.get((method, band, metric))),
                ""
                if dec is None
                else _percent(dec[0], dec[1], bounds.get((method, band, "decomposition_accuracy"))),
                f"{sec[0]:.2f}",
                str(count.get((method, band), "")),
            )
    return table


def plot_png(records: list[Record], metric: str, title: str) -> bytes:
    """Grouped bars of ``metric`` per band and method, std over seeds as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = summarize(records)
    bands = sorted({k[2] for k in stats}, reverse=True)
    methods = [m for m in METHOD_ORDER if any(k[1] == m for k in stats)]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.8 / len(methods)
    for j, method in enumerate(methods):
        values = [stats.get((records[0].family, method, b, metric), (0.0, 0.0, 0)) for b in bands]
        ax.bar(
            np.arange(len(bands)) + j * width,
            [v[0] for v in values],
            width,
            yerr=[v[1] for v in values],
            label=method,
            capsize=3,
        )
    ax.set_xticks(np.arange(len(bands)) + 0.4 - width / 2, bands)
    ax.set_ylim(0, 1)
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    return buffer.getvalue()


# One loaded model per process (a worker runs several jobs).
_LOADED: dict[tuple[str | None, str, str], LanguageModel] = {}


def _language_model(config: SequenceConfig) -> LanguageModel:
    key = (config.model, config.device, config.dtype)
    if key not in _LOADED:
        _LOADED[key] = load_language_model(config.model, device=config.device, dtype=config.dtype)
    return _LOADED[key]


@dataclass(frozen=True)
class Job:
    """One unit of work: a seed's ``part`` (rte, sft, few_shot or symbolic_search)."""

    config: SequenceConfig
    seed: int
    part: str
    split: Split
    options: Mapping[str, Mapping[str, Any]]
    out_dir: str


@dataclass(frozen=True)
class JobResult:
    """What a job returns: its targets' results and its wall time."""

    seed: int
    part: str
    results: tuple[TargetResult, ...]
    seconds: float
    model: Mapping[str, str] | None = None


def _model_info(lm: LanguageModel) -> dict[str, str]:
    return {
        "model_source": lm.source,
        "model_device": str(lm.placement.device),
        "model_dtype": str(lm.placement.dtype).removeprefix("torch."),
    }


def run_job(job: Job) -> JobResult:
    """Fit and evaluate one part of one seed (in a worker process or in this one).

    The rte part also evaluates oracle and rte_executed when the run asks for them,
    on the same fitted Psi; every tuned method releases its adapter when done.
    """
    start = time.perf_counter()
    seed, bank, targets = job.seed, job.split.bank, job.split.targets
    rows = job.config.methods
    if job.part == "symbolic_search":
        search = SymbolicSearch(**job.options[job.part], seed=seed).fit(bank)
        results = evaluate_search(search, job.part, targets)
        return JobResult(seed, job.part, tuple(results), time.perf_counter() - start)
    lm = _language_model(job.config)
    if job.part == "few_shot":
        model = FewShot(**job.options[job.part], seed=seed).fit(bank, lm)
        results = evaluate_few_shot(model, job.part, targets)
    elif job.part == "sft":
        sft = SFT(**job.options[job.part], seed=seed).fit(bank, lm)
        results = evaluate_few_shot(sft, job.part, targets)
        sft.release()
    else:
        rte = SequenceRTE(**job.options["rte"], seed=seed).fit(bank, lm)
        rte.save_adapter(Path(job.out_dir) / "adapters" / f"rte-seed{seed}")
        results = evaluate_search(rte, "rte", targets)
        if ORACLE in rows:
            results += evaluate_oracle(rte, targets)
        if EXECUTED in rows:
            results += evaluate_search(rte, EXECUTED, targets, executed=True)
        rte.release()
    seconds = time.perf_counter() - start
    return JobResult(seed, job.part, tuple(results), seconds, _model_info(lm))


def build_split(suite: SequenceSuite, seed: int, candidates: str) -> Split:
    """One seed's stored bank, candidates and targets (from ``default_rng(seed)``)."""
    return suite.split(np.random.default_rng(seed), candidates)


def plan_jobs(
    config: SequenceConfig, splits: Mapping[int, Split], resolved: Any, out: Path
) -> list[Job]:
    """The run's jobs, longest first so that workers finish together."""
    parts = [p for p in ("rte", "sft", "few_shot", "symbolic_search") if p in config.methods]
    return [
        Job(config, seed, part, splits[seed], resolved, str(out))
        for part in parts
        for seed in config.seed_range()
    ]


def run_sequence_suite(
    config: SequenceConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run a sequence suite end to end and write its outputs into ``out_dir``.

    ``options`` maps a method name to hyperparameters overriding the suite's
    defaults; they are checked before any work. ``execution`` spreads the jobs over
    worker processes (default: one per CPU core, one torch thread each). Example::

        run_sequence_suite(StringsConfig(quick=True), "runs/strings-quick",
                           options={"rte": {"steps": 60}})
    """
    console = console or Console()
    execution = execution or Execution()
    out = Path(out_dir)
    started = time.perf_counter()
    resolved = config.resolve_options(options)
    suite = config.task_suite()
    splits = {s: build_split(suite, s, config.candidates) for s in config.seed_range()}
    jobs = plan_jobs(config, splits, resolved, out)
    records: list[Record] = []
    rows: list[tuple[int, TargetResult]] = []
    model: Mapping[str, str] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    console.print(
        f"[bold]rte bench {config.name}[/]: {len(jobs)} jobs on "
        f"{execution.workers(len(jobs))} worker(s) …"
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("jobs", total=len(jobs))
        done = map_ordered(run_job, jobs, len(jobs), execution, lambda: progress.advance(bar))
        for result in done:
            progress.console.print(f"seed {result.seed} {result.part}: {result.seconds:.0f} s")
            rows += [(result.seed, r) for r in result.results]
            model = result.model or model
    rows.sort(key=lambda sr: (sr[0], METHOD_ORDER.index(sr[1].method)))
    for seed in config.seed_range():
        records += records_from(suite.family, seed, [r for s, r in rows if s == seed], suite.metric)
    intervals = intervals_from(rows, suite.family, suite.metric)
    seconds = time.perf_counter() - started
    run_config = {**config.to_dict(), "tasks": suite.to_dict(), **model}
    methods = config.method_table(resolved)
    path = write_results(
        out,
        suite=config.name,
        config=run_config,
        records=records,
        seconds=seconds,
        methods=methods,
        extra={"intervals": intervals},
    )
    atomic_write_text(out / "targets.csv", targets_csv(rows))
    title = (
        f"{config.name}: {suite.metric}, mean ± std over {config.seeds} seed(s) "
        f"[{LEVEL:.0%} interval over targets]{CANDIDATE_NOTE[config.candidates]}"
    )
    atomic_write_bytes(out / "accuracy.png", plot_png(records, suite.metric, config.name))
    console.print(results_table(records, intervals, methods, suite.metric, title))
    console.print(f"wrote {path} in {seconds:.0f} s", markup=False)
    return path
