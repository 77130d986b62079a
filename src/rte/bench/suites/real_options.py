"""Options of rte bench real chosen on validation splits by benchmarks/tune_real.py, one budget
of variants for every method (docs/real.md). Written by that script."""

TUNED: dict[str, dict] = {
    "bilinear": {"train_context_noise": 0.05},
    "cnp": {"steps": 4000},
    "context_gp": {"restarts": 5},
    "context_gp_matched": {},
    "context_mlp": {"width": 64},
    "dkt": {"features": 8},
    "inductive_t2v": {"embedding_dim": 10},
    "nearest_task": {},
    "nearest_task_gp": {},
    "rte": {"n_anchors": 4},
    "snake_mlp": {"width": 128},
    "symbolic_regression": {},
}
