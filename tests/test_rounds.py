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
from newsclaims.annotation.rounds.adjudication import adjudicate
from newsclaims.annotation.rounds.importing import import_export
from newsclaims.annotation.rounds.report import round_agreement
from newsclaims.annotation.rounds.round import Round, RoundError, create_round
from newsclaims.core.models import GoldFile

DOCS = ["002_66b9e44e360c82d3", "004_30fd1aad6509c6c0"]
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    return root


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


def set_users(rnd: Round) -> None:
    manifest = rnd.manifest().model_copy(update={"users": {"1": "ann1", "2": "ann2"}})
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
    assert report.issues == []
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
    every = sorted(p.stem for p in (repo / "annotations/gold").glob("*.json"))  # all five seed pages
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
    assert report.refused_tasks == 1 and [i.code for i in report.issues] == ["NC701"]
    assert report.imported == 2  # ann1 and ann2 of the other task


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("../x", "noise", DOCS, ["a"], "none"), "not a valid name"),
        (("r", "speech", DOCS, ["a"], "none"), "pass"),
        (("r", "noise", ["nope"], ["a"], "none"), "unknown doc_id"),
        (("r", "noise", DOCS, ["A B"], "none"), "not a valid name"),
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

    for manifest in sorted((REPO_ROOT / "annotations/rounds").glob("*/round.json")):
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
    assert all(i.code.startswith("NC70") for i in report.issues)
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
    rnd = create_round(repo, "r7", "entities", DOCS, ["ann1=4"], "none", TODAY)
    data = json.loads((rnd.folder / "round.json").read_text())
    assert rnd.manifest().as_dict() == data
    data.update({"label_studio": {"project": 3}, "comment": "kept on a rewrite"})
    (rnd.folder / "round.json").write_text(json.dumps(data))
    manifest = rnd.manifest()
    assert (manifest.users, manifest.label_studio and manifest.label_studio.project) == ({"4": "ann1"}, 3)
    assert list(manifest.as_dict()) == list(data)
    (rnd.folder / "round.json").write_text(json.dumps({**data, "pass": "speech"}))
    with pytest.raises(RoundError, match="unknown pass 'speech'"):
        rnd.manifest()
