"""The batch screen never passes a document that ``check_spans`` would fault.

The screen may flag a clean document (it then only costs time); it must never pass a
broken one, and documents in one batch must not affect each other's verdicts.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from conftest import REPO_ROOT
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newsclaims.documents import decode_text
from newsclaims.rules import Rec, check_spans, non_noise_spans
from newsclaims.screen import clean

GOLD = sorted((REPO_ROOT / "annotations" / "gold").glob("*.json"))
PAGES: list[tuple[dict[str, Any], str]] = [
    (json.loads(p.read_text()), decode_text((REPO_ROOT / "seeds" / f"{p.stem}.txt").read_bytes())) for p in GOLD
]


def plain(gold: dict[str, Any]) -> dict[str, Any]:
    """The page without what the screen flags although legal: nested mentions, sources or cues inside claims."""
    out = copy.deepcopy(gold)
    kept: list[dict[str, Any]] = []
    for m in sorted(out["mentions"], key=lambda m: (m["start"], -m["end"])):
        if not kept or m["start"] >= kept[-1]["end"]:
            kept.append(m)
    out["mentions"] = kept
    fragments = [f for c in out["claims"] for f in c["fragments"]]
    out["attributions"] = [
        a
        for a in out["attributions"]
        if not any(
            p is not None and p["start"] < f["end"] and f["start"] < p["end"]
            for p in (a.get("source"), a.get("cue"))
            for f in fragments
        )
    ]
    return out


PAGES += [(plain(gold), text) for gold, text in PAGES]


def test_whitespace_is_str_isspace_over_all_of_unicode() -> None:
    # NC204 is str.isspace in check_span and str.strip in the bulk tests (the screen and
    # check_spans'): both must agree on every code point.
    everything = "".join(map(chr, range(0x110000)))
    spaces = {ord(c) for c in everything if c.isspace()}
    assert {ord(c) for c in everything if c.strip() == ""} == spaces


def test_the_seed_pages_are_clean_for_check_spans_and_the_screen_lets_plain_ones_through() -> None:
    assert all(check_spans("x", gold, text) == [] for gold, text in PAGES)
    # Flagging is allowed for nested mentions and attributions inside claims; without them, pages pass.
    assert clean(PAGES[len(GOLD) :]) == [True] * len(GOLD)


def spans_of(gold: Rec) -> list[dict[str, Any]]:
    return [*gold["noise"], *non_noise_spans(gold)]  # type: ignore[list-item]


EDITS = ("shift", "grow", "text", "longer", "shorter", "space", "empty", "beyond", "negative", "float", "copy")


def edit(gold: dict[str, Any], text: str, data: st.DataObject) -> None:
    spans = spans_of(gold)
    target = data.draw(st.sampled_from(spans)) if spans else None
    kind = data.draw(st.sampled_from(EDITS))
    if target is None:
        return
    if kind != "float":  # edits compute with the offsets: keep them ints unless that is the edit
        target.update(start=int(target["start"]), end=int(target["end"]))
    if kind == "shift":  # keep the text in step, so only the layers can break
        delta = data.draw(st.integers(-40, 40))
        s, e = max(0, target["start"] + delta), min(len(text), target["end"] + delta)
        if s < e:
            target.update(start=s, end=e, text=text[s:e])
    elif kind == "grow":
        e = min(len(text), target["end"] + data.draw(st.integers(1, 200)))
        target.update(end=e, text=text[target["start"] : e])
    elif kind == "text":
        target["text"] = target["text"][:-1] + ("x" if target["text"][-1] != "x" else "y")
    elif kind == "longer":  # the text runs on past end, as the document does: only the length is wrong
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
    elif kind == "negative":
        target["start"] = -1
    elif kind == "float":
        target["start"] = float(target["start"])
    elif kind == "copy":  # another layer's span laid over this one
        other = data.draw(st.sampled_from(spans))
        target.update(start=other["start"], end=other["end"], text=other["text"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_document_the_screen_passes_has_no_span_problem(data: st.DataObject) -> None:
    batch = []
    for _ in range(data.draw(st.integers(1, 4))):
        gold, text = copy.deepcopy(data.draw(st.sampled_from(PAGES)))
        for _ in range(data.draw(st.integers(0, 3))):
            edit(gold, text, data)
        batch.append((gold, text))
    verdicts = clean(batch)
    assert verdicts == [clean([one])[0] for one in batch]  # documents do not meet in a batch
    event(f"passed {sum(verdicts)} of {len(verdicts)}")
    for (gold, text), passed in zip(batch, verdicts, strict=True):
        if passed:
            assert check_spans("x", gold, text) == [], json.dumps(gold)[:200]


def test_every_span_rule_broken_once_is_flagged() -> None:
    # A page the screen passes, so that each break below is what makes it flag the page.
    base, text = next(
        (g, t) for g, t in PAGES[len(GOLD) :] if any(a.get("cue") and a.get("source") for a in g["attributions"])
    )
    assert clean([(base, text)]) == [True]

    def at(start: int, end: int) -> dict[str, Any]:
        return {"start": start, "end": end, "text": text[start:end]}

    mentions = sorted(base["mentions"], key=lambda m: m["start"])
    spaced = next(m for m in mentions if text[m["end"]].isspace())
    first, second = mentions[0], mentions[1]
    long = next(m for m in mentions if len(m["text"]) > 2 and not m["text"][-2].isspace())
    noise = base["noise"][0]
    attribution = next(a for a in base["attributions"] if a.get("cue") and a.get("source"))
    fragment = next(c for c in base["claims"] if c["claim_id"] == attribution["claim_id"])["fragments"][0]

    def mention(g: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = next(x for x in g["mentions"] if x["mention_id"] == m["mention_id"])
        return found

    def attr(g: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = next(
            a for a in g["attributions"] if a["attribution_id"] == attribution["attribution_id"]
        )
        return found

    breaks = {
        "NC201": lambda g: mention(g, first).update(end=first["start"]),
        "NC202": lambda g: mention(g, first).update(end=len(text) + 1),
        "NC203": lambda g: mention(g, first).update(text=first["text"] + "!"),
        # The text is what the document has at start, one character short: only its length tells.
        "NC203 ": lambda g: mention(g, long).update(text=long["text"][:-1]),
        "NC204": lambda g: mention(g, spaced).update(at(spaced["start"], spaced["end"] + 1)),
        "NC401": lambda g: g["noise"].append({**noise, "noise_id": "n-extra"}),
        "NC402": lambda g: mention(g, first).update(at(noise["start"], noise["end"])),
        "NC403": lambda g: attr(g).update(cue=at(fragment["start"], fragment["end"])),
        "NC404": lambda g: attr(g).update(source=at(fragment["start"], fragment["end"])),
        "NC405": lambda g: mention(g, first).update(at(first["start"], second["start"] + 1)),
        "NC406": lambda g: g["mentions"].append({**first, "mention_id": "m-extra"}),
    }
    for code, brk in breaks.items():
        broken = copy.deepcopy(base)
        brk(broken)
        assert code.strip() in {p.code for p in check_spans("x", broken, text)}, code
        assert clean([(broken, text), (base, text)])[0] is False, code
