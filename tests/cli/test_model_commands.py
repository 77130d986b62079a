"""``rte fit`` / ``rte predict`` / ``rte inspect``: end to end, identical to the API, and
one-line errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rte import RelationalTaskExtrapolator
from rte.cli import app, main
from rte.tasks.table import load_targets
from rte.testing import TINY_RTE

TINY_ARGS = [
    arg for key, value in TINY_RTE.items() for arg in (f"--{key.replace('_', '-')}", str(value))
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
    # 8 tasks are too few to select on: the in-sample fallback, said as such
    assert "intervals: in-sample calibration, level 0.92, factor " in result.output


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


# ---- issue 14: every expected error is one line; nothing of the user's is lost ------------


def _one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> str:
    return _run_main(monkeypatch, capsys, *map(str, args))


def test_fit_out_into_a_model_folder_with_user_files_is_refused(
    cli_model: Path,
    tables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """Issue 14, item 1: `rte fit --out DIR` deleted everything in DIR holding a model.json."""
    import shutil

    folder = Path(shutil.copytree(cli_model, tmp_path / "out"))
    (folder / "notes.txt").write_text("mine")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.csv").write_text("1")
    err = _one_line(monkeypatch, capsys, "fit", tables["bank"], "--out", folder, *TINY_ARGS)
    assert "refusing to overwrite" in err
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "sub" / "data.csv").read_text() == "1"
    RelationalTaskExtrapolator.load(folder)


def test_square_brackets_in_paths_ids_and_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Issue 14, item 6: brackets in a path, task id or cell broke the console (MarkupError)."""
    from rte.testing import bank_frame

    root = tmp_path / "[bold]runs[/] [/x"  # "[/]" holds a separator: folders "[bold]runs[" ...
    root.mkdir(parents=True)
    frame = bank_frame()
    frame["task"] = frame["task"].map({f"t{i}": f"[red]t{i}[/red]" for i in range(8)})
    frame.to_csv(root / "[bank].csv", index=False)
    result = CliRunner().invoke(
        app, ["fit", str(root / "[bank].csv"), "--out", str(root / "[m]"), *TINY_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {root / '[m]'}" in result.output
    result = CliRunner().invoke(app, ["inspect", str(root / "[m]")])
    assert result.exit_code == 0 and "[red]t0[/red]" in result.output
    (root / "bad.csv").write_text("task,x,y\n[x],1,[red]2[/]\n")
    err = _one_line(monkeypatch, capsys, "fit", root / "bad.csv", "--out", root / "m2")
    assert "'[red]2[/]'" in err


@pytest.mark.parametrize("where", ["read-only folder", "existing folder", "under a file"])
def test_predict_out_problems_are_one_line(
    cli_model: Path,
    tables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    where: str,
) -> None:
    """Issue 14, item 7: `rte predict --out` to a read-only folder, an existing directory or
    a path under a file gave raw tracebacks."""
    from hostile.harness import Sandbox

    box = Sandbox(tmp_path)
    if where == "read-only folder":
        (tmp_path / "ro").mkdir()
        box.read_only(tmp_path / "ro")
        out = tmp_path / "ro" / "p.csv"
    elif where == "existing folder":
        (tmp_path / "d").mkdir()
        out = tmp_path / "d"
    else:
        (tmp_path / "f").write_text("mine")
        out = tmp_path / "f" / "p.csv"
    args = ("--context", tables["context"], "--query", tables["query"], "--out", out)
    try:
        monkeypatch.setattr(sys, "argv", ["rte", "predict", str(cli_model), *map(str, args)])
        with pytest.raises(SystemExit) as info:
            main()
    finally:
        box.release()
    err = capsys.readouterr().err
    if info.value.code == 0:  # root writes into a read-only folder where nothing stops it
        assert where == "read-only folder" and out.is_file()
    else:
        assert info.value.code == 2 and len(err.strip().splitlines()) == 1
        assert "cannot write it" in err and "Traceback" not in err


def test_predict_on_a_full_disk_is_one_line(
    cli_model: Path, tables: dict[str, Path], tmp_path: Path
) -> None:
    """Issue 14, item 7: a full disk while writing predictions (a 16-byte file-size limit,
    in a forked child so the limit stays there)."""
    import json
    import os
    import resource
    import signal

    from hostile.harness import run_cli

    out = tmp_path / "p.csv"
    out.write_text("old predictions")
    args = ["predict", str(cli_model), "--context", str(tables["context"])]
    args += ["--query", str(tables["query"]), "--out", str(out)]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (16, resource.RLIM_INFINITY))
            result = run_cli(*args)
            os.write(write, json.dumps([result.code, result.err]).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    code, err = json.loads(os.read(read, 1 << 20))
    os.close(read)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "cannot write it" in err
    assert out.read_text() == "old predictions"


def test_output_columns_never_overwrite_user_columns(tmp_path: Path) -> None:
    """Issue 14, item 8: an input named `anchor` or an output named `context_mse` was
    overwritten by the diagnostics of the same name."""
    from rte.testing import bank_frame, context_frames

    frame = bank_frame().rename(columns={"x": "anchor", "y": "context_mse"})
    frame.to_csv(tmp_path / "b.csv", index=False)
    names = ["--x", "anchor", "--y", "context_mse"]
    model = tmp_path / "m"
    result = CliRunner().invoke(
        app, ["fit", str(tmp_path / "b.csv"), "--out", str(model), *names, *TINY_ARGS]
    )
    assert result.exit_code == 0, result.output
    ctx, qry = context_frames()
    ctx.rename(columns={"x": "anchor", "y": "context_mse"}).to_csv(tmp_path / "c.csv", index=False)
    qry.rename(columns={"x": "anchor"}).to_csv(tmp_path / "q.csv", index=False)
    args = ["predict", str(model), "--context", str(tmp_path / "c.csv")]
    result = CliRunner().invoke(app, [*args, "--query", str(tmp_path / "q.csv")])
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(io.StringIO(result.output))
    assert list(pred.columns[:3]) == ["task", "anchor", "context_mse"]
    assert {"rte_anchor", "rte_context_mse", "phi_1"} <= set(pred.columns)
    np.testing.assert_allclose(pred["anchor"], qry["x"])  # the inputs, untouched
    assert pred["rte_anchor"].str.startswith("t").all()


@pytest.mark.parametrize(
    "args",
    [
        ["nope"],
        ["fit"],
        ["fit", "b.csv"],
        ["fit", "b.csv", "--out", "m", "--steps", "many"],
        ["predict", "m", "--unknown"],
        ["bench", "param", "--seeds", "x"],
        ["bench", "table"],
    ],
)
def test_usage_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, args: list[str]
) -> None:
    err = _one_line(monkeypatch, capsys, *args)
    assert err.startswith("error: ") and "--help" in err
