"""Every comparison method, one small module each; importing registers them."""

from rte.baselines import context_mlp, inductive, relational

__all__ = ["context_mlp", "inductive", "relational"]
