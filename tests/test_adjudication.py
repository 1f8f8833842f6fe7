"""``round adjudicate``: what it keeps of gold, its decisions file, and the review from Label Studio.

Runs on a copy of this repository; the documents are whatever pages have gold there.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import gold_doc_ids

from newsclaims import validate
from newsclaims.annotation.labelstudio.config import gold_to_results
from newsclaims.annotation.rounds.adjudication import adjudicate, units_of
from newsclaims.annotation.rounds.importing import import_export
from newsclaims.annotation.rounds.review import apply_review, review_tasks
from newsclaims.annotation.rounds.round import Round, RoundError, create_round
from newsclaims.cli import main
from newsclaims.core.models import GoldFile

TODAY = datetime.date(2026, 12, 3)


def gold(root: Path, doc_id: str) -> GoldFile:
    return GoldFile.model_validate_json((root / f"annotations/gold/{doc_id}.json").read_bytes())


def two_annotator_round(root: Path, name: str, kind: str, docs: list[str], edit: Any = None) -> Round:
    """A round whose annotators ann1 (user 1) and ann2 (user 2) accepted the gold predictions,
    ann2 with ``edit(doc_id, result)`` applied; imported from an export as Label Studio writes it."""
    rnd = create_round(root, name, kind, docs, ["ann1=1", "ann2=2"], "gold", TODAY)
    tasks = json.loads((rnd.folder / "tasks.json").read_text(encoding="utf-8"))
    export = []
    for tid, task in enumerate(tasks, 1):
        first = task["predictions"][0]["result"] if task.get("predictions") else []
        second = copy.deepcopy(first)
        if edit is not None:
            edit(task["data"]["doc_id"], second)
        annotations = [
            {"id": 10 * tid + user, "completed_by": user, "result": result, "was_cancelled": False}
            for user, result in ((1, first), (2, second))
        ]
        export.append({"id": tid, "data": task["data"], "annotations": annotations})
    import_export(root, name, json.dumps(export).encode())
    return rnd


# --- what adjudication keeps of gold -------------------------------------------------------------


def test_adjudicating_the_gold_unchanged_keeps_every_note(repo: Path) -> None:
    """Label Studio carries no notes: gold's notes of claims and attributions must survive."""
    docs = gold_doc_ids(repo)
    before = {d: gold(repo, d) for d in docs}
    assert any(a.note for g in before.values() for a in g.attributions), "the copy has attribution notes"
    two_annotator_round(repo, "r-notes", "claims", docs)
    adjudicate(repo, "r-notes", "majority")
    for d in docs:
        after = gold(repo, d)
        old_notes = sorted((a.source.text if a.source else "", a.note or "") for a in before[d].attributions)
        assert sorted((a.source.text if a.source else "", a.note or "") for a in after.attributions) == old_notes
        assert sorted(c.note or "" for c in after.claims) == sorted(c.note or "" for c in before[d].claims)
    assert validate(repo, corpus=False) == []


# --- the decisions file --------------------------------------------------------------------------


def adjudicate_cli(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["round", "adjudicate", *args, "--root", str(repo)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", "decisions.json:-:-: Input should be an object, got [1, 2]"),
        ("{not json", "decisions.json: not valid JSON"),
        ('{"DOC": {"accept": 5}}', "decisions.json:DOC:accept: Input should be a valid array, got 5"),
        ('{"DOC": {"acept": []}}', "decisions.json:DOC:acept: Extra inputs are not permitted"),
        ('{"DOC": {"accept": ["no|such|unit"]}}', "DOC:accept[0]: 'no|such|unit' is not a unit of any annotator"),
        ('{"zzz-not-in-round": {"reject": []}}', "zzz-not-in-round: not a document of this round"),
    ],
)
def test_a_bad_decisions_file_is_refused_with_its_place(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    doc = gold_doc_ids(repo)[0]
    two_annotator_round(repo, "r-dec", "noise", [doc])
    path = tmp_path / "decisions.json"
    path.write_text(content.replace("DOC", doc), encoding="utf-8")
    before = (repo / f"annotations/gold/{doc}.json").read_bytes()
    code, out, err = adjudicate_cli(repo, capsys, "r-dec", "--decisions", str(path))
    assert code == 1 and out == ""
    assert expected.replace("DOC", doc) in err and "Traceback" not in err
    assert err.startswith("newsclaims round adjudicate: ")
    assert (repo / f"annotations/gold/{doc}.json").read_bytes() == before
    assert not (Round(repo, "r-dec").folder / "adjudication.json").exists()


def test_a_key_both_accepted_and_rejected_is_refused(repo: Path, tmp_path: Path) -> None:
    doc = gold_doc_ids(repo)[0]
    rnd = two_annotator_round(repo, "r-both", "noise", [doc])
    key = next(iter(units_of("noise", GoldFile.model_validate_json(rnd.annotator_file("ann1", doc).read_bytes()))))
    with pytest.raises(RoundError, match="is both accepted and rejected"):
        adjudicate(repo, "r-both", "majority", {doc: {"accept": [key], "reject": [key]}})


# --- the review from Label Studio, from files ------------------------------------------------------


def noise_round_with_a_disagreement(repo: Path) -> tuple[Round, str, str]:
    """A noise round on a page with gold noise, where ann2 left out the first span."""
    doc = next(d for d in gold_doc_ids(repo) if len(gold(repo, d).noise) >= 2)
    left_out: list[str] = []

    def drop_first(doc_id: str, result: list[dict[str, Any]]) -> None:
        left_out.append(result.pop(0)["value"]["text"])

    return two_annotator_round(repo, "r-review", "noise", [doc], drop_first), doc, left_out[0]


def review_export(rnd: Round, annotations: list[list[list[dict[str, Any]]]], user: Any = 9) -> bytes:
    """The review project's export: its tasks as pushed; ``annotations[i]`` are task i's submitted
    annotations, each a list of results."""
    tasks = review_tasks(rnd.root, rnd.name, "union")
    out = []
    for tid, (task, results) in enumerate(zip(tasks, annotations, strict=True), 500):
        assert isinstance(task, dict)
        submitted = [
            {"id": 10 * tid + i, "completed_by": user, "result": r, "was_cancelled": False}
            for i, r in enumerate(results)
        ]
        out.append({"id": tid, "data": task["data"], "annotations": submitted, "predictions": task["predictions"]})
    return json.dumps(out, ensure_ascii=False).encode()


def test_the_review_tasks_show_every_annotator_and_the_strategy(repo: Path) -> None:
    rnd, doc, _ = noise_round_with_a_disagreement(repo)
    (task,) = review_tasks(repo, "r-review", "majority")
    assert isinstance(task, dict)
    assert task["data"]["doc_id"] == doc
    names = [p["model_version"] for p in task["predictions"]]
    assert names == ["strategy:majority", "ann1", "ann2"]
    by_name = {p["model_version"]: p["result"] for p in task["predictions"]}
    ann2 = GoldFile.model_validate_json(rnd.annotator_file("ann2", doc).read_bytes())
    assert by_name["ann2"] == gold_to_results(ann2, "noise")
    assert by_name["strategy:majority"] == by_name["ann2"]  # with two annotators: what both marked
    assert len(by_name["ann1"]) == len(by_name["ann2"]) + 1


def test_a_review_puts_the_reviewers_version_into_gold(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rnd, doc, left_out = noise_round_with_a_disagreement(repo)
    (task,) = review_tasks(repo, "r-review", "union")
    assert isinstance(task, dict)
    ann1 = next(p["result"] for p in task["predictions"] if p["model_version"] == "ann1")
    reviewed = ann1[1:]  # the reviewer sides with ann2 on the first span, keeps the rest
    export = tmp_export(repo, review_export(rnd, [[reviewed]], user={"id": 9, "email": "lead@example.org"}))

    code, out, err = adjudicate_cli(repo, capsys, "r-review", "--pull", str(export))
    assert (code, err) == (0, ""), out
    assert f"{doc}: reviewed by user id 9 lead@example.org: " in out
    after = gold(repo, doc)
    assert left_out not in [n.text for n in after.noise]
    assert len(after.noise) == len(ann1) - 1
    assert after.provenance.rounds[-1] == "r-review"
    decided = json.loads((rnd.folder / "adjudication.json").read_text(encoding="utf-8"))
    assert decided["strategy"] == "review"
    assert decided["documents"][doc]["reviewer"] == "user id 9 lead@example.org"
    assert [k.split("|")[2] for k in decided["documents"][doc]["dropped"]] == [
        f"{r['value']['start']}:{r['value']['end']}" for r in ann1[:1]
    ]
    kept = rnd.folder / "exports"
    assert export.read_bytes() in [p.read_bytes() for p in kept.iterdir()]  # the export, byte for byte
    assert validate(repo, corpus=False) == []


def tmp_export(repo: Path, data: bytes) -> Path:
    path = repo.parent / "review-export.json"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("reviews", "code", "expected", "status"),
    [
        (0, "NC716", "no submitted review yet: the document is not adjudicated", 0),
        (2, "NC715", "2 submitted reviews (5000, 5001): none applied; keep one in Label Studio", 1),
        (-1, "NC708", "cannot be imported (above): the document's gold is left as it was", 1),
    ],
)
def test_a_task_reviewed_twice_or_not_at_all_leaves_gold_alone(
    repo: Path, capsys: pytest.CaptureFixture[str], reviews: int, code: str, expected: str, status: int
) -> None:
    rnd, doc, _ = noise_round_with_a_disagreement(repo)
    before = (repo / f"annotations/gold/{doc}.json").read_bytes()
    broken: list[list[dict[str, Any]]] = [[{"id": "x", "from_name": "noise", "type": "labels", "value": {"start": -4}}]]
    body = review_export(rnd, [[[] for _ in range(reviews)] if reviews >= 0 else broken])
    exit_code, out, err = adjudicate_cli(repo, capsys, "r-review", "--pull", str(tmp_export(repo, body)))
    assert f"task 500 annotation {'5000' if code == 'NC708' else '-'} region -: {code} " in out and expected in out
    assert exit_code == status, err
    assert (repo / f"annotations/gold/{doc}.json").read_bytes() == before


def test_a_review_of_an_unknown_or_repeated_document_is_a_line(repo: Path) -> None:
    rnd, _, _ = noise_round_with_a_disagreement(repo)
    tasks = json.loads(review_export(rnd, [[]]))
    stranger = {**tasks[0], "id": 501, "data": {**tasks[0]["data"], "doc_id": "zzz-unknown"}}
    again = {**tasks[0], "id": 502}
    pulled = apply_review(repo, "r-review", json.dumps([tasks[0], stranger, again]).encode())
    lines = [(i.task, i.code) for i in pulled.issues]
    assert ("501", "NC701") in lines and ("502", "NC710") in lines


def test_review_flags_are_refused_together_or_with_decisions(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise_round_with_a_disagreement(repo)
    code, _, err = adjudicate_cli(repo, capsys, "r-review", "--push", "--pull", "x.json")
    assert code == 1 and "give one of them" in err
    (tmp_path / "d.json").write_text("{}", encoding="utf-8")
    code, _, err = adjudicate_cli(repo, capsys, "r-review", "--pull", "x.json", "--decisions", str(tmp_path / "d.json"))
    assert code == 1 and "--decisions is for adjudication from files" in err


def test_a_gold_file_symlinked_out_of_the_repository_is_not_written_through(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = gold_doc_ids(repo)[0]
    two_annotator_round(repo, "r-link", "noise", [doc])
    outside = tmp_path / "outside.json"
    gold_path = repo / f"annotations/gold/{doc}.json"
    outside.write_bytes(gold_path.read_bytes())
    gold_path.unlink()
    gold_path.symlink_to(outside)
    before = outside.read_bytes()
    code, _, err = adjudicate_cli(repo, capsys, "r-link", "--strategy", "union")
    assert code == 1
    assert err == (
        f"newsclaims round: refused: {gold_path}: refused to write outside the repository {repo} "
        f"(it resolves to {outside})\n"
    )
    assert outside.read_bytes() == before and gold_path.is_symlink()


# --- check-worthiness is a property of a claim, not its identity -----------------------------------


def flip_first_checkworthiness(doc_id: str, result: list[dict[str, Any]]) -> None:
    choice = next(r for r in result if r.get("from_name") == "checkworthy")
    was = choice["value"]["choices"][0]
    choice["value"]["choices"] = ["not_checkworthy" if was == "checkworthy" else "checkworthy"]


@pytest.mark.parametrize(("strategy", "expected"), [("union", True), ("majority", True), ("prefer:ann2", None)])
def test_a_claim_both_marked_is_kept_once_whatever_they_said_of_it(
    repo: Path, strategy: str, expected: bool | None
) -> None:
    doc = next(d for d in gold_doc_ids(repo) if gold(repo, d).attributions)
    before = gold(repo, doc)
    rnd = two_annotator_round(repo, "r-worth", "claims", [doc], flip_first_checkworthiness)
    first = min(before.claims, key=lambda c: (c.fragments[0].start, c.fragments[-1].end))
    flipped = not first.checkworthy
    result = adjudicate(repo, "r-worth", strategy)
    after = gold(repo, doc)
    same_span = [c for c in after.claims if c.fragments == first.fragments]
    # One claim, never two; with its attributions; the value the strategy says (ann2's: flipped).
    assert [c.checkworthy for c in same_span] == [flipped if expected is None else expected]
    assert len(after.claims) == len(before.claims) and len(after.attributions) == len(before.attributions)
    decided = result.documents[doc]
    span = "+".join(f"{f.start}:{f.end}" for f in first.fragments)
    assert {k for k in decided.conflicts if k.startswith("claim|")} == {f"claim|{span}|{v}" for v in (True, False)}
    assert validate(repo, corpus=False) == []
    assert rnd.manifest().pass_ == "claims"


def test_an_attribution_left_out_with_its_claim_is_listed_as_dropped(repo: Path) -> None:
    doc = next(d for d in gold_doc_ids(repo) if gold(repo, d).attributions)
    before = gold(repo, doc)
    claim = next(c for c in before.claims if any(a.claim_id == c.claim_id for a in before.attributions))
    span = "+".join(f"{f.start}:{f.end}" for f in claim.fragments)
    two_annotator_round(repo, "r-orphan", "claims", [doc])
    key = f"claim|{span}|{claim.checkworthy}"
    result = adjudicate(repo, "r-orphan", "majority", {doc: {"reject": [key]}})
    dropped = result.documents[doc].dropped
    orphans = [k for k in dropped if k.startswith(f"attribution|{span}|")]
    assert len(orphans) == sum(a.claim_id == claim.claim_id for a in before.attributions)
    after = gold(repo, doc)
    assert all(c.fragments != claim.fragments for c in after.claims)


def change_last_attribution_stance(doc_id: str, result: list[dict[str, Any]]) -> None:
    """ann2 gives the last source region of the page another stance: one disputed attribution."""
    choice = [r for r in result if str(r.get("from_name", "")).startswith("stance_")][-1]
    was = choice["value"]["choices"][0]
    choice["value"]["choices"] = ["denies" if was != "denies" else "asserts"]


@pytest.mark.parametrize("strategy", ["majority", "union", "prefer:ann1"])
def test_accepting_one_attribution_keeps_every_other_unit_of_the_page(repo: Path, strategy: str) -> None:
    """A decision accepting one disputed attribution settles that one: the claims and the
    attributions both annotators marked stay (a decision once emptied the rest of the page)."""
    doc = max(gold_doc_ids(repo), key=lambda d: len(gold(repo, d).attributions))
    before = gold(repo, doc)
    assert len(before.attributions) >= 2, "a page with several attributions"
    rnd = two_annotator_round(repo, "r-accept", "claims", [doc], change_last_attribution_stance)
    mine = units_of("claims", GoldFile.model_validate_json(rnd.annotator_file("ann2", doc).read_bytes()))
    theirs = units_of("claims", GoldFile.model_validate_json(rnd.annotator_file("ann1", doc).read_bytes()))
    (disputed,) = [k for k in mine if k.startswith("attribution|") and k not in theirs]
    result = adjudicate(repo, "r-accept", strategy, {doc: {"accept": [disputed]}})
    after = gold(repo, doc)
    assert len(after.claims) == len(before.claims)
    assert len(after.attributions) == len(before.attributions)  # the accepted one in place of ann1's
    assert disputed in units_of("claims", after)
    assert result.documents[doc].kept == len(before.claims) + len(before.attributions)
    assert validate(repo, corpus=False) == []


def test_a_round_of_every_layer_says_it_is_measured_not_adjudicated(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rnd = two_annotator_round(repo, "r-all", "noise", [gold_doc_ids(repo)[0]])
    manifest = json.loads((rnd.folder / "round.json").read_text(encoding="utf-8"))
    (rnd.folder / "round.json").write_text(json.dumps({**manifest, "pass": "all"}), encoding="utf-8")
    code, out, err = adjudicate_cli(repo, capsys, "r-all", "--strategy", "union")
    assert (code, out) == (1, "")
    assert err == (
        "newsclaims round adjudicate: round r-all annotates every layer at once (pass 'all'): it can be "
        "measured (`newsclaims round agreement`) but not imported from Label Studio or adjudicated; a round "
        "of one pass can (brat: `newsclaims import brat ... --pass noise|entities|claims`)\n"
    )
