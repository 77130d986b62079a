"""`rte report` turns a results file into the README's markdown tables."""

import json

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


def _two_methods(tmp_path, a_values, b_values, metric="mse", seeds=(0, 1)):
    from rte.bench.results import TargetScores

    scores = [
        TargetScores("quadratic", name, "F2", seed, metric, tuple(values))
        for seed in seeds
        for name, values in (("rte", a_values), ("nearest_task", b_values))
    ]
    records = [
        Record(s.family, s.method, s.band, s.seed, metric, sum(s.values) / len(s.values))
        for s in scores
    ]
    return write_results(
        tmp_path,
        suite="param",
        config={},
        records=records,
        seconds=1.0,
        methods={},
        targets=scores,
    )


def test_compare_gives_the_paired_ratio_and_its_interval(tmp_path):
    from rte.bench.report import compare

    path = _two_methods(tmp_path, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2.0, 4.0, 6.0, 8.0, 10.0, 12.0])
    text = compare(path, "rte", "nearest_task")
    # Every target's error is half the other's: the ratio is 0.5 on every resample.
    assert "| quadratic | F2 | 3.5 | 7 | 0.5 [0.5, 0.5] | 12 |" in text


def test_compare_says_when_a_band_has_fewer_than_ten_targets(tmp_path):
    from rte.bench.report import compare

    path = _two_methods(tmp_path, [1.0, 3.0], [2.0, 2.0])
    assert "4 (fewer than 10)" in compare(path, "rte", "nearest_task")


def test_compare_gives_differences_of_accuracies(tmp_path):
    from rte.bench.report import compare

    path = _two_methods(tmp_path, [1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], "accuracy")
    assert "| 0.75 | 0.25 | 0.5 [" in compare(path, "rte", "nearest_task", "accuracy")


def test_compare_refuses_a_file_without_per_target_scores(tmp_path):
    from rte.bench.report import compare

    path = write_results(
        tmp_path,
        suite="param",
        config={},
        records=[Record("quadratic", "rte", "F2", 0, "mse", 1.0)],
        seconds=1.0,
        methods={},
    )
    data = json.loads(path.read_text())
    del data["targets"]  # as written before rte kept per-target scores
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="no per-target scores"):
        compare(path, "rte", "nearest_task")
    path2 = _two_methods(tmp_path / "b", [1.0], [2.0])
    with pytest.raises(ValidationError, match="'rtee' has no per-target scores"):
        compare(path2, "rtee", "nearest_task")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"values": []}, "non-empty list of finite numbers"),
        ({"values": [1.0, "x"]}, "non-empty list of finite numbers"),
        ({"metric": "speed"}, "one of"),
        ({"seed": 1.5}, "an integer"),
    ],
)
def test_malformed_target_scores_are_refused(tmp_path, entry, message):
    from rte.bench.results import load_results

    path = _two_methods(tmp_path, [1.0, 2.0], [2.0, 3.0])
    data = json.loads(path.read_text())
    data["targets"][0].update(entry)
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match=message):
        load_results(path)
