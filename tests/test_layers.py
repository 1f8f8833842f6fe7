"""Linking an attribution's source span to the entity mention that names it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.annotation.layers import DETERMINERS, SOURCE_LABELS, SourceCandidates, source_mention
from newsclaims.core.models import Mention, Source
from newsclaims.core.vocab import EntityLabel

TEXT = "White House spokesman John Kirby, senior US officials, Colin Clarke, director at Soufan Group, US analysts"


def mention(mid: str, needle: str, label: EntityLabel) -> Mention:
    start = TEXT.index(needle)
    return Mention(mention_id=mid, start=start, end=start + len(needle), text=needle, label=label, entity_id=mid)


MENTIONS = [
    mention("wh", "White House", EntityLabel.ORG),
    mention("kirby", "John Kirby", EntityLabel.PERSON),
    mention("us1", "US", EntityLabel.GPE),
    mention("clarke", "Colin Clarke", EntityLabel.PERSON),
    mention("soufan", "Soufan Group", EntityLabel.ORG),
    mention("us2", "US analysts"[:2], EntityLabel.GPE).model_copy(
        update={"start": TEXT.rindex("US"), "end": TEXT.rindex("US") + 2}
    ),
]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("White House spokesman John Kirby", "kirby"),  # head at the end
        ("senior US officials", None),  # a modifier is not the source
        ("Colin Clarke, director at Soufan Group", "clarke"),  # the apposition does not make Soufan the source
        ("Colin Clarke, director", "clarke"),  # head before the apposition's comma
        ("US analysts", None),
    ],
)
def test_source_mention(source: str, expected: str | None) -> None:
    start = TEXT.index(source)
    span = Source(start=start, end=start + len(source), text=source)
    found = source_mention(span, MENTIONS)
    assert (found.mention_id if found else None) == expected


def _scan(source: Source, mentions: list[Mention]) -> Mention | None:
    """The rule of ``source_mention`` over every mention of the file, as first written: the
    reference its start-indexed search must agree with."""
    inside = [m for m in mentions if m.label in SOURCE_LABELS and source.start <= m.start and m.end <= source.end]
    head_start = source.start + next((len(d) for d in DETERMINERS if source.text.startswith(d)), 0)
    at_end = [m for m in inside if m.end == source.end]
    comma = [m for m in inside if m.start == head_start and source.text[m.end - source.start :][:1] == ","]
    for candidates in (comma, at_end):
        if candidates:
            return max(candidates, key=lambda m: (m.end - m.start, -m.start))
    return None


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_the_indexed_search_finds_what_a_scan_of_every_mention_finds(data: st.DataObject) -> None:
    text = "The US envoy, John Kirby, said the UN, the White House and France agreed, said Kirby."
    spans = st.tuples(st.integers(0, len(text) - 1), st.integers(1, len(text))).filter(lambda se: se[0] < se[1])
    mentions = [
        Mention(mention_id=f"m{i}", start=s, end=e, text=text[s:e], label=label, entity_id=None)
        for i, ((s, e), label) in enumerate(
            data.draw(st.lists(st.tuples(spans, st.sampled_from(EntityLabel)), max_size=12))
        )
    ]
    index = SourceCandidates(mentions)
    for s, e in data.draw(st.lists(spans, min_size=1, max_size=5)):
        source = Source(start=s, end=e, text=text[s:e])
        assert index.naming(source) == _scan(source, mentions) == source_mention(source, mentions)
