"""``rte fit`` / ``rte predict`` / ``rte inspect``: end to end, identical to the API, and
one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import TINY
from typer.testing import CliRunner

from rte import RelationalTaskExtrapolator
from rte.cli import app, main
from rte.tasks.table import load_targets

TINY_ARGS = [
    arg for key, value in TINY.items() for arg in (f"--{key.replace('_', '-')}", str(value))
]


@pytest.fixture(scope="module")
def cli_model(tables: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "model"
    result = CliRunner().invoke(
        app, ["fit", str(tables["bank"]), "--out", str(out), "--params", "a", *TINY_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert "Fitted on 8 tasks" in result.output
    return out


def test_cli_fit_matches_the_api(cli_model: Path, table_model: RelationalTaskExtrapolator) -> None:
    loaded = RelationalTaskExtrapolator.load(cli_model)
    assert loaded.get_params() == table_model.get_params()
    np.testing.assert_array_equal(loaded.losses_, table_model.losses_)


def test_cli_predict_round_trip(
    cli_model: Path,
    tables: dict[str, Path],
    table_model: RelationalTaskExtrapolator,
    tmp_path: Path,
) -> None:
    out = tmp_path / "pred.csv"
    args = ["predict", str(cli_model), "--context", str(tables["context"])]
    result = CliRunner().invoke(app, [*args, "--query", str(tables["query"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(out)
    assert list(pred.columns[:6]) == ["task", "x", "y", "lower_90", "upper_90", "anchor"]
    assert {"phi_1", "phi_in_range", "context_mse"} <= set(pred.columns)
    assert (pred["lower_90"] < pred["y"]).all() and (pred["y"] < pred["upper_90"]).all()
    # The same predictions as the API on an identically table_model model that was never saved.
    targets = load_targets(tables["context"], tables["query"])
    (cx, cy), qx = targets.contexts[0], targets.queries[0]
    api = table_model.predict(cx, cy, qx)
    np.testing.assert_allclose(pred["y"], api.y, rtol=0, atol=1e-6)
    np.testing.assert_allclose(pred["upper_90"], api.interval(0.9)[1], rtol=0, atol=1e-6)
    assert (pred["anchor"] == api.anchor_id[0]).all()
    np.testing.assert_allclose(pred.filter(like="phi_").iloc[0, :-1], api.phi[0], atol=1e-6)


def test_cli_predict_prints_csv_without_out(cli_model: Path, tables: dict[str, Path]) -> None:
    args = ["predict", str(cli_model), "--context", str(tables["context"])]
    result = CliRunner().invoke(app, [*args, "--query", str(tables["query"])])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("task,x,y,lower_90,upper_90,anchor,phi_1")
    assert len(result.output.splitlines()) == 6


def test_cli_inspect(cli_model: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", str(cli_model)])
    assert result.exit_code == 0, result.output
    for part in ("format 2", "tasks: 8 (t0, t1", "input x: [", "parameter a: [1, 2]", "steps=30"):
        assert part in result.output


def _run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["rte", *args])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_cli_errors_are_one_line(
    cli_model: Path,
    tables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("task,x,y\na,1,2\na,2,oops\nb,1,1\n")
    assert "row 2" in _run_main(monkeypatch, capsys, "fit", str(bad), "--out", str(tmp_path / "m"))
    assert "missing its part" in _run_main(monkeypatch, capsys, "inspect", str(tmp_path))
    q2 = tmp_path / "q2.csv"
    pd.DataFrame({"task": ["new"], "x1": [0.0], "x2": [1.0]}).to_csv(q2, index=False)
    err = _run_main(
        monkeypatch, capsys, "predict", str(cli_model), "--context", str(tables["context"]),
        "--query", str(q2),
    )  # fmt: skip
    assert "missing column" in err
    err = _run_main(
        monkeypatch, capsys, "fit", str(tables["bank"]), "--out", str(tmp_path / "m"), "--lr", "-1"
    )
    assert "lr must be" in err
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    err = _run_main(
        monkeypatch, capsys, "fit", str(tables["bank"]), "--out", str(tmp_path / "notes")
    )
    assert "refusing to overwrite" in err


def test_installed_script_reports_one_line(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "rte"
    result = subprocess.run(
        [str(script), "inspect", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bench_scale_smoke(tmp_path: Path) -> None:
    """The benchmark command itself (tiny sizes); the real figures come from `rte bench scale`."""
    from rte.bench.results import load_results

    args = ["bench", "scale", "--out", str(tmp_path), "--sizes", "6,12", "--n-points", "5"]
    result = CliRunner().invoke(app, [*args, "--n-targets", "3", "--set", "rte.steps=2"])
    assert result.exit_code == 0, result.output
    data = load_results(tmp_path / "results.json")
    assert data["methods"]["rte"]["options"]["steps"] == 2
    value = {r.band: r.value for r in data["records"]}
    for size in (6, 12):
        assert value[f"fit@{size}"] > 0 and value[f"predict@{size}"] > 0
        assert value[f"recall@{size}"] == 1.0  # small banks search exactly
        assert 0 < value[f"memory@{size}"] < 8
    assert (tmp_path / "scale.png").stat().st_size > 1000
