"""Whether two results files hold the same records (the ``seconds`` metric aside).

    .venv/bin/python benchmarks/compare_records.py OLD/results.json NEW/results.json [--rtol 0]

A change meant to leave behaviour alone (a restructuring) must give identical records
at the same seeds. Prints every record that differs or exists in one file only, then
one summary line; exits 1 unless the records agree (to ``--rtol``).
"""

from __future__ import annotations

import argparse
import math

from rte.bench.results import load_results


def keyed(path: str) -> dict[tuple, float]:
    """(family, method, band, seed, metric) -> value, without timings."""
    return {
        (r.family, r.method, r.band, r.seed, r.metric): r.value
        for r in load_results(path)["records"]
        if r.metric != "seconds"
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rtol", type=float, default=0.0, help="Relative tolerance (0: equal).")
    args = parser.parse_args()
    old, new = keyed(args.old), keyed(args.new)
    differ = [
        (key, old[key], new[key])
        for key in sorted(set(old) & set(new))
        if not math.isclose(old[key], new[key], rel_tol=args.rtol, abs_tol=0.0)
    ]
    only = sorted(set(old) ^ set(new))
    for key, a, b in differ:
        print(f"differs {key}: {a!r} -> {b!r}")
    for key in only:
        print(f"only in {'old' if key in old else 'new'}: {key}")
    print(
        f"{len(old)} old, {len(new)} new records (seconds aside): {len(differ)} differ, "
        f"{len(only)} in one file only"
    )
    return 0 if not differ and not only else 1


if __name__ == "__main__":
    raise SystemExit(main())
