"""The sequence suites end to end on the tiny model: results contract, intervals, the
strict protocol, configs and options."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import rte.bench.suites.sequence as runner
from rte.bench.execution import Execution
from rte.bench.results import load_results
from rte.bench.suites.sequence import ParityConfig, StringsConfig, run_sequence_suite
from rte.cli import app
from rte.errors import ValidationError
from rte.lm.backends import ModelPathError
from rte.tasks.parity import ParityTasks
from rte.tasks.strings import StringTasks

METHODS = {
    "rte",
    "sft",
    "sft_scratchpad",
    "few_shot",
    "oracle",
    "symbolic_search",
    "rte_executed",
}
TINY = {"rte_sequence": {"steps": 2}, "sft": {"steps": 2}, "sft_scratchpad": {"steps": 2}}
IN_PROCESS = Execution(jobs=1)


@pytest.mark.parametrize("config_class", [ParityConfig, StringsConfig])
def test_quick_run_writes_the_results_contract(
    config_class: type[ParityConfig] | type[StringsConfig], model_dir: Path, tmp_path: Path
) -> None:
    config = config_class(quick=True, targets=3, model=str(model_dir))
    assert config.seeds == 1  # --quick implies one seed
    path = run_sequence_suite(config, tmp_path, TINY, execution=IN_PROCESS)
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
    for method in ("rte", "rte_executed", "symbolic_search"):
        assert (method, band, "decomposition_accuracy") in got
    assert all(r.family == family and r.seed == 0 for r in data["records"])
    raw = json.loads(path.read_text())
    assert {k: raw["config"][k] for k in config.to_dict()} == config.to_dict()
    assert raw["config"]["model_source"] == str(model_dir)
    assert (raw["config"]["model_device"], raw["config"]["model_dtype"]) == ("cpu", "float32")
    methods = raw["methods"]
    assert {m: "".join(info["access"]) for m, info in methods.items()} == {
        "rte": "BCL",
        "sft": "BC",
        "sft_scratchpad": "BCL",
        "few_shot": "C",
        "oracle": "BLD",
        "symbolic_search": "BCLX",
        "rte_executed": "BCLX",
    }
    assert all(info["description"] for info in methods.values())
    assert methods["rte"]["options"]["steps"] == methods["sft"]["options"]["steps"] == 2
    # The oracle and the executed ablation evaluate rte's fit: they run with its options.
    assert methods["oracle"]["options"] == methods["rte_executed"]["options"]
    assert methods["oracle"]["options"] == methods["rte"]["options"]
    assert methods["oracle"]["options_from"] == "rte_sequence"
    assert methods["rte"]["registry"] == "rte_sequence"
    # Every accuracy carries its 95 % interval over the run's targets.
    intervals = {(i["method"], i["metric"]): i for i in raw["intervals"]}
    for method in METHODS:
        interval = intervals[(method, metric)]
        mean = next(r.value for r in data["records"] if (r.method, r.metric) == (method, metric))
        assert interval["low"] <= mean <= interval["high"]
        assert interval["level"] == 0.95 and interval["targets"] == 3
    # An exact search over the bank's candidates is right on most strings targets.
    if family == "strings":
        assert intervals[("symbolic_search", metric)]["high"] >= 0.8
    # The share of ambiguous targets, the scores on each subset, and every row paired
    # with rte over the same targets.
    (ambiguity,) = raw["ambiguity"]
    assert ambiguity["band"] == band and ambiguity["targets"] == 3
    assert ambiguity["share"] == pytest.approx(ambiguity["ambiguous"] / 3, abs=1e-6)
    parts = {r.metric for r in data["records"] if r.method == "symbolic_search"}
    assert {f"{metric}_ambiguous", f"{metric}_unambiguous"} & parts
    paired = {(c["versus"], c["targets_subset"]): c for c in raw["comparisons"]}
    assert {v for v, part in paired if part == "all"} == METHODS - {"rte"}
    for c in paired.values():
        assert c["low"] <= c["difference"] <= c["high"] and c["method"] == "rte"
    assert (tmp_path / "accuracy.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "targets.csv").read_text().count("\n") == 1 + 3 * len(METHODS)
    assert (tmp_path / "adapters" / "rte-seed0" / "adapter_model.safetensors").is_file()


def _raise(*_args: Any, **_kw: Any) -> Any:
    raise AssertionError("a task generator was called after the bank was built")


def test_strict_rows_never_call_a_generator(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every generator raises once the splits are built; rte, oracle, sft, sft_scratchpad
    and few_shot still run a whole benchmark (both suites), so they learn from stored
    examples only."""
    real = runner.build_split

    def build_then_forbid(*args: Any) -> Any:
        split = real(*args)
        for kind in (ParityTasks, StringTasks):
            for generator in ("anchor_output", "apply_phi", "sample_input"):
                monkeypatch.setattr(kind, generator, _raise)
        return split

    monkeypatch.setattr(runner, "build_split", build_then_forbid)
    strict = ("rte", "oracle", "sft", "sft_scratchpad", "few_shot")
    for config_class in (ParityConfig, StringsConfig):
        monkeypatch.undo()
        monkeypatch.setattr(runner, "build_split", build_then_forbid)
        config = config_class(quick=True, targets=2, model=str(model_dir), methods=strict)
        path = run_sequence_suite(config, tmp_path / config.name, TINY, execution=IN_PROCESS)
        assert {r.method for r in load_results(path)["records"]} == set(strict)
        with pytest.raises(AssertionError, match="generator was called"):
            ParityTasks().anchor_output("a", "0" * 10)
    # The X rows do call them, so the same run with them fails.
    config = StringsConfig(
        quick=True, targets=1, model=str(model_dir), methods=("symbolic_search",)
    )
    with pytest.raises(AssertionError, match="generator was called"):
        run_sequence_suite(config, tmp_path / "x", execution=IN_PROCESS)


@pytest.mark.slow  # starts worker processes that import torch and transformers
def test_jobs_in_worker_processes_give_the_same_records(model_dir: Path, tmp_path: Path) -> None:
    config = ParityConfig(
        quick=True, targets=2, model=str(model_dir), methods=("rte", "symbolic_search", "few_shot")
    )
    options = {"rte_sequence": {"steps": 1}}

    def records(path: Path) -> list[Any]:
        return [r for r in load_results(path)["records"] if r.metric != "seconds"]

    alone = run_sequence_suite(config, tmp_path / "a", options, execution=IN_PROCESS)
    spread = run_sequence_suite(config, tmp_path / "b", options, execution=Execution(jobs=2))
    assert records(alone) == records(spread)


def test_a_row_that_fails_numerically_is_recorded_and_the_suite_runs_on(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rte.lm.lora

    real = rte.lm.lora.answer_loss

    def diverges(*args: Any) -> Any:
        return real(*args) * float("nan")

    monkeypatch.setattr(rte.lm.lora, "answer_loss", diverges)
    config = ParityConfig(
        quick=True, targets=2, model=str(model_dir), methods=("rte", "oracle", "symbolic_search")
    )
    console = Console(record=True, width=200)
    options = {"rte_sequence": {"steps": 2}}
    path = run_sequence_suite(config, tmp_path, options, console=console, execution=IN_PROCESS)
    data = json.loads(path.read_text())
    assert {(f["method"], f["seed"]) for f in data["failures"]} == {("rte", 0), ("oracle", 0)}
    assert all("LoRA training diverged" in f["error"] for f in data["failures"])
    assert {r.method for r in load_results(path)["records"]} == {"symbolic_search"}
    assert "rte failed on parity seed 0" in console.export_text()


def test_options_reach_the_methods_and_are_recorded(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rte.baselines.lm
    import rte.models.sequence

    trained: list[tuple[str, int, int]] = []

    def spy(real: Any) -> Any:
        def train_lora(
            language_model: Any, sample: Any, lora: Any, seed: int, default_steps: int, *rest: Any
        ) -> Any:
            trained.append((lora.rank, lora.steps or default_steps, seed))
            return real(language_model, sample, lora, seed, default_steps, *rest)

        return train_lora

    for module in (rte.models.sequence, rte.baselines.lm):
        monkeypatch.setattr(module, "train_lora", spy(module.train_lora))
    config = ParityConfig(
        first_seed=1,
        quick=True,
        targets=1,
        model=str(model_dir),
        methods=("rte", "sft", "few_shot"),
    )
    options = {"rte_sequence": {"steps": 2, "rank": 4}, "sft": {"steps": 3}, "few_shot": {}}
    path = run_sequence_suite(config, tmp_path, options=options, execution=IN_PROCESS)
    assert trained == [(4, 2, 1), (8, 3, 1)]  # rte (rank 4, 2 steps), then sft; seed 1
    methods = json.loads(path.read_text())["methods"]
    assert set(methods) == {"rte", "sft", "few_shot"}
    assert (methods["rte"]["options"]["steps"], methods["rte"]["options"]["rank"]) == (2, 4)
    assert methods["sft"]["options"]["steps"] == 3
    assert methods["sft"]["options"]["rank"] == 8  # options are per method
    assert methods["rte"]["options"]["lr"] == 3e-3  # the declared default stays
    assert {r.seed for r in load_results(path)["records"]} == {1}


def test_band_candidates_are_an_ablation_that_says_so(model_dir: Path, tmp_path: Path) -> None:
    config = StringsConfig(
        quick=True, targets=2, model=str(model_dir), candidates="band", methods=("symbolic_search",)
    )
    path = run_sequence_suite(config, tmp_path, execution=IN_PROCESS)
    raw = json.loads(path.read_text())
    assert raw["config"]["candidates"] == "band"
    assert "candidates from the target band" in raw["methods"]["symbolic_search"]["description"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rte_sequence": {"stepz": 3}}, r"Unknown option\(s\) \['stepz'\] for rte_sequence"),
        ({"rtee": {}}, "Unknown method 'rtee'"),
        ({"rte_discrete": {}}, r"Options given for \['rte_discrete'\]"),
        ({"sft": {"steps": 0}}, "steps must be an integer >= 1"),
        ({"few_shot": {"rank": 4}}, r"Unknown option\(s\) \['rank'\] for few_shot"),
        ({"oracle_sequence": {"steps": 3}}, "oracle_sequence has no options of its own"),
        ({"rte_executed": {"tie": 1.0}}, "rte_executed has no options of its own"),
        ({"rte": {"steps": 3}}, "row name for the registered method 'rte_sequence'"),
        ({"oracle": {"steps": 3}}, "row name for the registered method 'oracle_sequence'"),
        ({"rte_sequence": {"seed": 3}}, r"Unknown option\(s\) \['seed'\]"),
        ({"rte_sequence": {"tie": -1.0}}, "tie must be a finite number >= 0"),
        ({"rte_sequence": 3}, "Options of rte_sequence must map"),
    ],
)
def test_bad_options_are_refused_before_any_work(
    options: dict[str, Any], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("no work may start")

    monkeypatch.setattr(runner, "build_split", never)
    with pytest.raises(ValidationError, match=message):
        run_sequence_suite(StringsConfig(seeds=1), tmp_path / "out", options=options)
    assert not (tmp_path / "out").exists()


def test_suite_defaults_and_quick() -> None:
    """The LoRA budget and the scratchpad format belong to the tasks (parity 40 steps,
    labelled; strings 800, running; 30 steps with --quick); the methods' declared
    defaults are the same in every suite."""
    parity, strings = ParityConfig().resolve_options(), StringsConfig().resolve_options()
    assert parity["rte"] == strings["rte"] and parity["rte"]["steps"] is None
    assert parity["sft"]["steps"] is None and parity["rte"]["bound_tokens"] == 0
    assert parity["sft_scratchpad"]["steps"] is None
    assert parity["sft_scratchpad"]["style"] is None
    kinds = ParityConfig().task_kind(), StringsConfig().task_kind()
    assert [(k.lora_steps, k.scratchpad_format) for k in kinds] == [
        (40, "labelled"),
        (800, "running"),
    ]
    assert ParityConfig(quick=True).task_kind().lora_steps == 30
    assert StringsConfig(quick=True).task_kind().lora_steps == 30
    assert parity["few_shot"] == {"score_batch_size": 64}
    assert parity["symbolic_search"] == {"answer_rule": "pick"}
    assert parity["oracle"] == parity["rte"]
    assert ParityConfig().seeds == 3 and ParityConfig(quick=True).seeds == 1
    assert ParityConfig(quick=True, seeds=2).seeds == 2
    assert ParityConfig().task_kind().n_targets >= 20
    assert StringsConfig().task_kind().n_targets >= 20
    assert ParityConfig(quick=True).task_kind().n_targets >= 10
    assert ParityConfig(targets=4).task_kind().n_targets == 4
    assert list(ParityConfig(seeds=2, first_seed=100).seed_range()) == [100, 101]
    assert ParityConfig.from_dict(ParityConfig(quick=True).to_dict()) == ParityConfig(quick=True)
    assert ParityConfig().methods == runner.SEQUENCE_METHODS


def test_rows_that_share_a_fit_run_in_one_job() -> None:
    config = ParityConfig()
    groups = runner.fit_groups(config, config.resolve_options())
    assert groups == [
        ("rte", "oracle", "rte_executed"),
        ("sft",),
        ("sft_scratchpad",),
        ("few_shot",),
        ("symbolic_search",),
    ]
    changed = config.resolve_options({"rte_sequence": {"steps": 5}})
    assert runner.fit_groups(config, changed)[0] == ("rte", "oracle", "rte_executed")


def test_bad_settings() -> None:
    with pytest.raises(ValidationError, match="seeds must be an integer >= 1"):
        ParityConfig(seeds=0)
    with pytest.raises(ValidationError, match="Unknown device"):
        StringsConfig(device="tpu")
    with pytest.raises(ValidationError, match="quick must be true or false"):
        StringsConfig(quick="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"Unknown option\(s\) \['family'\]"):
        ParityConfig.from_dict({"family": "chess"})
    with pytest.raises(ValidationError, match="Unknown method 'sfft'"):
        ParityConfig(methods=("rte", "sfft"))
    with pytest.raises(ValidationError, match="cannot run in this suite"):
        ParityConfig(methods=("rte_discrete", "sft"))
    with pytest.raises(ValidationError, match="Unknown candidates 'target'"):
        ParityConfig(candidates="target")
    with pytest.raises(ValidationError, match="targets must be an integer >= 1"):
        ParityConfig(targets=0)


def test_a_missing_model_is_reported_in_one_line(tmp_path: Path) -> None:
    config = ParityConfig(quick=True, model=str(tmp_path / "no-such-model"), methods=("few_shot",))
    with pytest.raises(ModelPathError, match="does not exist") as info:
        run_sequence_suite(config, tmp_path / "out", execution=IN_PROCESS)
    assert "\n" not in str(info.value)


def test_the_command_line_runs_a_suite_and_refuses_bad_input(
    model_dir: Path, tmp_path: Path
) -> None:
    """``rte bench strings --quick --set rte_sequence.steps=1``: one seed, the options
    recorded; a row alias given to --set is one line and exit code 2."""
    out = tmp_path / "run"
    args = ["bench", "strings", "--quick", "--targets", "1", "--model", str(model_dir)]
    args += ["--methods", "rte,symbolic_search", "--set", "rte_sequence.steps=1", "--jobs", "1"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = json.loads((out / "results.json").read_text())
    assert raw["config"]["seeds"] == 1 and raw["methods"]["rte"]["options"]["steps"] == 1
    command = [sys.executable, "-c", "from rte.cli import main; main()", "bench", "parity"]
    bad = subprocess.run(
        [*command, "--set", "oracle.steps=3", "--out", str(tmp_path / "bad")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("error: 'oracle' is this suite's row name")
    assert bad.stderr.strip().count("\n") == 0


def test_a_tuned_psi_is_reused_from_an_earlier_run(model_dir: Path, tmp_path: Path) -> None:
    # The band's candidates and one target keep the two runs short.
    config = StringsConfig(
        quick=True, targets=1, model=str(model_dir), methods=("rte",), candidates="band"
    )
    tiny = {"rte_sequence": TINY["rte_sequence"]}
    first = run_sequence_suite(config, tmp_path / "a", tiny, execution=IN_PROCESS)
    saved = tmp_path / "a" / "adapters" / "rte-seed0"
    assert (saved / "fit.json").is_file()
    # The same fit, now shared with the oracle: its Psi is loaded, not tuned again.
    again = replace(config, adapters=str(tmp_path / "a"), methods=("rte", "oracle"))
    second = run_sequence_suite(again, tmp_path / "b", tiny, execution=IN_PROCESS)
    assert json.loads(second.read_text())["reused_adapters"] == {"rte-seed0": str(saved)}

    def rte_records(path: Path) -> list[Any]:
        rows = load_results(path)["records"]
        return [r for r in rows if r.method == "rte" and r.metric != "seconds"]

    assert rte_records(first) == rte_records(second)
    with pytest.raises(ValidationError, match="holds no adapters/ folder"):
        StringsConfig(adapters=str(saved))
