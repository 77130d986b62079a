"""Options of rte bench real chosen on validation splits by benchmarks/tune_real.py, one budget
of variants for every method (docs/real.md). Written by that script."""

TUNED: dict[str, dict] = {}
