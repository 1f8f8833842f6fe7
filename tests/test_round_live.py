"""A whole annotation round through a real Label Studio 1.23.2 on 127.0.0.1 (skipped without it).

create → push → two annotators post through the API (one page has an emoji and runs of
spaces, and one region carries Label Studio's UTF-16 edge) → pull → import → agreement →
adjudicate → validate.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import REPO_ROOT

from newsclaims import validate
from newsclaims.annotation.labelstudio.config import gold_to_results
from newsclaims.annotation.rounds.adjudication import adjudicate
from newsclaims.annotation.rounds.report import round_agreement
from newsclaims.annotation.rounds.round import Round, create_round
from newsclaims.annotation.rounds.server import connect, pull, push
from newsclaims.annotation.seeds import add_seed
from newsclaims.core.models import GoldFile

if TYPE_CHECKING:
    from labelstudio_server import LabelStudioServer

pytest_plugins = ["labelstudio_server"]

PAGE = 'Home\nThe mayor \U0001f600 said:  "the  bridge   cost $5M"  on Friday.\nShare   this\n'
OLD = "004_30fd1aad6509c6c0"


def claim_results(text: str, utf16_end: bool = False) -> list[dict[str, Any]]:
    """The claim, source and cue of the page, as an annotator draws them."""

    def at(needle: str) -> tuple[int, int]:
        start = text.index(needle)
        return start, start + len(needle)

    def region(rid: str, needle: str, role: str, end_shift: int = 0) -> dict[str, Any]:
        s, e = at(needle)
        value = {"start": s, "end": e + end_shift, "text": " ".join(needle.split()), "labels": [role]}
        return {"id": rid, "from_name": "role", "to_name": "text", "type": "labels", "value": value}

    def choice(rid: str, needle: str, name: str, value: str) -> dict[str, Any]:
        s, e = at(needle)
        v = {"start": s, "end": e, "text": needle, "choices": [value]}
        return {"id": rid, "from_name": name, "to_name": "text", "type": "choices", "value": v}

    # After the emoji, a resized edge arrives in UTF-16 units: one more than the code point offset.
    claim = region("k1", "the  bridge   cost $5M", "claim", 1 if utf16_end else 0)
    return [
        claim,
        choice("k1", "the  bridge   cost $5M", "checkworthy", "checkworthy"),
        region("s1", "The mayor", "source"),
        choice("s1", "The mayor", "quote_type_source", "direct"),
        choice("s1", "The mayor", "stance_source", "asserts"),
        region("q1", "said", "cue"),
        {"from_id": "s1", "to_id": "k1", "type": "relation", "direction": "right", "labels": ["source"]},
        {"from_id": "q1", "to_id": "s1", "type": "relation", "direction": "right", "labels": ["cue"]},
    ]


def test_a_round_through_a_real_server(
    label_studio: LabelStudioServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    new = add_seed(root, page, outlet="Test", title="Bridge", published="2022-12-09", story_id="bridge-2022").doc_id

    ann1, ann2 = f"ann1={label_studio.admin_id}", f"ann2={label_studio.annotator_id}"
    rnd = create_round(root, "live", "claims", [new, OLD], [ann1, ann2], "none", datetime.date(2026, 11, 22))
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.admin_token)
    project = push(root, "live", connect())
    assert json.loads((rnd.folder / "round.json").read_text())["label_studio"]["project"] == project

    admin, annotator = label_studio.client(label_studio.admin_token), label_studio.client(label_studio.annotator_token)
    tasks = {t.data["doc_id"]: t.id for t in admin.tasks.list(project=project, fields="all")}
    old_gold = GoldFile.model_validate_json((root / f"annotations/gold/{OLD}.json").read_bytes())
    old_results = gold_to_results(old_gold, "claims")
    admin.annotations.create(id=tasks[new], result=claim_results(PAGE))
    annotator.annotations.create(id=tasks[new], result=claim_results(PAGE, utf16_end=True))
    admin.annotations.create(id=tasks[OLD], result=old_results)
    annotator.annotations.create(id=tasks[OLD], result=old_results[: len(old_results) // 2])

    report = pull(root, "live", connect())
    errors = [str(i) for i in report.issues if not i.warning]
    assert report.imported == 4
    assert [i.code for i in report.issues if i.warning] == ["NC705"]  # the UTF-16 edge, repaired
    assert all(e.startswith(f"task {tasks[OLD]} ") for e in errors)  # only ann2's half-done page
    mine = GoldFile.model_validate_json(Round(root, "live").annotator_file("ann2", new).read_bytes())
    assert [f.text for f in mine.claims[0].fragments] == ["the  bridge   cost $5M"]  # re-sliced, spaces kept

    agreement = round_agreement(root, "live")
    assert agreement.average["claims"]["*"].f1_exact == 1.0  # ann2 stopped after the claims
    triple = agreement.average["attribution_triple"]["*"].f1_exact
    assert triple is not None and triple < 1.0
    adjudicate(root, "live", "prefer:ann1")
    merged = GoldFile.model_validate_json((root / f"annotations/gold/{new}.json").read_bytes())
    assert merged.provenance.rounds == ["live"] and merged.attributions[0].source is not None
    assert validate(root, corpus=False) == []
