"""Every benchmark suite by name: its settings class, its runner and one line of help.

The CLI builds one ``rte bench NAME`` command per entry from the settings class, and
:func:`rte.bench.run` looks suites up here, so adding a suite is one module and one
entry below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rte._validation import check_choice
from rte.bench.suites.comp import CompSuiteConfig
from rte.bench.suites.discrete import run_discrete_suite
from rte.bench.suites.length import LengthSuiteConfig
from rte.bench.suites.param import ParamSuiteConfig, run_param_suite
from rte.bench.suites.real import RealSuiteConfig, run_real_suite
from rte.bench.suites.scale import ScaleConfig, run_scale_suite
from rte.bench.suites.sequence import ParityConfig, StringsConfig, run_sequence_suite
from rte.bench.suites.table import TableSuiteConfig, run_table_suite

Runner = Callable[..., Path]


@dataclass(frozen=True)
class Suite:
    """A benchmark: settings class, ``run(config, out_dir, options, console) -> results path``."""

    name: str
    config: type[Any]
    run: Runner
    help: str


SUITES: Mapping[str, Suite] = {
    suite.name: suite
    for suite in (
        Suite(
            "param",
            ParamSuiteConfig,
            run_param_suite,
            "Parameter extrapolation: every family x method x seed; MSE in_support, F1, F2.",
        ),
        Suite(
            "length",
            LengthSuiteConfig,
            run_discrete_suite,
            "Length extrapolation: train on polynomial depth <= 8, predict depth 9 (band L9).",
        ),
        Suite(
            "comp",
            CompSuiteConfig,
            run_discrete_suite,
            "Compositional extrapolation: g(h(x)) for held-out (g, h) pairs (band unseen).",
        ),
        Suite(
            "parity",
            ParityConfig,
            run_sequence_suite,
            "Sparse parity with a LoRA-tuned language model: |S| <= 5 in training, |S| = 6 at "
            "test.",
        ),
        Suite(
            "strings",
            StringsConfig,
            run_sequence_suite,
            "String-function compositions with a LoRA-tuned language model: unseen pairs g(h(s)).",
        ),
        Suite(
            "real",
            RealSuiteConfig,
            run_real_suite,
            "Real data: a physics engine and measured curves, targets beyond the training range "
            "of a task variable (needs the extra 'real').",
        ),
        Suite(
            "table",
            TableSuiteConfig,
            run_table_suite,
            "Your own task table: hold out the tasks with the top values of a column (--by) and "
            "compare every method on them (does RTE beat the closest bank curve?).",
        ),
        Suite(
            "scale",
            ScaleConfig,
            run_scale_suite,
            "Fit time on a large bank and per-target predict latency (median, p90).",
        ),
    )
}


def get_suite(name: str) -> Suite:
    """Look a suite up by name; unknown names list the known ones."""
    return SUITES[check_choice(name, SUITES, "suite")]
