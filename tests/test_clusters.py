"""`newsclaims clusters` beyond the seed pages: propose, apply, assign, create, list.

Every test works on a scratch copy of this repository's seeds and annotations, adds pages of
its own with `newsclaims seeds add` and writes their gold files; nothing here depends on how
many seed pages there are, their ids or their counts. The seed clusters the new pages
paraphrase are found by their statements.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO_ROOT, span

from newsclaims.annotation import clusters as clusters_module
from newsclaims.annotation.clusters import (
    ClaimCandidate,
    ClusterCandidate,
    ClusterDecisions,
    features,
    idf_weights,
    read_decisions,
    similarity,
    words,
)
from newsclaims.cli import main
from newsclaims.core.documents import text_sha256
from newsclaims.core.problems import problem

NBSP, ROCKET, PLANE = "\u00a0", "\U0001f680", "\u2708\ufe0f"

# A page of the seed story told anew: two claims paraphrase seed clusters (one with a
# non-breaking space and an emoji inside), and one is news no seed page has.
PAGE_A = (
    f"Tehran Wire {ROCKET}\n"
    f"Iran{NBSP}could take delivery of Russian Su-35 fighter jets {PLANE} within the next year, officials said.\n"
    "Tehran says the drones were supplied to Moscow before the invasion of Ukraine.\n"
    f"The port authority will publish the full drone inventory{NBSP}on Monday {ROCKET}, a spokesman said.\n"
)
A_CLAIMS = {
    "a1": f"Iran{NBSP}could take delivery of Russian Su-35 fighter jets {PLANE} within the next year",
    "a2": "the drones were supplied to Moscow before the invasion of Ukraine",
    "a3": f"The port authority will publish the full drone inventory{NBSP}on Monday {ROCKET}",
}
# Another outlet with the same news as a3, worded otherwise.
PAGE_B = "Harbour Times\nThe port authority is to publish its complete inventory of drones on Monday, officials say.\n"
B_CLAIMS = {"b1": "The port authority is to publish its complete inventory of drones on Monday"}
# A page of another story.
PAGE_C = "Elsewhere\nThe bridge over the river will reopen in May.\n"
C_CLAIMS = {"k1": "The bridge over the river will reopen in May"}
OTHER_STORY = "test-bridge-story"


def copy_repository(target: Path) -> Path:
    """This repository's inputs (seeds and annotations, rounds included), nothing else."""
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO_ROOT / part, target / part)
    return target


def gold_file(doc_id: str, text: str, claims: dict[str, str]) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "doc_id": doc_id,
        "text_sha256": text_sha256(text),
        "provenance": {"annotators": ["tester"], "rounds": [], "method": "written by tests/test_clusters.py"},
        "mentions": [],
        "claims": [
            {"claim_id": cid, "fragments": [span(text, needle)], "cluster_id": None, "checkworthy": True}
            for cid, needle in claims.items()
        ],
        "attributions": [],
        "noise": [],
    }


def seed_cluster(root: Path, *words_in_statement: str) -> dict[str, Any]:
    """The one cluster of the repository whose statement has all these words."""
    listed = json.loads((root / "annotations/clusters.json").read_text(encoding="utf-8"))["clusters"]
    found = [c for c in listed if all(w in c["statement"] for w in words_in_statement)]
    assert len(found) == 1, f"the seed data no longer has one cluster about {words_in_statement}: {found}"
    return found[0]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Scratch:
    root: Path
    story: str
    a: str  # doc_ids of the pages added
    b: str
    c: str
    su35: str  # the seed clusters a1 and a2 paraphrase
    before_invasion: str


def add_page(capsys: pytest.CaptureFixture[str], root: Path, name: str, text: str, story: str) -> str:
    page = root.parent / name
    page.write_text(text, encoding="utf-8")
    code, out, err = cli(
        capsys, "seeds", "add", str(page), "--outlet", name, "--title", name, "--published", "2022-12-12",
        "--story", story, "--root", str(root),
    )  # fmt: skip
    assert code == 0, err
    return out.split()[-1]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Scratch:
    root = copy_repository(tmp_path / "repo")
    monkeypatch.chdir(root)
    su35 = seed_cluster(root, "Su-35", "next year")
    before = seed_cluster(root, "drones", "before the invasion")
    story = su35["story_id"]
    docs = []
    for name, text, claims, page_story in (
        ("a", PAGE_A, A_CLAIMS, story),
        ("b", PAGE_B, B_CLAIMS, story),
        ("c", PAGE_C, C_CLAIMS, OTHER_STORY),
    ):
        doc_id = add_page(capsys, root, f"{name}.txt", text, page_story)
        gold = gold_file(doc_id, text, claims)
        (root / "annotations/gold" / f"{doc_id}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=2))
        docs.append(doc_id)
    assert cli(capsys, "validate", "--inputs-only")[0] == 0
    return Scratch(root, story, *docs, su35=su35["cluster_id"], before_invasion=before["cluster_id"])


def proposal(decisions: ClusterDecisions, doc_id: str, claim_id: str) -> Any:
    return next(p for p in decisions.claims if (p.doc_id, p.claim_id) == (doc_id, claim_id))


# -- the score ------------------------------------------------------------------------------------


def test_words_fold_spaces_emoji_apostrophes_and_plurals() -> None:
    assert words(f"Iran{NBSP}sent {ROCKET} drones {PLANE}") == words("Iran sent drones") == ["iran", "sent", "drone"]
    assert words("Iran\u2019s DRONES") == words("Iran's drone") == ["iran", "drone"]
    assert words("Su-35 jets, not tanks") == ["su-35", "jet", "not", "tank"]
    assert features("the drones of Iran") == {"drone", "iran", "drone iran"}


def test_similarity_is_a_cosine_rounded_and_symmetric() -> None:
    a, b = features("Iran sent drones to Russia"), features("Russia received drones from Iran")
    w = idf_weights([a, b])
    assert similarity(a, a, w) == 1.0
    assert similarity(a, features("The bridge reopens in May"), w) == 0.0
    assert similarity(a, b, w) == similarity(b, a, w)
    assert 0 < similarity(a, b, w) < 1 and similarity(a, b, w) == round(similarity(a, b, w), 4)
    assert similarity(a, frozenset(), w) == 0.0


# -- propose --------------------------------------------------------------------------------------


def test_propose_ranks_the_paraphrased_cluster_and_the_other_outlets_claim_first(
    scratch: Scratch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = scratch.root.parent / "decisions.json"
    code, _, err = cli(capsys, "clusters", "propose", "--doc", scratch.a, scratch.b, "--out", str(out))
    assert code == 0, err
    decisions = read_decisions(out)
    assert [(p.doc_id, p.claim_id) for p in decisions.claims] == [
        *((scratch.a, c) for c in sorted(A_CLAIMS)),
        *((scratch.b, c) for c in sorted(B_CLAIMS)),
    ]
    for claim_id, cluster_id in (("a1", scratch.su35), ("a2", scratch.before_invasion)):
        first = proposal(decisions, scratch.a, claim_id).candidates[0]
        assert isinstance(first, ClusterCandidate) and first.cluster_id == cluster_id, first
    a3, b1 = proposal(decisions, scratch.a, "a3"), proposal(decisions, scratch.b, "b1")
    assert a3.text == A_CLAIMS["a3"] and NBSP in a3.text and ROCKET in a3.text
    assert isinstance(a3.candidates[0], ClaimCandidate)
    assert (a3.candidates[0].doc_id, a3.candidates[0].claim_id) == (scratch.b, "b1")
    assert isinstance(b1.candidates[0], ClaimCandidate)
    assert (b1.candidates[0].doc_id, b1.candidates[0].claim_id) == (scratch.a, "a3")
    assert a3.candidates[0].score == b1.candidates[0].score  # the same pair, scored once each way
    for p in decisions.claims:
        # Never the claim's own document, never another story; best first.
        assert all(isinstance(c, ClusterCandidate) or c.doc_id != p.doc_id for c in p.candidates)
        assert all(isinstance(c, ClusterCandidate) or c.doc_id != scratch.c for c in p.candidates)
        assert [c.score for c in p.candidates] == sorted((c.score for c in p.candidates), reverse=True)
        assert p.decision == ""


def test_propose_is_byte_stable_whatever_the_hash_seed(scratch: Scratch, capsys: pytest.CaptureFixture[str]) -> None:
    code, first, _ = cli(capsys, "clusters", "propose")
    assert code == 0 and cli(capsys, "clusters", "propose")[1] == first
    exe = Path(sys.executable).parent / "newsclaims"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [str(exe), "clusters", "propose"], cwd=scratch.root, env=env, capture_output=True, text=True, timeout=120
        )
        assert (done.returncode, done.stdout) == (0, first), done.stderr
    # Every unclustered claim of every gold file is there, the new pages' too.
    listed = {(p["doc_id"], p["claim_id"]) for p in json.loads(first)["claims"]}
    assert {(scratch.a, "a1"), (scratch.b, "b1"), (scratch.c, "k1")} <= listed


def test_decisions_file_passes_its_json_schema(scratch: Scratch, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(cli(capsys, "clusters", "propose", "--doc", scratch.a)[1])
    jsonschema.Draft202012Validator(ClusterDecisions.model_json_schema()).validate(data)


def test_propose_refuses_an_unknown_document(scratch: Scratch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "clusters", "propose", "--doc", "no-such-doc")
    assert (code, out) == (1, "")
    assert "no gold file for: no-such-doc" in err


# -- apply ----------------------------------------------------------------------------------------


def decide(scratch: Scratch, capsys: pytest.CaptureFixture[str], decisions: dict[tuple[str, str], str]) -> Path:
    """A decisions file for the new pages with these decisions filled in."""
    out = scratch.root.parent / "decisions.json"
    assert cli(capsys, "clusters", "propose", "--doc", scratch.a, scratch.b, "--out", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for entry in data["claims"]:
        entry["decision"] = decisions.get((entry["doc_id"], entry["claim_id"]), "")
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def cluster_of(root: Path, doc_id: str, claim_id: str) -> str | None:
    gold = json.loads((root / "annotations/gold" / f"{doc_id}.json").read_text(encoding="utf-8"))
    cluster: str | None = next(c for c in gold["claims"] if c["claim_id"] == claim_id)["cluster_id"]
    return cluster


def test_apply_assigns_creates_validates_and_twice_changes_nothing(
    scratch: Scratch, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = f"The port authority will publish its drone inventory on{NBSP}Monday."
    path = decide(
        scratch,
        capsys,
        {
            (scratch.a, "a1"): f"assign {scratch.su35}",
            (scratch.a, "a2"): "none",
            (scratch.a, "a3"): f"new port-drone-inventory {statement}",
            (scratch.b, "b1"): "assign port-drone-inventory",
        },
    )
    untouched = {p: b for p, b in snapshot(scratch.root).items() if scratch.a not in p and scratch.b not in p}
    code, out, err = cli(capsys, "clusters", "apply", str(path))
    assert code == 0, err
    assert out.splitlines()[0] == "3 claim(s) assigned, 1 cluster(s) created, 1 left without a cluster"
    assert cluster_of(scratch.root, scratch.a, "a1") == scratch.su35
    assert cluster_of(scratch.root, scratch.a, "a2") is None
    assert (
        cluster_of(scratch.root, scratch.a, "a3") == cluster_of(scratch.root, scratch.b, "b1") == "port-drone-inventory"
    )
    listed = json.loads((scratch.root / "annotations/clusters.json").read_text(encoding="utf-8"))["clusters"]
    created = next(c for c in listed if c["cluster_id"] == "port-drone-inventory")
    assert created["story_id"] == scratch.story
    assert created["statement"] == "The port authority will publish its drone inventory on Monday."
    ids = [c["cluster_id"] for c in listed]
    assert ids == sorted(ids)
    # Only clusters.json and the two gold files changed.
    after = snapshot(scratch.root)
    changed = sorted(p for p, b in untouched.items() if after[p] != b)
    assert changed == ["annotations/clusters.json"]
    assert cli(capsys, "validate", "--inputs-only")[0] == 0

    code, out, _ = cli(capsys, "clusters", "apply", str(path))
    assert code == 0
    assert out.splitlines() == [
        "0 claim(s) assigned, 0 cluster(s) created, 3 already so, 1 left without a cluster",
        "nothing to change: no file written",
    ]
    assert snapshot(scratch.root) == after
    # Those claims have a cluster now: proposing again leaves them out.
    again = json.loads(cli(capsys, "clusters", "propose", "--doc", scratch.a, scratch.b)[1])
    assert [(p["doc_id"], p["claim_id"]) for p in again["claims"]] == [(scratch.a, "a2")]


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (
            "assign no-such-cluster",
            "cluster 'no-such-cluster' is not in annotations/clusters.json; expected an existing cluster of story "
            "'{story}', or \"new no-such-cluster <statement>\" to create it",
        ),
        (
            "assign bridge-reopens",
            "cluster 'bridge-reopens' is of story '" + OTHER_STORY + "'; expected a cluster of story '{story}' "
            "(the story of document '{a}')",
        ),
        (
            "new Bad_Id Iran could get jets.",
            "cluster id 'Bad_Id' is not a valid name: expected 1 to 64 lower-case letters, digits, '_' or '-', "
            "starting with a letter or digit",
        ),
        (
            "new bridge-reopens The bridge reopens.",
            "cluster 'bridge-reopens' already exists, of story '" + OTHER_STORY + "'; expected a new cluster_id "
            "for story '{story}'",
        ),
        (
            "asign x",
            '\'asign x\' is not a decision: expected "" (undecided), "none", "assign <cluster_id>" or '
            '"new <cluster_id> <statement>"',
        ),
        ("new lonely-id", "'new lonely-id' has no statement: expected \"new lonely-id <statement>\""),
    ],
)
def test_apply_refuses_an_invalid_decision_and_writes_nothing(
    scratch: Scratch, capsys: pytest.CaptureFixture[str], decision: str, message: str
) -> None:
    code, _, err = cli(
        capsys, "clusters", "create", "bridge-reopens", "--story", OTHER_STORY, "--statement", "The bridge reopens."
    )
    assert code == 0, err
    # A valid decision beside the bad one: it is not applied either.
    path = decide(scratch, capsys, {(scratch.a, "a1"): decision, (scratch.b, "b1"): f"assign {scratch.su35}"})
    before = snapshot(scratch.root)
    code, out, err = cli(capsys, "clusters", "apply", str(path))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "newsclaims clusters apply: refused; nothing was changed:",
        f"{path}:{scratch.a}/a1:decision: " + message.format(story=scratch.story, a=scratch.a),
    ]
    assert snapshot(scratch.root) == before


def test_apply_refuses_a_stale_or_malformed_file(scratch: Scratch, capsys: pytest.CaptureFixture[str]) -> None:
    path = decide(scratch, capsys, {(scratch.a, "a1"): f"assign {scratch.su35}"})
    data = json.loads(path.read_text(encoding="utf-8"))
    data["claims"][0]["story_id"] = OTHER_STORY
    path.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(scratch.root)
    code, _, err = cli(capsys, "clusters", "apply", str(path))
    assert code == 1
    assert err.splitlines()[1] == (
        f"{path}:{scratch.a}/a1:story_id: story '{OTHER_STORY}' is not the document's story '{scratch.story}'; "
        f"expected '{scratch.story}' (propose again)"
    )
    data["claims"][0]["candidates"][0]["score"] = 2
    del data["claims"][0]["decision"]
    data["claims"][0]["claim_id"] = "../x"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = cli(capsys, "clusters", "apply", str(path))
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"newsclaims clusters apply: {path} is not a decisions file; nothing was changed:"
    assert {line.split(": ")[0] for line in lines[1:]} == {
        f"{path}:{scratch.a}/../x:claim_id",
        f"{path}:{scratch.a}/../x:candidates[0].cluster.score",
    }
    assert snapshot(scratch.root) == before


def test_a_result_that_would_not_validate_is_refused_naming_the_problems(
    scratch: Scratch, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every rule is checked before the apply plans anything: make the validator's check of the
    # planned files find a problem, as a rule the planning does not foresee would.
    found = problem("NC305", "annotations/gold/x.json", "a1", "cluster_id", "as the validator would say")
    monkeypatch.setattr(clusters_module, "check_file", lambda label, data, reg: [found])
    path = decide(scratch, capsys, {(scratch.a, "a1"): f"assign {scratch.su35}"})
    before = snapshot(scratch.root)
    code, _, err = cli(capsys, "clusters", "apply", str(path))
    assert code == 1
    assert err.splitlines() == [
        "newsclaims clusters apply: the result would not validate; nothing was changed:",
        str(found),
    ]
    assert snapshot(scratch.root) == before


def test_apply_refuses_a_repository_that_does_not_validate(
    scratch: Scratch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = decide(scratch, capsys, {(scratch.a, "a1"): f"assign {scratch.su35}"})
    gold = scratch.root / "annotations/gold" / f"{scratch.b}.json"
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["claims"][0]["cluster_id"] = "no-such-cluster"
    gold.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(scratch.root)
    code, _, err = cli(capsys, "clusters", "apply", str(path))
    assert code == 1
    assert "the repository does not validate" in err and "NC305" in err
    assert snapshot(scratch.root) == before


# -- assign, create, list -------------------------------------------------------------------------


def test_assign_create_and_list_from_the_command_line(scratch: Scratch, capsys: pytest.CaptureFixture[str]) -> None:
    statement = "The port authority will publish its drone inventory on Monday."
    code, out, err = cli(
        capsys, "clusters", "create", "port-drone-inventory", "--story", scratch.story, "--statement", statement
    )
    assert code == 0, err
    assert out.splitlines()[-1] == "wrote annotations/clusters.json"
    before = snapshot(scratch.root)
    assert (
        cli(capsys, "clusters", "create", "port-drone-inventory", "--story", scratch.story, "--statement", statement)[
            1
        ].splitlines()[-1]
        == "nothing to change: no file written"
    )
    assert snapshot(scratch.root) == before

    for doc_id, claim_id in ((scratch.a, "a3"), (scratch.b, "b1")):
        code, out, err = cli(capsys, "clusters", "assign", doc_id, claim_id, "port-drone-inventory")
        assert code == 0, err
        assert out.splitlines()[-1] == f"wrote annotations/gold/{doc_id}.json"
    assert cli(capsys, "validate", "--inputs-only")[0] == 0

    code, out, _ = cli(capsys, "clusters", "list", "--story", scratch.story, "--members")
    assert code == 0
    lines = out.splitlines()
    at = lines.index(f"port-drone-inventory\t{scratch.story}\t2 member(s)\t{statement}")
    assert lines[at + 1 : at + 3] == sorted(
        [f"  {scratch.a}/a3\t{A_CLAIMS['a3']}", f"  {scratch.b}/b1\t{B_CLAIMS['b1']}"]
    )
    assert not any(OTHER_STORY in line for line in lines)

    # Moving a claim to another cluster takes --replace.
    before = snapshot(scratch.root)
    code, _, err = cli(capsys, "clusters", "assign", scratch.a, "a3", scratch.su35)
    assert code == 1
    assert err.splitlines()[1] == (
        f"command line:{scratch.a}/a3:cluster_id: claim is already in cluster 'port-drone-inventory'; "
        "expected a claim without a cluster (propose again, or assign with --replace)"
    )
    assert snapshot(scratch.root) == before
    assert cli(capsys, "clusters", "assign", scratch.a, "a3", scratch.su35, "--replace")[0] == 0
    assert cluster_of(scratch.root, scratch.a, "a3") == scratch.su35


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            ["create", "Bad Id", "--story", "{story}", "--statement", "x"],
            [
                "command line:Bad Id:cluster_id: cluster id 'Bad Id' is not a valid name: expected 1 to 64 "
                "lower-case letters, digits, '_' or '-', starting with a letter or digit"
            ],
        ),
        (
            ["create", "new-one", "--story", "no-such-story", "--statement", " "],
            [
                "command line:new-one:statement: the statement is empty; expected a canonical, neutral wording of "
                "the claim",
                "command line:new-one:story_id: story 'no-such-story' has no document; expected one of {stories}",
            ],
        ),
        (
            ["assign", "{a}", "a9", "{su35}"],
            ["command line:{a}/a9:claim_id: claim 'a9' is not in annotations/gold/{a}.json; expected one of its "
             "claim ids"],
        ),
        (
            ["assign", "no-such-doc", "a1", "{su35}"],
            ["command line:no-such-doc/a1:doc_id: document 'no-such-doc' has no gold file; expected a doc_id of "
             "annotations/gold/<doc_id>.json"],
        ),
    ],
)  # fmt: skip
def test_single_edits_are_refused_with_located_messages(
    scratch: Scratch, capsys: pytest.CaptureFixture[str], args: list[str], lines: list[str]
) -> None:
    manifest = json.loads((scratch.root / "seeds/manifest.json").read_text(encoding="utf-8"))
    stories = ", ".join(repr(s) for s in sorted({e["story_id"] for e in manifest["documents"]}))
    fill = {"story": scratch.story, "a": scratch.a, "su35": scratch.su35, "stories": stories}
    before = snapshot(scratch.root)
    code, out, err = cli(capsys, "clusters", *(a.format(**fill) for a in args))
    assert (code, out) == (1, "")
    assert err.splitlines()[1:] == [line.format(**fill) for line in lines]
    assert snapshot(scratch.root) == before
