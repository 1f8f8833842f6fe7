"""Spans back from Label Studio: re-sliced from offsets, UTF-16 shifts repaired only when unambiguous."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsclaims.annotation.labelstudio.offsets import Text, Unresolvable, resolve, trim

DOC = Text("Mayor \U0001f600 said:  the  bridge   cost $5M e\u0301t\u00e9 \u00a0ok \U0001f600\U0001f600 Kyiv")


def at(needle: str) -> tuple[int, int]:
    start = DOC.text.index(needle)
    return start, start + len(needle)


def u16(offset: int) -> int:
    return len(DOC.text[:offset].encode("utf-16-le")) // 2


def test_code_point_offsets_are_kept() -> None:
    s, e = at("said")
    r = resolve(DOC, s, e, "said")
    assert (r.start, r.end, r.repaired) == (s, e, None)


def test_collapsed_spaces_in_the_shown_text_still_confirm() -> None:
    s, e = at("the  bridge   cost")
    r = resolve(DOC, s, e, "the bridge cost")  # what the UI exports
    assert (r.start, r.end, r.repaired) == (s, e, None)


@pytest.mark.parametrize("edge", ["start", "end", "both"])
def test_utf16_edges_after_an_emoji_are_repaired(edge: str) -> None:
    s, e = at("Kyiv")  # three astral characters before it
    bad_s = u16(s) if edge in ("start", "both") else s
    bad_e = u16(e) if edge in ("end", "both") else e
    r = resolve(DOC, bad_s, bad_e, "Kyiv")
    assert (r.start, r.end) == (s, e)
    assert r.repaired is not None and "UTF-16" in r.repaired


def test_a_span_across_an_emoji_names_the_one_edge_repaired() -> None:
    """Its start is before the first emoji, so reads the same either way: only the end moved."""
    s, e = at("Mayor \U0001f600 said")
    r = resolve(DOC, s, u16(e), "Mayor \U0001f600 said")
    assert (r.start, r.end) == (s, e)
    assert r.repaired == f"end read as UTF-16: {s}:{u16(e)} -> {s}:{e}"


def test_combining_marks_and_nbsp_are_plain_code_points() -> None:
    s, e = at("e\u0301t\u00e9")
    r = resolve(DOC, s, e, "e\u0301t\u00e9")
    assert (r.start, r.end) == (s, e)
    s, e = at("\u00a0ok")
    assert trim(DOC, s, e) == (s + 1, e)  # NBSP is whitespace at an edge


def test_mismatch_under_every_reading_is_refused() -> None:
    s, e = at("Kyiv")
    with pytest.raises(Unresolvable, match="does not match"):
        resolve(DOC, s, e, "Kiev")


def test_out_of_range_without_text_is_refused() -> None:
    with pytest.raises(Unresolvable, match="outside the text"):
        resolve(DOC, 5, len(DOC.text) + 10, None)
    with pytest.raises(Unresolvable, match="integers"):
        resolve(DOC, "5", 7, "x")


@given(text=st.text(alphabet=st.sampled_from(["\U0001f600", "a", "b", " ", "\n"]), max_size=30), data=st.data())
def test_true_span_is_always_recovered_from_utf16_offsets(text: str, data: st.DataObject) -> None:
    doc = Text(text)
    if not text.strip():
        return
    s = data.draw(st.integers(0, len(text) - 1))
    e = data.draw(st.integers(s + 1, len(text)))
    shown = text[s:e]
    if not shown.strip():
        return
    to16 = lambda i: len(text[:i].encode("utf-16-le")) // 2  # noqa: E731
    # Never silently wrong: the true span (up to whitespace at its edges), or refused as ambiguous.
    try:
        r = resolve(doc, to16(s), to16(e), shown)
    except Unresolvable as err:
        assert "ambiguous" in str(err)
        return
    assert trim(doc, r.start, r.end) == trim(doc, s, e)


def test_repeated_text_after_emoji_is_refused_as_ambiguous() -> None:
    # "😀" drawn at code points 6:7 arrives as UTF-16 7:9, where the raw slice " 😀" also reads "😀".
    doc = Text("aaaaa\U0001f600\U0001f600 \U0001f600")
    with pytest.raises(Unresolvable, match="ambiguous"):
        resolve(doc, 7, 9, "\U0001f600")
