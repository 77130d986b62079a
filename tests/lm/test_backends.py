"""Model loading: local directories, clear one-line errors, device choice, lazy imports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from rte._optional import require
from rte.errors import BackendImportError, ValidationError
from rte.lm.backends import LM_USER, ModelPathError, load_language_model
from rte.lm.device import select_placement


def test_local_directory_loads_offline(model_dir: Path) -> None:
    lm = load_language_model(str(model_dir), device="cpu")
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert lm.placement.dtype == torch.float32
    assert lm.tokenizer.pad_token_id is not None
    assert lm.model.config.hidden_size == 32


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelPathError, match="does not exist") as info:
        load_language_model(str(tmp_path / "nope"))
    assert isinstance(info.value, ValidationError)
    assert "\n" not in str(info.value)


def test_file_and_empty_directory_are_refused(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"")
    with pytest.raises(ModelPathError, match="must be a directory"):
        load_language_model(str(weights))
    with pytest.raises(ModelPathError, match=r"config\.json"):
        load_language_model(str(tmp_path))


def test_unreadable_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").mkdir()  # unreadable as a file, even for root
    with pytest.raises(ModelPathError, match="readable JSON"):
        load_language_model(str(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text("{not json")
    with pytest.raises(ModelPathError, match="readable JSON"):
        load_language_model(str(other))


def test_non_causal_lm_directory_is_refused(tmp_path: Path) -> None:
    config = {"architectures": ["BertModel"], "model_type": "bert"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelPathError, match="causal language model"):
        load_language_model(str(tmp_path))


def test_broken_weights_are_one_line(tmp_path: Path, model_dir: Path) -> None:
    (tmp_path / "config.json").write_text((model_dir / "config.json").read_text())
    with pytest.raises(ModelPathError, match="must hold a loadable causal LM") as info:
        load_language_model(str(tmp_path))
    assert "\n" not in str(info.value)


def test_missing_backend_has_install_hint() -> None:
    with pytest.raises(BackendImportError, match=r"relational-task-extrapolator\[lm\]"):
        require("surely_not_an_installed_module", "lm", LM_USER)


def test_device_choice() -> None:
    placement = select_placement("cpu")
    assert (placement.device.type, placement.dtype) == ("cpu", torch.float32)
    assert select_placement("cpu", "bfloat16").dtype == torch.bfloat16
    with pytest.raises(ValidationError, match="Unknown device"):
        select_placement("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValidationError, match="no GPU"):
            select_placement("cuda")


def test_a_converted_model_is_stored_once_and_loads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conversion cache writes a plain folder (safetensors + tokenizer) that loads the
    same weights and tokens; RTE_CACHE=off turns it off; the key names the dtype."""
    import torch
    import transformers

    from rte.lm.converted import converted_folder, is_converted, store_converted
    from rte.testing import tiny_model, tiny_tokenizer

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer))
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"weights")
    monkeypatch.setenv("RTE_CACHE", str(tmp_path / "cache"))
    folder = converted_folder(gguf, "5.0", "float32")
    assert folder is not None and folder != converted_folder(gguf, "5.0", "bfloat16")
    assert not is_converted(folder)
    store_converted(folder, model, tokenizer)
    store_converted(folder, model, tokenizer)  # a second writer leaves the first
    assert is_converted(folder) and not list(folder.parent.glob(".converting-*"))
    again = transformers.AutoModelForCausalLM.from_pretrained(folder).eval()
    ids = torch.tensor([tokenizer("ab ->", add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        torch.testing.assert_close(again(input_ids=ids).logits, model(input_ids=ids).logits)
    loaded = transformers.AutoTokenizer.from_pretrained(folder)
    assert loaded("a b ->")["input_ids"] == tokenizer("a b ->")["input_ids"]
    monkeypatch.setenv("RTE_CACHE", "off")
    assert converted_folder(gguf, "5.0", "float32") is None
