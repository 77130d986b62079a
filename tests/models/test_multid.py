"""Inputs with d_x = 2: table -> fit -> predict -> save/load, end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from rte import RelationalTaskExtrapolator
from rte.cli import app
from rte.tasks.table import load_bank, load_targets
from rte.testing import TINY_RTE, bank_frame, context_frames


def test_two_input_columns_end_to_end(tmp_path: Path) -> None:
    bank_path, ctx_path, q_path = tmp_path / "b.parquet", tmp_path / "c.csv", tmp_path / "q.csv"
    bank_frame(n_tasks=10, n_points=15, dim=2).to_parquet(bank_path)
    ctx, qry = context_frames(dim=2, a=2.6)
    ctx.to_csv(ctx_path, index=False)
    qry.to_csv(q_path, index=False)

    bank = load_bank(bank_path)
    assert bank.x.shape == (10, 15, 2)
    model = RelationalTaskExtrapolator(**TINY_RTE).fit(bank)
    targets = load_targets(ctx_path, q_path)
    assert targets.inputs == ("x1", "x2")
    (cx, cy), qx = targets.contexts[0], targets.queries[0]
    out = model.predict(cx, cy, qx)
    assert out.y.shape == (5,) and np.all(np.isfinite(out.y))
    assert out.anchor_id[0] in bank.task_ids
    assert out.phi.shape == (1, model.describe_operator()["dim_phi"])

    model.save(tmp_path / "m")
    again = RelationalTaskExtrapolator.load(tmp_path / "m").predict(cx, cy, qx)
    np.testing.assert_allclose(again.y, out.y, rtol=0, atol=1e-6)

    pred = tmp_path / "pred.csv"
    runner = CliRunner()
    fit = runner.invoke(
        app,
        ["fit", str(bank_path), "--out", str(tmp_path / "cli"), "--no-progress"]
        + [a for k, v in TINY_RTE.items() for a in (f"--{k.replace('_', '-')}", str(v))],
    )
    assert fit.exit_code == 0, fit.output
    args = ["predict", str(tmp_path / "cli"), "--context", str(ctx_path), "--query", str(q_path)]
    assert runner.invoke(app, [*args, "--out", str(pred)]).exit_code == 0
    table = pd.read_csv(pred)
    assert list(table.columns[:4]) == ["task", "x1", "x2", "y"]
    np.testing.assert_allclose(table["y"], out.y, rtol=0, atol=1e-6)
