"""The compiled screen passes exactly the annotation files in which the rules find nothing.

A file the screen passes skips ``check_records`` and ``check_spans``, so a wrong pass
would hide a problem; a wrong refusal only costs time, but the screen is exact except
for what it declines on purpose (integral float offsets), so both directions are tested.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from typing import Any

import pytest
from conftest import REPO_ROOT
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newsclaims.core.problems import Problem
from newsclaims.validation import screen
from newsclaims.validation.index import Index
from newsclaims.validation.rules import Registries, check_records, check_spans
from newsclaims.validation.stream import lazy_registries

pytestmark = pytest.mark.skipif(
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
        mention["entity_id"] = data.draw(st.sampled_from(["e-missing", *sorted(REG.entity_labels or {})]))
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


def test_every_rule_it_stands_for_broken_once_is_refused() -> None:
    label, base = PAGES[0]
    text = text_of(base)
    mentions = sorted(base["mentions"], key=lambda m: m["start"])
    spaced = next(m for m in mentions if text[m["end"]].isspace())
    long = next(m for m in mentions if len(m["text"]) > 2 and not m["text"][-2].isspace())
    first, second = mentions[0], next(m for m in mentions[1:] if m["start"] > mentions[0]["start"])
    noise = base["noise"][0]
    attribution = next(a for a in base["attributions"] if a.get("cue") and a.get("source"))
    aid = attribution["attribution_id"]
    fragment = next(c for c in base["claims"] if c["claim_id"] == attribution["claim_id"])["fragments"][0]
    outside = next(m for m in mentions if m["end"] <= attribution["source"]["start"])

    def at(start: int, end: int) -> dict[str, Any]:
        return {"start": start, "end": end, "text": text[start:end]}

    def mention(g: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
        return next(x for x in g["mentions"] if x["mention_id"] == m["mention_id"])  # type: ignore[no-any-return]

    def attr(g: dict[str, Any], key: str = aid) -> dict[str, Any]:
        return next(a for a in g["attributions"] if a["attribution_id"] == key)  # type: ignore[no-any-return]

    def cycle(g: dict[str, Any]) -> None:
        a, b = g["attributions"][0], g["attributions"][1]
        a["parent_id"], b["parent_id"] = b["attribution_id"], a["attribution_id"]

    breaks = {
        "NC201": lambda g: mention(g, first).update(end=first["start"]),
        "NC202": lambda g: mention(g, first).update(end=len(text) + 1),
        "NC203": lambda g: mention(g, first).update(text=first["text"] + "!"),
        # The text is what the document has at start, one character short: only its length tells.
        "NC203 ": lambda g: mention(g, long).update(text=long["text"][:-1]),
        "NC204": lambda g: mention(g, spaced).update(at(spaced["start"], spaced["end"] + 1)),
        "NC205": lambda g: g["claims"][0].update(fragments=[*g["claims"][0]["fragments"], fragment]),
        "NC301": lambda g: g["noise"][0].update(noise_id=first["mention_id"]),
        "NC303": lambda g: mention(g, first).update(entity_id="e-missing"),
        "NC304": lambda g: mention(g, first).update(label="DATE" if first["label"] != "DATE" else "ORG"),
        "NC305": lambda g: g["claims"][0].update(cluster_id="k-missing"),
        "NC306": lambda g: g["claims"][0].update(cluster_id="k-other"),
        "NC307": lambda g: attr(g).update(claim_id="c-missing"),
        "NC308": lambda g: attr(g)["source"].update(mention_id="m-missing"),
        "NC309": lambda g: attr(g)["source"].update(mention_id=outside["mention_id"]),
        "NC310": lambda g: attr(g).update(parent_id="a-missing"),
        "NC311": cycle,
        "NC401": lambda g: g["noise"].append({**noise, "noise_id": "n-extra"}),
        "NC402": lambda g: mention(g, first).update(at(noise["start"], noise["end"])),
        "NC403": lambda g: attr(g).update(cue=at(fragment["start"], fragment["end"])),
        "NC404": lambda g: attr(g).update(source=at(fragment["start"], fragment["end"])),
        "NC405": lambda g: mention(g, first).update(at(first["start"], second["start"] + 1)),
        "NC406": lambda g: g["mentions"].append({**first, "mention_id": "m-extra"}),
        "NC501": lambda g: g.update(text_sha256="0" * 64),
        "NC507": lambda g: g.update(doc_id="zz-missing"),
    }
    assert screen.passes(label, base, REG)
    for code, brk in breaks.items():
        broken = copy.deepcopy(base)
        brk(broken)
        assert code.strip() in {p.code for p in rules(label, broken)}, code
        assert screen.passes(label, broken, REG) is False, code
    # NC508: the same records under another file's name.
    assert "NC508" in {p.code for p in rules(PAGES[1][0], base)}
    assert screen.passes(PAGES[1][0], base, REG) is False


def test_whitespace_is_str_isspace_over_all_of_unicode() -> None:
    # NC204 is str.isspace in check_span and str.strip in check_spans' bulk test: both must
    # agree on every code point.
    everything = "".join(map(chr, range(0x110000)))
    spaces = {ord(c) for c in everything if c.isspace()}
    assert {ord(c) for c in everything if c.strip() == ""} == spaces


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
