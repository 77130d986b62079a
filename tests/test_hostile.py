"""The fast slice of the hostile-input suite: a tenth of every group (at least two inputs),
in this process. The full run is ``benchmarks/hostile_inputs.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile.catalog import groups, run_groups
from hostile.harness import Tally

SHARE = 10


@pytest.mark.parametrize("group", groups(), ids=lambda g: g.name)
def test_every_hostile_input_ends_cleanly(
    group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # inputs that name relative paths stay in here
    tally = Tally()
    run_groups([group], lambda g: max(2, g.size // SHARE), 0, tally.add, timeout=30.0)
    assert tally.clean, tally.summary()
