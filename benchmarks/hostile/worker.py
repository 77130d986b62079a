"""A worker process for ``benchmarks/hostile_inputs.py``: runs groups on request.

Reads one JSON command per line on stdin (``{"group": name, "n": inputs, "seed": s,
"timeout": seconds}``), writes one JSON outcome per input and ``{"done": name}`` per
group to the file descriptor named by ``RTE_HOSTILE_FD``. Its memory is capped, so
an input that tries to read a device forever fails here instead of on the machine.
"""

from __future__ import annotations

import json
import os
import resource
import sys

MEMORY_LIMIT = 8 * 2**30


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    from rte.runtime import set_threads

    set_threads(1)
    from hostile.catalog import groups, run_groups

    channel = os.fdopen(int(os.environ["RTE_HOSTILE_FD"]), "w", buffering=1)
    by_name = {g.name: g for g in groups()}
    os.chdir(os.environ.get("RTE_HOSTILE_CWD", "."))

    def report(outcome: object) -> None:
        channel.write(outcome.to_json() + "\n")  # type: ignore[attr-defined]

    for line in sys.stdin:
        command = json.loads(line)
        group, n = by_name[command["group"]], command["n"]
        run_groups([group], lambda g, n=n: n, command["seed"], report, command["timeout"])
        channel.write(json.dumps({"done": group.name}) + "\n")


if __name__ == "__main__":
    main()
