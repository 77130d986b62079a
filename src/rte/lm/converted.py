"""The packaged GGUF model, converted once to a Hugging Face folder and reused.

transformers reads a GGUF file with a pure-Python parser and de-quantises it to
float32: tens of seconds per process, paid by every worker of every run. The first
load writes the converted model (safetensors, float32) and its tokenizer
(``tokenizer.json``) to a folder keyed by the GGUF file (name, size, modification
time) and the transformers version; later loads read that folder in a second or two.
The numbers do not change: the folder holds the same float32 weights and the same
tokenizer. ``RTE_CACHE`` sets the cache root (default ``~/.cache/rte``);
``RTE_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

CACHE_ENV = "RTE_CACHE"


def converted_folder(gguf: Path, transformers_version: str, dtype: str) -> Path | None:
    """Where ``gguf`` converted to ``dtype`` lives (or will), or None when the cache is off."""
    root = os.environ.get(CACHE_ENV, "")
    if root.lower() == "off":
        return None
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "rte"
    stat = gguf.stat()
    version = f"transformers{transformers_version}"
    key = f"{gguf.stem}-{stat.st_size}-{int(stat.st_mtime)}-{version}-{dtype}"
    return base / "models" / key


def is_converted(folder: Path | None) -> bool:
    """Whether ``folder`` holds a complete conversion (written last: ``complete``)."""
    return folder is not None and (folder / "complete").is_file()


def save_plain(model: Any, folder: Path) -> None:
    """The de-quantised model as a plain Hugging Face folder: its config without the GGUF
    quantisation entry (the weights are float32 already) and its weights as safetensors
    (tied tensors stored once; loading ties them again)."""
    from safetensors.torch import save_model

    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.save_pretrained(folder)
    save_model(model, str(folder / "model.safetensors"))


def store_converted(folder: Path, model: Any, tokenizer: Any) -> None:
    """Write ``model`` (safetensors) and ``tokenizer`` to ``folder`` atomically: a
    temporary folder beside it is renamed into place, so a reader never sees half a
    conversion and two processes converting at once leave one. A failure to write
    only warns: the model in memory is already loaded."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".converting-", dir=folder.parent))
        try:
            save_plain(model, temporary)
            tokenizer.save_pretrained(temporary)
            (temporary / "complete").write_text("converted from GGUF\n")
            os.replace(temporary, folder)
        except OSError:
            if not is_converted(folder):
                raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    except OSError as exc:
        warnings.warn(
            f"Could not cache the converted model in {folder} ({exc}); the next load reads "
            f"the GGUF file again. Set {CACHE_ENV} to a writable folder, or {CACHE_ENV}=off.",
            stacklevel=2,
        )
