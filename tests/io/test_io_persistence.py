"""Model files: an exact round trip, and a ModelFileError for every damaged directory."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rte import RelationalTaskExtrapolator
from rte.errors import ModelFileError, NotFittedError, ValidationError
from rte.persistence import FORMAT_VERSION, INFO_FILE, WEIGHTS_FILE, read_info

X = np.linspace(-2, 2, 9)
Q = np.linspace(-3, 3, 7)


def _copy(model_dir: Path, root: Path) -> Path:
    return Path(shutil.copytree(model_dir, root / "copy"))


def test_round_trip_predicts_identically(
    fitted: RelationalTaskExtrapolator, model_dir: Path
) -> None:
    loaded = RelationalTaskExtrapolator.load(model_dir)
    for a in (1.5, 3.0, 6.0):
        before = fitted.predict(X, a * X**2 + X, Q)
        after = loaded.predict(X, a * X**2 + X, Q)
        np.testing.assert_allclose(after.y, before.y, rtol=0, atol=1e-6)
        np.testing.assert_allclose(after.phi, before.phi, rtol=0, atol=1e-6)
        assert after.anchor_id == before.anchor_id
    assert loaded.config == fitted.config
    assert loaded.bank_.task_ids == fitted.bank_.task_ids
    assert loaded.losses_ == fitted.losses_


def test_model_json_describes_the_fit(model_dir: Path) -> None:
    info = read_info(model_dir)
    assert info["format_version"] == FORMAT_VERSION
    assert info["bank"]["task_ids"][:2] == ["t0", "t1"]
    assert info["bank"]["input_min"][0] >= -2 and info["bank"]["input_max"][0] <= 2
    assert info["metadata"]["columns"]["x"] == ["x"]
    assert len(info["weights_sha256"]) == 64


def test_save_replaces_a_model_but_not_other_directories(
    fitted: RelationalTaskExtrapolator, tmp_path: Path
) -> None:
    target = tmp_path / "m"
    fitted.save(target)
    fitted.save(target)  # replacing an existing model is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temp leftovers
    other = tmp_path / "data"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ModelFileError, match="refusing to overwrite"):
        fitted.save(other)
    assert (other / "keep.txt").read_text() == "mine"


def test_save_refuses_bad_metadata_and_unwritable_paths(
    fitted: RelationalTaskExtrapolator, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="JSON-ready"):
        fitted.save(tmp_path / "m", {"when": object()})
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFileError, match="cannot write"):
        fitted.save(tmp_path / "file" / "m")


def test_save_before_fit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        RelationalTaskExtrapolator().save(tmp_path / "m")


def _truncate(d: Path) -> None:
    data = (d / WEIGHTS_FILE).read_bytes()
    (d / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])


def _flip(d: Path) -> None:
    data = bytearray((d / WEIGHTS_FILE).read_bytes())
    data[-10] ^= 0xFF
    (d / WEIGHTS_FILE).write_bytes(bytes(data))


def _edit_info(**changes: object) -> object:
    def edit(d: Path) -> None:
        info = json.loads((d / INFO_FILE).read_text())
        info.update(changes)
        (d / INFO_FILE).write_text(json.dumps(info))

    return edit


def _tamper_consistently(d: Path) -> None:
    """Replace the weights by valid safetensors of the wrong shapes, with a matching hash."""
    import hashlib

    import torch
    from safetensors.torch import save

    data = save({"psi.net.0.weight": torch.zeros(2, 2)})
    (d / WEIGHTS_FILE).write_bytes(data)
    _edit_info(weights_sha256=hashlib.sha256(data).hexdigest())(d)


DAMAGE = {
    "truncated weights": (_truncate, "SHA-256"),
    "flipped byte": (_flip, "SHA-256"),
    "tampered with matching hash": (_tamper_consistently, "inconsistent"),
    "newer format": (_edit_info(format_version=FORMAT_VERSION + 1), "newer"),
    "missing weights": (lambda d: (d / WEIGHTS_FILE).unlink(), "missing its part"),
    "missing description": (lambda d: (d / INFO_FILE).unlink(), "missing its part"),
    "corrupt json": (lambda d: (d / INFO_FILE).write_text("{not json"), "corrupt"),
    "json not an object": (lambda d: (d / INFO_FILE).write_text("[1, 2]"), "format_version"),
    "unknown setting": (_edit_info(config={"colour": "red"}), "inconsistent"),
    "missing key": (_edit_info(scaling={}), "inconsistent"),
    "metadata not an object": (_edit_info(metadata=[1]), "must be JSON objects"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_model_dirs_raise_model_file_error(
    model_dir: Path, tmp_path: Path, case: str
) -> None:
    damage, match = DAMAGE[case]
    copy = _copy(model_dir, tmp_path)
    damage(copy)
    with pytest.raises(ModelFileError, match=match):
        RelationalTaskExtrapolator.load(copy)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="nothing at that path"):
        RelationalTaskExtrapolator.load(tmp_path / "nope")


def test_loading_never_unpickles(model_dir: Path, tmp_path: Path) -> None:
    """A pickle placed where the weights belong is refused, never executed."""
    import hashlib
    import pickle

    copy = _copy(model_dir, tmp_path)
    payload = pickle.dumps({"boom": 1})
    (copy / WEIGHTS_FILE).write_bytes(payload)
    _edit_info(weights_sha256=hashlib.sha256(payload).hexdigest())(copy)
    with pytest.raises(ModelFileError, match="inconsistent"):
        RelationalTaskExtrapolator.load(copy)


FILE_CASES = 100


@settings(
    max_examples=FILE_CASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    part=st.sampled_from([WEIGHTS_FILE, INFO_FILE]),
    action=st.sampled_from(["truncate", "flip", "overwrite"]),
    where=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=64),
)
def test_any_damaged_file_raises_model_file_error(
    model_dir: Path, part: str, action: str, where: float, junk: bytes
) -> None:
    with tempfile.TemporaryDirectory() as root:
        copy = _copy(model_dir, Path(root))
        original = (copy / part).read_bytes()
        data = bytearray(original)
        at = min(int(where * len(data)), len(data) - 1)
        if action == "truncate":
            data = data[:at]
        elif action == "flip":
            data[at] ^= junk[0] or 1
        else:
            data[at : at + len(junk)] = junk
        assume(bytes(data) != original)
        (copy / part).write_bytes(bytes(data))
        try:
            loaded = RelationalTaskExtrapolator.load(copy)
        except ModelFileError:
            return
        # Only a change JSON cannot see (e.g. whitespace, a digit of the creation time) loads.
        assert part == INFO_FILE
        out = loaded.predict(X, 2 * X**2, Q)
        assert np.all(np.isfinite(out.y))
