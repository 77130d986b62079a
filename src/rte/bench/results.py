"""Benchmark records and the results.json contract (docs/architecture.md).

``rte bench SUITE --out DIR`` writes ``DIR/results.json``::

    {"suite": "param", "version": "0.1.0", "seconds": 123.4,
     "config": {...}, "methods": {"rte": {"access": [...]}, ...},
     "records": [{"family": "quadratic", "method": "rte", "band": "F2",
                  "seed": 0, "metric": "mse", "value": 1.23}, ...]}

``methods`` states, per method, the codes of what it may see (``access``, the codes
of :data:`rte.base.SEES`), what it is and the options it ran with, so that oracles
and context-fitted methods are never read as equals and every row can be rerun.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rte._io import atomic_write_json, read_regular
from rte._version import __version__
from rte.access import SEES
from rte.errors import ValidationError

# Every metric a record may carry, with what it measures (shown by ``rte report``).
METRICS: dict[str, str] = {
    "mse": "mean squared error at the query points (lower is better)",
    "accuracy": "share of query outputs predicted exactly (parity)",
    "exact_match": "share of query strings generated exactly (strings)",
    # The sequence suites' scores on the targets whose context leaves several candidates
    # consistent (ambiguous) and on the others.
    "accuracy_ambiguous": "accuracy on targets whose context several candidates explain",
    "accuracy_unambiguous": "accuracy on targets whose context one candidate explains",
    "exact_match_ambiguous": "exact match on targets whose context several candidates explain",
    "exact_match_unambiguous": "exact match on targets whose context one candidate explains",
    "decomposition_accuracy": "share of targets whose found (anchor, phi) is the true one",
    "seconds": "wall time in seconds (band 'all': a method's episode; others: see the suite)",
    "coverage_90": "share of query values inside the central 90% interval (0.9 is calibrated)",
    "interval_width": "mean width of the central 90% interval",
    "crps": "continuous ranked probability score of the predictive Gaussian (lower is better)",
    "recall_at_1": "share of targets whose true decomposition the proposer ranks first",
    "recall_at_8": "share of targets whose true decomposition is in the proposer's first 8",
    "recall_at_32": "share of targets whose true decomposition is in the proposer's first 32",
    "relation_ami": "adjusted mutual information of discovered and true relations",
    "candidates": "candidate decompositions scored per target",
    "peak_memory_gb": "the process's peak resident memory (GB)",
}
RECORD_FIELDS = ("family", "method", "band", "seed", "metric", "value")


@dataclass(frozen=True)
class Record:
    """One measured number: a method's metric on one family, band and seed."""

    family: str
    method: str
    band: str
    seed: int
    metric: str
    value: float

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValidationError(
                f"Record metric must be one of {', '.join(METRICS)}. Got {self.metric!r}."
            )
        if not math.isfinite(self.value):
            raise ValidationError(
                f"Record value must be finite. Got {self.value} for {self.method} on "
                f"{self.family}/{self.band} (seed {self.seed})."
            )


@dataclass(frozen=True)
class TargetScores:
    """One method's metric on every target of one family, band and seed, in target order:
    the per-target values paired comparisons resample (``rte report --compare``)."""

    family: str
    method: str
    band: str
    seed: int
    metric: str
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValidationError(
                f"Target scores' metric must be one of {', '.join(METRICS)}. Got {self.metric!r}."
            )
        if not self.values or not all(math.isfinite(v) for v in self.values):
            raise ValidationError(
                f"Target scores must be finite, at least one. Got {len(self.values)} value(s) "
                f"for {self.method} on {self.family}/{self.band} (seed {self.seed})."
            )


def write_results(
    out_dir: str | Path,
    *,
    suite: str,
    config: Mapping[str, Any],
    records: Iterable[Record],
    seconds: float,
    methods: Mapping[str, Mapping[str, Any]],
    targets: Iterable[TargetScores] = (),
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``out_dir/results.json`` atomically and return its path.

    ``targets`` are the per-target scores behind the records (key ``targets``);
    ``extra`` adds suite-specific keys (e.g. the split of a user's table) beside the
    contract's; it may not replace them.
    """
    path = Path(out_dir) / "results.json"
    data = {
        "suite": suite,
        "version": __version__,
        "seconds": round(float(seconds), 3),
        "config": dict(config),
        "methods": {name: dict(info) for name, info in methods.items()},
        "records": [asdict(r) for r in records],
        "targets": [{**asdict(t), "values": list(t.values)} for t in targets],
    }
    clash = sorted(set(extra or {}) & set(data))
    if clash:
        raise ValidationError(f"extra keys {clash} would replace keys of the results contract.")
    atomic_write_json(path, {**data, **(extra or {})})
    return path


# Largest results file rte reads (a full run's file is a few megabytes).
MAX_RESULTS_BYTES = 512 * 2**20


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results.json file, checking every part the contract defines.

    Anything else (not JSON, a wrong type anywhere, a non-finite value, a pipe instead
    of a file) raises ValidationError naming the part, so ``rte report`` ends in one line.
    """
    source = Path(path)
    try:
        raw = read_regular(source, MAX_RESULTS_BYTES, ValidationError)
    except FileNotFoundError:
        raise ValidationError(f"{source}: no such results file. Check the path.") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, a 5,000-digit number
        raise ValidationError(
            f"{source}: not a results file (not valid JSON: {type(exc).__name__})."
        ) from None
    _check_contract(data, source)
    data["records"] = [Record(**{k: r[k] for k in RECORD_FIELDS}) for r in data["records"]]
    data["targets"] = [
        TargetScores(**{**{k: t[k] for k in RECORD_FIELDS[:-1]}, "values": tuple(t["values"])})
        for t in data.get("targets", [])
    ]
    return data


_TOP = {"suite": str, "version": str, "config": dict, "records": list}
_WORDS = {str: "text", dict: "a JSON object", list: "a JSON list"}
_RECORD = {"family": str, "method": str, "band": str, "metric": str}
# Keys every entry of ``fits`` (what served a method's fit per episode) has as text.
FIT_KEYS = ("family", "method")
# Keys every entry of ``failures`` (a method that failed on an episode) has as text.
FAILURE_KEYS = ("family", "method", "error")


def _check_contract(data: Any, source: Path) -> None:
    """Raise ValidationError at the first part of ``data`` that breaks the contract."""

    def fail(where: str, expected: str, got: Any) -> ValidationError:
        try:
            shown = repr(got)
        except RecursionError:
            shown = "a deeply nested value"
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return ValidationError(
            f"{source}: {where} must be {expected}. Got {shown}; this file does not follow "
            "the results contract (rte bench writes it)."
        )

    def check_scored(entry: Any, where: str) -> None:
        """A record or a target-scores entry: a JSON object with text family, method, band
        and a known metric and an integer seed."""
        if not isinstance(entry, dict):
            raise fail(where, "a JSON object", entry)
        for key, kind in _RECORD.items():
            if not isinstance(entry.get(key), kind):
                raise fail(f"{where}.{key}", "text", entry.get(key, "nothing"))
        seed = entry.get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise fail(f"{where}.seed", "an integer", seed)
        if entry["metric"] not in METRICS:
            raise fail(f"{where}.metric", f"one of {', '.join(METRICS)}", entry["metric"])

    if not isinstance(data, dict):
        raise fail("the file", "a JSON object", type(data).__name__)
    for key, kind in _TOP.items():
        if not isinstance(data.get(key), kind):
            raise fail(f"{key!r}", _WORDS[kind], data.get(key, "nothing"))
    if not _is_number(data.get("seconds")) or data["seconds"] < 0:
        raise fail("'seconds'", "a finite number >= 0", data.get("seconds", "nothing"))
    methods = data.setdefault("methods", {})
    if not isinstance(methods, dict):
        raise fail("'methods'", "a JSON object", methods)
    for name, info in methods.items():
        if not isinstance(info, dict):
            raise fail(f"methods[{name!r}]", "a JSON object", info)
        access = info.get("access", [])
        if not isinstance(access, list) or not all(isinstance(a, str) for a in access):
            raise fail(f"methods[{name!r}].access", "a list of access codes", access)
        if not isinstance(info.get("options", {}), dict):
            raise fail(f"methods[{name!r}].options", "a JSON object", info["options"])
    for i, record in enumerate(data["records"]):
        check_scored(record, f"record {i}")
        if not _is_number(record.get("value")):
            raise fail(f"record {i}.value", "a finite number", record.get("value", "nothing"))
    scores = data.get("targets", [])
    if not isinstance(scores, list):
        raise fail("'targets'", "a JSON list", scores)
    for i, entry in enumerate(scores):
        check_scored(entry, f"targets {i}")
        values = entry.get("values")
        if not isinstance(values, list) or not values or not all(map(_is_number, values)):
            raise fail(f"targets {i}.values", "a non-empty list of finite numbers", values)
    fits = data.get("fits", [])
    if not isinstance(fits, list):
        raise fail("'fits'", "a JSON list", fits)
    for i, fit in enumerate(fits):
        if not isinstance(fit, dict) or not all(isinstance(fit.get(k), str) for k in FIT_KEYS):
            raise fail(f"fits {i}", "a JSON object with text family and method", fit)
    failures = data.get("failures", [])
    if not isinstance(failures, list):
        raise fail("'failures'", "a JSON list", failures)
    for i, failure in enumerate(failures):
        if not (
            isinstance(failure, dict)
            and all(isinstance(failure.get(k), str) for k in FAILURE_KEYS)
            and isinstance(failure.get("seed"), int)
            and not isinstance(failure.get("seed"), bool)
        ):
            raise fail(
                f"failures {i}",
                "a JSON object with text family, method, error and an integer seed",
                failure,
            )


def _is_number(value: Any) -> bool:
    """A finite JSON number (an integer too large for a float is not one)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def summarize(
    records: Iterable[Record],
) -> dict[tuple[str, str, str, str], tuple[float, float, int]]:
    """Mean, standard deviation (over seeds) and count per (family, method, band, metric)."""
    groups: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for r in records:
        groups[(r.family, r.method, r.band, r.metric)].append(r.value)
    return {key: (float(np.mean(v)), float(np.std(v)), len(v)) for key, v in groups.items()}


def interval_labels(
    intervals: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str, str, str], str]:
    """`` [low, high]`` per (family, method, band, metric) of results.json's ``intervals``."""
    return {
        (i["family"], i["method"], i["band"], i["metric"]): f" [{i['low']:.3g}, {i['high']:.3g}]"
        for i in intervals
    }


def format_mean_std(mean: float, std: float) -> str:
    """Compact 'mean ± std' with three significant digits."""
    return f"{mean:.3g} ± {std:.2g}"


# Access as written by rte 0.1 (long names) -> today's codes.
_LEGACY_ACCESS = {
    "training bank": "B",
    "target context": "C",
    "true parameters": "P",
    "true decomposition": "D",
}


def sees_code(info: Mapping[str, Any]) -> str:
    """The access codes of one ``methods`` entry, e.g. ``"BC"`` ("?" for unknown ones)."""
    codes = [_LEGACY_ACCESS.get(a, a) for a in info.get("access", ())]
    return "".join(c if c in SEES else "?" for c in codes)
