"""The README walk-through, live: a page nobody planned for, three passes, two annotators and a
reviewer, each a user of a real Label Studio on 127.0.0.1, through the `newsclaims` command only.

seeds add → noise round (push, both annotate, pull, agreement, review in Label Studio:
adjudicate --push, the reviewer submits, adjudicate --pull) → entities round (new people and
organisations, ids typed or not; entities link --decide, entities apply; adjudicate) → claims
round (a nested attribution, a check-worthiness dispute; adjudicate) → release → validate,
schema --check. No JSON file is edited by hand: every file the walk-through changes is written
by a command. Nothing here knows how many pages the repository has, their ids or the version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from conftest import mention_region
from test_release import changelog_versions, next_version, region, relation, scratch_copy

from newsclaims.cli import main
from newsclaims.core.models import GoldFile

if TYPE_CHECKING:
    from labelstudio_server import LabelStudioServer, LabelStudioUser

pytest_plugins = ["labelstudio_server"]

# A new person (Tomasz Wierzbicki, once by his surname) and a new company; AFP and NATO are in the
# registry. A nested attribution (AFP, citing a NATO official), an astral emoji before most
# regions (code points and UTF-16 differ after it), non-breaking spaces in the chrome.
PAGE = (
    "Menu\u00a0Home\u00a0World\n"
    "Lakeport ferry deal signed \U0001f6a2\n"
    "By Priya Raman\n"
    "The Lakeport Ferry Company signed the deal on Monday, its director Tomasz Wierzbicki said.\n"
    "AFP, citing a NATO official, said the route would open in 2027.\n"
    '"We are ready," Wierzbicki told reporters.\n'
    "Share\u00a0this\n"
)


def noise(rid: str, needle: str, category: str) -> dict[str, Any]:
    start = PAGE.index(needle)
    value = {"start": start, "end": start + len(needle), "text": needle, "labels": [category]}
    return {"id": rid, "from_name": "category", "to_name": "text", "type": "labels", "value": value}


NOISE = {
    "ann1": [
        noise("n1", "Menu\u00a0Home\u00a0World", "navigation"),
        noise("n2", "By Priya Raman", "byline"),
        noise("n3", "Share\u00a0this", "social_share"),
    ],
    "ann2": [noise("n1", "Menu\u00a0Home\u00a0World", "navigation"), noise("n3", "Share\u00a0this", "social_share")],
}

# (region id, text, label, what ann1 types, what ann2 types, occurrence). Not the byline's name:
# a mention inside page noise is refused (NC402).
MENTIONS = [
    ("e2", "Lakeport Ferry Company", "ORG", None, None, 0),
    ("e3", "Monday", "DATE", None, None, 0),
    ("e4", "Tomasz Wierzbicki", "PERSON", "Tomasz Wierzbicki", None, 0),
    ("e5", "AFP", "ORG", "afp", None, 0),
    ("e6", "NATO", "ORG", None, None, 0),
    ("e7", "2027", "DATE", None, None, 0),
    ("e8", "Wierzbicki", "PERSON", "Tomasz Wierzbicki", None, 1),
]


def entities_result(who: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rid, needle, label, typed1, typed2, occurrence in MENTIONS:
        out += mention_region(PAGE, rid, needle, label, typed1 if who == "ann1" else typed2, occurrence)
    return out


CHECKWORTHY = {"checkworthy": "checkworthy"}
INDIRECT = {"quote_type_source": "indirect", "stance_source": "asserts"}
DIRECT = {"quote_type_source": "direct", "stance_source": "asserts"}


def claims_result(who: str) -> list[dict[str, Any]]:
    """Both agree on two claims and their three attributions, one nested (AFP, citing a NATO
    official, said); they disagree on whether the third claim is check-worthy."""
    text = PAGE
    out: list[Any] = []
    out += region(text, "c1", "claim", "The Lakeport Ferry Company signed the deal on Monday", CHECKWORTHY)
    out += region(text, "s1", "source", "its director Tomasz Wierzbicki", INDIRECT)
    out += region(text, "q1", "cue", "said", {}, after="Wierzbicki")
    out += region(text, "c2", "claim", "the route would open in 2027", CHECKWORTHY)
    out += region(text, "s2", "source", "AFP", INDIRECT)
    out += region(text, "q2", "cue", "said", {}, after="official")
    out += region(text, "s3", "source", "a NATO official", INDIRECT)
    out += region(text, "q3", "cue", "citing", {})
    worth = "checkworthy" if who == "ann2" else "not_checkworthy"
    out += region(text, "c3", "claim", "We are ready", {"checkworthy": worth})
    out += region(text, "s4", "source", "Wierzbicki", DIRECT, after="ready")
    out += region(text, "q4", "cue", "told", {})
    out += [relation("s1", "c1", "source"), relation("q1", "s1", "cue")]
    out += [relation("s2", "c2", "source"), relation("q2", "s2", "cue")]
    out += [relation("s3", "c2", "source"), relation("q3", "s3", "cue"), relation("s3", "s2", "parent")]
    out += [relation("s4", "c3", "source"), relation("q4", "s4", "cue")]
    return out


def newsclaims(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run a command as a user would; it must succeed. Its standard output."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, f"newsclaims {' '.join(args)}: exit {code}\n{out}{err}"
    assert "Traceback" not in out + err
    return out


def project_of(root: Path, name: str, key: str = "project") -> int:
    manifest = json.loads((root / f"annotations/rounds/{name}/round.json").read_text(encoding="utf-8"))
    project: int = manifest["label_studio"][key]
    return project


def annotate_all(label_studio: LabelStudioServer, user: LabelStudioUser, project: int, result: Any) -> list[int]:
    """Take every task the labeling stream serves ``user`` and submit ``result(task)`` for it."""
    client = label_studio.client(user.token)
    done: list[int] = []
    with httpx.Client(trust_env=False, timeout=60.0) as web:
        while len(done) < 10:
            answer = web.get(
                f"{label_studio.url}/api/projects/{project}/next/", headers={"Authorization": f"Token {user.token}"}
            )
            if answer.status_code == 404:
                break
            answer.raise_for_status()
            task = answer.json()
            client.annotations.create(id=task["id"], result=result(task))
            done.append(task["id"])
    return done


def gold_of(root: Path, doc_id: str) -> GoldFile:
    return GoldFile.model_validate_json((root / f"annotations/gold/{doc_id}.json").read_bytes())


def test_a_new_page_end_to_end_with_two_annotators_and_a_reviewer(
    label_studio: LabelStudioServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = scratch_copy(tmp_path / "repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.admin_token)
    before = changelog_versions(root)
    version = next_version(root)
    users = {
        who: label_studio.signup(f"walk-{who}@lakeport.example", f"walk-{who}-password-1")
        for who in ("ann1", "ann2", "lead")
    }
    team = f"ann1={users['ann1'].email},ann2={users['ann2'].id}"  # one by email, one by user id
    page = tmp_path / "lakeport.txt"
    page.write_text(PAGE, encoding="utf-8")
    out = newsclaims(
        capsys, "seeds", "add", str(page), "--outlet", "Lakeport Herald", "--title", "Ferry deal",
        "--published", "2026-11-30", "--story", "lakeport-ferry-2026",
    )  # fmt: skip
    doc = out.split()[-1]

    # -- noise: the two annotators disagree on the byline; the reviewer keeps it ---------------------
    newsclaims(capsys, "round", "create", "w1-noise", "--pass", "noise", "--docs", doc, "--annotators", team)
    newsclaims(capsys, "round", "push", "w1-noise")
    for who in ("ann1", "ann2"):
        served = annotate_all(label_studio, users[who], project_of(root, "w1-noise"), lambda _, w=who: NOISE[w])
        assert len(served) == 1, f"{who} was not served the task"
    out = newsclaims(capsys, "round", "pull", "w1-noise")
    assert "imported 2 annotation file(s)" in out
    newsclaims(capsys, "round", "agreement", "w1-noise")
    newsclaims(capsys, "round", "adjudicate", "w1-noise", "--push")
    review = project_of(root, "w1-noise", "review")
    admin = label_studio.client(label_studio.admin_token)
    by_version: dict[str, Any] = {}

    def accept_the_merge(task: dict[str, Any]) -> Any:
        # The reviewer starts from the pre-filled merge (what Label Studio shows first) and submits it.
        for prediction in admin.predictions.list(task=task["id"]):
            by_version[prediction.model_version] = prediction.result
        return by_version["strategy:union"]

    assert len(annotate_all(label_studio, users["lead"], review, accept_the_merge)) == 1
    assert sorted(by_version) == ["ann1", "ann2", "strategy:union"]  # every version, named
    out = newsclaims(capsys, "round", "adjudicate", "w1-noise", "--pull")
    assert f"{doc}: reviewed by user id {users['lead'].id} {users['lead'].email}: 3 unit(s) kept" in out
    assert [n.text for n in gold_of(root, doc).noise] == [
        "Menu\u00a0Home\u00a0World",
        "By Priya Raman",
        "Share\u00a0this",
    ]

    # -- entities: new people and a company, linked and added to the registry by commands -----------
    newsclaims(
        capsys, "round", "create", "w2-entities", "--pass", "entities", "--docs", doc, "--annotators", team,
        "--predictions", "rules",
    )  # fmt: skip
    newsclaims(capsys, "round", "push", "w2-entities")
    for who in ("ann1", "ann2"):
        project = project_of(root, "w2-entities")
        assert len(annotate_all(label_studio, users[who], project, lambda _, w=who: entities_result(w))) == 1
    out = newsclaims(capsys, "round", "pull", "w2-entities")
    assert "imported 2 annotation file(s)" in out
    decisions = tmp_path / "entity-decisions.json"
    newsclaims(
        capsys, "entities", "link", "--round", "w2-entities", "--out", str(decisions),
        "--decide", "suggested", "--decide", "PERSON:wierzbicki=link tomasz-wierzbicki",
    )  # fmt: skip
    newsclaims(capsys, "entities", "apply", str(decisions))
    newsclaims(capsys, "round", "agreement", "w2-entities")
    newsclaims(capsys, "round", "adjudicate", "w2-entities", "--strategy", "majority")
    mentions = {m.text: m.entity_id for m in gold_of(root, doc).mentions}
    assert mentions["AFP"] == "afp" and mentions["NATO"] == "nato"  # the registry's own
    assert mentions["Tomasz Wierzbicki"] == mentions["Wierzbicki"] == "tomasz-wierzbicki"
    assert mentions["Lakeport Ferry Company"] == "lakeport-ferry-company" and len(mentions) == len(MENTIONS)
    listed = newsclaims(capsys, "entities", "list", "--label", "PERSON")
    assert ["tomasz-wierzbicki", "PERSON", "Tomasz Wierzbicki", "Wierzbicki"] in [
        line.split("\t")[:4] for line in listed.splitlines()
    ]

    # -- claims: a nested attribution; the check-worthiness dispute is settled and listed -------------
    newsclaims(
        capsys, "round", "create", "w3-claims", "--pass", "claims", "--docs", doc, "--annotators", team,
        "--predictions", "rules",
    )  # fmt: skip
    newsclaims(capsys, "round", "push", "w3-claims")
    for who in ("ann1", "ann2"):
        project = project_of(root, "w3-claims")
        assert len(annotate_all(label_studio, users[who], project, lambda _, w=who: claims_result(w))) == 1
    newsclaims(capsys, "round", "pull", "w3-claims")
    newsclaims(capsys, "round", "agreement", "w3-claims")
    out = newsclaims(capsys, "round", "adjudicate", "w3-claims", "--strategy", "majority")
    assert f"{doc}: " in out
    gold = gold_of(root, doc)
    claims = {c.claim_id: c.fragments[0].text for c in gold.claims}
    # Both marked "We are ready", one calling it check-worthy: kept once, check-worthy (a tie).
    assert sorted(claims.values()) == [
        "The Lakeport Ferry Company signed the deal on Monday",
        "We are ready",
        "the route would open in 2027",
    ]
    assert [c.checkworthy for c in gold.claims if c.fragments[0].text == "We are ready"] == [True]
    sources = {a.source.text: a for a in gold.attributions if a.source is not None}
    nested, outer = sources["a NATO official"], sources["AFP"]
    assert nested.parent_id == outer.attribution_id and nested.cue is not None and nested.cue.text == "citing"
    assert outer.source is not None and outer.source.mention_id is not None  # AFP's source is its mention
    assert [m.entity_id for m in gold.mentions if m.mention_id == outer.source.mention_id] == ["afp"]
    assert gold.provenance.rounds[-3:] == ["w1-noise", "w2-entities", "w3-claims"]

    # -- release: the new version, the card from the data, everything valid -------------------------
    out = newsclaims(capsys, "release", version, "--note", f"A page on the Lakeport ferry ({doc}).")
    assert out.startswith(f"released corpus {version} (after {before[0][0]}): ")
    assert newsclaims(capsys, "validate") == ""
    newsclaims(capsys, "schema", "--check")
    card = (root / "corpus/README.md").read_text(encoding="utf-8")
    assert "lakeport-ferry-2026" in card and "Lakeport Herald" in card
    release = json.loads((root / "corpus/release.json").read_text(encoding="utf-8"))
    assert release["version"] == version
