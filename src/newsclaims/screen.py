"""A vectorised screen over a batch of documents: which of them might break a span rule.

``check_spans`` explains a document's span problems precisely, but walks it span by
span in Python, and over a corpus of mostly clean pages that walk would be most of the
validation time. The screen only answers "can any of NC201-NC204, NC401-NC406 fail
here?" for a whole batch at once, in C-level passes over all its spans (slices
compared in bulk, intervals swept in numpy). It is
conservative: a document it passes has no span problem (tested against
``check_spans`` on random edits); one it flags goes to ``check_spans`` for the
messages. Nested mentions, and a source or cue inside any claim of its document, are
flagged too: they are legal, but telling them from NC403-NC406 is ``check_spans``'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from operator import itemgetter, ne
from typing import Any

import numpy as np
import numpy.typing as npt

from newsclaims.rules import Rec, non_noise_spans

_START, _END, _TEXT = itemgetter("start"), itemgetter("end"), itemgetter("text")
_FRAGMENTS = itemgetter("fragments")
Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


def _flag_neighbours(doc: Ints, start: Ints, end: Ints, flagged: Flags) -> None:
    """Flag each document where two of the given spans overlap (sorted, neighbours suffice)."""
    if len(start) < 2:
        return
    order = np.lexsort((end, start, doc))
    d, s, e = doc[order], start[order], end[order]
    hit = (d[1:] == d[:-1]) & (s[1:] < e[:-1])
    flagged[d[1:][hit]] = True


def _flag_touching(
    doc: Ints, at: Ints, size: Ints, cover: npt.NDArray[np.bool_], query: npt.NDArray[np.bool_], flagged: Flags
) -> None:
    """Flag each document where a ``query`` span shares a character with a ``cover`` span.

    Offsets are into the batch's texts joined, so spans of different documents never meet.
    A query span touches a cover span iff, among the cover spans starting before it ends,
    the furthest-reaching one ends after it starts: a prefix of the covers sorted by start.
    """
    if not cover.any() or not query.any():
        return
    order = np.argsort(at[cover], kind="stable")
    cover_start = at[cover][order]
    reach = np.maximum.accumulate((at[cover] + size[cover])[order])
    q_start, q_end = at[query], at[query] + size[query]
    last = np.searchsorted(cover_start, q_end, side="left") - 1
    touched = (last >= 0) & (reach[np.maximum(last, 0)] > q_start)
    flagged[doc[query][touched]] = True


def clean(batch: Sequence[tuple[Rec, str]]) -> list[bool]:
    """For each (annotation record, its document's text): True when no span rule can fail."""
    n_docs = len(batch)
    flagged = np.zeros(n_docs, dtype=bool)
    texts: list[str] = []
    spans: list[Any] = []
    counts: list[int] = []  # per document: noise, mentions, fragments, sources and cues
    for gold, text in batch:
        texts.append(text)
        noise, others = gold["noise"], non_noise_spans(gold)
        spans += noise
        spans += others
        fragments = sum(map(len, map(_FRAGMENTS, gold["claims"])))
        mentions = len(gold["mentions"])
        counts += (len(noise), mentions, fragments, len(others) - mentions - fragments)
    if not spans:
        return [True] * n_docs
    starts, ends, values = list(map(_START, spans)), list(map(_END, spans)), list(map(_TEXT, spans))
    kind = np.repeat(np.tile(np.arange(4), n_docs), counts)
    per_doc = np.array(counts, dtype=np.int64).reshape(-1, 4).sum(axis=1)
    doc = np.repeat(np.arange(n_docs), per_doc)
    if set(map(type, starts)) | set(map(type, ends)) != {int}:
        # Integral floats are legal JSON integers: their documents go to check_spans, the rest
        # of the batch is screened with 0 in their place.
        odd = [i for i, (s, e) in enumerate(zip(starts, ends, strict=True)) if type(s) is not int or type(e) is not int]
        flagged[doc[odd]] = True
        starts = [s if type(s) is int else 0 for s in starts]
        ends = [e if type(e) is int else 0 for e in ends]
    start = np.fromiter(starts, dtype=np.int64, count=len(spans))
    end = np.fromiter(ends, dtype=np.int64, count=len(spans))
    length = np.fromiter(map(len, texts), dtype=np.int64, count=n_docs)
    size = end - start
    # NC201, NC202.
    bad = (start < 0) | (size <= 0) | (end > length[doc])
    # NC203: within the text (checked above), text[start:end] == value exactly when the value
    # is end - start long and the text has it at start; ``startswith`` compares in place,
    # where a slice per span copied it first (3.5 against 9.5 us per page).
    per_span = list(chain.from_iterable(map(repeat, texts, per_doc.tolist())))
    bad |= np.fromiter(map(len, values), dtype=np.int64, count=len(spans)) != size
    if not all(map(str.startswith, per_span, values, starts)):
        bad |= ~np.fromiter(map(str.startswith, per_span, values, starts), dtype=bool, count=len(spans))
    # NC204 on the values (equal to the slices where it matters): ``str.strip`` strips exactly
    # what ``str.isspace`` calls whitespace and returns the very same object when there is
    # none, so the comparison below is one identity check per span.
    stripped = list(map(str.strip, values))
    if stripped != values:
        bad |= np.fromiter(map(ne, stripped, values), dtype=bool, count=len(spans))
    flagged[doc[bad]] = True
    at = start + (np.cumsum(length) - length)[doc]  # offsets into the batch's texts joined
    # Layers, over the sound spans only (a flagged document is re-checked whole anyway).
    good = ~bad
    noise, mention = good & (kind == 0), good & (kind == 1)
    _flag_neighbours(doc[noise], start[noise], end[noise], flagged)  # NC401
    _flag_neighbours(doc[mention], start[mention], end[mention], flagged)  # NC405, NC406 and nesting
    _flag_touching(doc, at, size, noise, good & (kind != 0), flagged)  # NC402
    _flag_touching(doc, at, size, good & (kind == 2), good & (kind == 3), flagged)  # NC403, NC404
    return [not f for f in flagged.tolist()]
