"""A whole annotation round through a real Label Studio 1.23.2 on 127.0.0.1 (skipped without it).

create → push → two annotators, each a user of their own, take what the labeling stream
serves them and submit it (one page has an emoji and runs of spaces, and one region carries
Label Studio's UTF-16 edge) → pull → import (and the same from a snapshot export) → agreement →
adjudicate → validate.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from conftest import REPO_ROOT

from newsclaims import validate
from newsclaims.annotation.labelstudio.config import gold_to_results
from newsclaims.annotation.rounds.adjudication import adjudicate
from newsclaims.annotation.rounds.importing import import_export
from newsclaims.annotation.rounds.report import round_agreement
from newsclaims.annotation.rounds.round import Round, RoundError, create_round
from newsclaims.annotation.rounds.server import connect, pull, push
from newsclaims.annotation.seeds import add_seed
from newsclaims.core.models import GoldFile

if TYPE_CHECKING:
    from labelstudio_server import LabelStudioServer

pytest_plugins = ["labelstudio_server"]

PAGE = 'Home\nThe mayor \U0001f600 said:  "the  bridge   cost $5M"  on Friday.\nShare   this\n'


def a_page_with_attributions() -> str:
    """A page of the repository whose gold has attributions (whichever pages there are)."""
    for path in sorted((REPO_ROOT / "annotations/gold").glob("*.json")):
        if len(json.loads(path.read_bytes())["attributions"]) >= 2:
            return path.stem
    raise AssertionError("no gold page with attributions in the repository")


OLD = a_page_with_attributions()


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


def next_task(label_studio: LabelStudioServer, project: int, token: str) -> dict[str, Any] | None:
    """What Label Studio serves this user next in the labeling stream, or None ("no tasks for ...")."""
    with httpx.Client(trust_env=False, timeout=60.0) as web:
        answer = web.get(
            f"{label_studio.url}/api/projects/{project}/next/", headers={"Authorization": f"Token {token}"}
        )
    if answer.status_code == 404:
        assert "There are no tasks" in answer.text
        return None
    answer.raise_for_status()
    task: dict[str, Any] = answer.json()
    return task


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

    # Two people whose emails share a local part: one given by email, one by user id.
    first = label_studio.signup("ann@newsroom-a.org", "first-annotator-pw-1")
    second = label_studio.signup("ann@newsroom-b.org", "second-annotator-pw-2")
    annotators = [f"ann1={first.email}", f"ann2={second.id}"]
    rnd = create_round(root, "live", "claims", [new, OLD], annotators, "none", datetime.date(2026, 11, 22))
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.admin_token)
    pushed = push(root, "live", connect())
    manifest = json.loads((rnd.folder / "round.json").read_text())
    assert manifest["label_studio"]["project"] == pushed.project
    assert manifest["accounts"] == {  # push filled in the half that was not given
        "ann1": {"id": first.id, "email": first.email},
        "ann2": {"id": second.id, "email": second.email},
    }
    admin = label_studio.client(label_studio.admin_token)
    assert admin.projects.get(id=pushed.project).maximum_annotations == 2

    old_gold = GoldFile.model_validate_json((root / f"annotations/gold/{OLD}.json").read_bytes())
    old_results = gold_to_results(old_gold, "claims")
    drawn = {
        first.id: {new: claim_results(PAGE), OLD: old_results},
        second.id: {new: claim_results(PAGE, utf16_end=True), OLD: old_results[: len(old_results) // 2]},
    }
    # Each annotator takes what the labeling stream serves, as in the browser: the second one
    # must still be served every task after the first has submitted them all.
    tasks: dict[str, int] = {}
    for user in (first, second):
        client = label_studio.client(user.token)
        served: list[str] = []
        while (task := next_task(label_studio, pushed.project, user.token)) is not None and len(served) < 3:
            served.append(task["data"]["doc_id"])
            tasks[task["data"]["doc_id"]] = task["id"]
            client.annotations.create(id=task["id"], result=drawn[user.id][task["data"]["doc_id"]])
        assert sorted(served) == sorted(drawn[user.id]), f"{user.email} was not served every task once"
    # Not imported, and said so: the admin (no annotator) annotated, skipped, and left a draft.
    admin.annotations.create(id=tasks[OLD], result=old_results)
    admin.annotations.create(id=tasks[new], result=[], was_cancelled=True)
    with httpx.Client(trust_env=False, timeout=60.0) as web:
        draft = web.post(
            f"{label_studio.url}/api/tasks/{tasks[new]}/drafts",
            json={"result": claim_results(PAGE)[:1], "lead_time": 1.0},
            headers={"Authorization": f"Token {label_studio.admin_token}"},
        )
    assert draft.status_code == 201, draft.text

    report = pull(root, "live", connect())
    assert report.imported == 4
    warnings = sorted(i.code for i in report.issues if i.warning)
    assert warnings == ["NC705", "NC712", "NC713"]  # the UTF-16 edge repaired; the draft; the skip
    errors = [i for i in report.issues if not i.warning]
    assert [i.code for i in errors if i.code == "NC709"] == ["NC709"]  # the admin's annotation
    assert all(i.task == str(tasks[OLD]) for i in errors)  # and ann2's half-done page
    mine = GoldFile.model_validate_json(Round(root, "live").annotator_file("ann2", new).read_bytes())
    assert [f.text for f in mine.claims[0].fragments] == ["the  bridge   cost $5M"]  # re-sliced, spaces kept
    from_default = {p.name: p.read_bytes() for p in sorted((rnd.folder / "annotators").rglob("*.json"))}

    # A snapshot export (completed_by and drafts as objects) names the same people the same way.
    snapshot: Any = admin.projects.exports.create(
        id=pushed.project,
        title="snapshot",
        serialization_options={"annotations__completed_by": {"only_id": False}, "drafts": {"only_id": False}},
    )
    assert snapshot.status == "completed"  # no Redis: the export is made at once
    body = b"".join(admin.projects.exports.download(id=pushed.project, export_pk=snapshot.id, export_type="JSON"))
    assert any(isinstance(a["completed_by"], dict) for t in json.loads(body) for a in t["annotations"])
    shutil.rmtree(rnd.folder / "annotators")
    again = import_export(root, "live", body)
    assert {p.name: p.read_bytes() for p in sorted((rnd.folder / "annotators").rglob("*.json"))} == from_default
    assert sorted(map(str, again.issues)) != sorted(map(str, report.issues))  # the draft now names its user
    assert [i.code for i in again.issues] == [i.code for i in report.issues]
    assert any(i.code == "NC712" and "admin@example.com" in i.message for i in again.issues)

    agreement = round_agreement(root, "live")
    assert agreement.average["claims"]["*"].f1_exact == 1.0  # ann2 stopped after the claims
    triple = agreement.average["attribution_triple"]["*"].f1_exact
    assert triple is not None and triple < 1.0
    adjudicate(root, "live", "prefer:ann1")
    merged = GoldFile.model_validate_json((root / f"annotations/gold/{new}.json").read_bytes())
    assert merged.provenance.rounds == ["live"] and merged.attributions[0].source is not None
    assert validate(root, corpus=False) == []


def test_push_refuses_an_annotator_who_is_not_a_user_of_the_server(
    label_studio: LabelStudioServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    annotators = [f"ann1={label_studio.annotator_id}", "ann2=nobody@newsroom.org", "ann3"]
    rnd = create_round(root, "refused", "noise", [OLD], annotators, "none", datetime.date(2026, 11, 22))
    before = (rnd.folder / "round.json").read_bytes()
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.admin_token)
    titles = {p.title for p in label_studio.client(label_studio.admin_token).projects.list()}
    with pytest.raises(RoundError) as refused:
        push(root, "refused", connect())
    assert str(refused.value) == (
        "ann2 (nobody@newsroom.org) is not a user of this server; "
        "ann3 has no Label Studio user (create the round with --annotators ann3=ID or =EMAIL)"
    )
    assert (rnd.folder / "round.json").read_bytes() == before  # nothing recorded
    assert {p.title for p in label_studio.client(label_studio.admin_token).projects.list()} == titles  # nor made
