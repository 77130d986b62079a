"""Helpers for testing methods: tiny in-process language models.

A test of a sequence method needs a causal language model, but never a real one:
:func:`tiny_language_model` builds a 2-layer Llama with random weights and a
character-level tokenizer in memory (no files, no network), so such tests run in
seconds on a CPU. Needs the extra ``lm`` (transformers).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from rte._optional import require

SPECIALS = ("<pad>", "<eos>", "<unk>")
# Characters beyond printable ASCII that the sequence tasks write.
EXTRA_CHARACTERS = ("∘",)


def tiny_tokenizer() -> Any:
    """A character-level fast tokenizer over printable ASCII (one token per character)."""
    transformers = require("transformers", "lm", "rte.testing")
    from tokenizers import Tokenizer, decoders, models

    chars = [c for c in string.printable if c not in "\r\x0b\x0c"] + list(EXTRA_CHARACTERS)
    vocab = {tok: i for i, tok in enumerate([*SPECIALS, *chars])}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    core.decoder = decoders.Fuse()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


def tiny_model(vocab_size: int, seed: int = 0) -> Any:
    """A 2-layer Llama with hidden size 32 and random weights, in eval mode."""
    import torch

    transformers = require("transformers", "lm", "rte.testing")
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


def tiny_language_model(seed: int = 0) -> Any:
    """A :class:`rte.lm.backends.LanguageModel` wrapping :func:`tiny_model` on the CPU."""
    from rte.lm.backends import LanguageModel
    from rte.lm.device import select_placement

    tokenizer = tiny_tokenizer()
    return LanguageModel(
        tiny_model(len(tokenizer), seed), tokenizer, select_placement("cpu"), "tiny"
    )


def save_tiny_model(folder: str | Path, seed: int = 0) -> Path:
    """Write a tiny model and its tokenizer to ``folder``, as a user passes with --model."""
    out = Path(folder)
    tokenizer = tiny_tokenizer()
    tiny_model(len(tokenizer), seed).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
