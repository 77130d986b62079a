"""The benchmark runner end to end on the tiny model, and the CLI's error path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rte.bench.results import load_results
from rte.errors import ValidationError
from rte.sequence.suite import BenchSettings, run_benchmark


@pytest.mark.parametrize("family", ["parity", "strings"])
def test_quick_run_writes_the_results_contract(
    family: str, model_dir: Path, tmp_path: Path
) -> None:
    settings = BenchSettings(family=family, seeds=1, quick=True, model=str(model_dir))
    path = run_benchmark(settings, tmp_path)
    data = load_results(path)
    assert data["suite"] == family
    assert set(data["methods"]) == {"rte", "sft", "few_shot", "oracle"}
    metric = "accuracy" if family == "parity" else "exact_match"
    band = "S6" if family == "parity" else "unseen"
    got = {(r.method, r.band, r.metric) for r in data["records"]}
    for method in ("rte", "sft", "few_shot", "oracle"):
        assert (method, band, metric) in got
        assert (method, band, "seconds") in got
    assert ("rte", band, "decomposition_accuracy") in got
    assert all(r.family == family for r in data["records"])
    assert json.loads(path.read_text())["config"]["lora"]["steps"] > 0
    assert (tmp_path / "accuracy.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "targets.csv").read_text().count("\n") > 4
    assert (tmp_path / "adapters" / "rte-seed0" / "adapter_model.safetensors").is_file()


def test_bad_settings() -> None:
    with pytest.raises(ValidationError, match="Unknown suite"):
        BenchSettings(family="chess")
    with pytest.raises(ValidationError, match="seeds must be"):
        BenchSettings(family="parity", seeds=0)


def test_cli_reports_a_missing_model_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rte import cli

    missing = tmp_path / "no-such-model"
    monkeypatch.setattr(
        "sys.argv", ["rte", "bench", "parity", "--model", str(missing), "--out", str(tmp_path)]
    )
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "Traceback" not in err
