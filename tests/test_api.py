"""The importable API that research code uses."""

from __future__ import annotations

import json

import pytest
from conftest import REPO_ROOT, MiniRepo

import newsclaims
from newsclaims import load_gold, load_repository, validate


def test_public_surface_is_documented() -> None:
    for name in newsclaims.__all__:
        assert getattr(newsclaims, name) is not None
    assert newsclaims.__doc__ and "load_gold" in newsclaims.__doc__


def test_load_gold_and_slice(mini: MiniRepo) -> None:
    gold = load_gold("annotations/gold/doc-a.json")
    doc = load_repository(".").documents
    assert doc is not None
    text = doc[gold.doc_id].text
    assert [text[m.start : m.end] for m in gold.mentions] == [m.text for m in gold.mentions]
    assert gold.mentions[0].label is newsclaims.EntityLabel.PERSON


def test_load_gold_refuses_an_invalid_file(mini: MiniRepo) -> None:
    mini.gold["doc-a"]["mentions"][1]["text"] = "Irak"
    mini.write()
    with pytest.raises(ValueError, match=r"annotations/gold/doc-a.json:m2:span: NC203"):
        load_gold("annotations/gold/doc-a.json")


def test_load_repository_of_this_project() -> None:
    """Every page of the manifest is loaded, by its doc id, whatever their number."""
    manifest = json.loads((REPO_ROOT / "seeds" / "manifest.json").read_text(encoding="utf-8"))
    repo = load_repository(REPO_ROOT)
    assert repo.documents is not None and manifest["documents"]
    assert sorted(repo.documents) == sorted(e["doc_id"] for e in manifest["documents"])
    assert repo.problems == []
    for doc in repo.documents.values():
        raw = (REPO_ROOT / "seeds" / doc.entry.file).read_bytes()
        assert doc.text == raw.decode("utf-8")  # the seeds have no CR: the text is the bytes


def test_validate_accepts_paths_and_strings(mini: MiniRepo) -> None:
    assert validate(".") == validate(mini.root) == []
