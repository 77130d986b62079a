"""The length and composition suites: episodes, the runner hooks, results.json and plots."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import ClassVar

import numpy as np
import pytest

from rte.base import Estimator, FoundDecompositions, estimator
from rte.bench.runner import run_episodes
from rte.bench.suites.comp import COMP_BANDS, CompSuiteConfig
from rte.bench.suites.discrete import ALIASES, DISCRETE_METHODS, run_discrete_suite
from rte.bench.suites.length import LENGTH_BANDS, LengthSuiteConfig
from rte.errors import AccessError, ValidationError
from rte.registry import get_method
from rte.tasks.bank import TargetSet, TaskBank


@estimator()
class _MeanWithDecompositions(Estimator):
    """Test only: predicts the context mean and names each target's true anchor with the
    wrong relation label ("no_such_phi"): the runner must score that as wrong."""

    sees: ClassVar[str] = "BC"

    def fit(self, bank: TaskBank) -> _MeanWithDecompositions:
        self.ids_ = bank.task_ids
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        mean = targets.context_y.mean(1, keepdims=True)
        return np.broadcast_to(mean, targets.query_x.shape[:2]).copy()

    def decompositions(self, targets: TargetSet) -> FoundDecompositions:
        anchors = tuple(self.ids_[0] for _ in range(targets.n_targets))
        return FoundDecompositions(anchors, ("no_such_phi",) * len(anchors), 0.1, 7)


@estimator()
class _Leaking(Estimator):
    """Test only: declares access BC but reads the clean query values (Q)."""

    sees: ClassVar[str] = "BC"

    def fit(self, bank: TaskBank) -> _Leaking:
        self.n_ = bank.n_tasks
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        return np.asarray(targets.query_y)


def test_required_method_names_resolve_in_the_registry() -> None:
    assert set(DISCRETE_METHODS) >= {"rte", "naive", "transductive_oracle", "context_mlp"}
    for name in DISCRETE_METHODS:
        get_method(ALIASES.get(name, name))


def test_the_runner_scores_what_a_method_found() -> None:
    """The method returns its decompositions; the runner compares them with the truth
    (the method never sees the targets' labels: its codes lack D)."""
    cfg = LengthSuiteConfig(seeds=1, n_chains=2, n_targets=3, n_points=16, methods=("naive",))
    records, outputs = run_episodes(
        cfg.episodes, 1, {"mean": lambda seed: _MeanWithDecompositions(seed=seed)}, progress=False
    )
    got = {(r.band, r.metric): r.value for r in records if r.method == "mean"}
    for band in LENGTH_BANDS:
        assert got[(band, "decomposition_accuracy")] == 0.0  # the wrong phi every time
        assert (got[(band, "seconds")], got[(band, "candidates")]) == (0.1, 7.0)
        assert (band, "mse") in got
    assert ("mean", "L9") in outputs[0].predictions


def test_a_method_reading_what_its_codes_forbid_fails_loudly() -> None:
    cfg = LengthSuiteConfig(seeds=1, n_chains=2, n_targets=3, n_points=16, methods=("naive",))
    with pytest.raises(AccessError, match="_Leaking read query_y, which needs access Q"):
        run_episodes(
            cfg.episodes, 1, {"_Leaking": lambda seed: _Leaking(seed=seed)}, progress=False
        )


def test_length_suite_runs_any_registered_method(tmp_path) -> None:
    config = LengthSuiteConfig(
        seeds=1, first_seed=100, n_chains=2, n_targets=3, n_points=16, methods=("context_mlp",)
    )
    run_discrete_suite(config, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["suite"] == "length" and data["config"]["first_seed"] == 100
    assert data["methods"]["context_mlp"]["access"] == ["C"]
    assert data["methods"]["context_mlp"]["options"]["steps"] == 500
    assert {r["band"] for r in data["records"] if r["metric"] == "mse"} == set(LENGTH_BANDS)
    assert (tmp_path / "length_far_target.png").stat().st_size > 0


def test_comp_episodes_hold_out_pairs_and_group_targets() -> None:
    config = CompSuiteConfig(seeds=2, per_composition=2, n_seen=4, methods=("context_mlp",))
    episodes = list(config.episodes())
    assert [e.seed for e in episodes] == [0, 1]
    seen, unseen = episodes[0].targets
    assert (seen.band, unseen.band) == COMP_BANDS
    held = {lb.structure for lb in unseen.labels}
    assert len(held) == 12 and not held & set(episodes[0].bank.task_ids)
    assert not held & {lb.structure for lb in seen.labels}


def test_comp_suite_reports_each_held_out_composition(tmp_path) -> None:
    config = CompSuiteConfig(seeds=1, per_composition=1, n_seen=2, methods=("context_mlp",))
    run_discrete_suite(config, tmp_path)
    records = json.loads((tmp_path / "results.json").read_text())["records"]
    per = {r["family"] for r in records if r["family"] != "comp"}
    assert "sin(cube)" in per and len(per) == 12


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"methods": ("nope",)}, "Unknown method 'nope'"),
        ({"methods": ()}, "non-empty list of names"),
        ({"seeds": 0}, "seeds"),
        ({"n_chains": 0}, "n_chains"),
    ],
)
def test_bad_suite_settings_get_clear_errors(kwargs, match) -> None:
    with pytest.raises(ValidationError, match=match):
        LengthSuiteConfig(**kwargs)


@pytest.mark.slow
def test_default_methods_run_on_a_small_length_suite(tmp_path) -> None:
    config = LengthSuiteConfig(seeds=1, first_seed=100, n_chains=4, n_targets=5)
    run_discrete_suite(config, tmp_path)
    records = json.loads((tmp_path / "results.json").read_text())["records"]
    acc = [r for r in records if r["metric"] == "decomposition_accuracy"]
    assert {r["method"] for r in acc} == {"rte", "rte_exhaustive"}


def test_options_reach_the_discrete_rte_through_its_registry_name(tmp_path) -> None:
    """The length suite's row ``rte`` is ``rte_discrete``: options name the registry
    method, and the row alias is refused with the name to use."""
    config = LengthSuiteConfig(
        seeds=1, first_seed=100, n_chains=2, n_targets=3, n_points=16, methods=("rte",)
    )
    with pytest.raises(ValidationError, match=r"write --set rte_discrete\.KEY=VALUE"):
        config.resolve_options({"rte": {"steps": 7}})
    with pytest.raises(ValidationError, match="row name for the registered method 'rte_discrete'"):
        config.option_class("rte")
    assert config.option_class("rte_discrete").__name__ == "DiscreteRTE"
    run_discrete_suite(config, tmp_path, {"rte_discrete": {"steps": 7, "top_k": 2}})
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["methods"]["rte"]["registry"] == "rte_discrete"
    assert data["methods"]["rte"]["options"]["steps"] == 7
    assert data["methods"]["rte"]["access"] == ["B", "C", "L"]


def test_scale_presets_grow_the_candidate_set_and_explicit_sizes_win() -> None:
    small, large = LengthSuiteConfig(), LengthSuiteConfig(scale="large")
    assert (small.size("n_chains"), small.size("n_coefficients")) == (24, 4)
    assert (large.size("n_chains"), large.size("n_coefficients")) == (1200, 16)
    assert LengthSuiteConfig(scale="large", n_chains=12).size("n_chains") == 12
    comp = CompSuiteConfig(scale="large", n_primitives=5, n_triples=20, n_seen=2, n_unseen=3)
    (episode,) = list(replace(comp, seeds=1).episodes())
    seen, unseen = episode.targets
    trained = set(episode.bank.task_ids)
    assert episode.bank.n_tasks == 5 + 25 + 20 and seen.n_targets == 2
    assert all(lb.structure in trained for lb in seen.labels)
    assert not any(lb.structure in trained for lb in unseen.labels)
    assert all(lb.anchor in trained for lb in unseen.labels)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_coefficients": 5}, "even"),
        ({"scale": "huge"}, "scale"),
        ({"relations": "some"}, "relations"),
    ],
)
def test_bad_scale_settings_fail_before_work(kwargs, match) -> None:
    with pytest.raises(ValidationError, match=match):
        LengthSuiteConfig(**kwargs)


def test_large_composition_settings_need_the_large_preset() -> None:
    with pytest.raises(ValidationError, match="--scale large"):
        CompSuiteConfig(n_primitives=10)
    with pytest.raises(ValidationError, match="n_primitives"):
        CompSuiteConfig(scale="large", n_primitives=60)


def test_unlabelled_relations_make_rte_the_label_free_method() -> None:
    config = LengthSuiteConfig(relations="unlabelled", methods=("rte", "rte_labelled"))
    table = config.method_table(config.resolve_options())
    assert table["rte"]["registry"] == "rte_unlabelled" and table["rte"]["access"] == ["B", "C"]
    assert table["rte_labelled"]["access"] == ["B", "C", "L"]
    assert config.registry_name("rte") == "rte_unlabelled"
    assert config.option_class("rte_unlabelled").__name__ == "UnlabelledRTE"


@pytest.mark.parametrize(("candidates", "anchors"), [("bank", 144), ("band", 12)])
def test_comp_candidates_come_from_the_whole_bank_unless_the_ablation_is_asked(
    candidates, anchors
) -> None:
    """By default every bank task may anchor, so a candidate does not reveal the targets'
    depth; ``band`` keeps the primitives only, and the rows that search candidates (and
    the titles) say it is the ablation, the others do not."""
    config = CompSuiteConfig(seeds=1, candidates=candidates, methods=("rte", "naive"))
    (episode,) = list(config.episodes())
    assert sum(label.can_anchor for label in episode.bank.labels) == anchors
    table = config.method_table(config.resolve_options())
    ablation = "[candidates of the target's depth only: ablation]"
    assert (ablation in table["rte"]["description"]) == (candidates == "band")
    assert ablation not in table["naive"]["description"]
    assert (ablation in config.note) == (candidates == "band")
    with pytest.raises(ValidationError, match="candidates"):
        CompSuiteConfig(candidates="depth")
