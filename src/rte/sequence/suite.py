"""The sequence suites ``parity`` and ``strings``: every method, every seed, one results.json.

``run_sequence_suite(StringsConfig(quick=True), "runs/strings-quick")`` loads the
model once, then per seed draws the split, runs few_shot on the untouched base
model, fits rte and evaluates it and the oracle (the same fitted Psi given each
target's true decomposition), releases the adapter, then fits and evaluates sft.
It writes DIR/results.json (rte.bench.results format), DIR/targets.csv (one row
per target and method, the per-size / per-composition table), DIR/accuracy.png
and the rte adapters (safetensors) under DIR/adapters/.

Each method runs with its declared defaults, then the suite's (the LoRA budget
and search settings below), then the user's ``options``, e.g.
``{"rte": {"steps": 5000}, "sft": {"steps": 10}}``; results.json records what
each method sees, what it is and the options it ran with.
"""

from __future__ import annotations

import csv
import io
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rte._io import atomic_write_bytes, atomic_write_text
from rte._params import Settings, at_least, one_of, param
from rte._validation import check_choice
from rte.base import Estimator
from rte.baselines.lm import SFT, FewShot
from rte.bench.execution import Execution
from rte.bench.results import Record, format_mean_std, summarize, write_results
from rte.bench.suite import Options
from rte.errors import ValidationError
from rte.models.sequence import SequenceRTE
from rte.registry import MethodSpec
from rte.sequence.backends import LanguageModel, load_language_model
from rte.sequence.device import DEVICES, DTYPES
from rte.sequence.parity import ParitySuite
from rte.sequence.strings import StringSuite
from rte.sequence.tasks import (
    SequenceBank,
    SequenceDecomposition,
    SequenceSuite,
    Target,
    equivalent,
)

# The fitted methods, as results.json names them.
METHODS: Mapping[str, type[Estimator]] = {"rte": SequenceRTE, "sft": SFT, "few_shot": FewShot}
# The oracle row is rte's fitted Psi evaluated with each target's true decomposition:
# not a fit of its own, so it has no class and no options.
ORACLE = "oracle"
ORACLE_SEES = "BLD"
ORACLE_DESCRIPTION = (
    "rte's fitted Psi given each target's true (anchor, phi); no options of its own "
    "(it runs with rte's)"
)
METHOD_ORDER = ("rte", "oracle", "sft", "few_shot")  # rows of the table and bars of the plot


@dataclass(frozen=True)
class SequenceConfig(Settings, ABC):
    """Seeds and model of a sequence suite run; stored in results.json to rerun it.

    A suite sets ``name``, the LoRA steps of rte and sft (``lora_steps``; 30 with
    ``quick``), rte's search settings (``rte_search``) and its task sizes
    (:meth:`task_suite`). Defaults are sized for a 2-core CPU (docs/sequence.md
    gives the timing behind each number); none was tuned on test targets.
    """

    name: ClassVar[str]
    lora_steps: ClassVar[int]
    rte_search: ClassVar[Mapping[str, int]] = {}

    seeds: int = param(3, "Independent seeds (splits, targets, LoRA).", at_least(1))
    first_seed: int = param(
        0, "First seed. Benchmarks report 0..; choices are made on 100.. only.", at_least(0)
    )
    quick: bool = param(False, "Smaller run for a smoke test.")
    model: str | None = param(
        None, "Local Hugging Face causal-LM directory; none = the packaged SmolLM2 GGUF."
    )
    device: str = param("auto", "auto, cpu or cuda.", one_of(*DEVICES))
    dtype: str = param("auto", "auto, float32, bfloat16 or float16.", one_of(*DTYPES))

    @abstractmethod
    def task_suite(self) -> SequenceSuite:
        """The task suite with this run's sizes (``quick`` shrinks them)."""

    def seed_range(self) -> range:
        """The seeds this run covers."""
        return range(self.first_seed, self.first_seed + self.seeds)

    def method_defaults(self) -> dict[str, dict[str, Any]]:
        """The suite's defaults per fitted method, applied before the user's options.

        rte and sft get the same LoRA budget.
        """
        lora = {"steps": 30 if self.quick else self.lora_steps, "learning_rate": 3e-3}
        return {"rte": {**lora, **self.rte_search}, "sft": dict(lora), "few_shot": {}}

    @classmethod
    def method_class(cls, method: str) -> type:
        """The estimator class behind a method name (types ``--set`` values)."""
        if method == ORACLE:
            raise ValidationError(
                "oracle has no options of its own: it evaluates rte's fitted Psi; set them on rte."
            )
        return METHODS[check_choice(method, METHODS, "method")]

    def resolve_options(self, options: Options | None = None) -> dict[str, dict[str, Any]]:
        """Every method's resolved hyperparameters but ``seed``: declared defaults, the
        suite's, then ``options[method]``.

        An unknown method, an unknown key or a bad value is refused here, before any
        work: a typo in ``{"rtee": ...}`` or ``{"rte": {"stepz": ...}}`` must not pass
        silently. ``oracle`` resolves to ``{}``: it runs with rte's options.
        """
        options = dict(options or {})
        known = (*METHODS, ORACLE)
        stray = sorted(set(options) - set(known))
        if stray:
            raise ValidationError(
                f"Options given for {stray}, which the {self.name} suite does not run. "
                f"Its methods: {', '.join(known)}."
            )
        for name, given in options.items():
            if not isinstance(given, Mapping):
                raise ValidationError(
                    f"Options of {name} must map hyperparameter names to values, e.g. "
                    f"{{'steps': 100}}. Got {given!r}."
                )
        if options.get(ORACLE):
            raise ValidationError(
                f"oracle has no options of its own: it evaluates rte's fitted Psi. Got "
                f"{sorted(options[ORACLE])}; set them on rte instead."
            )
        defaults = self.method_defaults()
        resolved = {
            name: MethodSpec(name, cls, defaults[name]).resolve(options.get(name))
            for name, cls in METHODS.items()
        }
        resolved[ORACLE] = {}
        return resolved

    def method_table(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """results.json's ``methods``: what each method sees, is, and ran with."""
        table = {
            name: {
                "access": list(cls.sees),
                "description": cls.description,
                "options": dict(resolved[name]),
            }
            for name, cls in METHODS.items()
        }
        table[ORACLE] = {
            "access": list(ORACLE_SEES),
            "description": ORACLE_DESCRIPTION,
            "options": {},
        }
        return table


@dataclass(frozen=True)
class ParityConfig(SequenceConfig):
    """``parity``: sparse parity, |S| <= 5 in training, |S| = 6 at test."""

    name: ClassVar[str] = "parity"
    lora_steps: ClassVar[int] = 40

    def task_suite(self) -> ParitySuite:
        """Six targets of 12 queries per seed (three of 8 with ``quick``)."""
        return ParitySuite(n_targets=3 if self.quick else 6, n_queries=8 if self.quick else 12)


@dataclass(frozen=True)
class StringsConfig(SequenceConfig):
    """``strings``: string-function compositions, unseen pairs g(h(s)) at test."""

    name: ClassVar[str] = "strings"
    lora_steps: ClassVar[int] = 150
    # 156 candidates: score all on the first context pair, the best 8 on the whole context.
    rte_search: ClassVar[Mapping[str, int]] = {"probe": 1, "keep": 8}

    def task_suite(self) -> StringSuite:
        """Eight unseen targets per seed (three with ``quick``)."""
        return StringSuite(n_targets=3 if self.quick else 8)


@dataclass(frozen=True)
class TargetResult:
    """One method's outcome on one target."""

    method: str
    target: Target
    correct: tuple[bool, ...]
    seconds: float
    found: SequenceDecomposition | None = None
    decomposition_correct: bool | None = None

    @property
    def score(self) -> float:
        """Fraction of queries answered exactly right."""
        return float(np.mean(self.correct))


def _correct(target: Target, predictions: Sequence[str]) -> tuple[bool, ...]:
    return tuple(p == y for p, (_, y) in zip(predictions, target.queries, strict=True))


def _no_tick() -> None:
    """Progress callback of runs without progress bars."""


def evaluate_few_shot(
    method: FewShot, name: str, targets: Sequence[Target], tick: Callable[[], None] = _no_tick
) -> list[TargetResult]:
    """Answer every target's queries from its few-shot prompt, timed per target
    (``few_shot``, and ``sft`` on its tuned model)."""
    out = []
    for target in targets:
        start = time.perf_counter()
        preds = method.predict(target.context, [x for x, _ in target.queries])
        out.append(TargetResult(name, target, _correct(target, preds), time.perf_counter() - start))
        tick()
    return out


def evaluate_rte(
    rte: SequenceRTE, targets: Sequence[Target], tick: Callable[[], None] = _no_tick
) -> list[TargetResult]:
    """Per target: rte (decompose the context, then answer) and the oracle (answer with
    the true decomposition), each timed."""
    out = []
    for target in targets:
        xs = [x for x, _ in target.queries]
        start = time.perf_counter()
        found = rte.decompose(target.context)
        preds = rte.predict_with(found, xs)
        seconds = time.perf_counter() - start
        inputs = [x for x, _ in target.context] + xs
        out.append(
            TargetResult(
                "rte",
                target,
                _correct(target, preds),
                seconds,
                found,
                equivalent(rte.bank_.suite, found, target.truth, inputs),
            )
        )
        start = time.perf_counter()
        preds = rte.predict_with(target.truth, xs)
        out.append(
            TargetResult(ORACLE, target, _correct(target, preds), time.perf_counter() - start)
        )
        tick()
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
        if method == "rte":
            values["decomposition_accuracy"] = np.mean([bool(r.decomposition_correct) for r in rs])
        out += [Record(family, method, band, seed, k, float(v)) for k, v in values.items()]
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
        found = "" if r.found is None else f"{r.found.phi}∘{r.found.anchor}"
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


def results_table(records: list[Record], metric: str, title: str) -> Table:
    """Rich table: one row per (band, method), mean ± std over seeds."""
    stats = summarize(records)
    table = Table(title=title)
    for column in ("band", "method", metric, "decomposition_accuracy", "seconds / target", "seeds"):
        table.add_column(column)
    bands = sorted({k[2] for k in stats}, reverse=True)
    for band in bands:
        for method in METHOD_ORDER:
            key = (records[0].family, method, band)
            if (*key, metric) not in stats:
                continue
            mean, std, n = stats[(*key, metric)]
            dec = stats.get((*key, "decomposition_accuracy"))
            sec = stats[(*key, "seconds")]
            table.add_row(
                band,
                method,
                format_mean_std(mean, std),
                "" if dec is None else format_mean_std(dec[0], dec[1]),
                format_mean_std(sec[0], sec[1]),
                str(n),
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
    fig, ax = plt.subplots(figsize=(6, 3.5))
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


def run_seed(
    lm: LanguageModel,
    suite: SequenceSuite,
    seed: int,
    resolved: Mapping[str, Mapping[str, Any]],
    adapter_dir: Path,
    progress: Progress,
) -> list[TargetResult]:
    """One seed: few_shot on the base model, then rte and oracle, then sft.

    The split comes from ``default_rng(seed)``; each tuned method releases its
    adapter before the next one starts from the base model.
    """
    split = suite.split(np.random.default_rng(seed))
    bank = SequenceBank.from_split(suite, split)
    n = len(split.targets)

    def phase(name: str, total: int) -> Any:
        return progress.add_task(f"seed {seed} {name}", total=total, info="")

    def training(task: Any) -> Callable[[int, float], None]:
        return lambda s, loss: progress.update(task, completed=s + 1, info=f"loss {loss:.3f}")

    task = phase("few_shot", n)
    few_shot = FewShot(**resolved["few_shot"], seed=seed).fit(bank, lm)
    results = evaluate_few_shot(few_shot, "few_shot", split.targets, lambda: progress.advance(task))
    train, evaluate = phase("rte LoRA", resolved["rte"]["steps"]), phase("rte decompose", n)
    rte = SequenceRTE(**resolved["rte"], seed=seed).fit(bank, lm, on_step=training(train))
    rte.save_adapter(adapter_dir)
    results += evaluate_rte(rte, split.targets, lambda: progress.advance(evaluate))
    rte.release()
    train, evaluate = phase("sft LoRA", resolved["sft"]["steps"]), phase("sft evaluate", n)
    sft = SFT(**resolved["sft"], seed=seed).fit(bank, lm, on_step=training(train))
    results += evaluate_few_shot(sft, "sft", split.targets, lambda: progress.advance(evaluate))
    sft.release()
    return results


def run_sequence_suite(
    config: SequenceConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run a sequence suite end to end and write its outputs into ``out_dir``.

    ``options`` maps a method name to hyperparameters overriding the suite's
    defaults; they are checked before the model loads. Torch's thread count is
    the caller's to set. Seeds run one after another in this process, sharing one
    loaded model (``execution`` is accepted for a uniform suite interface). Example::

        run_sequence_suite(StringsConfig(quick=True), "runs/strings-quick",
                           options={"rte": {"steps": 60}})
    """
    console = console or Console()
    out = Path(out_dir)
    started = time.perf_counter()
    resolved = config.resolve_options(options)
    suite = config.task_suite()
    console.print(f"[bold]rte bench {config.name}[/]: loading model …")
    lm = load_language_model(config.model, device=config.device, dtype=config.dtype)
    records: list[Record] = []
    rows: list[tuple[int, TargetResult]] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        for seed in config.seed_range():
            adapter_dir = out / "adapters" / f"rte-seed{seed}"
            results = run_seed(lm, suite, seed, resolved, adapter_dir, progress)
            records += records_from(suite.family, seed, results, suite.metric)
            rows += [(seed, r) for r in results]
    seconds = time.perf_counter() - started
    run_config = {
        **config.to_dict(),
        "tasks": suite.to_dict(),
        "model_source": lm.source,
        "model_device": str(lm.placement.device),
        "model_dtype": str(lm.placement.dtype).removeprefix("torch."),
    }
    path = write_results(
        out,
        suite=config.name,
        config=run_config,
        records=records,
        seconds=seconds,
        methods=config.method_table(resolved),
    )
    atomic_write_text(out / "targets.csv", targets_csv(rows))
    title = f"{config.name}: {suite.metric} (mean ± std over {config.seeds} seed(s))"
    atomic_write_bytes(out / "accuracy.png", plot_png(records, suite.metric, title))
    console.print(results_table(records, suite.metric, title))
    console.print(f"wrote {path} in {seconds:.0f} s", markup=False)
    return path
