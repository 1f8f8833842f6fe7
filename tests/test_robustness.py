"""Garbage in never produces a traceback: only NC problems (exit 1) or a clean exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TEXT, MiniRepo, baseline_gold, sha
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims import validate
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.problems import RULES, exit_code

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
GOLD = "annotations/gold/doc-a.json"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
# Text with what breaks offset code: astral characters, combining marks, NBSP, CRLF, space runs.
nasty_text = st.lists(
    st.sampled_from([*"ab Kz\n\r\t.\u00a0\u0301\u200b", "\r\n", "\U0001f600", "\U0001d518", "   "]),
    min_size=1,
    max_size=40,
).map("".join)


def check(root: Path) -> list[Any]:
    problems = validate(root)
    assert all(p.code in RULES for p in problems)
    assert exit_code(problems) in (0, 1, 2)
    return problems


def fresh(tmp_path: Path) -> MiniRepo:
    # hypothesis reuses tmp_path across examples: start from a clean, valid repository each time
    import shutil

    shutil.rmtree(tmp_path / "repo", ignore_errors=True)
    return MiniRepo(tmp_path / "repo")


@SETTINGS
@given(garbage=json_values)
def test_random_json_as_a_gold_file(tmp_path: Path, garbage: Any) -> None:
    repo = fresh(tmp_path).write()
    (repo.root / GOLD).write_text(json.dumps(garbage), encoding="utf-8")
    assert check(repo.root), "garbage must be reported"


@SETTINGS
@given(garbage=st.binary(max_size=80))
def test_random_bytes_as_every_file(tmp_path: Path, garbage: bytes) -> None:
    for target in (GOLD, "seeds/manifest.json", "annotations/entities.json", "annotations/clusters.json"):
        repo = fresh(tmp_path).write()
        (repo.root / target).write_bytes(garbage)
        check(repo.root)


@SETTINGS
@given(garbage=json_values, where=st.sampled_from(["mentions", "claims", "attributions", "noise"]))
def test_random_records(tmp_path: Path, garbage: Any, where: str) -> None:
    repo = fresh(tmp_path)
    repo.gold["doc-a"][where].append(garbage)
    repo.write()
    assert check(repo.root)


@SETTINGS
@given(text=nasty_text, data=st.data())
def test_random_offsets_on_nasty_text(tmp_path: Path, text: str, data: st.DataObject) -> None:
    repo = fresh(tmp_path)
    repo.seeds["doc-a.txt"] = text.encode()
    repo.manifest = [repo.entry("doc-a", "doc-a.txt")]
    gold = baseline_gold()
    gold["text_sha256"] = sha(text.replace("\r\n", "\n").replace("\r", "\n").encode())
    offsets = st.integers(-2, len(text) + 3)
    for layer in ("mentions", "noise"):
        for record in gold[layer]:
            record["start"], record["end"] = data.draw(offsets), data.draw(offsets)
            record["text"] = data.draw(nasty_text)
    gold["claims"][0]["fragments"][0].update(start=data.draw(offsets), end=data.draw(offsets))
    repo.gold["doc-a"] = gold
    repo.write()
    check(repo.root)


def test_crlf_seed_offsets_count_normalised_text(tmp_path: Path, monkeypatch: Any) -> None:
    # The same page saved with CRLF: offsets are into the \n-normalised text, so the gold still holds.
    repo = MiniRepo(tmp_path / "repo")
    repo.seeds["doc-a.txt"] = TEXT.replace("\n", "\r\n").encode()
    repo.manifest = [repo.entry("doc-a", "doc-a.txt")]
    repo.write()
    monkeypatch.chdir(repo.root)
    assert validate() == []


def test_files_are_read_whole_and_unreadable_ones_named(tmp_path: Path) -> None:
    for size in (0, 1, 4096, 65_537, (1 << 20) + 3):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        (tmp_path / "f").write_bytes(data)
        assert read_bytes(tmp_path / "f") == data and read_bytes(str(tmp_path / "f")) == data
    with pytest.raises(Unreadable, match="is a folder"):
        read_bytes(tmp_path)
    with pytest.raises(Unreadable, match="does not exist"):
        read_bytes(tmp_path / "missing.json")
