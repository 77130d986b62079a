"""Every comparison method, one small module each; importing registers them."""

from rte.baselines import (
    bilinear,
    cnp,
    context_mlp,
    discrete,
    inductive,
    maml,
    naive,
    relational,
    reptile,
    snake,
)

__all__ = [
    "bilinear",
    "cnp",
    "context_mlp",
    "discrete",
    "inductive",
    "maml",
    "naive",
    "relational",
    "reptile",
    "snake",
]
