"""Shared test set-up: one torch thread per test process (pytest-xdist runs two), and the
tiny tables, banks and models several test folders use."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from rte import RelationalTaskExtrapolator
from rte.tasks import get_family, sample_bank, sample_targets
from rte.tasks.bank import TargetSet, TaskBank
from rte.testing import TINY_RTE, bank_frame, context_frames

# The hostile-input suite lives with its benchmark (benchmarks/hostile_inputs.py); the
# default tests run a slice of it (tests/test_hostile.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

torch.set_num_threads(1)
threadpool_limits(1)  # numpy's BLAS as well

if os.environ.get("RTE_MUTATE"):  # benchmarks/check_wrong_answers.py: prove tests catch it
    import mutation

    mutation.apply(os.environ["RTE_MUTATE"])


@pytest.fixture(scope="session")
def small_bank() -> TaskBank:
    """40 sine_frequency tasks on 32 points."""
    return sample_bank(get_family("sine_frequency"), 40, 32, np.random.default_rng(7))


@pytest.fixture(scope="session")
def in_support() -> TargetSet:
    """12 in-support sine_frequency targets with 40 queries each."""
    fam = get_family("sine_frequency")
    return sample_targets(fam, "in_support", 12, np.random.default_rng(8), n_query=40)


@pytest.fixture(scope="session")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Valid bank, context and query CSVs (1-D inputs)."""
    root = tmp_path_factory.mktemp("tables")
    ctx, qry = context_frames()
    paths = {"bank": root / "bank.csv", "context": root / "ctx.csv", "query": root / "q.csv"}
    bank_frame().to_csv(paths["bank"], index=False)
    ctx.to_csv(paths["context"], index=False)
    qry.to_csv(paths["query"], index=False)
    return paths


@pytest.fixture(scope="session")
def table_model(tables: dict[str, Path]) -> RelationalTaskExtrapolator:
    """One tiny model fitted on the 1-D bank, shared by every test that only reads it."""
    from rte.tasks.table import load_bank

    return RelationalTaskExtrapolator(**TINY_RTE).fit(load_bank(tables["bank"]))


@pytest.fixture(scope="session")
def table_model_dir(
    table_model: RelationalTaskExtrapolator, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The tiny model saved once; tests copy it before damaging it."""
    path = tmp_path_factory.mktemp("saved") / "model"
    table_model.save(path, {"columns": {"task": "task", "x": ["x"], "y": "y", "params": []}})
    return path


@pytest.fixture
def tokenizer() -> Any:
    """The tiny character-level tokenizer of rte.testing."""
    from rte.testing import tiny_tokenizer

    return tiny_tokenizer()


@pytest.fixture
def model(tokenizer: Any) -> Any:
    """A tiny random 2-layer Llama (rte.testing) for the tokenizer."""
    from rte.testing import tiny_model

    return tiny_model(len(tokenizer))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny model + tokenizer directory, as a user would pass with --model."""
    from rte.testing import save_tiny_model

    return save_tiny_model(tmp_path_factory.mktemp("tiny-llama"))
