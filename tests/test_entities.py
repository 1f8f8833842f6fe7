"""Entities beyond the registry (issue #18): a new page's people and organisations, end to end.

Two pages written for these tests name people and organisations the registry has never seen
(with an emoji and a non-breaking space). Annotators leave entity ids empty or type a name; the
import keeps every mention; ``entities link`` proposes the registry entity of a known alias and
groups a new person's mentions across both pages; ``apply`` creates and links; adjudication
carries the links to gold; rename and merge rewrite every reference; every refusal changes
nothing, byte for byte. Nothing here depends on how many seed pages the repository has.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, mention_region

from newsclaims import validate
from newsclaims.annotation import entities
from newsclaims.annotation.entities import EntityDecisions, EntityError, apply_decisions, link
from newsclaims.annotation.prenotate.rules import entity_mentions
from newsclaims.annotation.rounds.adjudication import adjudicate
from newsclaims.annotation.rounds.importing import import_export
from newsclaims.annotation.rounds.report import round_agreement
from newsclaims.annotation.rounds.round import create_round
from newsclaims.annotation.seeds import add_seed
from newsclaims.cli import main
from newsclaims.core.models import EntitiesFile, Entity, GoldFile

TODAY = datetime.date(2026, 12, 3)
PAGE_A = (
    "Harbour desk \U0001f6a2 live\n"
    "ORVALA \u2013 Mayor Ines\u00a0Castellanos-Rudd said on Tuesday that Brightwater Logistics will pay "
    "$4 million to the OPA.\n"
    "Castellanos-Rudd told the Orvala Gazette: \u201cWe will not wait.\u201d\n"
)
PAGE_B = (
    "Orvala Gazette\n"
    "Brightwater Logistics chief Tomas Ek met Ines Castellanos-Rudd on Wednesday, the OPA said \U0001f4e3.\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO_ROOT / part, root / part)
    return root


def add_pages(root: Path) -> tuple[str, str]:
    ids = []
    for name, text in (("orvala-a.txt", PAGE_A), ("orvala-b.txt", PAGE_B)):
        page = root.parent / name
        page.write_text(text, encoding="utf-8")
        entry = add_seed(root, page, outlet="Test Outlet", title="Orvala port", published=None, story_id="orvala-port")
        ids.append(entry.doc_id)
    return ids[0], ids[1]


# What each annotator drew on each page: (region id, text, label, what was typed, occurrence).
# ann1 types names (or the id of a known entity); ann2 leaves most ids empty.
DRAWN = {
    ("a", "ann1"): [
        ("r1", "Ines\u00a0Castellanos-Rudd", "PERSON", "Ines Castellanos-Rudd", 0),
        ("r2", "Tuesday", "DATE", None, 0),
        ("r3", "Brightwater Logistics", "ORG", "Brightwater Logistics", 0),
        ("r4", "OPA", "ORG", None, 0),
        ("r5", "Castellanos-Rudd", "PERSON", "Ines Castellanos-Rudd", 1),
        ("r6", "Orvala Gazette", "ORG", "", 0),
    ],
    ("a", "ann2"): [
        ("q1", "Ines\u00a0Castellanos-Rudd", "PERSON", None, 0),
        ("q2", "Tuesday", "DATE", None, 0),
        ("q3", "Brightwater Logistics", "ORG", "brightwater-logistics", 0),
        ("q4", "OPA", "ORG", None, 0),
        ("q5", "Castellanos-Rudd", "PERSON", "Ines Castellanos-Rudd", 1),
        ("q6", "Orvala Gazette", "ORG", None, 0),
    ],
    ("b", "ann1"): [
        ("s1", "Brightwater Logistics", "ORG", "Brightwater Logistics", 0),
        ("s2", "Tomas Ek", "PERSON", "Tomas Ek", 0),
        ("s3", "Ines Castellanos-Rudd", "PERSON", "ines-castellanos-rudd", 0),
        ("s4", "Wednesday", "DATE", None, 0),
        ("s5", "OPA", "ORG", None, 0),
    ],
    ("b", "ann2"): [
        ("t1", "Brightwater Logistics", "ORG", None, 0),
        ("t2", "Tomas Ek", "PERSON", None, 0),
        ("t3", "Ines Castellanos-Rudd", "PERSON", None, 0),
        ("t4", "Wednesday", "DATE", None, 0),
        ("t5", "OPA", "ORG", None, 0),
    ],
}


def export(root: Path, round_name: str, docs: dict[str, str], drawn: dict[Any, Any] = DRAWN) -> bytes:
    tasks = json.loads((root / "annotations/rounds" / round_name / "tasks.json").read_text())
    out = []
    for tid, task in enumerate(tasks, 1):
        page = next(k for k, d in docs.items() if d == task["data"]["doc_id"])
        text = task["data"]["text"]
        annotations = []
        for user, who in ((1, "ann1"), (2, "ann2")):
            result = [
                r
                for rid, needle, label, typed, occ in drawn[(page, who)]
                for r in mention_region(text, rid, needle, label, typed, occ)
            ]
            annotations.append({"id": 10 * tid + user, "completed_by": user, "result": result, "was_cancelled": False})
        out.append({"id": tid, "data": task["data"], "annotations": annotations})
    return json.dumps(out).encode()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def registry(root: Path) -> dict[str, Any]:
    data = EntitiesFile.model_validate_json((root / "annotations/entities.json").read_bytes())
    return {e.entity_id: e for e in data.entities}


def files_of(root: Path, round_name: str) -> dict[str, GoldFile]:
    folder = root / "annotations/rounds" / round_name / "annotators"
    return {
        p.relative_to(root).as_posix(): GoldFile.model_validate_json(p.read_bytes())
        for p in sorted(folder.rglob("*.json"))
    }


@pytest.fixture
def imported(repo: Path) -> tuple[Path, dict[str, str]]:
    """The two pages added, an entities round on them imported, and the OPA in the registry by an alias."""
    a, b = add_pages(repo)
    entities.add(repo, "orvala-port-authority", label="ORG", name="Orvala Port Authority", aliases=["OPA"])
    create_round(repo, "r-ent", "entities", [a, b], ["ann1=1", "ann2=2"], "none", TODAY)
    report = import_export(repo, "r-ent", export(repo, "r-ent", {"a": a, "b": b}))
    assert [str(i) for i in report.issues] == []
    return repo, {"a": a, "b": b}


def test_every_mention_is_imported_with_what_its_annotator_typed(imported: tuple[Path, dict[str, str]]) -> None:
    root, docs = imported
    files = files_of(root, "r-ent")
    for (page, who), drawn in DRAWN.items():
        gold = files[f"annotations/rounds/r-ent/annotators/{who}/{docs[page]}.json"]
        text = PAGE_A if page == "a" else PAGE_B
        by_text = {(m.text, m.start): m for m in gold.mentions}
        assert len(gold.mentions) == len(drawn)
        for _, needle, label, typed, occ in drawn:
            start = -1
            for _ in range(occ + 1):
                start = text.index(needle, start + 1)
            m = by_text[(needle, start)]
            assert m.label.value == label and m.entity_id is None  # none of them is in the registry by its id
            assert m.proposed_entity == (" ".join(typed.split()) or None if typed is not None else None)
    assert validate(root, corpus=False) == []  # unlinked mentions are legal in a round's files


def test_a_label_differing_from_the_registry_is_a_warning_and_the_mention_is_kept(repo: Path) -> None:
    a, b = add_pages(repo)
    entities.add(repo, "orvala-port-authority", label="ORG", name="Orvala Port Authority", aliases=["OPA"])
    create_round(repo, "r-lab", "entities", [a, b], ["ann1=1", "ann2=2"], "none", TODAY)
    drawn = {k: list(v) for k, v in DRAWN.items()}
    drawn[("a", "ann1")][3] = ("r4", "OPA", "GPE", "orvala-port-authority", 0)  # the registry says ORG
    report = import_export(repo, "r-lab", export(repo, "r-lab", {"a": a, "b": b}, drawn))
    (line,) = report.as_dict()["warnings"]
    assert report.as_dict()["errors"] == []
    assert line.startswith('task 1 annotation 11 region r4 "OPA": NC714 warning: label GPE differs')
    gold = files_of(repo, "r-lab")[f"annotations/rounds/r-lab/annotators/ann1/{a}.json"]
    (opa,) = [m for m in gold.mentions if m.text == "OPA"]
    assert (opa.label.value, opa.entity_id, opa.proposed_entity) == ("GPE", None, "orvala-port-authority")
    assert validate(repo, corpus=False) == []


def test_link_proposes_a_known_alias_and_groups_a_new_person_across_documents(
    imported: tuple[Path, dict[str, str]],
) -> None:
    root, docs = imported
    decisions = link(root, round_name="r-ent")
    groups = {(g.label.value, g.key): g for g in decisions.groups}
    opa = groups[("ORG", "opa")]
    assert [(c.entity_id, c.matched) for c in opa.candidates] == [("orvala-port-authority", "alias OPA")]
    person = groups[("PERSON", "ines castellanos rudd")]
    # The full name in both pages, and the surname alone where its annotator typed the full name.
    assert {(r.doc_id, r.text) for r in person.mentions} == {
        (docs["a"], "Ines\u00a0Castellanos-Rudd"),
        (docs["a"], "Castellanos-Rudd"),
        (docs["b"], "Ines Castellanos-Rudd"),
    }
    assert person.candidates == []
    new = person.new_entity
    assert (new.entity_id, new.label.value, new.name) == ("ines-castellanos-rudd", "PERSON", "Ines Castellanos-Rudd")
    assert "Castellanos-Rudd" in new.aliases
    # The same repository gives the same bytes; nothing was written.
    assert entities.decisions_dumps(link(root, round_name="r-ent")) == entities.decisions_dumps(decisions)
    assert link(root, doc_ids=[docs["b"]]).groups and all(
        r.doc_id == docs["b"] for g in link(root, doc_ids=[docs["b"]]).groups for r in g.mentions
    )


def test_apply_creates_and_links_then_adjudication_carries_the_links_to_gold(
    imported: tuple[Path, dict[str, str]],
) -> None:
    root, docs = imported
    agreement = round_agreement(root, "r-ent")  # before apply: the annotators' own linking
    assert agreement.linking is not None
    both = agreement.linking["*"]
    # Every mention was drawn alike by both; the same name typed twice (once as an id) is one
    # proposal, and nothing typed on either side names no entity.
    assert (both.matched, both.same_entity, both.same_proposal, both.both_empty) == (11, 0, 2, 5)
    decisions = entities.decide(link(root, round_name="r-ent"), suggested=True)
    applied = apply_decisions(root, decisions)
    created = set(applied.created)
    assert {"ines-castellanos-rudd", "brightwater-logistics", "tomas-ek"} <= created
    assert "orvala-port-authority" not in created
    reg = registry(root)
    assert reg["ines-castellanos-rudd"].label.value == "PERSON"
    for gold in files_of(root, "r-ent").values():
        assert all(m.entity_id is not None and m.proposed_entity is None for m in gold.mentions)
        assert all(m.entity_id == "orvala-port-authority" for m in gold.mentions if m.text == "OPA")
    assert validate(root, corpus=False) == []
    before = tree(root)
    again = apply_decisions(root, decisions)  # the same decisions again: nothing to do
    assert again.written == () and again.created == () and tree(root) == before
    result = adjudicate(root, "r-ent", "majority")
    assert all(not d.conflicts and not d.problems for d in result.documents.values())
    for doc_id in docs.values():
        gold = GoldFile.model_validate_json((root / f"annotations/gold/{doc_id}.json").read_bytes())
        assert gold.mentions and all(m.entity_id in reg for m in gold.mentions)
        assert all(m.proposed_entity is None for m in gold.mentions)
    assert validate(root, corpus=False) == []


def test_rename_and_merge_rewrite_every_reference(imported: tuple[Path, dict[str, str]]) -> None:
    root, _ = imported
    decisions = entities.decide(link(root, round_name="r-ent"), suggested=True)
    apply_decisions(root, decisions)
    adjudicate(root, "r-ent", "majority")

    def cited(eid: str) -> list[str]:
        found = []
        for path in sorted((root / "annotations").rglob("*.json")):
            data = json.loads(path.read_bytes())
            if isinstance(data, dict) and any(m.get("entity_id") == eid for m in data.get("mentions", [])):
                found.append(path.relative_to(root).as_posix())
        return found

    old_refs = cited("ines-castellanos-rudd")
    assert any(p.startswith("annotations/gold/") for p in old_refs)
    assert any(p.startswith("annotations/rounds/") for p in old_refs)
    renamed = entities.rename(root, "ines-castellanos-rudd", "ines-castellanos")
    assert cited("ines-castellanos-rudd") == [] and cited("ines-castellanos") == old_refs
    assert (
        "ines-castellanos-rudd" not in registry(root)
        and registry(root)["ines-castellanos"].name == "Ines Castellanos-Rudd"
    )
    assert {ref.split("#")[0] for ref in renamed.linked} == set(old_refs)
    assert renamed.removed == ("ines-castellanos-rudd",) and renamed.created == ("ines-castellanos",)
    assert validate(root, corpus=False) == []

    entities.add(root, "bw-logistics", label="ORG", name="BW Logistics", wikidata="Q1")
    bw_refs = cited("brightwater-logistics")
    merged = entities.merge(root, "brightwater-logistics", "bw-logistics")
    assert merged.removed == ("brightwater-logistics",) and merged.updated == ("bw-logistics",)
    assert cited("brightwater-logistics") == [] and cited("bw-logistics") == bw_refs
    reg = registry(root)
    assert "brightwater-logistics" not in reg and "Brightwater Logistics" in reg["bw-logistics"].aliases
    assert validate(root, corpus=False) == []


def test_every_refusal_changes_nothing(imported: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = imported
    entities.add(root, "bw-logistics", label="ORG", name="BW Logistics")
    before = tree(root)
    decisions = entities.decide(link(root, round_name="r-ent"), suggested=True)
    person = next(i for i, g in enumerate(decisions.groups) if g.key == "ines castellanos rudd")

    def with_group(i: int, **update: Any) -> EntityDecisions:
        groups = list(decisions.groups)
        groups[i] = groups[i].model_copy(update=update)
        return decisions.model_copy(update={"groups": groups})

    new_entity = decisions.groups[person].new_entity
    relabelled = type(new_entity).model_validate_json(
        json.dumps({**new_entity.model_dump(mode="json"), "label": "ORG"})
    )
    refusals: dict[str, Any] = {
        "add: a bad id": lambda: entities.add(root, "Bad Id", label="ORG", name="X"),
        "add: an unknown label": lambda: entities.add(root, "x-org", label="COMPANY", name="X"),
        "add: a bad QID": lambda: entities.add(root, "x-org", label="ORG", name="X", wikidata="42"),
        "add: an id taken, another label": lambda: entities.add(root, "bw-logistics", label="PERSON", name="BW"),
        "rename: an unknown id": lambda: entities.rename(root, "nobody-known", "somebody"),
        "rename: a bad new id": lambda: entities.rename(root, "bw-logistics", "BW/../x"),
        "rename: onto an existing id": lambda: entities.rename(root, "bw-logistics", "orvala-port-authority"),
        "merge: an unknown id": lambda: entities.merge(root, "nobody-known", "bw-logistics"),
        "merge: two labels": lambda: entities.merge(root, "bw-logistics", next(iter(person_ids(root)))),
        "apply: link to an unknown id": lambda: apply_decisions(root, with_group(person, decision="link nobody-known")),
        "apply: link to a bad id": lambda: apply_decisions(root, with_group(person, decision="link Nobody")),
        "apply: label mismatch on create": lambda: apply_decisions(root, with_group(person, new_entity=relabelled)),
        "apply: link across labels": lambda: apply_decisions(root, with_group(person, decision="link bw-logistics")),
        "apply: not a decision": lambda: apply_decisions(root, with_group(person, decision="maybe")),
    }
    for name, attempt in refusals.items():
        with pytest.raises(EntityError) as refused:
            attempt()
        assert refused.value.refusals or refused.value.problems, name
        assert tree(root) == before, name
    # A file the edit would leave invalid is refused by the validator's own rules before any write.
    original = entities._Plan._edited_files

    def broken(plan: Any) -> Any:
        return [
            (
                f,
                gold.model_copy(
                    update={"mentions": [m.model_copy(update={"text": m.text + "!"}) for m in gold.mentions]}
                ),
            )
            for f, gold in original(plan)
        ]

    monkeypatch.setattr(entities._Plan, "_edited_files", broken)
    with pytest.raises(EntityError, match="would not validate") as refused:
        apply_decisions(root, decisions)
    assert {p.code for p in refused.value.problems} == {"NC203"}
    assert tree(root) == before


def person_ids(root: Path) -> list[str]:
    return sorted(eid for eid, e in registry(root).items() if e.label.value == "PERSON")


def test_a_repository_that_does_not_validate_is_refused(repo: Path) -> None:
    gold = sorted((repo / "annotations/gold").glob("*.json"))[0]
    data = json.loads(gold.read_bytes())
    data["mentions"][0]["entity_id"] = None  # unlinked in gold: NC312
    gold.write_text(json.dumps(data), encoding="utf-8")
    before = tree(repo)
    with pytest.raises(EntityError, match="does not validate") as refused:
        entities.add(repo, "x-org", label="ORG", name="X")
    assert [p.code for p in refused.value.problems] == ["NC312"]
    assert tree(repo) == before


def test_the_command_line(imported: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = imported
    at = ["--root", str(root)]
    assert main(["entities", "add", "tomas-ek", "--label", "PERSON", "--name", "Tomas Ek", "--alias", "Ek", *at]) == 0
    assert "1 entity(ies) created" in capsys.readouterr().out
    assert main(["entities", "list", "--label", "PERSON", *at]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "tomas-ek\tPERSON\tTomas Ek\tEk\t\t0 mention(s)" in listed
    out = root.parent / "decisions.json"
    assert main(["entities", "link", "--round", "r-ent", "--out", str(out), *at]) == 0
    assert "unlinked mention(s)" in capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data["format"] == "newsclaims-entity-decisions/1"
    for g in data["groups"]:
        g["decision"] = f"link {g['candidates'][0]['entity_id']}" if g["candidates"] else "new"
    tomas = next(g for g in data["groups"] if g["key"] == "tomas ek")
    assert tomas["candidates"][0]["entity_id"] == "tomas-ek"
    out.write_text(json.dumps(data), encoding="utf-8")
    assert main(["entities", "apply", str(out), *at]) == 0
    assert "mention(s) linked" in capsys.readouterr().out
    assert validate(root, corpus=False) == []
    before = tree(root)
    assert main(["entities", "rename", "nobody-known", "x", *at]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsclaims entities rename: refused; nothing was changed:")
    assert "command line:nobody-known:entity_id: entity 'nobody-known' is not in annotations/entities.json" in err
    out.write_text('{"format": "newsclaims-entity-decisions/1", "groups": 3}', encoding="utf-8")
    assert main(["entities", "apply", str(out), *at]) == 1
    assert "is not an entity decisions file" in capsys.readouterr().err
    assert main(["entities", "link", "--round", "no-such-round", *at]) == 1
    assert "no such round" in capsys.readouterr().err
    assert tree(root) == before


# -- pre-annotations of the entities pass ---------------------------------------------------------


def entity(entity_id: str, label: str, name: str, *aliases: str) -> Entity:
    return Entity.model_validate(
        {"entity_id": entity_id, "label": label, "name": name, "aliases": list(aliases)}, strict=False
    )


REGISTRY = [
    entity("ines-castellanos-rudd", "PERSON", "Ines Castellanos-Rudd", "Castellanos-Rudd"),
    entity("orvala-port-authority", "ORG", "Orvala Port Authority", "OPA"),
    entity("orvala-gazette", "ORG", "Orvala Gazette"),
    entity("orvala", "GPE", "Orvala", "ORVALA"),
]


def test_the_rules_offer_every_name_and_alias_of_the_registry_and_values_by_pattern() -> None:
    text = PAGE_A + "The OPAL fund and COPA were not the OPA's business.\n"
    found = [(m.text, m.label.value, m.entity_id) for m in entity_mentions(text, REGISTRY, noise=[])]
    assert found == [
        ("ORVALA", "GPE", "orvala"),
        ("Ines\u00a0Castellanos-Rudd", "PERSON", "ines-castellanos-rudd"),  # a space in the registry
        ("Castellanos-Rudd", "PERSON", "ines-castellanos-rudd"),  # the alias, nested in the name
        ("Tuesday", "DATE", None),
        ("$4 million", "MONEY", None),
        ("OPA", "ORG", "orvala-port-authority"),
        ("Castellanos-Rudd", "PERSON", "ines-castellanos-rudd"),
        ("Orvala Gazette", "ORG", "orvala-gazette"),
        ("Orvala", "GPE", "orvala"),
        ("OPA", "ORG", "orvala-port-authority"),  # word-bounded: not in OPAL or COPA
    ]
    for m in entity_mentions(text, REGISTRY, noise=[]):
        assert text[m.start : m.end] == m.text  # code points: the emoji before counts one


def test_nothing_is_offered_inside_the_predicted_noise_and_nothing_crosses() -> None:
    from newsclaims.core.models import NoiseSpan

    masthead = NoiseSpan.model_validate(
        {"noise_id": "n1", "start": 0, "end": len("Orvala Gazette"), "text": "Orvala Gazette", "category": "masthead"},
        strict=False,
    )
    found = entity_mentions(PAGE_B, REGISTRY, noise=[masthead])
    assert all(m.start >= masthead.end for m in found)
    # Two entities of one name and one label: offered without an id; of two labels: not offered.
    twins = [*REGISTRY, entity("ines-castellanos", "PERSON", "Ines Castellanos-Rudd")]
    person = [m for m in entity_mentions(PAGE_B, twins, noise=[]) if m.label.value == "PERSON"]
    assert [(m.text, m.entity_id) for m in person] == [
        ("Ines Castellanos-Rudd", None),
        ("Castellanos-Rudd", "ines-castellanos-rudd"),
    ]
    clash = [*REGISTRY, entity("opa-brand", "PRODUCT", "OPA")]
    assert "OPA" not in [m.text for m in entity_mentions(PAGE_B, clash, noise=[])]
    crossing = [*REGISTRY, entity("gazette-tuesday", "EVENT", "Gazette: \u201cWe")]
    found = entity_mentions(PAGE_A, crossing, noise=[])
    assert "EVENT" not in {m.label.value for m in found}  # it starts inside "Orvala Gazette", ends after
    assert not [(a.text, b.text) for a in found for b in found if a.start < b.start < a.end < b.end]


def test_round_create_offers_them_as_predictions_of_the_entities_pass(repo: Path) -> None:
    a, b = add_pages(repo)
    entities.add(repo, "orvala-port-authority", label="ORG", name="Orvala Port Authority", aliases=["OPA"])
    rnd = create_round(repo, "r-pre", "entities", [a, b], ["ann1=1"], "rules", TODAY)
    tasks = json.loads((rnd.folder / "tasks.json").read_text())
    for task in tasks:
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == "rules"
        regions = {r["id"]: r for r in prediction["result"] if r["type"] == "labels"}
        typed = {r["id"]: r["value"]["text"] for r in prediction["result"] if r["type"] == "textarea"}
        opa = [rid for rid, r in regions.items() if r["value"]["text"] == "OPA"]
        assert opa and all(typed[rid] == ["orvala-port-authority"] for rid in opa)
    # Accepted as they are, the predictions import as linked (OPA) and unlinked (values) mentions.
    export = [
        {
            "id": i,
            "data": t["data"],
            "annotations": [{"id": 10 + i, "completed_by": 1, "result": t["predictions"][0]["result"]}],
        }
        for i, t in enumerate(tasks, 1)
    ]
    report = import_export(repo, "r-pre", json.dumps(export).encode())
    assert report.as_dict()["errors"] == [] and report.as_dict()["warnings"] == []
    files = files_of(repo, "r-pre")
    mentions = [m for g in files.values() for m in g.mentions]
    assert {m.entity_id for m in mentions if m.text == "OPA"} == {"orvala-port-authority"}
    assert {m.label.value for m in mentions if m.entity_id is None} >= {"DATE", "MONEY"}
    assert validate(repo, corpus=False) == []


def test_link_decides_from_the_command_line_so_nobody_edits_the_file(
    imported: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = imported
    out = root.parent / "decisions.json"
    capsys.readouterr()
    args = ["entities", "link", "--round", "r-ent", "--root", str(root), "--out", str(out)]
    code = main([*args, "--decide", "suggested", "--decide", "PERSON:tomas ek=none", "--decide", "OPA=new"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "0 group(s) undecided" in err
    decided = entities.read_decisions(out)
    by_key = {(g.label.value, g.key): g.decision for g in decided.groups}
    assert by_key[("PERSON", "tomas ek")] == "none"
    assert by_key[("ORG", "opa")] == "new"  # a later choice wins over the suggestion (link orvala-port-authority)
    assert by_key[("PERSON", "ines castellanos rudd")] == "new"  # no candidate: the suggestion is new
    assert all(d for d in by_key.values())
    assert main(["entities", "apply", str(out), "--root", str(root)]) == 0
    assert "tomas-ek" not in registry(root) and "opa" in registry(root)


@pytest.mark.parametrize(
    ("choice", "why"),
    [
        ("nobody=new", "--decide:nobody=new:decision: no group has this key"),
        ("GPE:opa=new", "--decide:GPE:opa=new:decision: no group has this key and label GPE"),
        ("opa", "--decide:opa:decision: expected KEY=DECISION or LABEL:KEY=DECISION"),
        ("opa=adopt", "--decide:opa=adopt:decision: 'adopt' is not a decision: expected"),
    ],
)
def test_a_wrong_decide_choice_is_refused_and_nothing_written(
    imported: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str], choice: str, why: str
) -> None:
    root, _ = imported
    out = root.parent / "decisions.json"
    capsys.readouterr()
    code = main(["entities", "link", "--round", "r-ent", "--root", str(root), "--out", str(out), "--decide", choice])
    err = capsys.readouterr().err
    assert code == 1 and why in err and "Traceback" not in err
    assert not out.exists()
