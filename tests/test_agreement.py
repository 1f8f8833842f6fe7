"""Agreement figures on hand-checked examples."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import TEXT, baseline_gold
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.annotation.agreement import (
    Unit,
    char_alpha,
    char_labels,
    compare_files,
    compare_links,
    compare_units,
    krippendorff_alpha_nominal,
    token_labels,
)
from newsclaims.core.models import GoldFile


def gold(edit: object = None) -> GoldFile:
    doc = baseline_gold()
    if callable(edit):
        edit(doc)
    return GoldFile.model_validate(doc, strict=False)


def test_alpha_by_hand() -> None:
    # n = 8 values, A:3 B:5, one disagreeing unit: alpha = 1 - 7 * 2 / 30.
    assert krippendorff_alpha_nominal(list("AABB"), list("ABBB")) == pytest.approx(1 - 14 / 30)
    assert krippendorff_alpha_nominal(list("AB"), list("AB")) == 1
    assert krippendorff_alpha_nominal(list("AA"), list("AA")) is None


def test_exact_and_overlap_f1() -> None:
    a = [("PER", 0, 5), ("PER", 10, 15), ("GPE", 20, 24)]
    b = [("PER", 0, 5), ("PER", 11, 15), ("GPE", 30, 34)]
    per = compare_units(a, b)["PER"]
    assert (per.exact, per.overlap) == (1, 2)
    assert per.f1(per.exact) == pytest.approx(0.5) and per.f1(per.overlap) == pytest.approx(1.0)
    assert compare_units(a, b)["*"].as_dict() == {"a": 3, "b": 3, "f1_exact": 1 / 3, "f1_overlap": 2 / 3}


def test_overlap_is_one_to_one() -> None:
    # One long span against two short ones inside it: one match, not two.
    t = compare_units([("X", 0, 10)], [("X", 0, 3), ("X", 5, 8)])["X"]
    assert (t.exact, t.overlap) == (0, 1)


def test_identical_files_agree_fully() -> None:
    result = compare_files(gold(), gold(), len(TEXT))
    assert all(t["*"].f1(t["*"].exact) == 1 for t in result.layers.values())
    assert result.alpha_chars == {"noise": 1.0, "mentions": 1.0}


def test_a_changed_cue_breaks_only_cue_and_triple() -> None:
    def shift_cue(doc: dict) -> None:  # type: ignore[type-arg]
        cue = doc["attributions"][0]["cue"]
        cue.update(start=cue["start"] + 1, text=cue["text"][1:])

    layers = compare_files(gold(), gold(shift_cue), len(TEXT)).layers
    exact = {name: t["*"].exact for name, t in layers.items()}
    assert exact["attribution_cue"] == 1 and exact["attribution_triple"] == 1
    assert exact["attribution_source"] == 2 and exact["attribution_content"] == 2
    assert list(layers["attribution_triple"]) == ["*"]  # its units' labels are offsets, not labels


def test_overlap_never_below_exact() -> None:
    # Absent parts (-1:-1) and duplicates: identical units always count as overlapping too.
    a = [("cue", -1, -1), ("cue", 5, 9), ("cue", 5, 9), ("cue", 0, 12)]
    b = [("cue", -1, -1), ("cue", 5, 9), ("cue", 5, 9), ("cue", 1, 3)]
    t = compare_units(a, b)["cue"]
    assert (t.exact, t.overlap) == (3, 4)


def test_linking_is_scored_apart_from_the_spans() -> None:
    # m1 Kirby: both unlinked, the same proposal once normalised; m2 Iran: the same id; m3 400:
    # different ids; m4 Russia: both empty; m5 Friday: one linked, one not. Every span agrees.
    def unlinked(doc: dict, proposals: dict[str, str | None]) -> None:  # type: ignore[type-arg]
        for m in doc["mentions"]:
            if m["mention_id"] in proposals:
                m["entity_id"] = None
                if proposals[m["mention_id"]] is not None:
                    m["proposed_entity"] = proposals[m["mention_id"]]

    a = gold(lambda d: unlinked(d, {"m1": "Kirby, John", "m4": None}))
    b = gold(
        lambda d: (
            unlinked(d, {"m1": "kirby-john", "m4": None, "m5": "friday"}),
            d["mentions"][2].update(entity_id="x"),
        )
    )
    result = compare_files(a, b, len(TEXT))
    assert result.layers["mentions"]["*"].exact == 5  # linked or not, a mention is its span and label
    links = result.links
    assert (links.matched, links.same_entity, links.same_proposal, links.both_empty) == (5, 1, 1, 1)
    assert links.agreement == 2 / 5
    assert compare_links(a, a).agreement == 4 / 5  # both empty is no agreement on an entity


def test_a_pass_without_mentions_reports_no_linking() -> None:
    from newsclaims.annotation.rounds.report import AgreementReport, LinkScore, agreement_markdown

    report = AgreementReport("r", "noise", {}, {}, {}, ())
    assert "linking" not in report.as_dict() and "Entity linking" not in agreement_markdown(report)
    linked = AgreementReport("r", "entities", {}, {}, {}, (), {"*": LinkScore(2, 1, 0, 1, 0.5)})
    assert linked.as_dict()["linking"] == {
        "*": {"matched": 2, "same_entity": 1, "same_proposal": 0, "both_empty": 1, "agreement": 0.5}
    }
    assert "| all pairs | 2 | 1 | 0 | 1 | 0.500 |" in agreement_markdown(linked)


# Units as gold files hold them: inside the text, never empty; nested, overlapping and repeated
# spans with few labels, so that the innermost-span rule decides many characters.
@st.composite
def texts_and_units(draw: st.DrawFn) -> tuple[int, list[Unit], list[Unit]]:
    length = draw(st.integers(1, 60))
    unit = st.tuples(st.integers(0, length - 1), st.integers(1, length)).filter(lambda se: se[0] < se[1])
    labelled = st.tuples(st.sampled_from(["PER", "ORG", "GPE"]), unit).map(lambda lu: (lu[0], *lu[1]))
    return length, draw(st.lists(labelled, max_size=8)), draw(st.lists(labelled, max_size=8))


@given(texts_and_units())
@settings(max_examples=400, deadline=None)
def test_alpha_by_segments_equals_alpha_by_characters(case: tuple[int, list[Unit], list[Unit]]) -> None:
    """``char_alpha`` (one count per stretch of equal labels) gives what the per-character
    definition gives: ``krippendorff_alpha_nominal`` of the two files' ``char_labels``."""
    length, a, b = case
    by_chars = krippendorff_alpha_nominal(char_labels(a, length), char_labels(b, length))
    by_segments = char_alpha(a, b, length)
    assert by_segments == pytest.approx(by_chars) if by_chars is not None else by_segments is None


@given(texts_and_units())
@settings(max_examples=400, deadline=None)
def test_token_labels_are_the_labels_of_their_first_characters(case: tuple[int, list[Unit], list[Unit]]) -> None:
    length, units, _ = case
    tokens = [(start, start + 1) for start in range(length)]  # every character starts a token
    chars = char_labels(units, length)
    assert token_labels(units, tokens, length) == ["none" if c == "O" else c for c in chars]


def test_alpha_by_segments_on_hand_checked_spans() -> None:
    # 10 characters: a PER at 0:4 for both, an ORG at 6:8 for one only. Pairs: 4 (PER, PER),
    # 2 (ORG, O), 4 (O, O): n = 20, totals PER 8, ORG 2, O 10; alpha = 1 - 19 * 4 / (400 - 168).
    assert char_alpha([("PER", 0, 4), ("ORG", 6, 8)], [("PER", 0, 4)], 10) == pytest.approx(1 - 19 * 4 / 232)


def test_values_of_the_units_both_marked() -> None:
    """A flipped stance and a flipped check-worthiness leave span F1 whole, and show here."""
    from newsclaims.annotation.agreement import compare_values

    def flip(doc: dict) -> None:  # type: ignore[type-arg]
        doc["claims"][0]["checkworthy"] = not doc["claims"][0]["checkworthy"]
        doc["attributions"][0]["stance"] = "denies" if doc["attributions"][0]["stance"] != "denies" else "asserts"

    a, b = gold(), gold(flip)
    values = compare_values(a, b)
    assert {v: (t.units, t.agree) for v, t in values.items()} == {
        "checkworthy": (len(a.claims), len(a.claims) - 1),
        "quote_type": (len(a.attributions), len(a.attributions)),
        "stance": (len(a.attributions), len(a.attributions) - 1),
    }
    same = compare_values(a, a)
    assert all(t.agree == t.units for t in same.values())
    layers = compare_files(a, b, len(TEXT)).layers
    assert layers["claims"]["*"].exact == len(a.claims)  # spans agree: only the values differ


def test_values_alpha_by_hand() -> None:
    from newsclaims.annotation.agreement import ValueTally

    # 4 units: (x, x) twice, (x, y) once, (y, y) once: n = 8, x 5, y 3, one disagreement.
    tally = ValueTally(Counter({("x", "x"): 2, ("x", "y"): 1, ("y", "y"): 1}))
    assert (tally.units, tally.agree) == (4, 3)
    assert tally.alpha == pytest.approx(1 - (2 * 1 / 8) / ((64 - 25 - 9) / (8 * 7)))
    assert ValueTally().alpha is None
