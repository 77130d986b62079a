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
from rte.persistence import FORMAT_VERSION, INFO_FILE, MANIFEST_FILE, WEIGHTS_FILE, read_info

DATA = Path(__file__).resolve().parents[1] / "data"

X = np.linspace(-2, 2, 9)
Q = np.linspace(-3, 3, 7)


def _copy(table_model_dir: Path, root: Path) -> Path:
    return Path(shutil.copytree(table_model_dir, root / "copy"))


def test_round_trip_predicts_identically(
    table_model: RelationalTaskExtrapolator, table_model_dir: Path
) -> None:
    loaded = RelationalTaskExtrapolator.load(table_model_dir)
    for a in (1.5, 3.0, 6.0):
        before = table_model.predict(X, a * X**2 + X, Q)
        after = loaded.predict(X, a * X**2 + X, Q)
        np.testing.assert_allclose(after.y, before.y, rtol=0, atol=1e-6)
        np.testing.assert_allclose(after.phi, before.phi, rtol=0, atol=1e-6)
        assert after.anchor_id == before.anchor_id
    assert loaded.get_params() == table_model.get_params()
    assert loaded.bank_.task_ids == table_model.bank_.task_ids
    assert loaded.losses_ == table_model.losses_


def test_model_json_describes_the_fit(table_model_dir: Path) -> None:
    info = read_info(table_model_dir)
    assert info["format_version"] == FORMAT_VERSION
    assert info["kind"] == "RelationalTaskExtrapolator"
    assert info["params"]["steps"] == 30
    assert info["components"]["bank"]["task_ids"][:2] == ["t0", "t1"]
    assert set(info["components"]) >= {"bank", "scaling", "embedding", "operator", "decomposer"}
    assert info["metadata"]["columns"]["x"] == ["x"]
    manifest = json.loads((table_model_dir / MANIFEST_FILE).read_text())
    assert set(manifest["files"]) == {INFO_FILE, WEIGHTS_FILE}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())


def test_format_1_directories_load_and_predict_as_before() -> None:
    """A model saved by rte 0.1 (format 1) loads through the migration, unchanged."""
    expected = json.loads((DATA / "model_v1_expected.json").read_text())
    model = RelationalTaskExtrapolator.load(DATA / "model_v1")
    out = model.predict(expected["context_x"], expected["context_y"], expected["query_x"])
    np.testing.assert_allclose(out.y, expected["y"], rtol=0, atol=1e-6)
    assert out.anchor_id == (expected["anchor_id"],)
    assert read_info(DATA / "model_v1")["format_version"] == 1
    assert model.get_params()["steps"] == 30


def test_save_replaces_a_model_but_not_other_directories(
    table_model: RelationalTaskExtrapolator, tmp_path: Path
) -> None:
    target = tmp_path / "m"
    table_model.save(target)
    table_model.save(target)  # replacing an existing model is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temp leftovers
    other = tmp_path / "data"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ModelFileError, match="refusing to overwrite"):
        table_model.save(other)
    assert (other / "keep.txt").read_text() == "mine"


def test_save_refuses_bad_metadata_and_unwritable_paths(
    table_model: RelationalTaskExtrapolator, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="JSON-ready"):
        table_model.save(tmp_path / "m", {"when": object()})
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFileError, match="cannot write"):
        table_model.save(tmp_path / "file" / "m")


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


def _rewrite(d: Path, part: str, data: bytes) -> None:
    """Replace a part and update the manifest to match: a consistent, deliberate edit."""
    import hashlib

    (d / part).write_bytes(data)
    manifest = json.loads((d / MANIFEST_FILE).read_text())
    manifest["files"][part] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (d / MANIFEST_FILE).write_text(json.dumps(manifest))


def _edit_info(**changes: object) -> object:
    def edit(d: Path) -> None:
        info = json.loads((d / INFO_FILE).read_text())
        info.update(changes)
        _rewrite(d, INFO_FILE, json.dumps(info).encode())

    return edit


def _edit_manifest(**changes: object) -> object:
    def edit(d: Path) -> None:
        manifest = json.loads((d / MANIFEST_FILE).read_text())
        manifest.update(changes)
        (d / MANIFEST_FILE).write_text(json.dumps(manifest))

    return edit


def _tamper_consistently(d: Path) -> None:
    """Replace the weights by valid safetensors of the wrong shapes, with a matching hash."""
    import torch
    from safetensors.torch import save

    _rewrite(d, WEIGHTS_FILE, save({"operator.net.0.weight": torch.zeros(2, 2)}))


def _edit_model_json_only(d: Path) -> None:
    """An edit of model.json that leaves the manifest alone (e.g. a hand-changed y_mean)."""
    info = json.loads((d / INFO_FILE).read_text())
    info["components"]["scaling"]["y_mean"] += 1.0
    (d / INFO_FILE).write_text(json.dumps(info))


DAMAGE = {
    "truncated weights": (_truncate, "does not match the manifest"),
    "flipped byte": (_flip, "does not match the manifest"),
    "edited description": (_edit_model_json_only, "does not match the manifest"),
    "tampered with matching hash": (_tamper_consistently, "inconsistent"),
    "newer format": (_edit_manifest(format_version=FORMAT_VERSION + 1), "newer"),
    "missing weights": (lambda d: (d / WEIGHTS_FILE).unlink(), "missing its part"),
    "missing description": (lambda d: (d / INFO_FILE).unlink(), "missing its part"),
    "missing manifest": (lambda d: (d / MANIFEST_FILE).unlink(), "missing its part"),
    "corrupt manifest": (lambda d: (d / MANIFEST_FILE).write_text("{not json"), "corrupt"),
    "json not an object": (lambda d: _rewrite(d, INFO_FILE, b"[1, 2]"), "expected an object"),
    "unknown setting": (_edit_info(params={"colour": "red"}), "Unknown option"),
    "missing key": (_edit_info(components={}), "inconsistent"),
    "metadata not an object": (_edit_info(metadata=[1]), "expected an object"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_model_dirs_raise_model_file_error(
    table_model_dir: Path, tmp_path: Path, case: str
) -> None:
    damage, match = DAMAGE[case]
    copy = _copy(table_model_dir, tmp_path)
    damage(copy)
    with pytest.raises(ModelFileError, match=match):
        RelationalTaskExtrapolator.load(copy)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="nothing at that path"):
        RelationalTaskExtrapolator.load(tmp_path / "nope")


def test_loading_never_unpickles(table_model_dir: Path, tmp_path: Path) -> None:
    """A pickle placed where the weights belong is refused, never executed."""
    import pickle

    copy = _copy(table_model_dir, tmp_path)
    payload = pickle.dumps({"boom": 1})
    _rewrite(copy, WEIGHTS_FILE, payload)
    with pytest.raises(ModelFileError, match="inconsistent"):
        RelationalTaskExtrapolator.load(copy)


FILE_CASES = 100


@settings(
    max_examples=FILE_CASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    part=st.sampled_from([WEIGHTS_FILE, INFO_FILE, MANIFEST_FILE]),
    action=st.sampled_from(["truncate", "flip", "overwrite"]),
    where=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=64),
)
def test_any_damaged_file_raises_model_file_error(
    table_model_dir: Path, part: str, action: str, where: float, junk: bytes
) -> None:
    with tempfile.TemporaryDirectory() as root:
        copy = _copy(table_model_dir, Path(root))
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
        # Only a change JSON cannot see (e.g. whitespace) in the manifest loads.
        assert part == MANIFEST_FILE
        out = loaded.predict(X, 2 * X**2, Q)
        assert np.all(np.isfinite(out.y))
