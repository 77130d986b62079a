"""Benchmark records and the results.json contract (see docs/DESIGN.md).

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

from rte._io import atomic_write_json
from rte._version import __version__
from rte.base import SEES
from rte.errors import ValidationError

METRICS = (
    "mse",
    "accuracy",
    "exact_match",
    "decomposition_accuracy",
    "seconds",
    # Predictive intervals, scored against the clean query values (rte.bench.intervals).
    "coverage_90",
    "interval_width",
    "crps",
)
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


def write_results(
    out_dir: str | Path,
    *,
    suite: str,
    config: Mapping[str, Any],
    records: Iterable[Record],
    seconds: float,
    methods: Mapping[str, Mapping[str, Any]],
) -> Path:
    """Write ``out_dir/results.json`` atomically and return its path."""
    path = Path(out_dir) / "results.json"
    atomic_write_json(
        path,
        {
            "suite": suite,
            "version": __version__,
            "seconds": round(float(seconds), 3),
            "config": dict(config),
            "methods": {name: dict(info) for name, info in methods.items()},
            "records": [asdict(r) for r in records],
        },
    )
    return path


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results.json file, checking it follows the contract."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"Cannot read results file {path}: {exc}.") from None
    for key in ("suite", "version", "seconds", "config", "records"):
        if key not in data:
            raise ValidationError(f"Results file {path} lacks the key {key!r}.")
    data["records"] = [Record(**{k: r[k] for k in RECORD_FIELDS}) for r in data["records"]]
    return data


def summarize(
    records: Iterable[Record],
) -> dict[tuple[str, str, str, str], tuple[float, float, int]]:
    """Mean, standard deviation (over seeds) and count per (family, method, band, metric)."""
    groups: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for r in records:
        groups[(r.family, r.method, r.band, r.metric)].append(r.value)
    return {key: (float(np.mean(v)), float(np.std(v)), len(v)) for key, v in groups.items()}


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
