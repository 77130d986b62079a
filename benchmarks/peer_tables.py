"""The peer tables of docs/peers.md, from a ``rte bench param --methods ...`` results file.

    .venv/bin/python benchmarks/peer_tables.py runs/strong_peers/results.json \\
        --peers dkt,tnp,symbolic_regression --band F2

Prints markdown: per family, the MSE of rte and every listed peer in one band with the
best peer's ratio to rte; then, for every method with interval records, its 90%
coverage (mean over families) per band and its CRPS per family at ``--band``. Means
over the seeds of the file; nothing is fitted here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rte.bench.results import format_mean_std, load_results, summarize
from rte.tasks import BANDS


def mse_table(stats: dict, families: list[str], peers: list[str], band: str) -> list[str]:
    """rte and the peers in ``band``, and which peer comes closest (ratio peer / rte)."""
    rows = [
        "| family | rte | " + " | ".join(peers) + " | best peer / rte |",
        "|---|---|" + "---|" * (len(peers) + 1),
    ]
    for fam in families:
        cells, best = [], None
        for name in ["rte", *peers]:
            found = stats.get((fam, name, band, "mse"))
            cells.append("-" if found is None else format_mean_std(found[0], found[1]))
            if found is not None and name != "rte" and (best is None or found[0] < best[0]):
                best = (found[0], name)
        rte = stats[(fam, "rte", band, "mse")][0]
        ratio = "-" if best is None else f"{best[1]} {best[0] / rte:.3g}x"
        rows.append(f"| {fam} | " + " | ".join(cells) + f" | {ratio} |")
    return rows


def interval_table(stats: dict, families: list[str], band: str) -> list[str]:
    """Coverage per band (mean over families), then :func:`crps_table` at ``band``."""
    methods = sorted({m for (_, m, _, metric) in stats if metric == "coverage_90"})
    bands = [b for b in BANDS if any(k[2] == b for k in stats)]
    rows = ["| method | " + " | ".join(f"coverage {b}" for b in bands) + " |"]
    rows.append("|---|" + "---|" * len(bands))
    for name in methods:
        cells = []
        for b in bands:
            values = [stats[(f, name, b, "coverage_90")][0] for f in families]
            cells.append(f"{sum(values) / len(values):.3f}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*rows, "", *crps_table(stats, families, band)]


def crps_table(stats: dict, families: list[str], band: str) -> list[str]:
    """CRPS per family at ``band`` of every method with interval records, and the best."""
    methods = sorted({m for (_, m, _, metric) in stats if metric == "crps"})
    rows = ["| family | " + " | ".join(f"{m} CRPS {band}" for m in methods) + " | best |"]
    rows.append("|---|" + "---|" * (len(methods) + 1))
    for fam in families:
        values = {m: stats[(fam, m, band, "crps")][0] for m in methods}
        best = min(values, key=values.get)
        rows.append(
            f"| {fam} | " + " | ".join(f"{values[m]:.3g}" for m in methods) + f" | {best} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--peers", required=True, help="Comma-separated method names.")
    parser.add_argument("--band", default="F2")
    args = parser.parse_args()
    records = load_results(args.results)["records"]
    stats = summarize(records)
    families = list(dict.fromkeys(r.family for r in records))
    peers = args.peers.split(",")
    print("\n".join(mse_table(stats, families, peers, args.band)), end="\n\n")
    print("\n".join(interval_table(stats, families, args.band)))


if __name__ == "__main__":
    main()
