"""Interval sweeps over spans: every overlap check sorts once and walks once.

Nothing here compares spans pairwise, so a document with n spans costs
O(n log n) for the sort and O(n) for the sweep.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K")


class Interval(NamedTuple, Generic[K]):
    start: int
    end: int
    key: K


def overlapping_neighbours(intervals: Iterable[Interval[K]]) -> Iterator[tuple[Interval[K], Interval[K]]]:
    """Yield (earlier, later) for each interval that overlaps one before it in text order.

    The earlier one is the interval reaching furthest right so far, so every
    interval that overlaps anything is reported once.
    """
    reach: Interval[K] | None = None
    for iv in sorted(intervals, key=lambda i: (i.start, i.end)):
        if reach is not None and iv.start < reach.end:
            yield reach, iv
        if reach is None or iv.end > reach.end:
            reach = iv


def crossing_pairs(intervals: Iterable[Interval[K]]) -> Iterator[tuple[Interval[K], Interval[K]]]:
    """Yield (outer, inner) pairs that overlap without nesting, and exact duplicates.

    Sorted by start, longest first, a stack holds the spans still open; a span
    that starts inside the top of the stack but ends past it crosses it.
    """
    stack: list[Interval[K]] = []
    for iv in sorted(intervals, key=lambda i: (i.start, -i.end)):
        while stack and stack[-1].end <= iv.start:
            stack.pop()
        if stack and (stack[-1].end < iv.end or (stack[-1].start, stack[-1].end) == (iv.start, iv.end)):
            yield stack[-1], iv
            continue  # keep the stack properly nested
        stack.append(iv)


class Cover(Generic[K]):
    """Disjoint-union lookup: which interval of a set covers a given stretch of text."""

    def __init__(self, intervals: Iterable[Interval[K]]) -> None:
        merged: list[Interval[K]] = []
        for iv in sorted(intervals, key=lambda i: (i.start, i.end)):
            if merged and iv.start < merged[-1].end:
                last = merged[-1]
                merged[-1] = Interval(last.start, max(last.end, iv.end), last.key)
            else:
                merged.append(iv)
        self._merged = merged
        self._starts = [iv.start for iv in merged]

    def first_overlap(self, start: int, end: int) -> Interval[K] | None:
        i = bisect_right(self._starts, start) - 1
        for j in (i, i + 1):
            if 0 <= j < len(self._merged):
                iv = self._merged[j]
                if iv.start < end and start < iv.end:
                    return iv
        return None
