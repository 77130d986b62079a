"""Device and dtype for the language model, chosen in exactly one place.

A GPU gets bfloat16 (half the memory, native speed); a CPU gets float32, because
bfloat16 matmuls on CPU are slow and lose precision in LoRA updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rte._checks import check_choice
from rte.errors import ValidationError

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class Placement:
    """Where the model lives and in which precision."""

    device: torch.device
    dtype: torch.dtype


def select_placement(device: str = "auto", dtype: str = "auto") -> Placement:
    """Resolve ``auto`` to cuda + bfloat16 when a GPU is visible, else cpu + float32.

    Either half can be forced, e.g. ``select_placement("cpu")`` on a GPU machine.
    """
    import torch

    check_choice(device, DEVICES, "device")
    check_choice(dtype, DTYPES, "dtype")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValidationError(
            "device must be available. Got 'cuda' but torch sees no GPU; "
            "use --device cpu or --device auto."
        )
    if dtype == "auto":
        dtype = "bfloat16" if device == "cuda" else "float32"
    return Placement(device=torch.device(device), dtype=getattr(torch, dtype))
