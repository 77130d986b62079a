"""`rte report` turns a results file into the README's markdown tables."""

import pytest

from rte.bench.report import report
from rte.bench.results import Record, write_results
from rte.errors import ValidationError


def test_report_gives_mean_and_std_over_seeds(tmp_path):
    records = [
        Record("quadratic", "rte", "F2", seed, "mse", value)
        for seed, value in enumerate([1.0, 3.0])
    ]
    path = write_results(
        tmp_path,
        suite="param",
        config={},
        records=records,
        seconds=1.0,
        methods={"rte": {"access": ["training bank", "target context"]}},
    )
    text = report(path)
    assert "| quadratic | rte | 2 ± 1 | BC |" in text
    assert "seeds [0, 1]" in text


def test_report_shows_intervals_where_the_file_has_them(tmp_path):
    records = [Record("parity", "rte", "S6", 0, "accuracy", 0.7)]
    interval = {"family": "parity", "method": "rte", "band": "S6", "metric": "accuracy"}
    path = write_results(
        tmp_path,
        suite="parity",
        config={},
        records=records,
        seconds=1.0,
        methods={"rte": {"access": ["B", "C", "L"]}},
        extra={"intervals": [{**interval, "level": 0.95, "low": 0.55, "high": 0.82}]},
    )
    text = report(path, "accuracy")
    assert "| parity | rte | 0.7 ± 0 [0.55, 0.82] | BCL |" in text
    assert "[95% interval over targets]" in text


def test_non_finite_records_are_refused():
    with pytest.raises(ValidationError, match="must be finite"):
        Record("quadratic", "rte", "F2", 0, "mse", float("nan"))
