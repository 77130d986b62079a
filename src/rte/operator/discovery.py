"""Relations found without labels: which bank pairs one relation explains, and which one.

The discrete regimes' relations act pointwise: a child task is R(x, f_anchor(x)) for a
relation R from a small set. Two pairs (i -> j) and (k -> l) that share R must agree
wherever their anchors cross: if f_i(x*) = f_k(x*), then f_j(x*) = f_l(x*). That is a
test on the bank's observations alone (1-D inputs):

1. **Consistency graph.** For every two anchors that cross at least twice, the
   children values at the crossings (linear interpolation) are compared; two pairs
   are linked when their children agree at every crossing within ``tol`` and the
   agreement is unlikely by chance (the summed -log share of all child pairs that agree
   as well at those crossings is at least ``evidence``: near x = 0 every depth-L
   polynomial is close to its constant term, so agreement there says little).
2. **Seed relations.** Links that close at least ``triangles`` triangles are kept; each connected
   component of at least ``min_size`` pairs is one seed relation (a code).
3. **Refinement (hard EM).** Psi is trained on the seed pairs with one learned code
   embedding per relation; then every task takes its best (anchor, code) over all
   bank tasks, tasks that one code explains within ``fit_tol`` become that code's
   pairs (within ``fit_tol``, or ``fit_factor`` times Psi's median error on the pairs
   it was trained on), and Psi is trained again (``rounds`` times). The codes
   generalise from the seeds to every pair of their relation.

Limits: 1-D task inputs only; a relation never seen in the seeds is not found;
relations that are compositions of others (g2 after the inverse of g1) are valid
relations of the bank too, and can win pairs the labels give to another relation.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch

from rte.errors import ValidationError
from rte.operator.labelled import LabelledOperator, fit_labelled_operator
from rte.tasks.interpolate import AnchorInterpolator


def consistency_links(
    y: np.ndarray, group: np.ndarray, *, tol: float, evidence: float, min_crossings: int = 2
) -> np.ndarray:
    """Rows (i, j, k, l): pairs (i -> j) and (k -> l) whose children agree at every crossing
    of anchors i and k. ``y`` (M, N) on one shared sorted grid; ``group`` (M,) equal for
    identical tasks (never paired)."""
    m = len(y)
    links = []
    for i in range(m - 1):
        diff = y[i][None] - y[i + 1 :]  # (m - i - 1, N): anchor i against every later k
        sign = np.sign(diff)
        crossing = sign[:, :-1] * sign[:, 1:] < 0
        for off in np.flatnonzero(crossing.sum(1) >= min_crossings):
            k = i + 1 + off
            n = np.flatnonzero(crossing[off])
            t = diff[off, n] / (diff[off, n] - diff[off, n + 1])
            values = y[:, n] + t * (y[:, n + 1] - y[:, n])  # (M, c) children at crossings
            close = np.abs(values[:, None, :] - values[None, :, :]) < tol  # (M, M, c)
            chance = np.clip(close.mean((0, 1)), 1.0 / m**2, 1.0)
            score = np.where(close.all(-1), -np.log(chance).sum(), 0.0)
            j, jk = np.nonzero(score >= evidence)  # children of i and of k
            keep = (
                (group[j] != group[jk])
                & (group[j] != group[i])
                & (group[jk] != group[k])
                & (group[j] != group[k])
                & (group[jk] != group[i])
            )
            links += [(i, a, k, b) for a, b in zip(j[keep], jk[keep], strict=True)]
    return np.array(links, dtype=np.int64).reshape(-1, 4)


def seed_relations(
    links: np.ndarray, n_tasks: int, min_size: int = 3, triangles: int = 2
) -> list[list[tuple]]:
    """Pairs grouped into seed relations: components of the links that close at least
    ``triangles`` triangles, largest first, each of at least ``min_size`` pairs."""
    neighbours: dict[int, set[int]] = defaultdict(set)
    for i, j, k, jk in links:
        p, q = i * n_tasks + j, k * n_tasks + jk
        if p != q:
            neighbours[p].add(q)
            neighbours[q].add(p)
    strong: dict[int, set[int]] = defaultdict(set)
    for p, near in neighbours.items():
        for q in near:
            if p < q and len(near & neighbours[q]) >= triangles:
                strong[p].add(q)
                strong[q].add(p)
    seen: set[int] = set()
    groups = []
    for start in sorted(strong):
        if start in seen:
            continue
        stack, members = [start], []
        seen.add(start)
        while stack:
            p = stack.pop()
            members.append(p)
            for q in strong[p] - seen:
                seen.add(q)
                stack.append(q)
        if len(members) >= min_size:
            groups.append(sorted((p // n_tasks, p % n_tasks) for p in members))
    return sorted(groups, key=len, reverse=True)


def explanation_errors(
    psi: LabelledOperator, z: torch.Tensor, yt: torch.Tensor, group: np.ndarray, n_codes: int
) -> torch.Tensor:
    """Psi's mean squared error (M anchors, K codes, M tasks) explaining every task from
    every other one; inf between identical tasks. ``z`` (M, N, d), ``yt`` (M, N)."""
    m, n = yt.shape
    with torch.no_grad():
        out = torch.stack(
            [psi(z, yt, torch.full((m, n), c, dtype=torch.long)) for c in range(n_codes)], 1
        )  # (M anchors, K, N)
    err = ((out[:, :, None, :] - yt[None, None]) ** 2).mean(-1)
    same = torch.as_tensor(group[:, None] == group[None, :])
    return err.masked_fill(same[:, None, :], float("inf"))


def discover_relations(
    z: np.ndarray,
    yt: np.ndarray,
    mask: np.ndarray,
    group: np.ndarray,
    *,
    tol: float = 0.02,
    evidence: float = 8.0,
    min_size: int = 3,
    triangles: int = 2,
    fit_tol: float = 1e-3,
    fit_factor: float = 2.0,
    round_steps: int | None = None,
    rounds: int = 4,
    psi_options: dict,
    seed: int = 0,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Relations (anchor, task, code) rows and the code names, from observations alone.

    ``z`` (M, N, 1), ``yt`` (M, N) in scaled units on one shared grid (``mask`` all
    True); ``psi_options`` as for :func:`rte.operator.labelled.fit_labelled_operator`
    plus ``dim_phi``, ``width``, ``depth``.
    """
    if z.shape[-1] != 1 or not mask.all() or not np.allclose(z, z[:1]):
        raise ValidationError(
            "Discovering relations without labels needs 1-D tasks observed on one shared grid "
            f"(crossings of anchors are found along x). Got inputs of shape {z.shape} "
            f"{'with' if not mask.all() else 'without'} padding."
        )
    order = np.argsort(z[0, :, 0])
    ys = yt[:, order]
    links = consistency_links(ys, group, tol=tol, evidence=evidence)
    seeds = seed_relations(links, len(yt), min_size, triangles)
    if not seeds:
        raise ValidationError(
            "No relation was found: no pairs of bank tasks agree where their anchors cross. "
            "Label the relations (TaskBank.labels) or loosen tol / evidence."
        )
    rows = np.array([(i, j, c) for c, pairs in enumerate(seeds) for i, j in pairs], np.int64)
    n_codes = len(seeds)
    zt = torch.as_tensor(z, dtype=torch.float32)
    yy = torch.as_tensor(yt, dtype=torch.float32)
    interpolator = AnchorInterpolator(z, yt, mask)
    opts = dict(psi_options)
    arch = {k: opts.pop(k) for k in ("dim_phi", "width", "depth")}
    opts["steps"] = round_steps or opts["steps"]
    for r in range(rounds):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + r)
            psi = LabelledOperator(z.shape[-1], n_codes, **arch)
        fit_labelled_operator(psi, rows, z, yt, mask, interpolator, seed=seed + r, **opts)
        err = explanation_errors(psi, zt, yy, group, n_codes)
        m = len(yt)
        loss, arg = err.permute(2, 0, 1).reshape(m, -1).min(1)
        anchor, code, loss = (arg // n_codes).numpy(), (arg % n_codes).numpy(), loss.numpy()
        # Explained: as well as Psi fits its own training pairs (or within fit_tol).
        trained = err[rows[:, 0], rows[:, 2], rows[:, 1]].numpy()
        explained = np.flatnonzero(loss < max(fit_tol, fit_factor * float(np.median(trained))))
        if len(explained) == 0:
            break
        rows = np.stack([anchor[explained], explained, code[explained]], 1).astype(np.int64)
        used = np.unique(rows[:, 2])
        rows[:, 2] = np.searchsorted(used, rows[:, 2])
        n_codes = len(used)
    return rows, tuple(f"r{c}" for c in range(n_codes))
