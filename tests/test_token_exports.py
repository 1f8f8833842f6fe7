"""export conll / export spacy: the corpus tokens with entity, noise and attribution role tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MiniRepo

from newsclaims.cli import main


def test_conll_columns(mini: MiniRepo) -> None:
    out = mini.root / "out.conll"
    assert main(["export", "conll", str(out), "--root", str(mini.root)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["# doc_id = doc-a", "-DOCSTART- -X- O O"]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line and not line.startswith(("#", "-DOC"))}
    assert rows["Kirby"] == ["B-PERSON", "O", "B-SOURCE"]
    assert rows["said"] == ["O", "O", "B-CUE"]
    assert rows["Iran"] == ["B-GPE", "O", "B-CONTENT"]
    assert rows["drones"] == ["O", "O", "I-CONTENT"]
    assert rows["Home"] == ["O", "B-navigation", "O"]


def test_spacy_docbin(mini: MiniRepo) -> None:
    import spacy
    from spacy.tokens import DocBin

    out = mini.root / "out.spacy"
    assert main(["export", "spacy", str(out), "--root", str(mini.root)]) == 0
    (doc,) = DocBin().from_bytes(out.read_bytes()).get_docs(spacy.blank("en").vocab)
    assert doc.user_data["doc_id"] == "doc-a"
    assert [(e.text, e.label_) for e in doc.ents][:2] == [("Kirby", "PERSON"), ("Iran", "GPE")]
    roles = {(s.text, s.label_) for s in doc.spans["attribution"]}
    assert {("Kirby", "SOURCE"), ("said", "CUE"), ("It is harmful", "CONTENT")} <= roles
    assert {(s.text, s.label_) for s in doc.spans["noise"]} == {
        ("Home World", "navigation"),
        ("Share this", "social_share"),
    }


def test_missing_corpus_extra_is_one_line(
    mini: MiniRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "spacy" else real(name, *a))
    monkeypatch.setattr(
        "newsclaims.core.extras.find_spec", lambda name, *a: None if name == "spacy" else real(name, *a)
    )
    assert main(["export", "conll", str(mini.root / "x.conll"), "--root", str(mini.root)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'newsclaims[corpus]'" in err[0]
    assert not Path(mini.root / "x.conll").exists()
