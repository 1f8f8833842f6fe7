"""Re-slicing spans that come back from Label Studio, and repairing its UTF-16 shift.

Label Studio 1.23 exports code-point offsets for spans drawn in its UI, but a
resized span edge moves by one per astral character (emoji) before it: that edge
is in UTF-16 code units, the old behaviour. Its ``value.text`` collapses runs of
whitespace, so it can confirm a reading but never be the text itself.

``resolve`` tries the offsets as given, then each edge read as UTF-16, and keeps
a reading only when it is the one whose slice agrees with ``value.text``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

_WS = re.compile(r"\s+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Text:
    """A document text with its UTF-16 → code point map (built once, used by every region)."""

    text: str

    @cached_property
    def astral(self) -> list[int]:
        """UTF-16 offsets just past each astral character's surrogate pair: the k-th astral
        character, at code point i, ends at UTF-16 offset i + k + 2. Empty when UTF-16 units
        and code points agree, as in every ASCII text (checked in C, without the regex)."""
        if self.text.isascii():
            return []
        # Found by the regex engine, not a loop over every character (most texts have none).
        return [m.start() + k + 2 for k, m in enumerate(_ASTRAL.finditer(self.text))]

    def from_utf16(self, offset: int) -> int:
        return offset - bisect_right(self.astral, offset)


@dataclass(frozen=True)
class Resolved:
    start: int
    end: int
    repaired: str | None = None  # what was changed, for a warning


class Unresolvable(ValueError):
    """The offsets cannot be trusted and no single repair explains them."""


def resolve(doc: Text, start: object, end: object, shown: object) -> Resolved:
    """Offsets to use for a region, or ``Unresolvable`` with the reason."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise Unresolvable(f"offsets must be integers, got {start!r}:{end!r}")
    n = len(doc.text)
    if not doc.astral and 0 <= start < end <= n and doc.text[start:end] == shown:
        return Resolved(start, end)  # the usual region: its only reading, matching what it shows
    readings: dict[tuple[int, int], str | None] = {(start, end): None}
    if doc.astral:  # else every reading is the offsets as given
        # Kept under the first (narrowest) name that gives it: an edge before the first astral
        # character reads the same either way, and only the other edge was repaired.
        readings.setdefault((doc.from_utf16(start), end), "start read as UTF-16")
        readings.setdefault((start, doc.from_utf16(end)), "end read as UTF-16")
        readings.setdefault((doc.from_utf16(start), doc.from_utf16(end)), "both edges read as UTF-16")
    valid = {k: v for k, v in readings.items() if 0 <= k[0] < k[1] <= n}
    if not isinstance(shown, str) or not shown.strip():
        if (start, end) not in valid:
            raise Unresolvable(f"offsets {start}:{end} are outside the text (0:{n}) and no text confirms a repair")
        return Resolved(start, end)
    matching: dict[tuple[int, int], str | None] = {}
    target = None  # the shown text squashed, only when a slice differs from it
    for (s, e), how in valid.items():
        piece = doc.text[s:e]
        if piece != shown:
            target = _squash(shown) if target is None else target
            if _squash(piece) != target:
                continue
        matching[s, e] = how
    # Readings that differ only by whitespace at an edge are the same span once trimmed. The
    # offsets as given win only if no other reading points elsewhere: with repeated text after
    # an emoji, a coincidental match of the raw offsets would be silently wrong.
    distinct = {trim(doc, s, e): how for (s, e), how in matching.items()}
    if len(distinct) == 1:
        if (start, end) in matching:
            return Resolved(start, end)
        (s, e), how = next(iter(distinct.items()))
        return Resolved(s, e, f"{how}: {start}:{end} -> {s}:{e}")
    if not distinct:
        raise Unresolvable(f"text at {start}:{end} does not match the region's text {shown[:40]!r} under any reading")
    raise Unresolvable(f"several readings of {start}:{end} match {shown[:40]!r}: ambiguous, not repaired")


def trim(doc: Text, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace at the edges (annotators' selections often take a trailing space)."""
    while start < end and doc.text[start].isspace():
        start += 1
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    return start, end
