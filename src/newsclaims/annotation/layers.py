"""Operations on the annotation layers of a gold file."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from newsclaims.core.models import Attribution, GoldFile, Mention, Source
from newsclaims.core.vocab import EntityLabel

# Sources are people, bodies, places acting as governments, or groups.
SOURCE_LABELS = {EntityLabel.PERSON, EntityLabel.ORG, EntityLabel.GPE, EntityLabel.NORP}
DETERMINERS = ("the ", "The ")


def source_mention(source: Source, mentions: Sequence[Mention]) -> Mention | None:
    """The entity mention that names a source, if the source span has one.

    A name right before an apposition's comma is the head ("Colin Clarke, Director
    of Research at the Soufan Group"); otherwise the head of an English noun phrase
    is at its end ("White House spokesman John Kirby"). A name elsewhere is a
    modifier, not the source ("senior US officials", "US analysts" are not the
    US). Of the candidates, the longest.
    """
    return SourceCandidates(mentions).naming(source)


class SourceCandidates:
    """A file's mentions that can name a source, by start: each source looks only at those that
    start inside it, not at every mention of the page (a page has hundreds)."""

    def __init__(self, mentions: Sequence[Mention]) -> None:
        self.mentions = sorted((m for m in mentions if m.label in SOURCE_LABELS), key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]

    def naming(self, source: Source) -> Mention | None:
        """``source_mention`` of ``source``."""
        first, last = bisect_left(self.starts, source.start), bisect_right(self.starts, source.end)
        inside = [m for m in self.mentions[first:last] if m.end <= source.end]
        head_start = source.start + next((len(d) for d in DETERMINERS if source.text.startswith(d)), 0)
        at_end = [m for m in inside if m.end == source.end]
        before_apposition = [
            m
            for m in inside
            if m.start == head_start and source.text[m.end - source.start : m.end - source.start + 1] == ","
        ]
        for candidates in (before_apposition, at_end):
            if candidates:
                return max(candidates, key=lambda m: (m.end - m.start, -m.start))
        return None


def link_source_mentions(gold: GoldFile) -> GoldFile:
    """Fill ``source.mention_id`` where it is empty and the source span names an annotated entity."""
    linked: list[Attribution] = []
    candidates = SourceCandidates(gold.mentions)
    for a in gold.attributions:
        if a.source is not None and a.source.mention_id is None:
            m = candidates.naming(a.source)
            if m is not None:
                a = a.model_copy(update={"source": a.source.model_copy(update={"mention_id": m.mention_id})})
        linked.append(a)
    return gold.model_copy(update={"attributions": linked})
