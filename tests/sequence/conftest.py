"""A tiny randomly initialised causal LM and character tokenizer, built in-process.

No weights, no network: the sequence tests run in seconds on a CPU.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import torch

transformers = pytest.importorskip("transformers")
pytest.importorskip("peft")

SPECIALS = ["<pad>", "<eos>", "<unk>"]

# Tiny models gain nothing from threads, and on a shared CPU several OpenMP
# threads per process spin against each other and slow everything down.
torch.set_num_threads(1)


def tiny_tokenizer() -> Any:
    """Character-level fast tokenizer over printable ASCII (one token per character)."""
    from tokenizers import Tokenizer, decoders, models

    chars = [c for c in string.printable if c not in "\r\x0b\x0c"] + ["∘"]
    vocab = {tok: i for i, tok in enumerate(SPECIALS + chars)}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    core.decoder = decoders.Fuse()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


def tiny_model(vocab_size: int, seed: int = 0) -> Any:
    """A 2-layer Llama with hidden size 32, random weights."""
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=1,
    )
    return transformers.LlamaForCausalLM(config).eval()


@pytest.fixture
def tokenizer() -> Any:
    return tiny_tokenizer()


@pytest.fixture
def model(tokenizer: Any) -> Any:
    return tiny_model(len(tokenizer))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny model + tokenizer directory, as a user would pass with --model."""
    folder = tmp_path_factory.mktemp("tiny-llama")
    tok = tiny_tokenizer()
    tiny_model(len(tok)).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
