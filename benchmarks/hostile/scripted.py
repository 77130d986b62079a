"""Scripted hostile inputs: every failure of issue 14, kills and faults at each step of a
save, full disks, read-only folders and hostile model folders.

Each input is ``(label, prepare, act)`` for :meth:`hostile.harness.Runner.input`; an
``act`` returns what it got (checked for NaN/inf and command-line rules) and raises
:class:`~hostile.harness.Broken` when rte answered wrongly or lost data.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import json
import os
import random
import resource
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hostile import fixtures
from hostile.fixtures import FIT_ARGS, Q, X
from hostile.harness import (
    Act,
    Broken,
    CaseTimeout,
    CliResult,
    Prepare,
    Runner,
    Sandbox,
    run_cli,
)
from rte import RelationalTaskExtrapolator, TaskFamily, get_family, register_family, sample_bank
from rte.errors import ModelFileError, RTEError, ValidationError
from rte.persistence import INFO_FILE, MANIFEST_FILE, WEIGHTS_FILE, files
from rte.tasks.table import load_bank
from rte.testing import TINY_RTE

Case = tuple[str, Prepare | None, Act]


@dataclass(frozen=True)
class Group:
    """Inputs of one kind: ``run(runner, n, seed)`` runs ``n`` of at most ``size``."""

    name: str
    size: int
    run: Callable[[Runner, int, int], None]


def scripted(name: str, cases: Callable[[], list[Case]]) -> Group:
    """A group of fixed inputs; ``n`` of them run, spread evenly over the list."""

    def run(runner: Runner, n: int, seed: int) -> None:
        every = cases()
        for label, prepare, act in every[:: max(1, len(every) // n)][:n]:
            runner.input(label, prepare, act)

    return Group(name, len(cases()), run)


# ---------------------------------------------------------------- shared pieces


def expect_refusal(result: CliResult, what: str) -> CliResult:
    """A command-line run that must end in exit code 2."""
    if result.code != 2:
        raise Broken("wrong", f"{what}: expected a refusal (exit 2), got exit {result.code}")
    return result


def loadable(path: Path, what: str) -> RelationalTaskExtrapolator:
    """The model at ``path``, or Broken: the user's model is gone."""
    try:
        model = RelationalTaskExtrapolator.load(path)
    except RTEError as exc:
        raise Broken("lost", f"{what}: no loadable model at the path ({exc})") from None
    if not np.isfinite(model.predict(X, 2 * X**2, Q).y).all():
        raise Broken("lost", f"{what}: the model at the path predicts NaN/inf")
    return model


def with_model(name: str = "m", user_files: bool = True) -> Prepare:
    """Prepare: a saved model at ``name`` (an output) and user files beside it."""

    def prepare(box: Sandbox) -> Path:
        if user_files:
            box.write("notes.txt", "mine")
            box.write("data/table.csv", "a,b\n1,2\n")
        return box.output(fixtures.copy_model(box.path(name)))

    return prepare


def bank_file(box: Sandbox, frame: pd.DataFrame, name: str = "bank.csv") -> Path:
    path = box.path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def tiny_bank(ids: list[str] | None = None, points: int = 6, **columns: Any) -> pd.DataFrame:
    """A valid bank table (default 4 tasks of 6 points); ``columns`` replace values."""
    ids = ids or ["t0", "t1", "t2", "t3"]
    x = np.tile(np.linspace(-1, 1, points), len(ids))
    a = np.repeat(np.linspace(1, 2, len(ids)), points)
    frame = pd.DataFrame({"task": np.repeat(ids, points), "x": x, "y": a * x**2, "a": a})
    for key, value in columns.items():
        frame[key] = value
    return frame


# ---------------------------------------------------------------- 1. --out deletes a folder


def _out_folder_cases() -> list[Case]:
    def folder(extra: Callable[[Sandbox, Path], None]) -> Prepare:
        def prepare(box: Sandbox) -> Path:
            out = fixtures.copy_model(box.path("out"))
            extra(box, out)
            return out

        return prepare

    def fit_into(box: Sandbox, out: Path) -> CliResult:
        return expect_refusal(
            run_cli("fit", fixtures.bank_csv(), "--out", out, *FIT_ARGS), "fit into a folder"
        )

    def save_into(box: Sandbox, out: Path) -> None:
        try:
            fixtures.model().save(out)
        except ModelFileError:
            return
        raise Broken("wrong", "save replaced a folder holding user files")

    extras: dict[str, Callable[[Sandbox, Path], Any]] = {
        "a user file": lambda box, out: (out / "notes.txt").write_text("mine"),
        "a sub-folder": lambda box, out: box.write("out/sub/data.csv", "1"),
        "an empty sub-folder": lambda box, out: (out / "empty").mkdir(),
        "a hidden file": lambda box, out: (out / ".keep").write_text(""),
        "a user's own model.json only": lambda box, out: _only_user_json(out),
        "a model.json folder": lambda box, out: _json_folder(out),
    }
    cases: list[Case] = []
    for what, extra in extras.items():
        cases.append((f"rte fit --out: model folder with {what}", folder(extra), fit_into))
        cases.append((f"save(): model folder with {what}", folder(extra), save_into))
    return cases


def _only_user_json(out: Path) -> None:
    for part in (WEIGHTS_FILE, MANIFEST_FILE):
        (out / part).unlink()
    (out / INFO_FILE).write_text('{"my": "settings"}')


def _json_folder(out: Path) -> None:
    (out / INFO_FILE).unlink()
    (out / INFO_FILE).mkdir()
    (out / INFO_FILE / "keep.txt").write_text("mine")


# ---------------------------------------------------------------- 2. replacing a model


@contextlib.contextmanager
def trap_calls(at: int, action: Callable[[], None]) -> Iterator[list[int]]:
    """Run ``action`` just before the ``at``-th file-system call of this process (the calls
    a save makes: open, write, fsync, rename, exchange, unlink, rmdir, ...)."""
    calls = [0]
    names = ("open", "fsync", "rename", "replace", "unlink", "rmdir", "scandir", "mkdir")
    names += ("chmod", "lstat", "stat")
    saved = {n: getattr(os, n) for n in names}
    saved_open, saved_exchange = builtins.open, files._exchange

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def trapped(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            if calls[0] == at:
                action()
            return fn(*args, **kwargs)

        return trapped

    for n, fn in saved.items():
        setattr(os, n, wrap(fn))
    builtins.open = wrap(saved_open)
    files._exchange = wrap(saved_exchange)
    try:
        yield calls
    finally:
        for n, fn in saved.items():
            setattr(os, n, fn)
        builtins.open = saved_open
        files._exchange = saved_exchange


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _in_child(work: Callable[[], int], limit: float = 25.0) -> int:
    """Run ``work`` in a forked child process; its exit code (-signal if killed). A child
    still running after ``limit`` seconds is killed and the input counted as a hang."""
    pid = os.fork()
    if pid == 0:  # the child never returns into the caller's code
        code = 1
        try:
            code = work()
        finally:
            os._exit(code)
    deadline = time.monotonic() + limit
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise CaseTimeout()
        time.sleep(0.005)


def _after_interruption(box: Sandbox, path: Path, what: str) -> None:
    """A model must load at ``path``; a clean save afterwards must remove every leftover."""
    loadable(path, what)
    fixtures.model().save(path)
    loadable(path, f"{what}, then saved again")


def kill_at_step(step: int) -> Case:
    """A save replacing a model, SIGKILLed just before its ``step``-th file-system call."""

    def act(box: Sandbox, path: Path) -> None:
        def work() -> int:
            with trap_calls(step, _kill_self):
                fixtures.model().save(path, {"note": "new"})
            return 0

        _in_child(work)
        _after_interruption(box, path, f"kill before call {step}")

    return f"kill before file-system call {step} of a save", with_model(), act


def kill_at_random(seed: int) -> Case:
    """A process saving over a model again and again, SIGKILLed at a random moment."""

    def act(box: Sandbox, path: Path) -> None:
        delay = random.Random(seed).uniform(0.01, 0.4)
        pid = os.fork()
        if pid == 0:
            try:
                for i in range(10**6):
                    fixtures.model().save(path, {"note": i})
            finally:
                os._exit(1)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _after_interruption(box, path, f"kill after {delay:.3f} s")

    return f"kill at a random moment of repeated saves (seed {seed})", with_model(), act


def fault_at_step(step: int, code: int) -> Case:
    """A save whose ``step``-th file-system call fails (a full disk, an I/O error)."""

    def act(box: Sandbox, path: Path) -> None:
        def fail() -> None:
            raise OSError(code, os.strerror(code))

        try:
            with trap_calls(step, fail):
                fixtures.model().save(path, {"note": "new"})
        except RTEError:
            pass
        _after_interruption(box, path, f"{errno.errorcode[code]} at call {step}")

    return f"{errno.errorcode[code]} at file-system call {step} of a save", with_model(), act


def full_disk(limit: int, fresh: bool) -> Case:
    """A save in a process that may write at most ``limit`` bytes per file."""

    def act(box: Sandbox, path: Path) -> None:
        target = box.output(box.path("new")) if fresh else path

        def work() -> int:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
            try:
                fixtures.model().save(target, {"note": "new"})
            except RTEError:
                return 2
            return 0

        code = _in_child(work)
        if code not in (0, 2):
            raise Broken("wrong", f"save on a full disk ended with code {code}")
        if not fresh or code == 0:
            loadable(target, f"full disk at {limit} bytes")
        elif target.exists():
            raise Broken("wrong", "a failed save left something at the new path")

    where = "a new path" if fresh else "an existing model"
    return f"save to {where} with {limit} bytes of disk per file", with_model(), act


def read_only_model(box_target: str) -> Case:
    """Save over a read-only model folder, or into a read-only parent folder."""

    def prepare(box: Sandbox) -> Path:
        path = with_model("ro/m")(box)
        box.read_only(path if box_target == "model" else box.path("ro"))
        return path

    def act(box: Sandbox, path: Path) -> None:
        with contextlib.suppress(RTEError):
            fixtures.model().save(path, {"note": "new"})
        loadable(path, "read-only folder")

    return f"save over a model in a read-only {box_target} folder", prepare, act


def _replace_cases() -> list[Case]:
    cases = [read_only_model("model"), read_only_model("parent")]
    cases += [full_disk(limit, fresh) for limit in (0, 200, 5000) for fresh in (True, False)]
    return cases


# ---------------------------------------------------------------- 3. edited model.json


def _edit(change: Callable[[dict[str, Any]], None], manifest_too: bool) -> Case:
    def prepare(box: Sandbox) -> Path:
        path = fixtures.copy_model(box.path("m"))
        info = json.loads((path / INFO_FILE).read_text())
        change(info)
        data = json.dumps(info).encode()
        (path / INFO_FILE).write_bytes(data)
        if manifest_too:  # a deliberate, consistent edit: the manifest matches
            import hashlib

            manifest = json.loads((path / MANIFEST_FILE).read_text())
            manifest["files"][INFO_FILE] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            (path / MANIFEST_FILE).write_text(json.dumps(manifest))
        return path

    def act(box: Sandbox, path: Path) -> Any:
        try:
            loaded = RelationalTaskExtrapolator.load(path)
        except ModelFileError:
            return None
        if not manifest_too:
            raise Broken("wrong", "an edited model.json loaded without complaint")
        return loaded.predict(X, 2 * X**2, Q)

    return change.__doc__ or "edit", prepare, act


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(info: dict[str, Any]) -> None:
        node = info
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    change.__doc__ = f"model.json {'.'.join(keys)} = {value!r}"
    return change


def _edit_cases() -> list[Case]:
    edits = [
        _set("components", "scaling", "y_mean", value=1e3),
        _set("components", "scaling", "y_std", value=1e-300),
        _set("params", "n_anchors", value=5),
        _set("components", "bank", "task_ids", value=["x"] * 8),
        _set("components", "bank", "task_ids", value=[]),
        _set("kind", value="DiscreteRTE"),
        _set("params", "steps", value=-1),
        _set("metadata", "columns", value={"x": 5}),
        _set("components", "operator", "width", value=10**6),
        _set("components", "decomposer", "threshold", value=float("inf")),
    ]
    return [_edit(c, manifest_too) for c in edits for manifest_too in (False, True)]


# ---------------------------------------------------------------- 4. task ids


def _id_cases() -> list[Case]:
    def ids_case(ids: list[str], suffix: str) -> Case:
        def prepare(box: Sandbox) -> Path:
            frame = tiny_bank(ids)
            path = box.path(f"bank{suffix}")
            if suffix == ".csv":
                path.write_text(frame.to_csv(index=False))
            else:
                frame.to_parquet(path, index=False)
            return path

        def act(box: Sandbox, path: Path) -> None:
            bank = load_bank(path)
            if sorted(bank.task_ids) != sorted(ids):
                raise Broken("wrong", f"task ids {ids} read as {list(bank.task_ids)}")

        return f"task ids {ids} in {suffix}", prepare, act

    sets = [["007", "7", "07", "7.0"], ["1", "1.0", "01", "1e0"], ["NA", "nan", "null", "None"]]
    sets += [[" a", "a", "a ", "A"], ["[bold]x", "[/]", "é", "日本"]]
    cases = [ids_case(ids, suffix) for ids in sets for suffix in (".csv", ".parquet")]

    def predict_na(box: Sandbox, _: Any) -> CliResult:
        ctx = box.write("ctx.csv", "task,x,y\nNA,0,1\nNA,1,2\nNA,2,5\n")
        qry = box.write("q.csv", "task,x\nNA,0.5\nNA,1.5\n")
        out = box.output("pred.csv")
        result = run_cli(
            "predict", fixtures.model_dir(), "--context", ctx, "--query", qry, "--out", out,
            csv=out,
        )  # fmt: skip
        if result.code == 0 and list(pd.read_csv(out, keep_default_na=False).task) != ["NA"] * 2:
            raise Broken("wrong", "the target id 'NA' was not kept")
        return result

    cases.append(("rte predict with the target id NA", None, predict_na))
    return cases


# ---------------------------------------------------------------- 5. values near float limits


def _overflow_cases() -> list[Case]:
    def table_case(label: str, **columns: Any) -> Case:
        def act(box: Sandbox, _: Any) -> Any:
            path = bank_file(box, tiny_bank(**columns))
            try:
                bank = load_bank(path, None)
            except ValidationError:
                return None
            model = RelationalTaskExtrapolator(**{**TINY_RTE, "steps": 5}).fit(bank)
            if not np.isfinite([model.scaling_.y_std, model.scaling_.y_mean]).all():
                raise Broken("wrong", "a model with an infinite scale was returned")
            model.save(box.output("m"))
            return RelationalTaskExtrapolator.load(box.path("m")).predict(X, X, Q)

        return f"bank with {label}", None, act

    big = np.repeat([1.0, 2.0, 3.0, 4.0], 6)
    with np.errstate(over="ignore", invalid="ignore"):  # linspace over the whole float range
        spans = np.tile(np.linspace(0, 1e308, 6), 4), np.tile(np.linspace(-1e308, 1e308, 6), 4)
    cases = [
        table_case("y ~ 1e200", y=big * 1e200),
        table_case("y ~ -1e308", y=-big * 2e307),
        table_case("x ~ 1e308", x=spans[0]),
        table_case("x from -1e308 to 1e308", x=spans[1]),
        table_case("y ~ 1e155", y=big * 1e155),
        table_case("y ~ 1e140 (allowed)", y=big * 1e140 * np.tile(np.linspace(1, 2, 6), 4)),
        table_case("y tiny 1e-300", y=big * 1e-300),
        table_case("y subnormal 5e-324", y=np.tile([5e-324, 0, 5e-324, 0, 5e-324, 0], 4)),
    ]

    def cli_fit(box: Sandbox, _: Any) -> CliResult:
        path = bank_file(box, tiny_bank(y=big * 1e200))
        out = box.output("m")
        return expect_refusal(run_cli("fit", path, "--out", out, *FIT_ARGS), "fit 1e200")

    def api_bank(box: Sandbox, _: Any) -> None:
        from rte import TaskBank

        try:
            TaskBank.from_tasks([X, X], [X * 1e200, X * 2e200])
        except ValidationError:
            return
        raise Broken("wrong", "TaskBank.from_tasks accepted outputs of 1e200")

    def context(box: Sandbox, _: Any) -> Any:
        return fixtures.model().predict(X, X * 1e300, Q)

    cases += [
        ("rte fit on a bank with y ~ 1e200", None, cli_fit),
        ("TaskBank.from_tasks with y ~ 1e200", None, api_bank),
        ("a context with y ~ 1e300", None, context),
    ]
    return cases


# ---------------------------------------------------------------- 6. square brackets


def _bracket_cases() -> list[Case]:
    folder = "[bold]in[/] [red]brackets[/red] [/x"

    def prepare(box: Sandbox) -> dict[str, Path]:
        frame = tiny_bank(["[b]t0[/b]", "[/]", "[link=x]t2", "t3]"])
        bank = bank_file(box, frame, f"{folder}/[bank].csv")
        ctx = box.write(f"{folder}/ctx.csv", "task,x,y\n[/],0,1\n[/],1,2\n[/],-1,2\n")
        qry = box.write(f"{folder}/q.csv", "task,x\n[/],0.5\n")
        bad = box.write(f"{folder}/bad.csv", "task,x,y\n[x],1,[red]2[/red]\n")
        return {"bank": bank, "ctx": ctx, "qry": qry, "bad": bad}

    def fit(box: Sandbox, p: dict[str, Path]) -> CliResult:
        out = box.output(f"{folder}/[m]")
        result = run_cli("fit", p["bank"], "--out", out, *FIT_ARGS)
        if result.code == 0:
            result = run_cli("inspect", out)
        if result.code == 0:
            pred = box.output(f"{folder}/[p].csv")
            args = ("--context", p["ctx"], "--query", p["qry"], "--out", pred)
            result = run_cli("predict", out, *args, csv=pred)
        return result

    def bad_cell(box: Sandbox, p: dict[str, Path]) -> CliResult:
        out = box.output(f"{folder}/[m2]")
        return expect_refusal(run_cli("fit", p["bad"], "--out", out, *FIT_ARGS), "bad cell")

    def missing(box: Sandbox, p: dict[str, Path]) -> CliResult:
        return expect_refusal(run_cli("inspect", box.path(f"{folder}/[none]")), "inspect none")

    def bench(box: Sandbox, p: dict[str, Path]) -> CliResult:
        out = box.output(f"{folder}/[run]")
        args = ("--by", "a", "--share", "0.5", "--bands", "[far]", "--context-size", "3")
        args += ("--methods", "nearest_task", "--seeds", "1", "--jobs", "1", "--out", str(out))
        return run_cli("bench", "table", p["bank"], *args)

    return [
        ("fit, inspect and predict with brackets in paths and ids", prepare, fit),
        ("a bracketed bad cell in the error message", prepare, bad_cell),
        ("inspect a bracketed missing path", prepare, missing),
        ("bench table with brackets in the path, ids and band", prepare, bench),
    ]


# ---------------------------------------------------------------- 7. predict --out


def _predict_out_cases() -> list[Case]:
    def predict(out: Path) -> CliResult:
        ctx, qry = fixtures.target_csvs()
        return run_cli("predict", fixtures.model_dir(), "--context", ctx, "--query", qry,
                       "--out", out, csv=out)  # fmt: skip

    def read_only(box: Sandbox, _: Any) -> CliResult:
        folder = box.path("ro")
        folder.mkdir()
        box.read_only(folder)
        return predict(folder / "p.csv")

    def existing_dir(box: Sandbox, _: Any) -> CliResult:
        box.write("d/keep.txt", "mine")
        return expect_refusal(predict(box.path("d")), "--out an existing folder")

    def under_file(box: Sandbox, _: Any) -> CliResult:
        box.write("file", "mine")
        return expect_refusal(predict(box.path("file/p.csv")), "--out under a file")

    def long_name(box: Sandbox, _: Any) -> CliResult:
        return predict(box.output("p" * 300 + ".csv"))

    def full(box: Sandbox, _: Any) -> CliResult:
        out = box.output("p.csv")
        box.write("p.csv", "old predictions")
        read, write = os.pipe()

        def work() -> int:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (16, resource.RLIM_INFINITY))
            result = predict(out)
            os.write(write, json.dumps([result.code, result.err]).encode())
            return 0

        _in_child(work)
        os.close(write)
        code, err = json.loads(os.read(read, 1 << 20) or b'[1, "no answer"]')
        os.close(read)
        if out.read_text() not in ("old predictions",) and code != 0:
            raise Broken("lost", "a failed write changed the existing predictions file")
        return CliResult(code, "", err)

    return [
        ("predict --out into a read-only folder", None, read_only),
        ("predict --out an existing folder", None, existing_dir),
        ("predict --out under a file", None, under_file),
        ("predict --out a 300-character file name", None, long_name),
        ("predict --out on a full disk (16 bytes per file)", None, full),
    ]


# ---------------------------------------------------------------- 8. output column names


def _column_cases() -> list[Case]:
    def case(task: str, x: str, y: str) -> Case:
        def act(box: Sandbox, _: Any) -> CliResult:
            frame = tiny_bank().rename(columns={"task": task, "x": x, "y": y})
            bank = bank_file(box, frame)
            model = box.output("m")
            fit = run_cli("fit", bank, "--out", model, "--task", task, "--x", x, "--y", y,
                          *FIT_ARGS)  # fmt: skip
            if fit.code != 0:
                return fit
            ctx = bank_file(box, frame.head(5), "ctx.csv")
            qry = bank_file(box, frame.head(3).drop(columns=[y]), "q.csv")
            out = box.output("p.csv")
            result = run_cli("predict", model, "--context", ctx, "--query", qry, "--out", out,
                             csv=out)  # fmt: skip
            if result.code == 0:
                pred = pd.read_csv(out)
                if list(pred.columns[:3]) != [task, x, y] or not np.allclose(
                    pred[x], frame[x].head(3)
                ):
                    raise Broken("wrong", f"user columns overwritten: {list(pred.columns)}")
            return result

        return f"columns task={task}, x={x}, y={y}", None, act

    return [
        case("task", "anchor", "y"),
        case("task", "x", "context_mse"),
        case("phi_1", "phi_in_range", "anchor"),
        case("rte_anchor", "anchor", "context_mse"),
    ]


# ---------------------------------------------------------------- 9. hostile model folders


def _folder_cases() -> list[Case]:
    def hostile(label: str, damage: Callable[[Path], None]) -> Case:
        def prepare(box: Sandbox) -> Path:
            path = fixtures.copy_model(box.path("m"))
            damage(path)
            return path

        def act(box: Sandbox, path: Path) -> Any:
            try:
                model = RelationalTaskExtrapolator.load(path)
            except ModelFileError:
                return None
            return model.predict(X, 2 * X**2, Q)

        return f"model folder: {label}", prepare, act

    def link(part: str, to: str) -> Callable[[Path], None]:
        def damage(path: Path) -> None:
            (path / part).unlink()
            (path / part).symlink_to(to)

        return damage

    def fifo(part: str) -> Callable[[Path], None]:
        def damage(path: Path) -> None:
            (path / part).unlink()
            os.mkfifo(path / part)

        return damage

    def deep(part: str, text: str) -> Callable[[Path], None]:
        def damage(path: Path) -> None:
            (path / part).write_text(text)

        return damage

    def folder_part(part: str) -> Callable[[Path], None]:
        def damage(path: Path) -> None:
            (path / part).unlink()
            (path / part).mkdir()

        return damage

    def loop(part: str) -> Callable[[Path], None]:
        def damage(path: Path) -> None:
            (path / part).unlink()
            (path / part).symlink_to(path / part)

        return damage

    nested = "[" * 100_000 + "]" * 100_000
    cases = [hostile(f"{part} -> /dev/zero", link(part, "/dev/zero")) for part in _PARTS]
    cases += [hostile(f"{part} -> /dev/urandom", link(part, "/dev/urandom")) for part in _PARTS]
    cases += [hostile(f"{part} is a named pipe", fifo(part)) for part in _PARTS]
    cases += [hostile(f"{part} is a folder", folder_part(part)) for part in _PARTS]
    cases += [hostile(f"{part} is a symlink loop", loop(part)) for part in _PARTS]
    cases += [
        hostile("deeply nested model.json", deep(INFO_FILE, nested)),
        hostile("deeply nested manifest.json", deep(MANIFEST_FILE, nested)),
        hostile("a 5,000-digit number in the manifest", deep(MANIFEST_FILE, "1" * 5000)),
        hostile("manifest claims 10**30 bytes", _claim_size(10**30)),
        hostile("weights grown by 1 MB", _grow),
    ]

    def whole(label: str, make: Callable[[Sandbox], Path]) -> Case:
        def act(box: Sandbox, _: Any) -> None:
            with contextlib.suppress(ModelFileError):
                RelationalTaskExtrapolator.load(make(box))

        return f"model path: {label}", None, act

    def pipe_dir(box: Sandbox) -> Path:
        os.mkfifo(box.path("fifo"))
        return box.path("fifo")

    cases += [
        whole("/dev/null", lambda box: Path("/dev/null")),
        whole("a named pipe", pipe_dir),
        whole("300 characters", lambda box: box.path("m" * 300)),
        whole("under a file", lambda box: box.write("f", "x") / "m"),
    ]
    return cases


_PARTS = (WEIGHTS_FILE, INFO_FILE, MANIFEST_FILE)


def _claim_size(size: int) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        manifest = json.loads((path / MANIFEST_FILE).read_text())
        manifest["files"][WEIGHTS_FILE]["bytes"] = size
        (path / MANIFEST_FILE).write_text(json.dumps(manifest))

    return damage


def _grow(path: Path) -> None:
    with open(path / WEIGHTS_FILE, "ab") as handle:
        handle.write(b"\0" * 2**20)


# ---------------------------------------------------------------- 10. rte report


def report_variants() -> dict[str, Any]:
    """Malformed results documents (and two valid ones), by name."""
    good = fixtures.results()
    record = good["records"][0]

    def with_(**changes: Any) -> dict[str, Any]:
        return {**good, **changes}

    def rec(**changes: Any) -> dict[str, Any]:
        return with_(records=[{**record, **changes}])

    return {
        "valid": good,
        "valid without methods": {k: v for k, v in good.items() if k != "methods"},
        "a list": [good],
        "a string": "results",
        "null": None,
        "a number": 3,
        "no suite": {k: v for k, v in good.items() if k != "suite"},
        "no records": {k: v for k, v in good.items() if k != "records"},
        "records an object": with_(records={"a": 1}),
        "records a string": with_(records="many"),
        "a record is a list": with_(records=[[1, 2]]),
        "a record lacks its value": with_(records=[{k: record[k] for k in record if k != "value"}]),
        "value is text": rec(value="1.0"),
        "value is null": rec(value=None),
        "value is true": rec(value=True),
        "value is a 400-digit integer": rec(value=10**400),
        "seed is text": rec(seed="0"),
        "seed is a float": rec(seed=0.5),
        "metric unknown": rec(metric="rmse"),
        "family is a number": rec(family=3),
        "method is a list": rec(method=["rte"]),
        "seconds is text": with_(seconds="fast"),
        "seconds negative": with_(seconds=-1),
        "version is a number": with_(version=1),
        "config is a list": with_(config=[1]),
        "methods a list": with_(methods=["rte"]),
        "method info a string": with_(methods={"rte": "BC"}),
        "access an integer": with_(methods={"rte": {"access": 5}}),
        "access holds numbers": with_(methods={"rte": {"access": [1, 2]}}),
        "options a list": with_(methods={"rte": {"options": [1]}}),
        "empty records": with_(records=[]),
        "valid with a failure": with_(
            failures=[{"family": "f", "method": "rte", "seed": 1, "error": "diverged"}]
        ),
        "failures an object": with_(failures={"rte": "diverged"}),
        "a failure without its error": with_(
            failures=[{"family": "f", "method": "rte", "seed": 1}]
        ),
        "a failure's seed is text": with_(
            failures=[{"family": "f", "method": "rte", "seed": "1", "error": "diverged"}]
        ),
    }


def _report_cases() -> list[Case]:
    def case(name: str, document: Any) -> Case:
        def act(box: Sandbox, _: Any) -> CliResult:
            path = box.write("results.json", json.dumps(document))
            return run_cli("report", path)

        return f"rte report: {name}", None, act

    def raw(name: str, data: bytes | None) -> Case:
        def act(box: Sandbox, _: Any) -> CliResult:
            if data is None:
                os.mkfifo(box.path("results.json"))
            else:
                box.write("results.json", data)
            return run_cli("report", box.path("results.json"))

        return f"rte report: {name}", None, act

    cases = [case(name, doc) for name, doc in report_variants().items()]
    cases += [
        raw("empty file", b""),
        raw("binary", b"\xff\xfe\x00\x01"),
        raw("NaN value", b'{"suite": "p", "seconds": NaN}'),
        raw("deeply nested", b"[" * 100_000 + b"]" * 100_000),
        raw("a named pipe", None),
        raw("truncated", json.dumps(fixtures.results()).encode()[:50]),
    ]

    def missing(box: Sandbox, _: Any) -> CliResult:
        return run_cli("report", box.path("none.json"))

    def folder(box: Sandbox, _: Any) -> CliResult:
        return run_cli("report", box.root)

    def metric(box: Sandbox, _: Any) -> CliResult:
        path = box.write("results.json", json.dumps(fixtures.results()))
        return run_cli("report", path, "--metric", "[bold]")

    cases += [
        ("rte report: missing file", None, missing),
        ("rte report: a folder", None, folder),
        ("rte report: unknown metric", None, metric),
    ]
    return cases


# ---------------------------------------------------------------- also: API odds and ends


@contextlib.contextmanager
def private_families() -> Iterator[None]:
    """Registrations inside go to a copy of the family registry."""
    from rte.tasks import family

    saved = family._FAMILIES
    family._FAMILIES = dict(saved)
    try:
        yield
    finally:
        family._FAMILIES = saved


def _also_cases() -> list[Case]:
    quadratic = get_family("quadratic")

    def int_seed(box: Sandbox, _: Any) -> Any:
        bank = sample_bank(quadratic, 10, 16, 0)
        if bank.n_tasks != 10 or sample_bank(quadratic, 10, 16, 0).fingerprint() != (
            bank.fingerprint()
        ):
            raise Broken("wrong", "an integer seed did not give a reproducible bank")
        return bank.y

    def register_text(box: Sandbox, _: Any) -> None:
        with private_families():
            register_family("quadratic")  # type: ignore[arg-type]

    def register_builtin(box: Sandbox, _: Any) -> None:
        with private_families():
            new = TaskFamily("quadratic", lambda x, theta: x * theta, support=(0, 1))
            try:
                register_family(new)
            except ValidationError:
                register_family(new, replace=True)
                if get_family("quadratic") is not new:
                    raise Broken("wrong", "replace=True did not replace") from None
                return
            raise Broken("wrong", "a built-in family was replaced silently")

    def zero_targets(box: Sandbox, _: Any) -> Any:
        return fixtures.model().predict_batch(np.zeros((0, 5, 1)), np.zeros((0, 5)), Q[None, :0])

    def metadata_columns(box: Sandbox, _: Any) -> None:
        path = box.output("m")
        try:
            fixtures.model().save(path, metadata={"columns": 5})
        except ValidationError:
            if path.exists():
                raise Broken("wrong", "a refused save left a folder behind") from None
            return
        loadable(path, "metadata columns 5")

    def long_name(box: Sandbox, _: Any) -> None:
        fixtures.model().save(box.output("m" * 300))

    def family_args(box: Sandbox, _: Any) -> None:
        TaskFamily("f", lambda x, theta: x, support=5)  # type: ignore[arg-type]

    return [
        ("sample_bank(fam, 10, 16, 0): an integer seed", None, int_seed),
        ('register_family("quadratic")', None, register_text),
        ("register_family over a built-in name", None, register_builtin),
        ("predict_batch with zero targets", None, zero_targets),
        ('save(metadata={"columns": 5})', None, metadata_columns),
        ("save to a 300-character file name", None, long_name),
        ("TaskFamily(support=5)", None, family_args),
    ]


def _usage_cases() -> list[Case]:
    def cli(*args: str) -> Case:
        def act(box: Sandbox, _: Any) -> CliResult:
            return run_cli(*args)

        return f"rte {' '.join(args)}", None, act

    return [
        cli(),
        cli("bench"),
        cli("nope"),
        cli("bench", "nope"),
        cli("fit"),
        cli("fit", "bank.csv"),
        cli("fit", "bank.csv", "--out", "m", "--steps", "many"),
        cli("fit", "--unknown"),
        cli("predict", "m"),
        cli("report"),
        cli("bench", "table"),
        cli("bench", "param", "--seeds", "x"),
        cli("bench", "table", "no.csv", "--by", "g"),
        cli("bench", "param", "--set", "rte"),
        cli("inspect", "[bold]"),
    ]


SCRIPTED = [
    scripted("issue 1: --out into a folder", _out_folder_cases),
    scripted("issue 2: read-only folders, full disks", _replace_cases),
    scripted("issue 3: edited model.json", _edit_cases),
    scripted("issue 4: task ids", _id_cases),
    scripted("issue 5: values near float limits", _overflow_cases),
    scripted("issue 6: square brackets", _bracket_cases),
    scripted("issue 7: predict --out", _predict_out_cases),
    scripted("issue 8: output column names", _column_cases),
    scripted("issue 9: hostile model folders", _folder_cases),
    scripted("issue 10: rte report", _report_cases),
    scripted("issue 14, also", _also_cases),
    scripted("command-line usage", _usage_cases),
]

KILL_STEPS = 40
KILLS = [
    scripted("kill at each step of a save", lambda: [kill_at_step(k) for k in range(1, 41)]),
    Group(
        "kill at random moments",
        60,
        lambda runner, n, seed: [runner.input(*kill_at_random(seed * 1000 + i)) for i in range(n)],
    ),
    scripted(
        "faults at each step of a save",
        lambda: [fault_at_step(k, c) for k in range(1, 41) for c in (errno.ENOSPC, errno.EIO)],
    ),
]
