"""``core.jsonio.dumps``: orjson for speed, the bytes of the stdlib's ``json.dumps`` always."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.core import jsonio


def reference(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# Floats of every magnitude (the small ones are where orjson spells them otherwise), integers
# past 64 bits (orjson refuses them), text with whatever Unicode (no lone surrogates: no writer
# of newsclaims can encode those), nesting.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)))
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(values)
def test_dumps_writes_the_bytes_of_the_stdlib(data: Any) -> None:
    assert jsonio.dumps(data) == reference(data)


@pytest.mark.parametrize(
    "data",
    [1e-05, 1e-07, -2.5e-310, 0.0001, 1e16, 1e22, 2**70, {"x": [1e-5, "0.00001 in text"]}, {1: "int key"}],
)
def test_the_cases_orjson_writes_otherwise(data: Any) -> None:
    assert jsonio.dumps(data) == reference(data)


def test_a_committed_file_is_written_by_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed is real: a gold file does not fall back to the stdlib encoder."""
    path = next((REPO_ROOT / "annotations/gold").glob("*.json"))
    data = json.loads(path.read_bytes())
    expected = reference(data)

    def refused(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("fell back to json.dumps")

    monkeypatch.setattr(jsonio.json, "dumps", refused)
    assert jsonio.dumps(data) == expected == Path(path).read_text(encoding="utf-8")


def test_write_many_never_uses_a_temporary_name_that_is_taken(tmp_path: Path) -> None:
    """The temporary name is derived from the target and the process: a file left there (a crashed
    import of a process with the same id) and a symlink planted there (pointing out) stay as they
    are, and the files are written all the same, with the mode the umask gives."""
    import os

    from newsclaims.core.paths import file_mode

    folder = tmp_path / "repo" / "a"
    folder.mkdir(parents=True)
    left, planted, away = folder / "left.json", folder / "planted.json", tmp_path / "away.json"
    away.write_bytes(b"not yours\n")
    (folder / f".{left.name}.{os.getpid()}.tmp").write_bytes(b"left behind\n")
    (folder / f".{planted.name}.{os.getpid()}.tmp").symlink_to(away)
    plain = folder / "plain.json"
    jsonio.write_many_atomic([(left, b"1\n"), (planted, b"2\n"), (plain, b"3\n")], root=tmp_path / "repo")
    assert [p.read_bytes() for p in (left, planted, plain)] == [b"1\n", b"2\n", b"3\n"]
    assert [p.stat().st_mode & 0o777 for p in (left, planted, plain)] == [file_mode()] * 3
    assert away.read_bytes() == b"not yours\n"
    assert (folder / f".{left.name}.{os.getpid()}.tmp").read_bytes() == b"left behind\n"
    pid = os.getpid()
    names = [f".left.json.{pid}.tmp", f".planted.json.{pid}.tmp", "left.json", "planted.json", "plain.json"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temporary file of this write left


def test_write_many_checks_every_place_before_writing_any(tmp_path: Path) -> None:
    from newsclaims.core.paths import OutsideRepository

    repo = tmp_path / "repo"
    repo.mkdir()
    files = [(repo / "a" / "first.json", b"1\n"), (tmp_path / "escaped.json", b"2\n")]
    with pytest.raises(OutsideRepository):
        jsonio.write_many_atomic(files, root=repo)
    assert not (repo / "a").exists() and not (tmp_path / "escaped.json").exists()


def test_write_many_gives_the_mode_of_the_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o027)
    try:
        jsonio.write_many_atomic([(tmp_path / "x" / "f.json", b"{}\n")], root=tmp_path)
    finally:
        os.umask(old)
    assert (tmp_path / "x" / "f.json").stat().st_mode & 0o777 == 0o640


no_floats = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(no_floats)
def test_dumps_without_floats_writes_the_bytes_of_the_stdlib_unsearched(data: Any) -> None:
    class Unsearched:
        def search(self, _: bytes) -> None:
            raise AssertionError("searched for floats")

    real, jsonio._SMALL_FLOAT = jsonio._SMALL_FLOAT, Unsearched()  # type: ignore[assignment]
    try:
        assert jsonio.dumps(data, floats=False) == reference(data)
    finally:
        jsonio._SMALL_FLOAT = real
