"""A complete annotation round from files alone: create, import, agreement, adjudicate, validate."""

from __future__ import annotations

import copy
import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims import validate
from newsclaims.annotation.labelstudio.convert import IMPORT_RULES
from newsclaims.annotation.rounds.adjudication import adjudicate
from newsclaims.annotation.rounds.importing import ImportReport, import_export
from newsclaims.annotation.rounds.report import round_agreement
from newsclaims.annotation.rounds.round import Account, Round, RoundError, create_round
from newsclaims.core.models import GoldFile

DOCS = ["002_66b9e44e360c82d3", "004_30fd1aad6509c6c0"]
TODAY = datetime.date(2026, 11, 22)


def export_from(rnd: Round, edit: Any = None) -> bytes:
    """What Label Studio exports after two annotators accepted the predictions (ann2 with edits)."""
    tasks = json.loads((rnd.folder / "tasks.json").read_text())
    out = []
    for tid, task in enumerate(tasks, 1):
        result = task["predictions"][0]["result"]
        second = copy.deepcopy(result)
        if edit:
            edit(task["data"]["doc_id"], second)
        out.append(
            {
                "id": tid,
                "data": task["data"],
                "annotations": [
                    {"id": 10 * tid + 1, "completed_by": 1, "result": result, "was_cancelled": False},
                    {"id": 10 * tid + 2, "completed_by": 2, "result": second, "was_cancelled": False},
                    {"id": 10 * tid + 3, "completed_by": 3, "result": [], "was_cancelled": True},
                ],
            }
        )
    return json.dumps(out).encode()


def set_users(rnd: Round, **accounts: Account) -> None:
    """The round's annotators as Label Studio users (by default ann1 is user 1 and ann2 user 2)."""
    accounts = accounts or {"ann1": Account(id=1), "ann2": Account(id=2)}
    manifest = rnd.manifest().model_copy(update={"accounts": accounts})
    (rnd.folder / "round.json").write_text(json.dumps(manifest.as_dict()))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_noise_round_from_files(repo: Path) -> None:
    rnd = create_round(repo, "r1-noise", "noise", DOCS, ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd)
    dropped: list[str] = []

    def drop_first(doc_id: str, result: list[dict[str, Any]]) -> None:
        if doc_id == DOCS[0]:
            dropped.append(result.pop(0)["value"]["text"])

    export = export_from(rnd, drop_first)
    report = import_export(repo, "r1-noise", export)
    assert (report.tasks, report.annotations, report.cancelled, report.imported) == (2, 6, 2, 4)
    assert [(i.task, i.annotation, i.region, i.code) for i in report.issues] == [
        ("1", "13", "-", "NC713"),  # user 3's skips: not imported, and said so
        ("2", "23", "-", "NC713"),
    ]
    assert (rnd.folder / report.export).read_bytes() == export  # kept verbatim
    before = tree(rnd.folder)
    import_export(repo, "r1-noise", export)
    assert tree(rnd.folder) == before  # a re-import changes nothing

    agreement = round_agreement(repo, "r1-noise")
    average = agreement.average["noise"]["*"]
    assert average.f1_exact is not None and average.f1_exact < 1.0
    assert [d.text for d in agreement.disagreements] == dropped
    assert "ann1~ann2" in (rnd.folder / "agreement.md").read_text()

    gold_before = GoldFile.model_validate_json((repo / f"annotations/gold/{DOCS[0]}.json").read_bytes())
    result = adjudicate(repo, "r1-noise", "majority")
    assert result.documents[DOCS[0]].conflicts
    gold_after = GoldFile.model_validate_json((repo / f"annotations/gold/{DOCS[0]}.json").read_bytes())
    assert len(gold_after.noise) == len(gold_before.noise) - 1  # the span only ann1 had is out
    assert gold_after.mentions == gold_before.mentions  # other layers untouched
    assert gold_after.provenance.rounds == ["r1-noise"]
    assert [p for p in validate(repo, corpus=False)] == []

    adjudicate(repo, "r1-noise", "prefer:ann1")
    restored = GoldFile.model_validate_json((repo / f"annotations/gold/{DOCS[0]}.json").read_bytes())
    assert [(n.start, n.end) for n in restored.noise] == [(n.start, n.end) for n in gold_before.noise]


def test_claims_round_keeps_clusters_and_notes(repo: Path) -> None:
    every = sorted(p.stem for p in (repo / "annotations/gold").glob("*.json"))  # every page with gold
    rnd = create_round(repo, "r2-claims", "claims", every, ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd)
    import_export(repo, "r2-claims", export_from(rnd))
    before = {d: (repo / f"annotations/gold/{d}.json").read_bytes() for d in every}
    adjudicate(repo, "r2-claims", "majority")
    for d in every:
        old = GoldFile.model_validate_json(before[d])
        new = GoldFile.model_validate_json((repo / f"annotations/gold/{d}.json").read_bytes())
        assert [(c.fragments, c.cluster_id, c.checkworthy) for c in new.claims] == [
            (c.fragments, c.cluster_id, c.checkworthy) for c in sorted(old.claims, key=lambda c: c.fragments[0].start)
        ]
        assert len(new.attributions) == len(old.attributions)
        assert sum(a.parent_id is not None for a in new.attributions) == sum(
            a.parent_id is not None for a in old.attributions
        )
    assert validate(repo, corpus=False) == []


def test_task_for_a_changed_text_is_refused_but_others_import(repo: Path) -> None:
    rnd = create_round(repo, "r3", "noise", DOCS, ["ann1"], "gold", TODAY)
    set_users(rnd)
    tasks = json.loads(export_from(rnd))
    tasks[0]["data"]["text_sha256"] = "0" * 64
    report = import_export(repo, "r3", json.dumps(tasks).encode())
    assert report.refused_tasks == 1 and [i.code for i in report.issues] == ["NC701", "NC713"]
    assert report.imported == 2  # ann1 and ann2 of the other task


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("../x", "noise", DOCS, ["a"], "none"), "not a valid name"),
        (("r", "speech", DOCS, ["a"], "none"), "pass"),
        (("r", "noise", ["nope"], ["a"], "none"), "unknown doc_id"),
        (("r", "noise", DOCS, ["A B"], "none"), "not a valid name"),
        (("r", "noise", DOCS, ["a=1", "b=1"], "none"), "'a' and 'b' are given the same Label Studio user"),
        (("r", "noise", DOCS, ["a=Bea@x.org", "b=bea@X.org"], "none"), "the same Label Studio user"),
        (("r", "noise", DOCS, ["a", "a=2"], "none"), "'a' is listed twice"),
        (("r", "noise", DOCS, ["a=bea"], "none"), "user id .a number. or the user's email"),
        (("r", "noise", [DOCS[0], DOCS[0]], ["a"], "none"), "listed twice"),
    ],
)
def test_create_refuses_bad_input(repo: Path, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(RoundError, match=message):
        create_round(repo, *args, TODAY)
    assert not (repo / "annotations/rounds/r").exists()


def test_rules_predictions_come_from_the_pre_annotator(repo: Path) -> None:
    rnd = create_round(repo, "r4", "noise", DOCS, ["ann1"], "rules", TODAY)
    tasks = json.loads((rnd.folder / "tasks.json").read_text())
    assert all(t["predictions"][0]["model_version"] == "rules" for t in tasks)
    assert any(t["predictions"][0]["result"] for t in tasks)


def test_the_round_commands(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsclaims.cli import main

    root = ["--root", str(repo)]
    assert (
        main(
            [
                "round",
                "create",
                "r5",
                "--pass",
                "noise",
                "--docs",
                DOCS[1],
                "--annotators",
                "ann1",
                "--predictions",
                "gold",
                *root,
            ]
        )
        == 0
    )
    rnd = Round(repo, "r5")
    set_users(rnd)
    export = tmp_path / "export.json"
    export.write_bytes(export_from(rnd))
    assert main(["round", "import", "r5", str(export), *root]) == 0
    assert main(["round", "agreement", "r5", *root]) == 0
    assert main(["round", "adjudicate", "r5", *root]) == 0
    out = capsys.readouterr().out
    assert "imported 2 annotation file(s)" in out and "adjudicated round r5 (majority)" in out
    assert main(["round", "import", "r5", str(tmp_path / "missing.json"), *root]) == 2


def test_committed_agreement_reports_are_current() -> None:
    from newsclaims.annotation.rounds.report import agreement_markdown, compute_agreement

    reported = sorted(p.parent for p in (REPO_ROOT / "annotations/rounds").glob("*/agreement.json"))
    assert reported, "no committed round has an agreement report"
    for folder in reported:  # a round whose lead skipped `round agreement` has none to be stale
        manifest = folder / "round.json"
        name = manifest.parent.name
        report = compute_agreement(REPO_ROOT, name)
        assert json.loads((manifest.parent / "agreement.json").read_text()) == report.as_dict(), (
            f"run `newsclaims round agreement {name}`"
        )
        assert (manifest.parent / "agreement.md").read_text() == agreement_markdown(report)


junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 50) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "data",
                    "annotations",
                    "result",
                    "completed_by",
                    "was_cancelled",
                    "doc_id",
                    "text_sha256",
                    "value",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks=st.lists(junk, max_size=4))
def test_random_exports_never_crash_and_lose_nothing(
    tmp_path_factory: pytest.TempPathFactory, tasks: list[Any]
) -> None:
    root = tmp_path_factory.mktemp("fuzz") / "repo"
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    rnd = create_round(root, "fz", "noise", DOCS, ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd)
    import_export(root, "fz", export_from(rnd))
    before = {p: p.read_bytes() for p in sorted((rnd.folder / "annotators").rglob("*.json"))}
    report = import_export(root, "fz", json.dumps(tasks).encode())
    assert all(i.code in IMPORT_RULES for i in report.issues)
    for path, data in before.items():  # an export that does not mention a file leaves it alone
        if str(path.relative_to(rnd.folder)) not in report.written:
            assert path.read_bytes() == data


def test_entities_round_keeps_source_links_and_notes(repo: Path) -> None:
    # Dropping a mention renumbers the others: attributions must follow their mentions, not old ids.
    doc = DOCS[0]
    rnd = create_round(repo, "r6", "entities", [doc], ["ann1"], "gold", TODAY)
    set_users(rnd)
    tasks = json.loads((rnd.folder / "tasks.json").read_text())
    result = tasks[0]["predictions"][0]["result"][2:]  # the first mention (region + entity id) left out
    export = [{"id": 1, "data": tasks[0]["data"], "annotations": [{"id": 2, "completed_by": 1, "result": result}]}]
    import_export(repo, "r6", json.dumps(export).encode())
    before = GoldFile.model_validate_json((repo / f"annotations/gold/{doc}.json").read_bytes())
    adjudicate(repo, "r6", "majority")
    after = GoldFile.model_validate_json((repo / f"annotations/gold/{doc}.json").read_bytes())
    assert len(after.mentions) == len(before.mentions) - 1
    old = {m.mention_id: m for m in before.mentions}
    new = {m.mention_id: m for m in after.mentions}
    for a_old, a_new in zip(before.attributions, after.attributions, strict=True):
        if a_old.source and a_old.source.mention_id and a_old.source.mention_id != before.mentions[0].mention_id:
            assert a_new.source is not None and a_new.source.mention_id is not None
            assert new[a_new.source.mention_id].text == old[a_old.source.mention_id].text
    assert [m.note for m in after.mentions] == [m.note for m in before.mentions[1:]]
    assert validate(repo, corpus=False) == []


def test_round_json_reads_back_as_written(repo: Path) -> None:
    for path in sorted((REPO_ROOT / "annotations/rounds").glob("*/round.json")):  # one has pass "all"
        assert Round(REPO_ROOT, path.parent.name).manifest().as_dict() == json.loads(path.read_text())
    rnd = create_round(repo, "r7", "entities", DOCS, ["ann1=4", "ann2=bea@newsroom.org", "ann3"], "none", TODAY)
    data = json.loads((rnd.folder / "round.json").read_text())
    assert data["accounts"] == {"ann1": {"id": 4}, "ann2": {"email": "bea@newsroom.org"}}
    assert rnd.manifest().as_dict() == data
    data.update({"label_studio": {"project": 3}, "comment": "kept on a rewrite"})
    (rnd.folder / "round.json").write_text(json.dumps(data))
    manifest = rnd.manifest()
    accounts = {"ann1": Account(id=4), "ann2": Account(email="bea@newsroom.org")}
    assert (manifest.all_accounts(), manifest.label_studio and manifest.label_studio.project) == (accounts, 3)
    assert list(manifest.as_dict()) == list(data)
    (rnd.folder / "round.json").write_text(json.dumps({**data, "pass": "speech"}))
    with pytest.raises(RoundError, match="unknown pass 'speech'"):
        rnd.manifest()


# -- who made an annotation, and what is not imported ---------------------------------------------


def one_task(rnd: Round, tid: int, annotations: list[dict[str, Any]], doc: int = 0, **extra: Any) -> dict[str, Any]:
    """A task of the export for the round's ``doc``-th document."""
    data = json.loads((rnd.folder / "tasks.json").read_text())[doc]["data"]
    return {"id": tid, "data": data, "annotations": annotations, **extra}


def annotation(aid: int, completed_by: object, rnd: Round, doc: int = 0, **extra: Any) -> dict[str, Any]:
    """An annotation that accepts the round's predictions for its document."""
    result = json.loads((rnd.folder / "tasks.json").read_text())[doc]["predictions"][0]["result"]
    return {"id": aid, "completed_by": completed_by, "result": result, "was_cancelled": False, **extra}


def lines(report: ImportReport) -> list[tuple[str, str, str, str]]:
    return [(i.task, i.annotation, i.region, i.code) for i in report.issues]


def written(rnd: Round) -> dict[str, bytes]:
    return {str(p.relative_to(rnd.folder)): p.read_bytes() for p in sorted((rnd.folder / "annotators").rglob("*.json"))}


def user(uid: int, email: str) -> dict[str, Any]:
    """``completed_by`` as a snapshot export gives it."""
    return {"id": uid, "email": email, "first_name": "", "last_name": ""}


@pytest.mark.parametrize(
    "accounts",
    [
        {"ann1": Account(id=3), "ann2": Account(id=4)},
        {"ann1": Account(email="ann@newsroom-a.org"), "ann2": Account(email="ann@newsroom-b.org")},
        {"ann1": Account(id=3, email="ann@newsroom-a.org"), "ann2": Account(id=4, email="ann@newsroom-b.org")},
    ],
    ids=["by-id", "by-email", "both"],
)
def test_default_and_snapshot_exports_name_the_same_people(repo: Path, accounts: dict[str, Account]) -> None:
    # Two users whose emails share a local part stay two annotators, named by the round alone.
    rnd = create_round(repo, "who", "noise", DOCS[:1], ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd, **accounts)
    snapshot = [
        one_task(
            rnd,
            1,
            [annotation(11, user(3, "ann@newsroom-a.org"), rnd), annotation(12, user(4, "ann@newsroom-b.org"), rnd)],
        )
    ]
    report = import_export(repo, "who", json.dumps(snapshot).encode())
    assert (report.imported, report.issues) == (2, [])
    from_snapshot = written(rnd)
    assert sorted(from_snapshot) == [f"annotators/ann1/{DOCS[0]}.json", f"annotators/ann2/{DOCS[0]}.json"]
    shutil.rmtree(rnd.folder / "annotators")
    default = [one_task(rnd, 1, [annotation(11, 3, rnd), annotation(12, 4, rnd)])]
    report = import_export(repo, "who", json.dumps(default).encode())
    if all(a.id is None for a in accounts.values()):  # a bare user id cannot be matched to an email
        assert lines(report) == [("1", "11", "-", "NC709"), ("1", "12", "-", "NC709")]
        assert "user id 3 is not an annotator of this round" in report.issues[0].message
        # ... and the line says why, and what to do
        assert "known by email only: export a snapshot" in report.issues[0].message
    else:
        assert (report.imported, report.issues) == (2, [])
        assert written(rnd) == from_snapshot


def test_a_user_who_is_not_an_annotator_is_reported_never_named_from_the_email(repo: Path) -> None:
    rnd = create_round(repo, "who", "noise", DOCS[:1], ["ann1=ann@newsroom-a.org"], "gold", TODAY)
    export = [
        one_task(
            rnd,
            5,
            [annotation(51, user(9, "ann@newsroom-b.org"), rnd), annotation(52, 9, rnd), annotation(53, True, rnd)],
        )
    ]
    report = import_export(repo, "who", json.dumps(export).encode())
    assert lines(report) == [("5", "51", "-", "NC709"), ("5", "52", "-", "NC709"), ("5", "53", "-", "NC709")]
    assert report.imported == 0 and not (rnd.folder / "annotators").exists()
    assert "ann1 (ann@newsroom-a.org)" in report.issues[0].message  # what the round knows, to fix it


def test_two_users_are_never_merged_into_one_annotator(repo: Path) -> None:
    # An account known by email alone, and two users whose emails differ only by case: neither is taken.
    rnd = create_round(repo, "who", "noise", DOCS[:1], ["ann1=Ann@Newsroom.org", "ann2=8"], "gold", TODAY)
    export = [
        one_task(
            rnd,
            1,
            [
                annotation(11, user(3, "ann@newsroom.org"), rnd),
                annotation(12, user(4, "ANN@newsroom.org"), rnd),
                annotation(13, user(5, "bea@newsroom.org"), rnd),  # not ann2 (user 8): another user
                annotation(14, user(8, "cid@newsroom.org"), rnd),
            ],
        )
    ]
    report = import_export(repo, "who", json.dumps(export).encode())
    assert lines(report) == [("1", "11", "-", "NC709"), ("1", "12", "-", "NC709"), ("1", "13", "-", "NC709")]
    assert "all match ann1: none is taken" in report.issues[0].message
    assert report.written == [f"annotators/ann2/{DOCS[0]}.json"]


def test_an_id_and_an_email_of_two_different_annotators_are_refused(repo: Path) -> None:
    rnd = create_round(repo, "who", "noise", DOCS[:1], ["ann1=3", "ann2=bea@newsroom.org"], "gold", TODAY)
    set_users(rnd, ann1=Account(id=3, email="ann@newsroom.org"), ann2=Account(email="bea@newsroom.org"))
    export = [
        one_task(
            rnd,
            1,
            [annotation(11, user(3, "bea@newsroom.org"), rnd), annotation(12, user(3, "zed@newsroom.org"), rnd)],
        )
    ]
    report = import_export(repo, "who", json.dumps(export).encode())
    assert lines(report) == [("1", "11", "-", "NC709"), ("1", "12", "-", "NC709")]
    assert "matches annotators ann1 and ann2" in report.issues[0].message
    assert "its email differs" in report.issues[1].message


def test_a_duplicated_task_is_reported_annotation_by_annotation(repo: Path) -> None:
    rnd = create_round(repo, "dup", "noise", DOCS, ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd)
    export = [
        one_task(rnd, 1, [annotation(11, 1, rnd)]),
        one_task(rnd, 2, [annotation(21, 2, rnd), annotation(22, 1, rnd)]),  # the same page again
        one_task(rnd, 3, [], drafts=[9]),  # and again, not annotated but with a draft
        one_task(rnd, 4, [annotation(41, 2, rnd, doc=1)], doc=1),
    ]
    report = import_export(repo, "dup", json.dumps(export).encode())
    assert lines(report) == [
        ("2", "21", "-", "NC710"),
        ("2", "22", "-", "NC710"),
        ("3", "-", "-", "NC710"),
        ("3", "draft 9", "-", "NC712"),
    ]
    assert f"document {DOCS[0]} is task 1's already" in report.issues[0].message
    assert report.written == [f"annotators/ann1/{DOCS[0]}.json", f"annotators/ann2/{DOCS[1]}.json"]
    assert (report.refused_tasks, report.annotations) == (2, 4)


def test_a_second_annotation_by_the_same_user_is_reported(repo: Path) -> None:
    rnd = create_round(repo, "twice", "noise", DOCS[:1], ["ann1"], "gold", TODAY)
    set_users(rnd)
    older = annotation(11, 1, rnd, updated_at="2026-11-20T10:00:00Z")
    newer = annotation(12, 1, rnd, updated_at="2026-11-21T10:00:00Z")
    newer["result"] = newer["result"][:1]
    report = import_export(repo, "twice", json.dumps([one_task(rnd, 1, [newer, older])]).encode())
    assert lines(report) == [("1", "11", "-", "NC711")]
    assert "annotation 12 is imported" in report.issues[0].message
    gold = GoldFile.model_validate_json((rnd.annotator_file("ann1", DOCS[0])).read_bytes())
    assert len(gold.noise) == 1  # the newer one


def test_drafts_and_cancelled_annotations_are_reported(repo: Path) -> None:
    rnd = create_round(repo, "drafts", "noise", DOCS, ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd)
    snapshot_draft = {"id": 8, "user": "ann@newsroom.org", "created_username": "Ann ann@newsroom.org, 2", "result": []}
    export = [
        one_task(rnd, 1, [], drafts=[7]),  # a draft-only task, as the default export gives it (an id)
        one_task(rnd, 2, [annotation(21, 1, rnd, doc=1, was_cancelled=True)], doc=1, drafts=[snapshot_draft]),
    ]
    report = import_export(repo, "drafts", json.dumps(export).encode())
    assert lines(report) == [("1", "draft 7", "-", "NC712"), ("2", "21", "-", "NC713"), ("2", "draft 8", "-", "NC712")]
    assert all(i.warning for i in report.issues)
    assert "by user id 2 ann@newsroom.org" in report.issues[2].message
    assert (report.imported, report.cancelled, report.drafts) == (0, 1, 2)
    stored = json.loads((rnd.folder / "import-report.json").read_text())
    assert len(stored["warnings"]) == 3 and stored["errors"] == []


def test_a_round_json_of_before_accounts_still_names_its_users(repo: Path) -> None:
    rnd = create_round(repo, "old", "noise", DOCS[:1], ["ann1"], "gold", TODAY)
    data = json.loads((rnd.folder / "round.json").read_text())
    del data["accounts"]
    (rnd.folder / "round.json").write_text(json.dumps({**data, "users": {"6": "ann1"}}))
    report = import_export(repo, "old", json.dumps([one_task(rnd, 1, [annotation(11, 6, rnd)])]).encode())
    assert (report.written, report.issues) == ([f"annotators/ann1/{DOCS[0]}.json"], [])


def test_two_annotators_majority_says_what_it_dropped_and_union_keeps_it(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With two annotators, majority keeps only what both marked: the command says how much it
    dropped, warns, and adjudication.json lists each dropped unit; union keeps every unit."""
    from newsclaims.cli import main

    rnd = create_round(repo, "r2", "noise", DOCS[:1], ["ann1", "ann2"], "gold", TODAY)
    set_users(rnd)
    export = tmp_path / "export.json"
    export.write_bytes(export_from(rnd, lambda _doc, result: result.pop(0)))  # ann2 leaves out one span
    root = ["--root", str(repo)]
    assert main(["round", "import", "r2", str(export), *root]) == 0
    gold = repo / "annotations" / "gold" / f"{DOCS[0]}.json"
    spans = len(json.loads(gold.read_text())["noise"])
    capsys.readouterr()

    assert main(["round", "adjudicate", "r2", *root]) == 0
    captured = capsys.readouterr()
    result = json.loads((rnd.folder / "adjudication.json").read_text())["documents"][DOCS[0]]
    assert len(result["dropped"]) == 1 and result["dropped"] == result["conflicts"]
    assert result["dropped"][0].startswith("noise|")
    assert f"{DOCS[0]}: {spans - 1} unit(s) kept; 1 not marked by every annotator: 0 kept, 1 dropped" in captured.out
    assert "warning: majority of an even number of annotators" in captured.err
    assert len(json.loads(gold.read_text())["noise"]) == spans - 1

    assert main(["round", "adjudicate", "r2", "--strategy", "union", *root]) == 0
    captured = capsys.readouterr()
    result = json.loads((rnd.folder / "adjudication.json").read_text())["documents"][DOCS[0]]
    assert (result["kept"], len(result["conflicts"]), result["dropped"]) == (spans, 1, [])
    assert "warning" not in captured.err
    assert len(json.loads(gold.read_text())["noise"]) == spans

    assert main(["round", "adjudicate", "r2", "--strategy", "most", *root]) == 1
    assert "expected majority, union or 'prefer:<annotator>'" in capsys.readouterr().err
