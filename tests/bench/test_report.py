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


def test_without_a_metric_a_file_without_mse_shows_every_metric_it_holds(tmp_path):
    records = [
        Record("quadratic", "rte", "predict@1000", 0, "seconds", 0.003),
        Record("quadratic", "rte", "recall@1000", 0, "recall_at_8", 1.0),
    ]
    path = write_results(
        tmp_path, suite="scale", config={}, records=records, seconds=1.0, methods={}
    )
    text = report(path)
    assert "scale: seconds" in text and "| quadratic | rte | 0.003 ± 0 |" in text
    assert "scale: recall_at_8" in text and "| quadratic | rte | 1 ± 0 |" in text
    assert "scale: mse" not in text


def test_non_finite_records_are_refused():
    with pytest.raises(ValidationError, match="must be finite"):
        Record("quadratic", "rte", "F2", 0, "mse", float("nan"))


def _variants():
    from hostile.scripted import report_variants

    return report_variants()


@pytest.mark.parametrize("name", sorted(_variants()))
def test_malformed_results_files_are_one_line_errors(tmp_path, monkeypatch, capsys, name):
    """Issue 14, item 10: `rte report` on 19 of 31 malformed files ended in a traceback."""
    import json
    import sys

    from rte.cli import main

    path = tmp_path / "results.json"
    path.write_text(json.dumps(_variants()[name]))
    monkeypatch.setattr(sys, "argv", ["rte", "report", str(path)])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    if name.startswith("valid") or name == "empty records":
        assert info.value.code in (0, None), err
    else:
        assert info.value.code == 2
        assert len(err.strip().splitlines()) == 1 and "results contract" in err


@pytest.mark.parametrize(
    ("data", "match"),
    [(b"", "not valid JSON"), (b"\xff\xfe", "not valid JSON"), (b"[" * 10**5, "not valid JSON")],
)
def test_unreadable_results_files_are_validation_errors(tmp_path, data, match):
    from rte.bench.results import load_results

    path = tmp_path / "results.json"
    path.write_bytes(data)
    with pytest.raises(ValidationError, match=match):
        load_results(path)
    with pytest.raises(ValidationError, match="expected a regular file"):
        load_results(tmp_path)
