"""Linking an attribution's source span to the entity mention that names it."""

from __future__ import annotations

import pytest

from newsclaims.annotation.layers import source_mention
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
