"""The sequence suites ``parity`` and ``strings``: every method, every seed, one results.json.

A suite of the one bench: its rows are registered methods (:mod:`rte.registry`), its
settings a :class:`rte.bench.settings.MethodsConfig`, its options resolved and
recorded as every suite's. What differs is the work: a seed's split (stored bank,
candidates, targets) is drawn once, then its jobs run, one per group of rows that
share a fit: ``rte``, ``oracle`` and ``rte_executed`` are one LoRA-tuned Psi read
three ways (when their options agree), ``sft``, ``few_shot`` and ``symbolic_search``
one job each. Jobs run in worker processes with one torch thread each
(:class:`rte.bench.execution.Execution`), each process loading the language model
once; records do not depend on how jobs are spread.

``run_sequence_suite(StringsConfig(quick=True), "runs/strings-quick")`` writes
DIR/results.json (the results contract plus ``intervals``: the 95 % bootstrap
interval over targets of every accuracy), DIR/targets.csv (one row per target and
method), DIR/accuracy.png and the tuned adapters (safetensors) under DIR/adapters/.
"""

from __future__ import annotations

import csv
import io
import time
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.console import Console

from rte._io import atomic_write_bytes, atomic_write_text
from rte._params import at_least, names, one_of, optional, param
from rte.bench.bootstrap import LEVEL, bootstrap_interval, paired_interval
from rte.bench.display import failure_lines, results_table
from rte.bench.execution import Execution, map_ordered
from rte.bench.plots import score_bars_png
from rte.bench.results import Record, write_results
from rte.bench.settings import MethodsConfig, Options
from rte.errors import MethodFailedError, ValidationError
from rte.lm.backends import LanguageModel, shared_language_model
from rte.lm.device import DEVICES, DTYPES
from rte.models.shared import adopt_fit, fit_signature
from rte.tasks.parity import ParityTasks
from rte.tasks.sequence import (
    CANDIDATE_SETS,
    SequenceAnswer,
    SequenceBank,
    SequenceDecomposition,
    SequenceTasks,
    Split,
    Target,
)
from rte.tasks.strings import StringTasks

# Every row of a default run, in table order.
SEQUENCE_METHODS = (
    "rte",
    "sft",
    "sft_scratchpad",
    "few_shot",
    "oracle",
    "symbolic_search",
    "rte_executed",
)
# The row every other is compared with, target by target (paired intervals).
REFERENCE_ROW = "rte"
# Targets whose context leaves candidates consistent that answer differently, and the rest.
SUBSETS = ("ambiguous", "unambiguous")
# Row names these suites keep for registered methods (results files stay readable).
ALIASES = {"rte": "rte_sequence", "oracle": "oracle_sequence"}
# LoRA steps of every tuned method with --quick (a smoke test, not a measurement).
QUICK_LORA_STEPS = 30
CANDIDATE_NOTE = {
    "bank": "",
    "band": " [candidates from the target band: ablation]",
}


@dataclass(frozen=True)
class SequenceConfig(MethodsConfig):
    """Seeds, methods, candidate set and language model of a sequence suite run; stored in
    results.json to rerun it.

    A suite sets ``name`` and its task sizes (:meth:`task_kind`). Defaults are sized
    for a 2-core CPU (docs/sequence.md gives the timing behind each number and the
    validation seeds behind each choice).
    """

    ALIASES: ClassVar[Mapping[str, str]] = ALIASES
    INTERFACE: ClassVar[str] = "answer"
    name: ClassVar[str]

    methods: tuple[str, ...] = param(SEQUENCE_METHODS, "Rows to run (registered names).", names)
    seeds: int | None = param(  # type: ignore[assignment]
        None,
        "Independent seeds (splits, targets, LoRA); default 3, or 1 with --quick.",
        optional(at_least(1)),
    )
    quick: bool = param(False, "Smaller run for a smoke test (1 seed unless --seeds is given).")
    targets: int | None = param(
        None,
        "Test targets per seed; default 20, or 10 with --quick (at least 1).",
        optional(at_least(1)),
    )
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
    adapters: str | None = param(
        None,
        "Output folder of an earlier run of this suite: a Psi adapter saved there (under "
        "adapters/) is loaded instead of tuned where its fit record equals the fit (class, "
        "fit options, bank, base model); other fits are tuned.",
    )

    def __post_init__(self) -> None:
        if self.seeds is None:
            object.__setattr__(self, "seeds", 1 if self.quick else 3)
        if self.targets is None:
            object.__setattr__(self, "targets", 10 if self.quick else 20)
        super().__post_init__()
        if self.adapters is not None and not (Path(self.adapters) / "adapters").is_dir():
            raise ValidationError(
                f"adapters must be the output folder of an earlier rte bench {self.name} run, "
                f"holding adapters/. Got {self.adapters!r}, which holds no adapters/ folder."
            )

    @abstractmethod
    def task_kind(self) -> SequenceTasks:
        """The tasks with this run's sizes (``quick`` shrinks them)."""

    def lora_budget(self) -> dict[str, int]:
        """Task settings ``quick`` changes: the LoRA steps of every tuned method."""
        return {"lora_steps": QUICK_LORA_STEPS} if self.quick else {}

    def seed_range(self) -> range:
        """The seeds this run covers."""
        return range(self.first_seed, self.first_seed + int(self.seeds or 1))

    def method_table(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """results.json's ``methods``; rows that search candidates say when the candidate
        set is the band-shaped ablation."""
        table = super().method_table(resolved)
        for row, info in table.items():
            if self.spec(row).cls.searches_candidates:
                info["description"] += CANDIDATE_NOTE[self.candidates]
        return table


@dataclass(frozen=True)
class ParityConfig(SequenceConfig):
    """``parity``: sparse parity, |S| <= 5 in training, |S| = 6 at test."""

    name: ClassVar[str] = "parity"

    def task_kind(self) -> ParityTasks:
        """``targets`` targets per seed of 12 queries (8 with ``quick``)."""
        quick = {"n_queries": 8, **self.lora_budget()} if self.quick else {}
        return ParityTasks(n_targets=int(self.targets or 1), **quick)


@dataclass(frozen=True)
class StringsConfig(SequenceConfig):
    """``strings``: string-function compositions, unseen pairs g(h(s)) at test."""

    name: ClassVar[str] = "strings"

    def task_kind(self) -> StringTasks:
        """``targets`` unseen targets per seed."""
        return StringTasks(n_targets=int(self.targets or 1), **self.lora_budget())


@dataclass(frozen=True)
class TargetResult:
    """One row's outcome on one target."""

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


def evaluate(method: Any, row: str, targets: Sequence[Target]) -> list[TargetResult]:
    """Every target answered by ``method`` (``answer(target)``), timed per target."""
    out = []
    for target in targets:
        start = time.perf_counter()
        answer: SequenceAnswer = method.answer(target)
        seconds = time.perf_counter() - start
        correct = tuple(p == y for p, (_, y) in zip(answer.outputs, target.queries, strict=True))
        out.append(TargetResult(row, target, correct, seconds, answer.found))
    return out


def subset(target: Target) -> str:
    """``ambiguous`` or ``unambiguous`` (:attr:`rte.tasks.sequence.Target.ambiguous`)."""
    return SUBSETS[0] if target.ambiguous else SUBSETS[1]


def records_from(
    family: str, seed: int, results: Iterable[TargetResult], metric: str
) -> list[Record]:
    """Per (method, band): mean score, mean seconds per target, decomposition accuracy,
    and the score on the ambiguous and the unambiguous targets apart
    (``{metric}_ambiguous``, ``{metric}_unambiguous``, where there are any)."""
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
        for part in SUBSETS:
            scores = [r.score for r in rs if subset(r.target) == part]
            if scores:
                values[f"{metric}_{part}"] = np.mean(scores)
        out += [Record(family, method, band, seed, k, float(v)) for k, v in values.items()]
    return out


def ambiguity_from(rows: Iterable[tuple[int, TargetResult]]) -> list[dict[str, Any]]:
    """Per band: how many targets (over all seeds) leave several candidates consistent
    that answer differently, and their share."""
    seen: dict[str, dict[tuple[int, str], bool]] = {}
    for seed, r in rows:
        seen.setdefault(r.target.band, {})[(seed, r.target.name)] = r.target.ambiguous
    return [
        {
            "band": band,
            "targets": len(flags),
            "ambiguous": sum(flags.values()),
            "share": round(sum(flags.values()) / len(flags), 6),
        }
        for band, flags in seen.items()
    ]


def comparisons_from(
    rows: Sequence[tuple[int, TargetResult]], metric: str, reference: str = REFERENCE_ROW
) -> list[dict[str, Any]]:
    """``reference`` minus every other row, paired over the same targets: the mean
    difference of ``metric`` and its 95 % bootstrap interval (targets resampled
    together within seeds), per band and on every target subset."""
    scores: dict[tuple[str, str, str], dict[int, list[float]]] = {}
    for seed, r in rows:
        for part in ("all", subset(r.target)):
            key = (r.method, r.target.band, part)
            scores.setdefault(key, {}).setdefault(seed, []).append(r.score)
    out = []
    for (method, band, part), by_seed in sorted(scores.items()):
        mine = scores.get((reference, band, part))
        if method == reference or mine is None:
            continue
        seeds = sorted(set(mine) & set(by_seed))
        difference, low, high = paired_interval(
            [mine[s] for s in seeds], [by_seed[s] for s in seeds], "difference"
        )
        out.append(
            {
                "band": band,
                "targets_subset": part,
                "metric": metric,
                "method": reference,
                "versus": method,
                "difference": round(difference, 6),
                "level": LEVEL,
                "low": round(low, 6),
                "high": round(high, 6),
                "targets": sum(len(by_seed[s]) for s in seeds),
            }
        )
    return out


def intervals_from(rows: Iterable[tuple[int, TargetResult]], family: str, metric: str) -> list:
    """The 95 % bootstrap interval over targets (within seeds) of every accuracy, on all
    targets and on each subset."""
    scores: dict[tuple[str, str, str], dict[int, list[float]]] = {}
    for seed, r in rows:
        values = {metric: r.score, f"{metric}_{subset(r.target)}": r.score}
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
            "ambiguous",
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
                int(r.target.ambiguous),
            ]
        )
    return buffer.getvalue()


@dataclass(frozen=True)
class Job:
    """One unit of work: the rows of one seed that share one fit, and the run's settings."""

    seed: int
    rows: tuple[str, ...]
    split: Split
    config: SequenceConfig
    options: Mapping[str, Mapping[str, Any]]
    out_dir: str


@dataclass(frozen=True)
class JobResult:
    """What a job returns: its targets' results and its wall time."""

    seed: int
    rows: tuple[str, ...]
    results: tuple[TargetResult, ...]
    seconds: float
    model: Mapping[str, str] | None = None
    failures: tuple[dict[str, Any], ...] = ()
    # The saved adapter the job's fit was loaded from (None: tuned in this run).
    reused: str | None = None


def _model_info(lm: LanguageModel) -> dict[str, str]:
    return {
        "model_source": lm.source,
        "model_device": str(lm.placement.device),
        "model_dtype": str(lm.placement.dtype).removeprefix("torch."),
    }


def run_job(job: Job) -> JobResult:
    """Fit the job's first row, give every other row the same fitted state, evaluate
    each, then release the adapter (in a worker process or in this one).

    A row that fails numerically (:class:`MethodFailedError`) is recorded in the
    result's ``failures`` and leaves no results; a failed fit fails every row of the job.
    """
    start = time.perf_counter()
    config, seed, bank = job.config, job.seed, job.split.bank
    built = [config.spec(row).build(seed, job.options[row]) for row in job.rows]
    uses_lm = type(built[0]).uses_language_model
    lm = shared_language_model(config.model, config.device, config.dtype) if uses_lm else None
    model = None if lm is None else _model_info(lm)
    family = job.split.bank.kind.family

    def failed(rows: Sequence[str], exc: MethodFailedError) -> tuple[dict[str, Any], ...]:
        return tuple(
            {"family": family, "method": row, "seed": seed, "error": str(exc)} for row in rows
        )

    lead = built[0]
    reused = None if lm is None else reusable_adapter(config.adapters, lead, bank, lm)
    try:
        if lm is None:
            lead.fit(bank)
        elif reused is not None:
            lead.load_adapter(bank, lm, reused)
        else:
            lead.fit(bank, lm)
    except MethodFailedError as exc:
        return JobResult(
            seed, job.rows, (), time.perf_counter() - start, model, failed(job.rows, exc)
        )
    if hasattr(lead, "save_adapter"):
        lead.save_adapter(Path(job.out_dir) / "adapters" / f"{job.rows[0]}-seed{seed}")
    results: list[TargetResult] = []
    failures: tuple[dict[str, Any], ...] = ()
    for row, method in zip(job.rows, built, strict=True):
        if method is not lead:
            adopt_fit(method, lead)
        try:
            results += evaluate(method, row, job.split.targets)
        except MethodFailedError as exc:
            failures += failed([row], exc)
    if hasattr(lead, "release"):
        lead.release()
    seconds = time.perf_counter() - start
    where = None if reused is None else str(reused)
    return JobResult(seed, job.rows, tuple(results), seconds, model, failures, where)


def reusable_adapter(
    folder: str | None, lead: Any, bank: SequenceBank, lm: LanguageModel
) -> Path | None:
    """A saved adapter under ``folder``/adapters whose fit record equals ``lead``'s fit on
    ``bank`` with ``lm``; None without a folder, for a method that cannot load one, or
    when no record matches."""
    from rte.models.adapters import find_adapter, fit_record  # torch: only where a run looks

    if folder is None or not hasattr(lead, "load_adapter"):
        return None
    return find_adapter(Path(folder) / "adapters", fit_record(lead, bank.fingerprint(), lm.source))


def build_split(kind: SequenceTasks, seed: int, candidates: str) -> Split:
    """One seed's stored bank, candidates and targets (from ``default_rng(seed)``)."""
    return kind.split(np.random.default_rng(seed), candidates)


def fit_groups(config: SequenceConfig, resolved: Mapping[str, Mapping[str, Any]]) -> list[tuple]:
    """The run's rows grouped by shared fit, in the rows' order: rows of one class family
    (e.g. rte, oracle, rte_executed) whose fit options agree are fitted once."""
    groups: dict[Any, list[str]] = {}
    for row in config.methods:
        method = config.spec(row).build(0, resolved[row])
        key = fit_signature(method) if type(method).share_fit else row
        groups.setdefault(key, []).append(row)
    return [tuple(rows) for rows in groups.values()]


def plan_jobs(
    config: SequenceConfig, splits: Mapping[int, Split], resolved: Any, out: Path
) -> list[Job]:
    """The run's jobs, one per (fit group, seed); the first group (rte's, the longest)
    first so that workers finish together."""
    return [
        Job(seed, rows, splits[seed], config, resolved, str(out))
        for rows in fit_groups(config, resolved)
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

    ``options`` maps a registered method name to hyperparameters overriding its
    defaults (``{"rte_sequence": {"steps": 60}}``); they are checked before any work.
    ``execution`` spreads the jobs over worker processes (default: one per CPU core,
    one torch thread each). Example::

        run_sequence_suite(StringsConfig(quick=True), "runs/strings-quick",
                           options={"rte_sequence": {"steps": 60}})
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = console or Console()
    execution = execution or Execution()
    out = Path(out_dir)
    started = time.perf_counter()
    resolved = config.resolve_options(options)
    kind = config.task_kind()
    splits = {s: build_split(kind, s, config.candidates) for s in config.seed_range()}
    jobs = plan_jobs(config, splits, resolved, out)
    console.print(
        f"[bold]rte bench {config.name}[/]: {len(jobs)} jobs on "
        f"{execution.workers(len(jobs))} worker(s) …"
    )
    rows: list[tuple[int, TargetResult]] = []
    failures: list[dict[str, Any]] = []
    reused: dict[str, str] = {}
    model: Mapping[str, str] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task("jobs", total=len(jobs))
        done = map_ordered(run_job, jobs, len(jobs), execution, lambda: progress.advance(bar))
        for result in done:
            what = ", ".join(result.rows)
            loaded = "" if result.reused is None else f" (Psi loaded from {result.reused})"
            progress.console.print(f"seed {result.seed} {what}: {result.seconds:.0f} s{loaded}")
            if result.reused is not None:
                reused[f"{result.rows[0]}-seed{result.seed}"] = result.reused
            rows += [(result.seed, r) for r in result.results]
            failures += result.failures
            model = result.model or model
    order = {row: i for i, row in enumerate(config.methods)}
    rows.sort(key=lambda sr: (sr[0], order[sr[1].method]))
    records: list[Record] = []
    for seed in config.seed_range():
        records += records_from(kind.family, seed, [r for s, r in rows if s == seed], kind.metric)
    intervals = intervals_from(rows, kind.family, kind.metric)
    ambiguity = ambiguity_from(rows)
    comparisons = comparisons_from(rows, kind.metric)
    seconds = time.perf_counter() - started
    run_config = {**config.to_dict(), "tasks": kind.to_dict(), **model}
    methods = config.method_table(resolved)
    path = write_results(
        out,
        suite=config.name,
        config=run_config,
        records=records,
        seconds=seconds,
        methods=methods,
        extra={
            "intervals": intervals,
            "ambiguity": ambiguity,
            "comparisons": comparisons,
            **({"failures": failures} if failures else {}),
            **({"reused_adapters": reused} if reused else {}),
        },
    )
    atomic_write_text(out / "targets.csv", targets_csv(rows))
    atomic_write_bytes(out / "accuracy.png", score_bars_png(records, kind.metric, config.name))
    note = CANDIDATE_NOTE[config.candidates]
    over = f"mean ± std over {config.seeds} seed(s) [{LEVEL:.0%} interval over targets]{note}"
    bands = list(dict.fromkeys(r.band for r in records))
    parts = [f"{kind.metric}_{part}" for part in SUBSETS]
    for metric in (kind.metric, *parts, "decomposition_accuracy", "seconds"):
        console.print(
            results_table(
                [r for r in records if r.metric == metric],
                metric=metric,
                bands=bands,
                access=methods,
                title=f"{config.name}: {metric}, {over}",
                intervals=intervals,
            )
        )
    for a in ambiguity:
        console.print(
            f"{a['band']}: {a['ambiguous']} of {a['targets']} targets ({a['share']:.0%}) leave "
            "several candidates consistent with the context that answer differently",
            markup=False,
        )
    for c in comparisons:
        console.print(
            f"{c['band']} {c['targets_subset']}: {c['method']} - {c['versus']} = "
            f"{c['difference']:+.3f} [{c['low']:+.3f}, {c['high']:+.3f}] "
            f"({c['targets']} targets, paired)",
            markup=False,
        )
    for line in failure_lines(failures):
        console.print(line, markup=False, highlight=False)
    console.print(f"wrote {path} in {seconds:.0f} s", markup=False)
    return path
