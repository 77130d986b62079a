"""Run one hostile input in a sandbox folder and classify what happened.

An input prepares files in a fresh folder (every file there is the user's unless the
input declares it an output), then acts. The outcome is

- ``ok``: the action returned finite numbers (or nothing), or rte refused it with its
  own error (:class:`rte.errors.RTEError`), or the command line ended with exit code 0,
  or with exit code 2 and one line ``error: ...``;
- ``traceback``: any other exception (recorded by type), or a command-line run with a
  traceback, another exit code or a message of more than one line;
- ``hang``: the input ran past its time limit;
- ``nonfinite``: a returned prediction, or a CSV the command line wrote, holds NaN/inf;
- ``lost``: a user file is missing or changed, or no loadable model remains where one
  was (the input raises :class:`Broken` with kind ``lost``);
- ``wrong``: the input's own check of the answer failed (:class:`Broken`, e.g. task
  ids ``007`` and ``7`` read as one task);
- ``leftover``: a hidden temporary file or folder of rte remains.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rte.errors import RTEError

OUTCOMES = ("ok", "traceback", "hang", "nonfinite", "lost", "wrong", "leftover")
# Hidden working files of rte: ".<name>.rte-<pid>-<random>.tmp|old" (model saves) and
# ".rte-<random>.tmp" (atomic file writes).
_LEFTOVER = re.compile(r"^\..*rte-.*\.(tmp|old)$")


class Broken(Exception):
    """An input's own check failed: ``kind`` is ``lost`` (data gone) or ``wrong`` (answer)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class CaseTimeout(BaseException):
    """Raised by the alarm when an input runs past its limit (never caught by rte)."""


@dataclass(frozen=True)
class CliResult:
    """What a command-line run gave: exit code, output and error text, CSV it wrote."""

    code: int
    out: str
    err: str
    csv: Path | None = None
    csv_on_stdout: bool = False


@dataclass
class Outcome:
    """The class of one input's outcome and a short detail."""

    group: str
    label: str
    kind: str
    detail: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


class Sandbox:
    """A fresh folder; files present when :meth:`freeze` runs are the user's."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.outputs: set[Path] = set()
        self.snapshot: dict[Path, str] = {}
        self.immutable: list[Path] = []

    def read_only(self, path: Path) -> None:
        """Make folder ``path`` read-only for this process: ``chmod 555``, and for root
        (whom permissions do not stop) the immutable attribute where the system allows it."""
        path.chmod(0o555)
        if os.geteuid() == 0 and shutil.which("chattr"):
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if done.returncode == 0:
                self.immutable.append(path)

    def release(self) -> None:
        """Undo :meth:`read_only` so the sandbox can be removed."""
        for path in self.immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, data: bytes | str) -> Path:
        """A user file."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def output(self, name: str | Path) -> Path:
        """Declare ``name`` (a file or folder) an output the action may create or replace."""
        path = name if isinstance(name, Path) else self.root / name
        self.outputs.add(path)
        return path

    def freeze(self) -> None:
        """Record every user file (outside declared outputs) with its SHA-256, and every
        user folder."""
        self.snapshot = {p: _digest(p) for p in self._files() if not self._is_output(p)}

    def check(self) -> tuple[list[str], list[str]]:
        """(user files or folders lost or changed, rte leftovers) after the action."""
        lost = [
            str(p.relative_to(self.root))
            for p, sha in self.snapshot.items()
            if (not p.is_dir() if sha == _FOLDER else not p.is_file() or _digest(p) != sha)
        ]
        leftovers = [
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if _LEFTOVER.match(p.name) and not p.is_symlink()
        ]
        return lost, leftovers

    def _is_output(self, path: Path) -> bool:
        return any(path == o or o in path.parents for o in self.outputs)

    def _files(self) -> Iterator[Path]:
        for path in self.root.rglob("*"):
            if (path.is_file() or path.is_dir()) and not path.is_symlink():
                yield path


_FOLDER = "folder"


def _digest(path: Path) -> str:
    if path.is_dir():
        return _FOLDER
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in this (main) thread after ``seconds``."""

    def alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(*args: str | Path, csv: Path | None = None, csv_on_stdout: bool = False) -> CliResult:
    """``rte ARGS`` in this process, as the installed script runs it (``rte.cli.main``).

    ``csv`` (a file) or ``csv_on_stdout``: where the run writes a CSV to check for NaN/inf.
    """
    from rte.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["rte", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return CliResult(code, out.getvalue(), err.getvalue(), csv, csv_on_stdout)


def _cli_problem(result: CliResult) -> tuple[str, str] | None:
    """(kind, detail) when a command-line run broke the rules, else None."""
    text = result.out + result.err
    if "Traceback" in text:
        return "traceback", text.strip().splitlines()[-1][:200]
    if result.code not in (0, 2):
        return "traceback", f"exit code {result.code}: {result.err.strip()[:200]}"
    if result.code == 2:
        lines = result.err.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return "traceback", f"exit 2 with {len(lines)} line(s): {result.err.strip()[:200]}"
    csv = result.csv
    if result.code == 0 and csv is not None and csv.is_file() and not _finite_csv(csv.read_text()):
        return "nonfinite", f"{csv.name} holds NaN/inf"
    if result.code == 0 and result.csv_on_stdout and not _finite_csv(result.out):
        return "nonfinite", "CSV on stdout holds NaN/inf"
    return None


def _finite_csv(text: str) -> bool:
    """Whether a prediction CSV's number columns are finite (the first column, task ids such
    as "NA" or "inf", is text)."""
    task = pd.read_csv(io.StringIO(text), nrows=0).columns[0]
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype={task: str})
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    return bool(np.all(np.isfinite(numbers)))


def _nonfinite(value: Any) -> bool:
    """Whether a returned value holds NaN/inf anywhere (arrays, predictions, nesting)."""
    if value is None or isinstance(value, (str, bytes, Path)):
        return False
    if isinstance(value, CliResult):
        return False
    if hasattr(value, "y") and not isinstance(value, np.ndarray):
        return _nonfinite(value.y)
    if isinstance(value, (list, tuple)):
        return any(_nonfinite(v) for v in value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return not bool(np.all(np.isfinite(arr)))


Prepare = Callable[[Sandbox], Any]
Act = Callable[[Sandbox, Any], Any]


@dataclass
class Runner:
    """Runs inputs one by one and reports each outcome to ``report``."""

    report: Callable[[Outcome], None]
    timeout: float = 20.0
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rte-hostile-")))
    group: str = ""
    count: int = 0

    def input(self, label: str, prepare: Prepare | None, act: Act) -> Outcome:
        """Prepare a sandbox, act under the time limit, classify, clean up."""
        self.count += 1
        root = self.scratch / f"{self.group}-{self.count}"
        root.mkdir(parents=True)
        sandbox = Sandbox(root)
        outcome = Outcome(self.group, label, "ok")
        try:
            with time_limit(self.timeout):
                state = prepare(sandbox) if prepare else None
                sandbox.freeze()
                result = act(sandbox, state)
            if isinstance(result, CliResult):
                problem = _cli_problem(result)
                if problem:
                    outcome.kind, outcome.detail = problem
                elif result.code == 2:
                    outcome.detail = "refused: exit 2"
            elif _nonfinite(result):
                outcome.kind, outcome.detail = "nonfinite", "returned NaN/inf"
        except CaseTimeout:
            outcome.kind, outcome.detail = "hang", f"over {self.timeout:g} s"
        except Broken as exc:
            outcome.kind, outcome.detail = exc.kind, str(exc)[:200]
        except RTEError as exc:
            outcome.detail = f"refused: {type(exc).__name__}"  # rte's own, clear refusal
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            outcome.kind = "traceback"
            outcome.detail = (
                f"{type(exc).__name__}: {str(exc)[:150]} ({Path(where.filename).name}:"
                f"{where.lineno})"
            )
        if outcome.kind == "ok":
            lost, leftovers = sandbox.check()
            if lost:
                outcome.kind, outcome.detail = "lost", f"user files lost or changed: {lost[:3]}"
            elif leftovers:
                outcome.kind, outcome.detail = "leftover", f"left behind: {leftovers[:3]}"
        sandbox.release()
        _remove(root)
        self.report(outcome)
        return outcome


def _remove(root: Path) -> None:
    """Remove a sandbox, whatever an input did to its permissions or attributes."""
    for path in [root, *root.rglob("*")]:
        with contextlib.suppress(OSError):
            if not path.is_symlink():
                path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class Tally:
    """Outcomes per class; the summary the benchmark prints."""

    counts: Counter[str] = field(default_factory=Counter)
    per_group: Counter[str] = field(default_factory=Counter)
    problems: list[Outcome] = field(default_factory=list)
    exception_types: Counter[str] = field(default_factory=Counter)
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.counts[outcome.kind] += 1
        self.per_group[outcome.group] += 1
        if outcome.kind != "ok":
            self.problems.append(outcome)
        if outcome.kind == "traceback":
            self.exception_types[outcome.detail.split(":")[0]] += 1

    @property
    def refused(self) -> int:
        """Inputs that ended in rte's own error (or exit code 2): clean refusals."""
        return sum(1 for o in self.outcomes if o.kind == "ok" and o.detail.startswith("refused"))

    @property
    def inputs(self) -> int:
        return sum(self.counts.values())

    @property
    def clean(self) -> bool:
        return self.inputs > 0 and self.counts["ok"] == self.inputs

    def summary(self) -> str:
        lines = [
            f"inputs: {self.inputs} in {len(self.per_group)} groups ({self.refused} refused "
            "with rte's own one-line error, the others finished)",
            f"tracebacks or unhandled exceptions: {self.counts['traceback']}"
            + (f" (types: {dict(self.exception_types)})" if self.exception_types else ""),
            f"hangs: {self.counts['hang']}",
            f"silent NaN/inf: {self.counts['nonfinite']}",
            f"lost or modified user files: {self.counts['lost']}",
            f"wrong answers (scripted checks): {self.counts['wrong']}",
            f"leftover temporary files: {self.counts['leftover']}",
        ]
        for outcome in self.problems[:30]:
            lines.append(f"  {outcome.kind}: {outcome.group} / {outcome.label}: {outcome.detail}")
        return "\n".join(lines)
