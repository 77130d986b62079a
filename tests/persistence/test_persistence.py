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


def _nan_in_the_bank(d: Path) -> None:
    """The bank's outputs edited to hold NaN, the file re-signed with a matching hash."""
    from safetensors.torch import load, save

    tensors = load((d / WEIGHTS_FILE).read_bytes())
    name = next(k for k in tensors if k.startswith("bank.") and k.endswith(".y"))
    tensors[name][0, 0] = float("nan")
    _rewrite(d, WEIGHTS_FILE, save(tensors))


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
    "NaN re-signed into the bank": (_nan_in_the_bank, "holds NaN or inf"),
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


# ---- issue 14: nothing lost, nothing silently wrong -------------------------------------


def _user_files(folder: Path) -> None:
    (folder / "notes.txt").write_text("mine")


def _user_subfolder(folder: Path) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "data.csv").write_text("1")


def _own_model_json(folder: Path) -> None:
    for part in (WEIGHTS_FILE, MANIFEST_FILE):
        (folder / part).unlink()
    (folder / INFO_FILE).write_text('{"my": "settings"}')


@pytest.mark.parametrize("extra", [_user_files, _user_subfolder, _own_model_json])
def test_save_never_replaces_a_folder_holding_user_files(
    table_model: RelationalTaskExtrapolator, table_model_dir: Path, tmp_path: Path, extra
) -> None:
    """Issue 14, item 1: a model folder with anything else in it is refused, untouched."""
    folder = _copy(table_model_dir, tmp_path)
    extra(folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(ModelFileError, match="refusing to overwrite"):
        table_model.save(folder)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def _kill_before_call(step: int, work) -> int:
    """Run ``work`` in a forked child that SIGKILLs itself before its ``step``-th file call."""
    import os
    import signal

    from hostile.scripted import trap_calls

    pid = os.fork()
    if pid == 0:
        try:
            with trap_calls(step, lambda: os.kill(os.getpid(), signal.SIGKILL)):
                work()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def test_a_save_killed_at_any_step_leaves_a_model_and_no_leftovers(
    table_model: RelationalTaskExtrapolator, table_model_dir: Path, tmp_path: Path
) -> None:
    """Issue 14, item 2: SIGKILL before each file-system call of a replacing save: the path
    always holds the old or the new model, and the next save removes every hidden folder."""
    import os

    target = _copy(table_model_dir, tmp_path)
    step = 0
    while True:
        step += 1
        status = _kill_before_call(step, lambda: table_model.save(target, {"note": "new"}))
        note = RelationalTaskExtrapolator.load(target).metadata_.get("note")
        assert note in (None, "new")
        if not os.WIFSIGNALED(status):  # the save finished before reaching this step
            break
        table_model.save(target)  # cleans what the killed save left
        assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"], step
    assert step > 10  # the save has many steps, and each was interrupted once


def test_a_read_only_model_folder_is_refused_and_left_whole(
    table_model: RelationalTaskExtrapolator, table_model_dir: Path, tmp_path: Path
) -> None:
    """Issue 14, item 2: saving over a read-only model folder leaves no hidden folder."""
    from hostile.harness import Sandbox

    box = Sandbox(tmp_path)
    target = _copy(table_model_dir, tmp_path)
    box.read_only(target)
    try:
        try:
            table_model.save(target, {"note": "new"})
        except ModelFileError as exc:
            assert "read-only" in str(exc) or "cannot write" in str(exc)
        RelationalTaskExtrapolator.load(target)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]
    finally:
        box.release()
        target.chmod(0o755)


@pytest.mark.parametrize(
    ("keys", "value"),
    [
        (("components", "scaling", "y_mean"), 1e3),
        (("params", "n_anchors"), 5),
        (("components", "bank", "task_ids"), [f"other{i}" for i in range(8)]),
    ],
)
def test_an_edited_model_json_is_refused(
    table_model_dir: Path, tmp_path: Path, keys: tuple[str, ...], value: object
) -> None:
    """Issue 14, item 3: model.json is covered by the manifest's checksum."""
    copy = _copy(table_model_dir, tmp_path)
    info = json.loads((copy / INFO_FILE).read_text())
    node = info
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    (copy / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelFileError, match="does not match the manifest"):
        RelationalTaskExtrapolator.load(copy)


def _link_zero(d: Path) -> None:
    (d / WEIGHTS_FILE).unlink()
    (d / WEIGHTS_FILE).symlink_to("/dev/zero")


def _pipe(d: Path) -> None:
    import os

    (d / INFO_FILE).unlink()
    os.mkfifo(d / INFO_FILE)


def _nested(d: Path) -> None:
    _rewrite(d, INFO_FILE, b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (_link_zero, "expected a regular file. Got a character device"),
        (_pipe, "expected a regular file. Got a named pipe"),
        (_nested, "corrupt JSON"),
    ],
)
def test_hostile_model_folders_are_refused_without_reading(
    table_model_dir: Path, tmp_path: Path, damage, match: str
) -> None:
    """Issue 14, item 9: a part linked to /dev/zero, a named pipe or deeply nested JSON is
    refused at once (no endless read, no hang, no RecursionError)."""
    copy = _copy(table_model_dir, tmp_path)
    damage(copy)
    with pytest.raises(ModelFileError, match=match):
        RelationalTaskExtrapolator.load(copy)


def test_save_refuses_malformed_column_metadata_before_writing(
    table_model: RelationalTaskExtrapolator, tmp_path: Path
) -> None:
    """Issue 14, also: save(metadata={"columns": 5}) used to save a model that could not load."""
    with pytest.raises(ValidationError, match="metadata\\['columns'\\]"):
        table_model.save(tmp_path / "m", metadata={"columns": 5})
    with pytest.raises(ValidationError, match="metadata\\['columns'\\]"):
        table_model.save(tmp_path / "m", metadata={"columns": {"x": 5}})
    assert not (tmp_path / "m").exists()


def test_a_300_character_name_is_a_clear_error(
    table_model: RelationalTaskExtrapolator, tmp_path: Path
) -> None:
    """Issue 14, also: file names beyond the system's limit end in ModelFileError."""
    with pytest.raises(ModelFileError, match="too long"):
        table_model.save(tmp_path / ("m" * 300))
    with pytest.raises(ModelFileError, match="too long"):
        RelationalTaskExtrapolator.load(tmp_path / ("m" * 300))
    table_model.save(tmp_path / ("m" * 250))  # long but legal: temporary names stay short
    RelationalTaskExtrapolator.load(tmp_path / ("m" * 250))
