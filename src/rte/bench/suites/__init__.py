"""Every benchmark suite by name: its settings class, its runner and one line of help.

The CLI builds one ``rte bench NAME`` command per entry from the settings class, and
:func:`rte.bench.run` looks suites up here, so adding a suite is one module and one
entry below. Entries name their settings class and runner as ``"module:Name"`` paths,
imported on first use: listing the suites (``rte bench --help``) imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from rte._checks import check_choice
from rte._optional import load

Runner = Callable[..., Path]


@dataclass(frozen=True)
class Suite:
    """A benchmark: settings class, ``run(config, out_dir, options, console) -> results path``.

    ``config_path`` and ``run_path`` are ``"module:Name"`` paths, imported on first use.
    """

    name: str
    config_path: str
    run_path: str
    help: str

    @cached_property
    def config(self) -> type[Any]:
        """The suite's settings class."""
        return load(self.config_path)

    @cached_property
    def run(self) -> Runner:
        """The suite's runner."""
        return load(self.run_path)


SUITES: Mapping[str, Suite] = {
    suite.name: suite
    for suite in (
        Suite(
            "param",
            "rte.bench.suites.param:ParamSuiteConfig",
            "rte.bench.suites.param:run_param_suite",
            "Parameter extrapolation: every family x method x seed; MSE in_support, F1, F2.",
        ),
        Suite(
            "length",
            "rte.bench.suites.length:LengthSuiteConfig",
            "rte.bench.suites.discrete:run_discrete_suite",
            "Length extrapolation: train on polynomial depth <= 8, predict depth 9 (band L9).",
        ),
        Suite(
            "comp",
            "rte.bench.suites.comp:CompSuiteConfig",
            "rte.bench.suites.discrete:run_discrete_suite",
            "Compositional extrapolation: g(h(x)) for held-out (g, h) pairs (band unseen).",
        ),
        Suite(
            "parity",
            "rte.bench.suites.sequence:ParityConfig",
            "rte.bench.suites.sequence:run_sequence_suite",
            "Sparse parity with a LoRA-tuned language model: |S| <= 5 in training, |S| = 6 at "
            "test.",
        ),
        Suite(
            "strings",
            "rte.bench.suites.sequence:StringsConfig",
            "rte.bench.suites.sequence:run_sequence_suite",
            "String-function compositions with a LoRA-tuned language model: unseen pairs g(h(s)).",
        ),
        Suite(
            "real",
            "rte.bench.suites.real:RealSuiteConfig",
            "rte.bench.suites.real:run_real_suite",
            "Real data: a physics engine and measured curves, targets beyond the training range "
            "of a task variable (needs the extra 'real').",
        ),
        Suite(
            "table",
            "rte.bench.suites.table:TableSuiteConfig",
            "rte.bench.suites.table:run_table_suite",
            "Your own task table: hold out the tasks with the top values of a column (--by) and "
            "compare every method on them (does RTE beat the closest bank curve?).",
        ),
        Suite(
            "scale",
            "rte.bench.suites.scale:ScaleConfig",
            "rte.bench.suites.scale:run_scale_suite",
            "Fit time on a large bank and per-target predict latency (median, p90).",
        ),
    )
}


def get_suite(name: str) -> Suite:
    """Look a suite up by name; unknown names list the known ones."""
    return SUITES[check_choice(name, SUITES, "suite")]
