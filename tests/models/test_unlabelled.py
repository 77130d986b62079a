"""UnlabelledRTE: relations discovered without labels agree with the true ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rte.bench.scoring import decomposition_metrics, relation_metrics
from rte.errors import ValidationError
from rte.models import UnlabelledRTE
from rte.operator.discovery import discover_relations
from rte.registry import get_method
from rte.scaling import Scaling
from rte.tasks.bank import task_groups
from rte.tasks.composition import CompositionTasks
from rte.tasks.length import LengthTasks

SMALL = {
    "steps": 600,
    "width": 64,
    "batch_size": 128,
    "lr": 5e-3,
    "top_k": 4,
    "discovery_steps": 300,
}


@pytest.fixture(scope="module")
def length() -> tuple[LengthTasks, UnlabelledRTE]:
    tasks = LengthTasks.sample(24, np.random.default_rng(0))
    return tasks, UnlabelledRTE(seed=0, **SMALL).fit(tasks.bank(64))


def test_discovered_codes_match_the_true_relations(length) -> None:
    tasks, model = length
    bank = tasks.bank(64)
    assert relation_metrics(bank, model.relation_codes)[0]["relation_ami"] >= 0.9
    assert 4 <= len(model.vocab_) <= 6  # four coefficients, perhaps one spare code
    assert get_method("rte_unlabelled").sees == "BC"


def test_fit_never_reads_the_labels(length) -> None:
    tasks, model = length
    stripped = UnlabelledRTE(seed=0, **SMALL).fit(replace(tasks.bank(64), labels=None))
    np.testing.assert_array_equal(stripped.relations_, model.relations_)


def test_depth_nine_targets_are_decomposed_over_discovered_codes(length) -> None:
    tasks, model = length
    bank = tasks.bank(64)
    _, code_of = relation_metrics(bank, model.relation_codes)
    targets = tasks.targets("L9", [9], 8, np.random.default_rng(1), noise=0.0, context_size=12)
    pred = model.predict_targets(targets)
    # Far below predicting zeros (MSE about 1.4 here), though above the labelled fit.
    assert np.mean((pred - targets.query_y) ** 2) < 0.2
    found = model.decompositions(targets)
    assert decomposition_metrics(found, targets, bank, code_of)["decomposition_accuracy"] >= 0.5


def test_discovery_refuses_inputs_it_cannot_use() -> None:
    bank = CompositionTasks(primitives=("sin", "square", "neg"), held_out=()).bank(16)
    scaling = Scaling.fit(bank)
    z = scaling.x(bank.x)
    with pytest.raises(ValidationError, match="1-D tasks observed on one shared grid"):
        discover_relations(
            np.concatenate([z, z], -1),
            scaling.y(bank.y),
            bank.mask,
            task_groups(bank),
            psi_options={},
        )
    with pytest.raises(ValidationError, match="No relation was found"):
        UnlabelledRTE(**SMALL).fit(bank)
