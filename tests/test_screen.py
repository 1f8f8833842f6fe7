"""The compiled screen passes exactly the annotation files in which the rules find nothing.

A file the screen passes skips ``check_records`` and ``check_spans``, so a wrong pass
would hide a problem; a wrong refusal only costs time, but the screen is exact except
for what it declines on purpose (integral float offsets), so both directions are tested.

Which rules it stands for (``screen.SCREENED``) is tested without the compiled module: every
rule of NC2xx-NC5xx is placed, and every screened rule has a break case (``BREAKS``) that
the rules report; only what the compiled screen answers needs the module.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from conftest import REPO_ROOT
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newsclaims.core.problems import RULES, Problem
from newsclaims.validation import screen
from newsclaims.validation.index import Index
from newsclaims.validation.rules import Registries, check_records, check_spans
from newsclaims.validation.stream import lazy_registries

# Only what the compiled screen answers needs it (scripts/check_extension.py fails where a
# compiler is but the module is not); which rules it stands for is tested everywhere.
compiled = pytest.mark.skipif(
    not screen.COMPILED, reason="newsclaims.validation._clean was not compiled on this machine"
)

GOLD = sorted((REPO_ROOT / "annotations" / "gold").glob("*.json"))
PAGES: list[tuple[str, dict[str, Any]]] = [(f"annotations/gold/{p.name}", json.loads(p.read_text())) for p in GOLD]
_REG = lazy_registries(Index.load(REPO_ROOT))
assert _REG.cluster_stories is not None
# One cluster of another story, so that NC306 can be broken too (the seeds are one story).
REG = Registries(_REG.entity_labels, {**_REG.cluster_stories, "k-other": "another-story"}, _REG.documents)


def rules(label: str, gold: dict[str, Any], reg: Registries = REG) -> list[Problem]:
    found, doc = check_records(label, gold, reg)
    return found + (check_spans(label, gold, doc.text) if doc is not None else [])


def text_of(gold: dict[str, Any]) -> str:
    assert REG.documents is not None
    return REG.documents[gold["doc_id"]].text


@compiled
def test_the_seed_pages_pass_and_have_no_problem() -> None:
    # They nest mentions, put sources inside other claims and chain attributions: all legal.
    assert all(rules(label, gold) == [] for label, gold in PAGES)
    assert [screen.passes(label, gold, REG) for label, gold in PAGES] == [True] * len(PAGES)


def spans_of(gold: dict[str, Any]) -> list[dict[str, Any]]:
    out = [*gold["mentions"], *gold["noise"], *[f for c in gold["claims"] for f in c["fragments"]]]
    return out + [p for a in gold["attributions"] for p in (a.get("source"), a.get("cue")) if p is not None]


SPAN_EDITS = ("shift", "grow", "text", "longer", "shorter", "space", "empty", "beyond", "float", "copy")
RECORD_EDITS = ("entity", "label", "cluster", "claim", "link", "same_id", "order", "parent", "unparent")


def edit_span(target: dict[str, Any], spans: list[dict[str, Any]], text: str, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(SPAN_EDITS))
    if kind != "float":  # edits compute with the offsets: keep them ints unless that is the edit
        target.update(start=int(target["start"]), end=int(target["end"]))
    if kind == "shift":  # keep the text in step, so only the layers and links can break
        delta = data.draw(st.integers(-40, 40))
        s, e = max(0, target["start"] + delta), min(len(text), target["end"] + delta)
        if s < e:
            target.update(start=s, end=e, text=text[s:e])
    elif kind == "grow":
        e = min(len(text), target["end"] + data.draw(st.integers(1, 200)))
        target.update(end=e, text=text[target["start"] : e])
    elif kind == "text":
        target["text"] = target["text"][:-1] + ("x" if target["text"][-1] != "x" else "y")
    elif kind == "longer":  # the text runs on as the document does: only its length is wrong
        target["text"] = text[target["start"] : target["end"] + 1]
    elif kind == "shorter":
        target["text"] = target["text"][:-1] or target["text"]
    elif kind == "space":
        s = max(0, target["start"] - 1)
        target.update(start=s, text=text[s : target["end"]])
    elif kind == "empty":
        target["end"] = target["start"]
    elif kind == "beyond":
        target["end"] = len(text) + 3
    elif kind == "float":
        target["start"] = float(target["start"])
    elif kind == "copy":  # another layer's span laid over this one
        other = data.draw(st.sampled_from(spans))
        target.update(start=other["start"], end=other["end"], text=other["text"])


def edit_record(gold: dict[str, Any], data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(RECORD_EDITS))
    pick = lambda layer: data.draw(st.sampled_from(gold[layer])) if gold[layer] else None  # noqa: E731
    mention, claim, attribution = pick("mentions"), pick("claims"), pick("attributions")
    if kind == "entity" and mention:
        mention["entity_id"] = data.draw(st.sampled_from([None, "e-missing", *sorted(REG.entity_labels or {})]))
    elif kind == "label" and mention:
        mention["label"] = data.draw(st.sampled_from(["PERSON", "ORG", "GPE", "DATE"]))
    elif kind == "cluster" and claim:
        claim["cluster_id"] = data.draw(st.sampled_from([None, "k-missing", *sorted(REG.cluster_stories or {})]))
    elif kind == "claim" and attribution:
        attribution["claim_id"] = data.draw(st.sampled_from(["c-missing", *[c["claim_id"] for c in gold["claims"]]]))
    elif kind == "link" and attribution and attribution.get("source") and mention:
        attribution["source"]["mention_id"] = data.draw(st.sampled_from([None, "m-missing", mention["mention_id"]]))
    elif kind == "same_id" and mention and claim:
        claim["claim_id"] = mention["mention_id"]
    elif kind == "order" and claim:
        claim["fragments"] = [*claim["fragments"], claim["fragments"][0]]
    elif kind == "parent" and attribution:
        ids = [a["attribution_id"] for a in gold["attributions"]]
        attribution["parent_id"] = data.draw(st.sampled_from([None, "a-missing", *ids]))
    elif kind == "unparent":
        for a in gold["attributions"]:
            a.pop("parent_id", None)


@compiled
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_screen_passes_a_file_exactly_when_the_rules_find_nothing(data: st.DataObject) -> None:
    label, page = data.draw(st.sampled_from(PAGES))
    gold, text = copy.deepcopy(page), text_of(page)
    for _ in range(data.draw(st.integers(0, 3))):
        if data.draw(st.booleans()):
            spans = spans_of(gold)
            edit_span(data.draw(st.sampled_from(spans)), spans, text, data)
        else:
            edit_record(gold, data)
    passed, problems = screen.passes(label, gold, REG), rules(label, gold)
    event(f"passed: {passed}, codes: {sorted({p.code for p in problems})[:3]}")
    if passed:
        assert problems == [], json.dumps(gold)[:300]
    elif all(type(s["start"]) is int and type(s["end"]) is int for s in spans_of(gold)):
        assert problems, "declined a file without problems"


# The break cases: edits of the first seed page, each after which the rules report exactly one
# problem, under the rule it is listed for; the screen must refuse every one of them.
LABEL, BASE = PAGES[0]
TEXT = text_of(BASE)
_MENTIONS = sorted(BASE["mentions"], key=lambda m: m["start"])
_SPACED = next(m for m in _MENTIONS if TEXT[m["end"]].isspace())
_LONG = next(m for m in _MENTIONS if len(m["text"]) > 2 and not m["text"][-2].isspace())
_FIRST = _MENTIONS[0]
_SECOND = next(m for m in _MENTIONS[1:] if m["start"] > _FIRST["start"])
_NOISE = BASE["noise"][0]
_ATTRIBUTION = next(a for a in BASE["attributions"] if a.get("cue") and a.get("source"))
_AID = _ATTRIBUTION["attribution_id"]
_CLAIM = next(c for c in BASE["claims"] if c["claim_id"] == _ATTRIBUTION["claim_id"])
_FRAGMENT = _CLAIM["fragments"][0]
_OUTSIDE = next(m for m in _MENTIONS if m["end"] <= _ATTRIBUTION["source"]["start"])
_PAIR = BASE["attributions"][0]["attribution_id"], BASE["attributions"][1]["attribution_id"]
# An attribution whose source has a mention, and an entity of the page that is not that mention's.
_LINKED = next(a for a in BASE["attributions"] if a.get("source") and a["source"].get("mention_id"))
_LINKED_ENTITY = next(m["entity_id"] for m in _MENTIONS if m["mention_id"] == _LINKED["source"]["mention_id"])
_OTHER_ENTITY = next(m["entity_id"] for m in _MENTIONS if m["entity_id"] != _LINKED_ENTITY)


def at(start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": TEXT[start:end]}


def mention(g: dict[str, Any], m: dict[str, Any] = _FIRST) -> dict[str, Any]:
    return next(x for x in g["mentions"] if x["mention_id"] == m["mention_id"])  # type: ignore[no-any-return]


def attr(g: dict[str, Any], key: str = _AID) -> dict[str, Any]:
    return next(a for a in g["attributions"] if a["attribution_id"] == key)  # type: ignore[no-any-return]


def claim(g: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in g["claims"] if c["claim_id"] == _CLAIM["claim_id"])  # type: ignore[no-any-return]


def cycle(g: dict[str, Any]) -> None:
    a, b = attr(g, _PAIR[0]), attr(g, _PAIR[1])
    a["parent_id"], b["parent_id"] = b["attribution_id"], a["attribution_id"]


class Break(NamedTuple):
    edit: Callable[[dict[str, Any]], object]
    record: str  # where the one problem is reported
    field: str
    label: str = LABEL  # the name the edited file is checked under


_M, _C, _DOC = _FIRST["mention_id"], _CLAIM["claim_id"], BASE["doc_id"]
BREAKS: dict[str, tuple[Break, ...]] = {
    "NC201": (Break(lambda g: mention(g).update(end=_FIRST["start"]), _M, "span"),),
    "NC202": (Break(lambda g: mention(g).update(end=len(TEXT) + 1), _M, "span"),),
    "NC203": (
        Break(lambda g: mention(g).update(text=_FIRST["text"] + "!"), _M, "span"),
        # The text is what the document has at start, one character short: only its length tells.
        Break(lambda g: mention(g, _LONG).update(text=_LONG["text"][:-1]), _LONG["mention_id"], "span"),
    ),
    "NC204": (
        Break(
            lambda g: mention(g, _SPACED).update(at(_SPACED["start"], _SPACED["end"] + 1)),
            _SPACED["mention_id"],
            "span",
        ),
    ),
    "NC205": (Break(lambda g: claim(g)["fragments"].append(_FRAGMENT), _C, f"fragments[{len(_CLAIM['fragments'])}]"),),
    "NC301": (Break(lambda g: g["noise"][0].update(noise_id=_M), _M, "noise_id"),),
    "NC303": (Break(lambda g: mention(g).update(entity_id="e-missing"), _M, "entity_id"),),
    "NC304": (Break(lambda g: mention(g).update(label="DATE" if _FIRST["label"] != "DATE" else "ORG"), _M, "label"),),
    "NC305": (Break(lambda g: claim(g).update(cluster_id="k-missing"), _C, "cluster_id"),),
    "NC306": (Break(lambda g: claim(g).update(cluster_id="k-other"), _C, "cluster_id"),),
    "NC307": (Break(lambda g: attr(g).update(claim_id="c-missing"), _AID, "claim_id"),),
    "NC308": (Break(lambda g: attr(g)["source"].update(mention_id="m-missing"), _AID, "source.mention_id"),),
    "NC309": (Break(lambda g: attr(g)["source"].update(mention_id=_OUTSIDE["mention_id"]), _AID, "source.mention_id"),),
    "NC310": (Break(lambda g: attr(g).update(parent_id="a-missing"), _AID, "parent_id"),),
    "NC311": (Break(cycle, min(_PAIR), "parent_id"),),
    # Unlinked in a gold file (a round's annotator file may hold it: test_an_unlinked_mention_...).
    "NC312": (Break(lambda g: mention(g).update(entity_id=None, proposed_entity="Someone New"), _M, "entity_id"),),
    # The source's speaker (schema 1.2): another entity than its mention's, linked and unnamed at once,
    # and an entity the registry does not have.
    "NC313": (
        Break(lambda g: attr(g)["source"].update(entity_id=_OTHER_ENTITY, unnamed=True), _AID, "source.unnamed"),
        Break(
            lambda g: attr(g, _LINKED["attribution_id"])["source"].update(entity_id=_OTHER_ENTITY),
            _LINKED["attribution_id"],
            "source.entity_id",
        ),
    ),
    "NC314": (
        Break(lambda g: attr(g)["source"].update(entity_id="nobody-known", unnamed=False), _AID, "source.entity_id"),
    ),
    "NC401": (Break(lambda g: g["noise"].append({**_NOISE, "noise_id": "n-extra"}), "n-extra", "span"),),
    "NC402": (Break(lambda g: mention(g).update(at(_NOISE["start"], _NOISE["end"])), _M, "span"),),
    "NC403": (Break(lambda g: attr(g).update(cue=at(_FRAGMENT["start"], _FRAGMENT["end"])), _AID, "cue"),),
    "NC404": (Break(lambda g: attr(g).update(source=at(_FRAGMENT["start"], _FRAGMENT["end"])), _AID, "source"),),
    "NC405": (
        Break(lambda g: mention(g).update(at(_FIRST["start"], _SECOND["start"] + 1)), _SECOND["mention_id"], "span"),
    ),
    "NC406": (Break(lambda g: g["mentions"].append({**_FIRST, "mention_id": "m-extra"}), "m-extra", "span"),),
    "NC501": (Break(lambda g: g.update(text_sha256="0" * 64), _DOC, "text_sha256"),),
    # Of a document not in the manifest, under its own name (else NC508 too).
    "NC507": (
        Break(lambda g: g.update(doc_id="zz-missing"), "zz-missing", "doc_id", "annotations/gold/zz-missing.json"),
    ),
    # The same records under another file's name.
    "NC508": (Break(lambda g: None, _DOC, "doc_id", PAGES[1][0]),),
}
BREAK_CASES = [
    pytest.param(code, case, id=f"{code}-{i}" if i else code)
    for code, cases in BREAKS.items()
    for i, case in enumerate(cases)
]
_HOW = "CONTRIBUTING.md, 'Adding a rule'"


def test_every_rule_about_annotation_files_is_screened_or_left_out_for_a_reason() -> None:
    families = {code for code in RULES if code[:3] in ("NC2", "NC3", "NC4", "NC5")}
    left_out = [code for codes in screen.NOT_SCREENED.values() for code in codes]
    placed = [*screen.SCREENED, *left_out]
    assert not families - set(placed), (
        f"{sorted(families - set(placed))} in neither screen.SCREENED nor screen.NOT_SCREENED: a file the "
        "screen passes skips check_records and check_spans, so a rule of theirs that the screen does not "
        "restate never runs on it. Restate it in _clean.c (or in passes) and add it to SCREENED with a "
        f"break case in BREAKS, or add it to NOT_SCREENED under the reason it is checked elsewhere ({_HOW})"
    )
    assert len(placed) == len(set(placed)), f"a code placed twice in screen.SCREENED and NOT_SCREENED ({_HOW})"
    assert set(placed) <= families, (
        f"{sorted(set(placed) - families)} placed but not a rule of NC2xx-NC5xx in RULES ({_HOW})"
    )


def test_every_screened_rule_has_a_break_case() -> None:
    assert not screen.SCREENED - set(BREAKS), (
        f"{sorted(screen.SCREENED - set(BREAKS))} in screen.SCREENED without a break case: add to BREAKS an "
        f"edit of the seed page after which the rules report exactly that code, and where ({_HOW})"
    )
    assert not set(BREAKS) - screen.SCREENED, f"{sorted(set(BREAKS) - screen.SCREENED)} not in screen.SCREENED"
    assert all(BREAKS.values()), "a rule with an empty tuple of break cases"


@pytest.mark.parametrize(("code", "case"), BREAK_CASES)
def test_each_break_case_breaks_its_rule_alone(code: str, case: Break) -> None:
    broken = copy.deepcopy(BASE)
    case.edit(broken)
    found = [(p.code, p.path, p.record, p.field) for p in rules(case.label, broken)]
    assert found == [(code, case.label, case.record, case.field)]


@compiled
@pytest.mark.parametrize(("code", "case"), BREAK_CASES)
def test_every_rule_it_stands_for_broken_once_is_refused(code: str, case: Break) -> None:
    broken = copy.deepcopy(BASE)
    case.edit(broken)
    assert screen.passes(case.label, broken, REG) is False


ROUND_LABEL = f"annotations/rounds/r1/annotators/ann1/{_DOC}.json"


def test_an_unlinked_mention_is_legal_in_a_rounds_annotator_file_only() -> None:
    unlinked = copy.deepcopy(BASE)
    mention(unlinked).update(entity_id=None, proposed_entity="Someone New")
    assert rules(ROUND_LABEL, unlinked) == []
    assert [p.code for p in rules(LABEL, unlinked)] == ["NC312"]
    # Linked or not, the rest of the rules still hold there: an unknown id is no proposal.
    mention(unlinked).update(entity_id="e-missing")
    assert [p.code for p in rules(ROUND_LABEL, unlinked)] == ["NC303"]


@compiled
def test_the_screen_declines_an_unlinked_mention_wherever_the_file_is() -> None:
    # It is not given the file's place; it declines, and the rules decide (they find nothing in a round).
    unlinked = copy.deepcopy(BASE)
    mention(unlinked).update(entity_id=None)
    for label in (LABEL, ROUND_LABEL):
        assert screen.passes(label, unlinked, REG) is False
        assert screen.passes(label, unlinked, Registries(None, REG.cluster_stories, REG.documents)) is False
    assert screen.passes(ROUND_LABEL, BASE, REG) is True


def test_whitespace_is_str_isspace_over_all_of_unicode() -> None:
    # NC204 is str.isspace in check_span and str.strip in check_spans' bulk test: both must
    # agree on every code point.
    everything = "".join(map(chr, range(0x110000)))
    spaces = {ord(c) for c in everything if c.isspace()}
    assert {ord(c) for c in everything if c.strip() == ""} == spaces


@compiled
def test_the_screens_whitespace_is_str_isspace() -> None:
    from newsclaims.validation._clean import clean

    # Every code point that is or might be taken for whitespace: separators, controls, formats.
    kinds = {"Zs", "Zl", "Zp", "Cc", "Cf"}
    suspects = [chr(i) for i in range(0x110000) if chr(i).isspace() or unicodedata.category(chr(i)) in kinds]
    assert len(suspects) > 200
    for c in suspects:
        for value in (c + "b", "a" + c):
            gold = {
                "mentions": [
                    {"mention_id": "m", "start": 0, "end": 2, "text": value, "entity_id": "e", "label": "PERSON"}
                ],
                "noise": [],
                "claims": [],
                "attributions": [],
            }
            assert clean(gold, value, {"e": "PERSON"}, None, None) is (not c.isspace()), hex(ord(c))


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 50) | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["start", "end", "text", "mention_id", "claim_id"]), inner, max_size=3)
    ),
    max_leaves=12,
)
_KEYS = ["start", "end", "text", "label", "entity_id", "cluster_id", "parent_id", "source", "cue", "fragments"]
_RECORD = st.dictionaries(st.sampled_from([*_KEYS, "mention_id", "noise_id", "claim_id", "attribution_id"]), _ANY)


@compiled
@settings(max_examples=400, deadline=None)
@given(
    gold=st.fixed_dictionaries(
        {}, optional={k: st.lists(_RECORD, max_size=4) | _ANY for k in ("mentions", "noise", "claims", "attributions")}
    ),
    text=st.text(max_size=40),
    labels=st.none() | st.dictionaries(st.text(max_size=3), _ANY, max_size=3) | _ANY,
)
def test_the_compiled_check_answers_a_bool_for_any_input(gold: dict[str, Any], text: str, labels: Any) -> None:
    # It sees only schema-valid records in validate; still, nothing it is handed may crash it.
    from newsclaims.validation._clean import clean

    assert clean(gold, text, labels, labels, None) in (True, False)
    assert clean(gold, text, None, None, "story") in (True, False)
