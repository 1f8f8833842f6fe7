"""Label Studio results → gold: round trips, itemised problems, and no crash on garbage."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import REPO_ROOT, mention_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims.annotation.labelstudio.config import PASSES, Pass, gold_to_results
from newsclaims.annotation.labelstudio.convert import IMPORT_RULES, Converted, convert
from newsclaims.core.documents import Document
from newsclaims.core.jsonio import dumps, model_dumps
from newsclaims.core.models import GoldFile
from newsclaims.validation.index import Listed
from newsclaims.validation.repository import Repository
from newsclaims.validation.rules import Registries
from newsclaims.validation.sources import load_sources

SOURCES = load_sources(REPO_ROOT)
REG = Repository.load(REPO_ROOT).registries
DOC_ID = "002_66b9e44e360c82d3"


def run(kind: Pass, results: Any, doc_id: str = DOC_ID) -> Converted:
    return written_as_model(
        convert(
            kind, results, SOURCES.documents[doc_id], REG, task="7", annotation="9", annotator="ann1", round_name="r1"
        )
    )


def written_as_model(out: Converted) -> Converted:
    """The record convert builds as plain JSON is a valid gold file, and written it is byte for byte
    what its model writes (the models' key order, what their serializers leave out)."""
    assert dumps(out.record) == model_dumps(out.gold)
    return out


def claim_view(g: GoldFile) -> set[Any]:
    frags = {c.claim_id: tuple((f.start, f.end) for f in c.fragments) for c in g.claims}
    carrier = {a.attribution_id: ((a.source.start, a.source.end) if a.source else None) for a in g.attributions}
    return {("claim", frags[c.claim_id], c.checkworthy) for c in g.claims} | {
        (
            "attribution",
            frags[a.claim_id],
            (a.source.start, a.source.end) if a.source else None,
            (a.cue.start, a.cue.end) if a.cue else None,
            a.quote_type,
            a.stance,
            carrier.get(a.parent_id) if a.parent_id else None,
        )
        for a in g.attributions
    }


@pytest.mark.parametrize("doc_id", sorted(SOURCES.gold))
@pytest.mark.parametrize("kind", PASSES)
def test_gold_round_trips_through_label_studio_results(kind: Pass, doc_id: str) -> None:
    gold = SOURCES.gold[doc_id]
    out = run(kind, gold_to_results(gold, kind), doc_id)
    assert out.issues == []
    if kind == "noise":
        assert [(n.start, n.end, n.category) for n in out.gold.noise] == [
            (n.start, n.end, n.category) for n in gold.noise
        ]
    elif kind == "entities":
        key = lambda m: (m.start, m.end, m.label, m.entity_id)  # noqa: E731
        assert sorted(map(key, out.gold.mentions)) == sorted(map(key, gold.mentions))
    else:
        assert claim_view(out.gold) == claim_view(gold)


def results(kind: Pass = "claims") -> list[dict[str, Any]]:
    return copy.deepcopy(gold_to_results(SOURCES.gold[DOC_ID], kind))


def codes(out: Converted) -> list[tuple[str, str]]:
    return [(i.region, i.code) for i in out.issues]


def test_unknown_label_is_itemised_and_the_rest_kept() -> None:
    res = results("noise")
    res[0]["value"]["labels"] = ["chrome"]
    out = run("noise", res)
    assert codes(out) == [(res[0]["id"], "NC703")]
    assert len(out.gold.noise) == len(SOURCES.gold[DOC_ID].noise) - 1


def test_shown_text_is_never_trusted_and_spaces_collapsed_are_fine() -> None:
    res = results("entities")
    res[0]["value"]["text"] = "  " + res[0]["value"]["text"] + "  "
    out = run("entities", res)
    assert out.issues == [] and out.gold.mentions[0].text == SOURCES.gold[DOC_ID].mentions[0].text


def test_dangling_relation_and_missing_choice() -> None:
    res = results()
    res.append({"type": "relation", "from_id": "nope", "to_id": "c001", "labels": ["source"]})
    checkworthy = next(r for r in res if r.get("from_name") == "checkworthy")
    res.remove(checkworthy)
    out = run("claims", res)
    assert ("nope->c001", "NC706") in codes(out)
    assert (checkworthy["id"], "NC702") in codes(out)


def test_wrong_control_and_bad_offsets() -> None:
    res = results("noise")
    res[0]["from_name"] = "label"
    res[1]["value"].update(start=10**6, end=10**6 + 4)
    out = run("noise", res)
    assert sorted(codes(out)) == sorted([(res[0]["id"], "NC703"), (res[1]["id"], "NC704")])
    assert out.gold.noise == []


def test_trailing_space_is_trimmed_with_a_warning() -> None:
    res = results("noise")
    value = res[0]["value"]
    value["end"] += 1
    out = run("noise", res)
    assert codes(out) == [(res[0]["id"], "NC707")] and out.issues[0].warning


def test_import_codes_are_documented() -> None:
    assert set(IMPORT_RULES) == {f"NC7{i:02d}" for i in range(1, 19)}  # numbered without a gap


def test_a_refused_region_is_reported_with_its_text() -> None:
    res = results("noise")
    res[0]["value"]["labels"] = ["chrome"]
    start, end = res[0]["value"]["start"], res[0]["value"]["end"]
    out = run("noise", res)
    assert [(i.region, i.code, i.text) for i in out.issues] == [
        (res[0]["id"], "NC703", SOURCES.documents[DOC_ID].text[start:end])
    ]
    assert f'region {res[0]["id"]} "' in str(out.issues[0])  # the text is on the report's line, quoted


def test_a_report_line_stays_one_line_whatever_the_ids() -> None:
    res = results("noise")
    res[0]["id"] = "r1\nNC000 fake line"
    res[0]["value"]["labels"] = ["chrome"]
    out = run("noise", res)
    assert [i.code for i in out.issues] == ["NC703"]
    assert "\n" not in str(out.issues[0]) and "r1\\nNC000" in str(out.issues[0])


def relations(res: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    return [r for r in res if r.get("type") == "relation" and r["labels"] == [label]]


def parents(out: Converted) -> list[tuple[str, str]]:
    """(inner, outer) attributions by their source or cue text: who is nested in whom."""
    text = {a.attribution_id: (a.source or a.cue).text for a in out.gold.attributions if a.source or a.cue}
    return sorted((text[a.attribution_id], text[a.parent_id]) for a in out.gold.attributions if a.parent_id)


def test_a_relation_drawn_right_to_left_keeps_its_meaning() -> None:
    res = results()
    drawn = run("claims", res)
    assert parents(drawn) and drawn.issues == []
    for rel in res:
        if rel.get("type") == "relation":  # the same arrows, stored the other way round
            rel["from_id"], rel["to_id"], rel["direction"] = rel["to_id"], rel["from_id"], "left"
    out = run("claims", res)
    assert out.issues == []
    assert parents(out) == parents(drawn)
    assert claim_view(out.gold) == claim_view(drawn.gold)


def test_ignoring_left_would_flip_the_nesting() -> None:
    # The same endpoints swapped but still "right": the outer attribution becomes the inner one.
    res = results()
    nested = relations(res, "parent")[0]
    nested["from_id"], nested["to_id"] = nested["to_id"], nested["from_id"]
    flipped = run("claims", res)
    nested["direction"] = "left"
    assert parents(run("claims", res)) == parents(run("claims", results()))
    assert parents(flipped) != parents(run("claims", results()))


def test_a_two_way_relation_is_taken_only_where_the_roles_say_which_end_is_which() -> None:
    res = results()
    source = relations(res, "source")[0]
    source["from_id"], source["to_id"], source["direction"] = source["to_id"], source["from_id"], "bi"
    assert run("claims", res).issues == []  # source -> claim is the only reading
    assert claim_view(run("claims", res).gold) == claim_view(run("claims", results()).gold)

    res = results()
    nested = relations(res, "parent")[0]
    nested["direction"] = "bi"
    out = run("claims", res)
    name = f"{nested['from_id']}->{nested['to_id']}"
    assert [(i.region, i.code) for i in out.issues] == [(name, "NC706")]
    assert "two-way 'parent' relation fits either way round" in out.issues[0].message
    assert len(parents(out)) == len(parents(run("claims", results()))) - 1  # not guessed


def test_an_unknown_direction_is_reported() -> None:
    res = results()
    nested = relations(res, "parent")[0]
    nested["direction"] = "up"
    out = run("claims", res)
    assert [(i.region, i.code) for i in out.issues] == [(f"{nested['from_id']}->{nested['to_id']}", "NC706")]


region_values = st.fixed_dictionaries(
    {},
    optional={
        "start": st.integers(-3, 3000) | st.text(max_size=3) | st.none(),
        "end": st.integers(-3, 3000) | st.none(),
        "text": st.text(max_size=20) | st.none(),
        "labels": st.lists(st.sampled_from(["claim", "source", "cue", "PERSON", "byline", "x"]), max_size=2),
        "choices": st.lists(st.sampled_from(["checkworthy", "direct", "asserts", "zzz"]), max_size=2),
    },
)
result_items = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["c001", "a001-source", "r1", "r2", ""]) | st.integers(),
        "type": st.sampled_from(["labels", "choices", "textarea", "relation", "rectangle"]),
        "from_name": st.sampled_from(["role", "category", "label", "checkworthy", "stance_source", "bogus"]),
        "value": region_values | st.none(),
        "from_id": st.sampled_from(["c001", "r1", "zz"]),
        "to_id": st.sampled_from(["c001", "r2"]),
        "labels": st.lists(st.sampled_from(["source", "cue", "fragment", "parent", "x"]), max_size=2),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(PASSES), junk=st.lists(result_items, max_size=8), keep=st.integers(0, 40))
def test_random_results_never_crash_and_never_yield_invalid_gold(kind: Pass, junk: list[Any], keep: int) -> None:
    res = results(kind)[:keep] + junk
    out = run(kind, res)
    assert all(i.code in IMPORT_RULES for i in out.issues)
    from newsclaims.validation.rules import check_gold

    # Valid as the round's annotator file it becomes (where a mention may be unlinked).
    assert check_gold(f"annotations/rounds/r1/annotators/ann1/{DOC_ID}.json", out.gold, REG) == []


# -- the entities pass beyond the registry (issue #18) -----------------------------------------

# A page written for these tests: people and an organisation no registry has seen, an emoji before
# them (code points, not UTF-16 units) and a non-breaking space inside a name.
NEW_PAGE = (
    "Harbour desk \U0001f6a2 live\n"
    "ORVALA \u2013 Mayor Ines\u00a0Castellanos-Rudd said on Tuesday that Brightwater Logistics will "
    "pay $4 million to Iran's port authority.\n"
    "Castellanos-Rudd told the Orvala Gazette: \u201cWe will not wait.\u201d\n"
)
NEW_DOC = "new_castellanos"


def new_page() -> tuple[Document[Listed], Registries]:
    from newsclaims.core.documents import text_sha256

    doc = Document(Listed(NEW_DOC, f"{NEW_DOC}.txt", "0" * 64, "orvala-story"), NEW_PAGE)
    assert doc.text_sha256 == text_sha256(NEW_PAGE)
    assert REG.documents is not None
    reg = Registries(REG.entity_labels, REG.cluster_stories, {**REG.documents, NEW_DOC: doc}, {NEW_DOC})
    return doc, reg


def run_new(results: list[Any]) -> Converted:
    doc, reg = new_page()
    return written_as_model(
        convert("entities", results, doc, reg, task="31", annotation="41", annotator="ann1", round_name="r-new")
    )


NEW_ROUND_FILE = f"annotations/rounds/r-new/annotators/ann1/{NEW_DOC}.json"


def test_mentions_of_entities_the_registry_lacks_are_all_imported() -> None:
    from newsclaims.validation.rules import check_gold

    assert "iran" in (REG.entity_labels or {}) and "ines-castellanos-rudd" not in (REG.entity_labels or {})
    results = [
        *mention_region(NEW_PAGE, "r1", "Ines\u00a0Castellanos-Rudd", "PERSON"),  # id left empty
        *mention_region(NEW_PAGE, "r2", "Tuesday", "DATE", ""),  # typed nothing
        *mention_region(NEW_PAGE, "r3", "Brightwater Logistics", "ORG", "  Brightwater\nLogistics "),  # a new name
        *mention_region(NEW_PAGE, "r4", "Iran", "GPE", "iran"),  # a registry id: linked
        *mention_region(
            NEW_PAGE, "r5", "Castellanos-Rudd", "PERSON", "ines-castellanos-rudd", occurrence=1
        ),  # a new id
        *mention_region(NEW_PAGE, "r6", "Orvala Gazette", "ORG", "Orvala Gazette"),
    ]
    out = run_new(results)
    assert out.issues == []
    got = [(m.text, m.label.value, m.entity_id, m.proposed_entity) for m in out.gold.mentions]
    assert got == [
        ("Ines\u00a0Castellanos-Rudd", "PERSON", None, None),
        ("Tuesday", "DATE", None, None),
        ("Brightwater Logistics", "ORG", None, "Brightwater Logistics"),
        ("Iran", "GPE", "iran", None),
        ("Castellanos-Rudd", "PERSON", None, "ines-castellanos-rudd"),
        ("Orvala Gazette", "ORG", None, "Orvala Gazette"),
    ]
    # Offsets are code points into the text: the emoji counts one.
    assert all(NEW_PAGE[m.start : m.end] == m.text for m in out.gold.mentions)
    assert [out.regions[m.mention_id] for m in out.gold.mentions] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    _, reg = new_page()
    assert check_gold(NEW_ROUND_FILE, out.gold, reg) == []  # legal in the round's file
    as_gold = check_gold(f"annotations/gold/{NEW_DOC}.json", out.gold, reg)
    assert [(p.code, p.record) for p in as_gold] == [("NC312", m) for m in ("m001", "m002", "m003", "m005", "m006")]


def test_a_label_differing_from_the_registry_is_a_warning_and_the_mention_is_kept() -> None:
    assert (REG.entity_labels or {})["iran"] == "GPE"
    out = run_new(
        [*mention_region(NEW_PAGE, "r9", "Iran", "ORG", "iran"), *mention_region(NEW_PAGE, "r8", "Tuesday", "DATE")]
    )
    assert [(m.text, m.label.value, m.entity_id, m.proposed_entity) for m in out.gold.mentions] == [
        ("Tuesday", "DATE", None, None),
        ("Iran", "ORG", None, "iran"),
    ]
    (issue,) = out.issues
    assert (issue.task, issue.annotation, issue.region, issue.code, issue.text) == ("31", "41", "r9", "NC714", "Iran")
    assert issue.warning
    line = str(issue)
    assert line.startswith('task 31 annotation 41 region r9 "Iran": NC714 warning: label ORG differs')
    assert "'iran'" in line and "GPE" in line


def test_an_unlinked_mention_with_its_proposal_round_trips_through_label_studio() -> None:
    out = run_new([*mention_region(NEW_PAGE, "r1", "Brightwater Logistics", "ORG", "Brightwater Logistics")])
    results = gold_to_results(out.gold, "entities")
    assert [r["type"] for r in results] == ["labels", "textarea"]
    again = run_new(results)
    assert again.issues == [] and again.gold.mentions == out.gold.mentions
    bare = run_new([*mention_region(NEW_PAGE, "r1", "Tuesday", "DATE")])
    assert [r["type"] for r in gold_to_results(bare.gold, "entities")] == ["labels"]  # nothing typed: no field
