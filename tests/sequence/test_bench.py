"""The sequence suites end to end on the tiny model, their configs and their options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rte.bench.results import load_results
from rte.errors import ValidationError
from rte.sequence.backends import ModelPathError
from rte.sequence.suite import ParityConfig, StringsConfig, run_sequence_suite

METHODS = {"rte", "sft", "few_shot", "oracle"}


@pytest.mark.parametrize("config_class", [ParityConfig, StringsConfig])
def test_quick_run_writes_the_results_contract(
    config_class: type[ParityConfig] | type[StringsConfig], model_dir: Path, tmp_path: Path
) -> None:
    config = config_class(seeds=1, quick=True, model=str(model_dir))
    path = run_sequence_suite(config, tmp_path)
    data = load_results(path)
    family = config_class.name
    assert data["suite"] == family
    assert set(data["methods"]) == METHODS
    metric = "accuracy" if family == "parity" else "exact_match"
    band = "S6" if family == "parity" else "unseen"
    got = {(r.method, r.band, r.metric) for r in data["records"]}
    for method in METHODS:
        assert (method, band, metric) in got
        assert (method, band, "seconds") in got
    assert ("rte", band, "decomposition_accuracy") in got
    assert all(r.family == family for r in data["records"])
    assert all(r.seed == 0 for r in data["records"])
    raw = json.loads(path.read_text())
    assert {k: raw["config"][k] for k in config.to_dict()} == config.to_dict()
    assert raw["config"]["model_source"] == str(model_dir)
    assert (raw["config"]["model_device"], raw["config"]["model_dtype"]) == ("cpu", "float32")
    methods = raw["methods"]
    assert {m: "".join(info["access"]) for m, info in methods.items()} == {
        "rte": "BCL",
        "sft": "BC",
        "few_shot": "C",
        "oracle": "BLD",
    }
    assert all(info["description"] for info in methods.values())
    assert methods["rte"]["options"]["steps"] == methods["sft"]["options"]["steps"] == 30
    assert methods["oracle"]["options"] == {}
    assert "no options of its own" in methods["oracle"]["description"]
    assert (tmp_path / "accuracy.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "targets.csv").read_text().count("\n") > 4
    assert (tmp_path / "adapters" / "rte-seed0" / "adapter_model.safetensors").is_file()


def test_options_reach_the_methods_and_are_recorded(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rte.baselines.lm
    import rte.models.sequence

    trained: list[tuple[str, int, int]] = []

    def spy(real: Any) -> Any:
        def train_lora(model: Any, encoder: Any, sample: Any, lora: Any, **kw: Any) -> Any:
            trained.append((type(lora).__name__, lora.steps, lora.seed))
            return real(model, encoder, sample, lora, **kw)

        return train_lora

    for module in (rte.models.sequence, rte.baselines.lm):
        monkeypatch.setattr(module, "train_lora", spy(module.train_lora))
    config = ParityConfig(seeds=1, first_seed=1, quick=True, model=str(model_dir))
    options = {"rte": {"steps": 2, "rank": 4}, "sft": {"steps": 3}, "few_shot": {}}
    path = run_sequence_suite(config, tmp_path, options=options)
    assert trained == [("SequenceRTE", 2, 1), ("SFT", 3, 1)]
    methods = json.loads(path.read_text())["methods"]
    assert (methods["rte"]["options"]["steps"], methods["rte"]["options"]["rank"]) == (2, 4)
    assert methods["sft"]["options"]["steps"] == 3
    assert methods["sft"]["options"]["rank"] == 8  # options are per method
    assert methods["rte"]["options"]["learning_rate"] == 3e-3  # the suite's default stays
    assert {r.seed for r in load_results(path)["records"]} == {1}
    assert (tmp_path / "adapters" / "rte-seed1" / "adapter_model.safetensors").is_file()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rte": {"stepz": 3}}, r"Unknown option\(s\) \['stepz'\] for rte"),
        ({"rtee": {}}, r"Options given for \['rtee'\]"),
        ({"sft": {"steps": 0}}, "steps must be an integer >= 1"),
        ({"few_shot": {"rank": 4}}, r"Unknown option\(s\) \['rank'\] for few_shot"),
        ({"oracle": {"steps": 3}}, "oracle has no options of its own"),
        ({"rte": {"seed": 3}}, r"Unknown option\(s\) \['seed'\]"),
        ({"rte": 3}, "Options of rte must map"),
    ],
)
def test_bad_options_are_refused_before_the_model_loads(
    options: dict[str, Any], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("the model must not load")

    monkeypatch.setattr("rte.sequence.suite.load_language_model", never)
    with pytest.raises(ValidationError, match=message):
        run_sequence_suite(StringsConfig(seeds=1), tmp_path / "out", options=options)
    assert not (tmp_path / "out").exists()


def test_suite_defaults_and_quick() -> None:
    parity, strings = ParityConfig().resolve_options(), StringsConfig().resolve_options()
    assert parity["rte"]["steps"] == parity["sft"]["steps"] == 40
    assert strings["rte"]["steps"] == strings["sft"]["steps"] == 150
    assert ParityConfig(quick=True).resolve_options()["rte"]["steps"] == 30
    assert (strings["rte"]["probe"], strings["rte"]["keep"]) == (1, 8)
    assert (parity["rte"]["probe"], parity["rte"]["keep"]) == (0, 16)
    assert parity["few_shot"] == {"score_batch_size": 64}
    assert ParityConfig(quick=True).task_suite().n_queries == 8
    assert ParityConfig().task_suite().n_targets == 6
    assert StringsConfig().task_suite().n_targets == 8
    assert list(ParityConfig(seeds=2, first_seed=100).seed_range()) == [100, 101]
    assert ParityConfig.from_dict(ParityConfig(quick=True).to_dict()) == ParityConfig(quick=True)


def test_bad_settings() -> None:
    with pytest.raises(ValidationError, match="seeds must be"):
        ParityConfig(seeds=0)
    with pytest.raises(ValidationError, match="Unknown device"):
        StringsConfig(device="tpu")
    with pytest.raises(ValidationError, match="quick must be true or false"):
        StringsConfig(quick="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"Unknown option\(s\) \['family'\]"):
        ParityConfig.from_dict({"family": "chess"})


def test_a_missing_model_is_reported_in_one_line(tmp_path: Path) -> None:
    config = ParityConfig(seeds=1, quick=True, model=str(tmp_path / "no-such-model"))
    with pytest.raises(ModelPathError, match="does not exist") as info:
        run_sequence_suite(config, tmp_path / "out")
    assert "\n" not in str(info.value)
