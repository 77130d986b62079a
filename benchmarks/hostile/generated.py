"""Hypothesis-driven hostile inputs over the API and the command line.

Each group draws inputs from a hypothesis strategy (seeded, no shrinking: every
example is one input) and runs them through :meth:`hostile.harness.Runner.input`.
Values mix what users really send (text in number columns, empty cells, ``NA``, ids
like ``007``, brackets, very large and very small numbers, NaN/inf, wrong shapes)
with arbitrary ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rich.console import Console

import rte.bench
from hostile import fixtures
from hostile.fixtures import FIT_ARGS, Q, X
from hostile.harness import Broken, CliResult, Runner, Sandbox, run_cli
from hostile.scripted import Case, Group, private_families, tiny_bank
from rte import (
    RelationalTaskExtrapolator,
    TaskBank,
    TaskFamily,
    register_family,
    sample_bank,
    sample_targets,
)
from rte._params import from_dict
from rte.bench.options import parse_set, read_config_file
from rte.bench.results import METRICS
from rte.bench.suites.table import TableSuiteConfig
from rte.persistence import INFO_FILE, MANIFEST_FILE, WEIGHTS_FILE
from rte.registry import get_method
from rte.tasks import get_family
from rte.tasks.holdout import HoldoutSplit, holdout_split
from rte.tasks.table import TableColumns, load_bank
from rte.testing import TINY_RTE

SPECIAL_TEXT = [
    *("", " ", "NA", "nan", "NaN", "null", "None", "007", "7", "1.0", "1e999", "-inf", "inf"),
    *("[bold]", "[/]", "[red]x[/red]", "[link=file:///]", "a,b", '"', "'", "\n", "\t", "\x00"),
    *("é", "日本", "😀", "0x10", "1_000", "--out", "-1", "../x", "con", "a" * 300),
]
SPECIAL_FLOATS = [0.0, -0.0, 1e308, -1e308, 1e200, 1e151, 1e150, 5e-324, 1e-300, 3.0, -7.5]

floats = st.one_of(st.floats(), st.sampled_from(SPECIAL_FLOATS), st.integers(-(10**6), 10**6))
texts = st.one_of(st.text(max_size=8), st.sampled_from(SPECIAL_TEXT))
cells = st.one_of(floats, texts, st.none(), st.booleans())
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), floats, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)


def perturbed(
    valid: dict[str, st.SearchStrategy], hostile: dict[str, st.SearchStrategy], changes: int = 2
) -> st.SearchStrategy:
    """Dicts of valid values with at most ``changes`` fields drawn from ``hostile``: about a
    third of the inputs are fully valid, the others test one or two checks at a time."""

    @st.composite
    def draw(draw_: Callable) -> dict[str, Any]:
        chosen = draw_(st.sets(st.sampled_from(sorted(hostile)), max_size=changes))
        return {
            key: draw_(hostile[key] if key in chosen else strategy)
            for key, strategy in valid.items()
        }

    return draw()


def hypothesis_group(name: str, size: int, strategy: st.SearchStrategy, make: Callable) -> Group:
    """A group whose ``n`` inputs are hypothesis examples of ``strategy``, each turned into
    a case by ``make(value) -> (label, prepare, act)``."""

    def run(runner: Runner, n: int, run_seed: int) -> None:
        @settings(
            max_examples=n,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @seed(run_seed)
        @given(strategy)
        def examples(value: Any) -> None:
            runner.input(*make(value))

        examples()

    return Group(name, size, run)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------- API: bank tables


def _write_table(frame: pd.DataFrame, path: Path) -> Path:
    """A CSV, or Parquet where pyarrow can store the columns (else a CSV under that name:
    a file whose suffix lies)."""
    if path.suffix in (".parquet", ".pq"):
        try:
            frame.to_parquet(path, index=False)
            return path
        except Exception:  # mixed types pyarrow cannot store
            pass
    path.write_text(frame.to_csv(index=False))
    return path


def _edited_bank(edits: list[tuple[int, str, Any]], drops: list[int]) -> pd.DataFrame:
    frame = tiny_bank().astype(object)
    for row, column, value in edits:
        frame.at[row % len(frame), column] = value
    return frame.drop(index=[d % len(frame) for d in drops])


bank_tables = st.fixed_dictionaries(
    {
        "edits": st.lists(
            st.tuples(st.integers(0, 23), st.sampled_from(["task", "x", "y", "a"]), cells),
            max_size=4,
        ),
        "drops": st.lists(st.integers(0, 23), max_size=8),
        "suffix": st.sampled_from([".csv", ".csv", ".parquet", ".pq", ".txt", ""]),
        "params": st.booleans(),
    }
)


def bank_table_case(spec: dict[str, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> Any:
        path = _write_table(
            _edited_bank(spec["edits"], spec["drops"]), box.path("b" + spec["suffix"])
        )
        bank = load_bank(path, TableColumns(params=("a",) if spec["params"] else ()))
        model = RelationalTaskExtrapolator(**{**TINY_RTE, "steps": 3}).fit(bank)
        n = int(bank.mask[0].sum())
        return model.predict(bank.x[0, :n], bank.y[0, :n], bank.x[1, : int(bank.mask[1].sum())])

    return f"load_bank + fit + predict: {_short(spec)}", None, act


# ---------------------------------------------------------------- API: predict arrays

any_array = st.one_of(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6), elements=floats),
    hnp.arrays(np.float64, st.integers(1, 12), elements=floats),
    st.lists(cells, max_size=6),
    st.lists(st.lists(floats, max_size=3), max_size=4),
    st.sampled_from([None, "abc", 3.0, [], [[]], {"a": 1}, np.array([], dtype=object)]),
)
sane_x = hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(-4, 4))


def predict_case(arrays: tuple[Any, Any, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> Any:
        return fixtures.model().predict(*arrays)

    return f"predict{_short(arrays)}", None, act


def batch_case(spec: tuple[int, int, int, Any, Any]) -> Case:
    t, k, q, fill, shape_error = spec

    def act(box: Sandbox, _: Any) -> Any:
        rng = np.random.default_rng(t * 100 + k)
        cx = rng.uniform(-2, 2, (t, k, 1))
        cy = np.where(rng.random((t, k)) < 0.2, fill, 2 * cx[..., 0] ** 2)
        qx = rng.uniform(-3, 3, (t + shape_error, q, 1))
        return fixtures.model().predict_batch(cx, cy, qx)

    return f"predict_batch T={t} k={k} Q={q} fill={fill!r} extra={shape_error}", None, act


# ---------------------------------------------------------------- API: damaged model folders

damage = st.fixed_dictionaries(
    {
        "part": st.sampled_from([WEIGHTS_FILE, INFO_FILE, MANIFEST_FILE]),
        "action": st.sampled_from(["truncate", "flip", "overwrite", "append", "json", "json"]),
        "where": st.floats(0, 1),
        "junk": st.binary(min_size=1, max_size=32),
        "path": st.lists(
            st.sampled_from(["params", "components", "bank", "scaling", "metadata", "columns"]),
            min_size=1,
            max_size=3,
        ),
        "value": json_values,
    }
)


def _set_path(doc: Any, keys: list[str], value: Any) -> Any:
    if not keys:
        return value
    if isinstance(doc, dict):
        doc[keys[0]] = _set_path(doc.get(keys[0]), keys[1:], value)
        return doc
    return {keys[0]: _set_path(None, keys[1:], value)}


def damage_case(spec: dict[str, Any]) -> Case:
    def prepare(box: Sandbox) -> Path:
        path = fixtures.copy_model(box.path("m"))
        part = path / spec["part"]
        data = bytearray(part.read_bytes())
        at = min(int(spec["where"] * len(data)), len(data) - 1)
        action = spec["action"]
        if action == "truncate":
            data = data[:at]
        elif action == "flip":
            data[at] ^= spec["junk"][0] or 1
        elif action == "overwrite":
            data[at : at + len(spec["junk"])] = spec["junk"]
        elif action == "append":
            data += spec["junk"]
        else:  # a deliberate edit of model.json, with a manifest that matches
            info = _set_path(
                json.loads((path / INFO_FILE).read_text()), spec["path"], spec["value"]
            )
            text = json.dumps(info, allow_nan=True).encode()
            (path / INFO_FILE).write_bytes(text)
            manifest = json.loads((path / MANIFEST_FILE).read_text())
            manifest["files"][INFO_FILE] = {
                "sha256": hashlib.sha256(text).hexdigest(),
                "bytes": len(text),
            }
            (path / MANIFEST_FILE).write_text(json.dumps(manifest))
            return path
        part.write_bytes(bytes(data))
        return path

    def act(box: Sandbox, path: Path) -> Any:
        return RelationalTaskExtrapolator.load(path).predict(X, 2 * X**2, Q)

    return f"damaged model folder: {_short(spec)}", prepare, act


# ---------------------------------------------------------------- API: arguments

sizes = st.one_of(st.integers(-3, 40), st.sampled_from([True, 2.0, "5", None, np.int64(7)]))
seeds_ = st.one_of(
    st.integers(-3, 2**64), st.sampled_from([None, "0", 1.5, True, np.random.default_rng(1)])
)
pairs = st.one_of(st.tuples(floats, floats), st.sampled_from([5, "ab", (1,), (1, 2, 3), None]))
small = st.integers(3, 12)
noise = st.floats(0, 0.5)


def _call(name: str, valid: dict[str, Any], hostile: dict[str, Any]) -> st.SearchStrategy:
    return perturbed({"call": st.just(name), **valid}, hostile)


api_calls = st.one_of(
    _call(
        "sample_bank",
        {
            "family": st.just(get_family("power")),
            "n": small,
            "points": small,
            "seed": st.integers(0, 9),
            "noise": noise,
        },
        {
            "family": st.sampled_from(["quadratic", None, 3]),
            "n": sizes,
            "points": sizes,
            "seed": seeds_,
            "noise": floats,
        },
    ),
    _call(
        "sample_targets",
        {
            "family": st.just(get_family("exponential")),
            "band": st.sampled_from(["F1", "F2"]),
            "n": small,
            "points": small,
            "seed": st.integers(0, 9),
            "noise": noise,
        },
        {"band": texts, "n": sizes, "points": sizes, "seed": seeds_, "noise": floats},
    ),
    _call(
        "family",
        {
            "name": st.sampled_from(["mine", "quadratic", "sine_trend"]),
            "support": st.tuples(st.floats(0, 1), st.floats(2, 3)),
            "domain": st.tuples(st.floats(-2, -1), st.floats(1, 2)),
        },
        {"name": texts, "support": pairs, "domain": pairs},
    ),
    _call(
        "holdout",
        {
            "share": st.floats(0.1, 0.5),
            "points": st.integers(2, 5),
            "noise": noise,
            "bands": st.sampled_from([("far",), ("near", "far")]),
            "variable": st.none(),
        },
        {
            "share": floats,
            "points": sizes,
            "noise": floats,
            "bands": st.one_of(st.tuples(texts), st.sampled_from([(), ("a", "a"), "far", None])),
            "variable": st.one_of(st.lists(floats, min_size=12, max_size=12), any_array),
        },
    ),
    _call(
        "params",
        {
            "name": st.sampled_from(["steps", "lr", "width", "n_anchors", "seed", "embedding_dim"]),
            "value": st.integers(1, 50),
        },
        {"value": cells},
    ),
    _call(
        "from_tasks",
        {"xs": st.just([X, X, X]), "ys": st.just([X, X**2, X**3]), "ids": st.none()},
        {
            "xs": st.lists(any_array, max_size=3),
            "ys": st.lists(any_array, max_size=3),
            "ids": st.lists(cells, max_size=3),
        },
    ),
    _call(
        "save",
        {"metadata": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers()))},
        {
            "metadata": st.one_of(
                st.dictionaries(texts, json_values, max_size=3),
                st.fixed_dictionaries({"columns": json_values}),
                json_values,
            )
        },
    ),
)


def _call_sample_bank(v: dict[str, Any]) -> Any:
    return sample_bank(v["family"], v["n"], v["points"], v["seed"], v["noise"]).y


def _call_sample_targets(v: dict[str, Any]) -> Any:
    return sample_targets(
        v["family"],
        v["band"],
        v["n"],
        v["seed"],
        context_size=v["points"],
        noise=v["noise"],
        n_query=v["points"],
    ).query_y


def _call_family(v: dict[str, Any]) -> Any:
    with private_families():
        family = TaskFamily(
            v["name"], lambda x, theta: theta * x, support=v["support"], domain=v["domain"]
        )
        register_family(family, replace=True)
        return sample_bank(get_family(v["name"]), 3, 4, 0).y


def _call_holdout(v: dict[str, Any]) -> Any:
    bank = sample_bank(get_family("quadratic"), 12, 8, 0)
    split = HoldoutSplit(
        share=v["share"], bands=v["bands"], context_size=v["points"], noise=v["noise"]
    )
    variable = v["variable"] if v["variable"] is not None else bank.params[:, 0]
    return holdout_split(bank, variable, split, np.random.default_rng(0)).targets[0].context_y


def _call_params(v: dict[str, Any]) -> None:
    RelationalTaskExtrapolator(**{v["name"]: v["value"]}).validate_params()


def _call_from_tasks(v: dict[str, Any]) -> Any:
    return TaskBank.from_tasks(v["xs"], v["ys"], v["ids"]).y


def _call_save(v: dict[str, Any], box: Sandbox) -> Any:
    path = box.output("m")
    fixtures.model().save(path, metadata=v["metadata"])
    loaded = RelationalTaskExtrapolator.load(path)
    expected = json.loads(json.dumps(v["metadata"], allow_nan=False)) if v["metadata"] else {}
    if loaded.metadata_ != expected:
        raise Broken("wrong", "metadata changed on the way through save and load")
    return loaded.predict(X, X, Q)


_CALLS: dict[str, Callable[..., Any]] = {
    "sample_bank": _call_sample_bank,
    "sample_targets": _call_sample_targets,
    "family": _call_family,
    "holdout": _call_holdout,
    "params": _call_params,
    "from_tasks": _call_from_tasks,
}


def api_case(v: dict[str, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> Any:
        if v["call"] == "save":
            return _call_save(v, box)
        return _CALLS[v["call"]](v)

    return f"{v['call']}: {_short(v)}", None, act


# ---------------------------------------------------------------- API: options

set_lines = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda m, k, v: f"{m}.{k}={v}",
        st.sampled_from(["rte", "nearest_task", "context_gp", "x", "", "rte.rte"]),
        st.sampled_from(["steps", "lr", "width", "n_anchors", "restarts", "chunk", "x", ""]),
        texts,
    ),
)
toml_texts = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda m, k, v: f"[{m}]\n{k} = {v}\n",
        st.sampled_from(["rte", "suite", "context_gp", "x", "rte.steps"]),
        st.sampled_from(["steps", "lr", "seeds", "share", "x"]),
        st.sampled_from(["1", "-1", "1e9", '"a"', "[1]", "{}", "true", "inf", "nan", "1.5"]),
    ),
)


def options_case(v: tuple[list[str], str]) -> Case:
    lines, toml = v

    def act(box: Sandbox, _: Any) -> None:
        path = box.write("c.toml", toml.encode("utf-8", "surrogatepass"))
        settings_, file_options = read_config_file(path)
        config = TableSuiteConfig(bank="b.csv", by="a")
        options = parse_set(lines, config.option_class, into=file_options)
        for method, values in options.items():
            get_method(method).resolve(values)
        if settings_:
            from_dict(TableSuiteConfig, {"bank": "b.csv", "by": "a", **settings_})

    return f"--set {_short(lines)} --config {_short(toml)}", None, act


# ---------------------------------------------------------------- API: the table suite

table_runs = perturbed(
    {
        "name": st.sampled_from(["bank.csv", "[x].csv", "a b.csv", "é.parquet", "b.pq"]),
        "by": st.sampled_from(["a", "task"]),
        "share": st.floats(0.2, 0.6),
        "bands": st.sampled_from([["far"], ["near", "far"], ["[b]"]]),
        "context_size": st.integers(2, 6),
        "noise": st.floats(0, 0.2),
        "methods": st.lists(
            st.sampled_from(["rte", "nearest_task", "context_gp"]), min_size=1, max_size=2
        ),
        "ids": st.sampled_from([None, ["007", "7", "NA", "x", "1.0", "1", "[a]", "é"]]),
    },
    {
        "by": st.sampled_from(["x", "y", "missing", "[a]", ""]),
        "share": st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.99]),
        "bands": st.sampled_from([[], ["far", "far"], [""], ["a"] * 9]),
        "context_size": st.integers(-1, 12),
        "noise": st.sampled_from([-1.0, math.inf, math.nan]),
        "methods": st.lists(
            st.sampled_from(["rte_discrete", "nope", "transductive_oracle"]), min_size=1, max_size=2
        ),
        "ids": st.sampled_from([["1", "1", "1", "1", "2", "2", "2", "2"]]),
    },
)


def table_case(v: dict[str, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> Any:
        ids = v["ids"] or [str(i) for i in range(12)]
        frame = tiny_bank(ids, points=10)
        path = _write_table(frame, box.path(v["name"]))
        methods = list(dict.fromkeys(v["methods"]))
        options = {"rte": {**TINY_RTE, "steps": 2}} if "rte" in methods else {}
        with contextlib.redirect_stdout(io.StringIO()):
            result = rte.bench.run(
                "table",
                bank=str(path),
                by=v["by"],
                share=v["share"],
                bands=tuple(v["bands"]),
                context_size=v["context_size"],
                noise=v["noise"],
                methods=tuple(methods),
                seeds=1,
                jobs=1,
                out=box.output("out"),
                options=options,
                console=Console(file=io.StringIO()),
            )
        data = json.loads(result.read_text())
        return [r["value"] for r in data["records"]]

    return f"rte.bench.run('table', {_short(v)})", None, act


# ---------------------------------------------------------------- CLI: tables and paths

frames = perturbed(
    {
        "ids": st.lists(st.sampled_from(["new", "007", "NA", "[t]"]), min_size=1, max_size=2),
        "x": st.lists(st.floats(-2, 2), min_size=3, max_size=6),
        "y": st.lists(st.floats(-10, 10), min_size=3, max_size=6),
        "qx": st.lists(st.floats(-4, 4), min_size=1, max_size=4),
        "extra": st.sampled_from([None, "anchor", "context_mse", "phi_1", "note"]),
        "stdout": st.booleans(),
    },
    {
        "ids": st.lists(texts, min_size=1, max_size=4),
        "x": st.lists(floats, min_size=1, max_size=6),
        "y": st.lists(st.one_of(floats, cells), min_size=1, max_size=6),
        "qx": st.lists(st.one_of(floats, cells), min_size=1, max_size=4),
        "extra": st.sampled_from(["task", "y", "x"]),
    },
)


def predict_tables_case(v: dict[str, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> CliResult:
        n = min(len(v["x"]), len(v["y"]))
        ids = (v["ids"] * 6)[:n]
        ctx = pd.DataFrame({"task": ids, "x": v["x"][:n], "y": v["y"][:n]})
        qry = pd.DataFrame({"task": (list(dict.fromkeys(ids)) * 4)[: len(v["qx"])], "x": v["qx"]})
        if v["extra"]:
            ctx[v["extra"]] = 1
            qry[v["extra"]] = 1
        c = box.write("ctx.csv", ctx.to_csv(index=False))
        q = box.write("q.csv", qry.to_csv(index=False))
        if v["stdout"]:
            return run_cli(
                "predict", fixtures.model_dir(), "--context", c, "--query", q, csv_on_stdout=True
            )
        out = box.output("p.csv")
        return run_cli(
            "predict", fixtures.model_dir(), "--context", c, "--query", q, "--out", out, csv=out
        )

    return f"rte predict tables {_short(v)}", None, act


fit_runs = perturbed(
    {
        "edits": st.just([]),
        "task": st.just("task"),
        "x": st.sampled_from([None, "x"]),
        "y": st.just("y"),
        "params": st.sampled_from([None, "a"]),
        "steps": st.sampled_from(["3", "5"]),
    },
    {
        "edits": st.lists(
            st.tuples(st.integers(0, 23), st.sampled_from(["task", "x", "y", "a"]), cells),
            min_size=1,
            max_size=3,
        ),
        "task": st.sampled_from(["a", "x", "missing", "[t]", ""]),
        "x": st.sampled_from(["x,a", "y", "a", "", ",", "[x]"]),
        "y": st.sampled_from(["x", "task", "a", "missing"]),
        "params": st.sampled_from(["a,a", "x", "task", "missing"]),
        "steps": st.sampled_from(["0", "-1", "x", "1e3", "3.5"]),
    },
)


def fit_case(v: dict[str, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> CliResult:
        bank = _write_table(_edited_bank(v["edits"], []), box.path("bank.csv"))
        out = box.output("m")
        args = ["fit", str(bank), "--out", str(out), "--task", v["task"], "--y", v["y"]]
        args += ["--x", v["x"]] if v["x"] is not None else []
        args += ["--params", v["params"]] if v["params"] is not None else []
        tiny = [a for a in FIT_ARGS]
        tiny[tiny.index("--steps") + 1] = v["steps"]
        result = run_cli(*args, *tiny, "--no-progress")
        if result.code == 0:
            result = run_cli("inspect", out)
        return result

    return f"rte fit {_short(v)}", None, act


names = st.one_of(
    st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s),
    st.sampled_from(
        [
            *("[bold]", "[/]", "-m", "--help", ".", "..", "a/../b", "~", " ", "a\nb"),
            *("é", "😀", "x" * 255, "x" * 256, "x" * 300, ".hidden", "m.csv", "nul/x"),
        ]
    ),
)


def paths_case(v: tuple[str, str]) -> Case:
    name, command = v

    def act(box: Sandbox, _: Any) -> Any:
        if "\x00" in name or name in (".", ".."):
            return None  # not a file name on any system
        target = box.path(name)  # an output: whatever the name resolves to
        if command == "save":
            fixtures.model().save(target)
            return RelationalTaskExtrapolator.load(target).predict(X, X, Q)
        if command == "fit":
            return run_cli("fit", fixtures.bank_csv(), "--out", target, *FIT_ARGS, "--no-progress")
        ctx, qry = fixtures.target_csvs()
        return run_cli(
            "predict",
            fixtures.model_dir(),
            "--context",
            ctx,
            "--query",
            qry,
            "--out",
            target,
            csv=target,
        )

    return f"{command} to {name!r}", lambda box: box.write("notes.txt", "mine"), act


report_docs = st.fixed_dictionaries(
    {
        "path": st.lists(
            st.sampled_from(
                [
                    "records",
                    "0",
                    "value",
                    "seed",
                    "metric",
                    "methods",
                    "rte",
                    "access",
                    "options",
                    "seconds",
                    "suite",
                    "config",
                ]
            ),
            min_size=1,
            max_size=3,
        ),
        "value": json_values,
        "metric": st.sampled_from([*METRICS, "x", "[b]"]),
    }
)


def _mutate(doc: Any, keys: list[str], value: Any) -> Any:
    if not keys:
        return value
    key = keys[0]
    if isinstance(doc, list) and key.isdigit() and int(key) < len(doc):
        doc[int(key)] = _mutate(doc[int(key)], keys[1:], value)
    elif isinstance(doc, dict):
        doc[key] = _mutate(doc.get(key), keys[1:], value)
    return doc


def report_case(v: dict[str, Any]) -> Case:
    def act(box: Sandbox, _: Any) -> CliResult:
        doc = _mutate(fixtures.results(), v["path"], v["value"])
        path = box.write("results.json", json.dumps(doc, allow_nan=True))
        return run_cli("report", path, "--metric", v["metric"])

    return f"rte report {_short(v)}", None, act


GENERATED = [
    hypothesis_group("API: bank tables", 100, bank_tables, bank_table_case),
    hypothesis_group(
        "API: predict arrays", 80, st.tuples(any_array, any_array, any_array), predict_case
    ),
    hypothesis_group(
        "API: predict sane x, any y",
        40,
        st.tuples(sane_x, hnp.arrays(np.float64, st.integers(1, 10), elements=floats), sane_x),
        lambda v: predict_case((v[0], v[1][: len(v[0])] if len(v[1]) >= len(v[0]) else v[1], v[2])),
    ),
    hypothesis_group(
        "API: predict_batch",
        30,
        st.tuples(
            st.integers(0, 3), st.integers(1, 5), st.integers(1, 4), floats, st.integers(0, 1)
        ),
        batch_case,
    ),
    hypothesis_group("API: damaged model folders", 80, damage, damage_case),
    hypothesis_group("API: arguments", 100, api_calls, api_case),
    hypothesis_group(
        "API: --set and --config",
        50,
        st.tuples(st.lists(set_lines, max_size=3), toml_texts),
        options_case,
    ),
    hypothesis_group("API: the table suite", 30, table_runs, table_case),
    hypothesis_group("CLI: predict tables", 60, frames, predict_tables_case),
    hypothesis_group("CLI: fit tables and columns", 40, fit_runs, fit_case),
    hypothesis_group(
        "CLI and API: output paths",
        40,
        st.tuples(names, st.sampled_from(["save", "fit", "predict"])),
        paths_case,
    ),
    hypothesis_group("CLI: report on mutated results", 60, report_docs, report_case),
]
