"""The token-level view (config ``tokens``): sentences with tokens and BIO tags, conll2003-style.

Tokenisation and sentence splitting are those of a blank spaCy English pipeline with the
rule-based sentencizer: no model is downloaded, and the pinned spaCy version makes the
output reproducible. Lines are split first, so no sentence crosses a line.

The rows are made without running that pipeline line by line, which was most of the time
of a build: the pipeline's tokenizer alone cuts each line, its tokens are read back as one
array instead of one Python object each, the sentencizer's rule is applied to that array
(``_tokens``), and the BIO tags are found per span, not per token (``_tags``).
tests/test_tokens_equivalence.py keeps the line-by-line pipeline version and checks that
both give the same rows, on adversarial texts and spans and on every page of the repository.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

from newsclaims.core.models import GoldFile
from newsclaims.core.spans import Interval
from newsclaims.core.vocab import EntityLabel, NoiseCategory, Vocab

if TYPE_CHECKING:
    from spacy.language import Language


def bio_names(vocab: type[Vocab]) -> list[str]:
    return ["O"] + [f"{prefix}-{value}" for value in vocab.values() for prefix in ("B", "I")]


NER_TAGS = bio_names(EntityLabel)
NOISE_TAGS = bio_names(NoiseCategory)


@cache
def pipeline() -> Language:
    # Imported on first use: the features (and with them the corpus check) need the tag
    # names of this module, not spaCy, which takes a second to import.
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@cache
def _punct_chars() -> frozenset[str]:
    """The tokens that end a sentence, as the pipeline's own sentencizer holds them."""
    sentencizer: Any = pipeline().get_pipe("sentencizer")  # spaCy types it as a bare callable
    return frozenset(sentencizer.punct_chars)


def outermost(intervals: Sequence[Interval[str]]) -> list[Interval[str]]:
    """Drop spans nested in another: BIO tags are flat (mentions nest but never cross, NC405)."""
    kept: list[Interval[str]] = []
    for iv in sorted(intervals, key=lambda i: (i.start, -i.end)):
        if not kept or iv.start >= kept[-1].end:
            kept.append(iv)
    return kept


def bio(token_spans: Sequence[tuple[int, int]], spans: Sequence[Interval[str]], names: Sequence[str]) -> list[int]:
    """Tag indices for tokens in text order against disjoint spans sorted by start (one sweep).

    The definition ``_tags`` computes faster: a token takes the first span that ends after the
    token starts, if that span starts before the token ends (a token half in a span is in it);
    the first token of each span is B-, the others I-.
    """
    tags, j, current = [], 0, -1
    for start, end in token_spans:
        while j < len(spans) and spans[j].end <= start:
            j += 1
        if j < len(spans) and spans[j].start < end:
            prefix = "I" if current == j else "B"
            tags.append(names.index(f"{prefix}-{spans[j].key}"))
            current = j
        else:
            tags.append(0)
    return tags


def _tags(
    spans: Sequence[Interval[str]], names: Sequence[str], starts: list[int], ends: list[int], firsts: list[int]
) -> list[int]:
    """``bio`` over a whole document's tokens (``starts``, ``ends``), restarted at each sentence
    (``firsts``: the indices of the tokens that begin one), for one layer's ``outermost`` spans.

    When the spans' ends are in order, the tokens ``bio`` gives a span are one run, found by
    bisection: a document costs a few bisections per span, not a step per token. The run
    begins with B-, and so does its part in every further sentence it reaches (a row is a
    sentence, and ``bio`` starts again in each). Ends out of order come only from an inverted
    span (end before start, which validation rejects); those go through ``bio`` itself.
    """
    tags = [0] * len(starts)
    span_ends = [s.end for s in spans]
    if any(a > b for a, b in pairwise(span_ends)):
        for a, b in pairwise([*firsts, len(starts)]):
            tags[a:b] = bio(list(zip(starts[a:b], ends[a:b], strict=True)), spans, names)
        return tags
    ids: dict[str, tuple[int, int]] = {}
    previous_end: int | None = None
    for span in spans:
        lo = bisect_right(ends, span.start)  # the tokens that end after the span starts,
        if previous_end is not None:  # that start at or after the previous span's end (else they took it)
            lo = max(lo, bisect_left(starts, previous_end))
        hi = bisect_left(starts, span.end)  # and that start before the span ends
        previous_end = span.end
        if lo >= hi:
            continue
        if span.key not in ids:
            ids[span.key] = (names.index(f"B-{span.key}"), names.index(f"I-{span.key}"))
        begin, inside = ids[span.key]
        tags[lo] = begin
        tags[lo + 1 : hi] = [inside] * (hi - lo - 1)
        for first in firsts[bisect_right(firsts, lo) : bisect_left(firsts, hi)]:
            tags[first] = begin
    return tags


# Per token, as the sentencizer reads them: length, trailing space, punctuation, whitespace.
_ATTRS: list[int | str] = ["LENGTH", "SPACY", "IS_PUNCT", "IS_SPACE"]


def _tokens(text: str) -> tuple[list[str], list[int], list[int], list[int]]:
    """A document's tokens but whitespace ones (text, start, end) and the indices of those that
    begin a sentence.

    Each line is tokenised alone, so no sentence crosses a line. Within a line, the
    sentencizer's rule (spaCy's ``Sentencizer.predict``): after a token that is one of its
    punctuation characters, the next token that is neither punctuation nor one of them begins
    a sentence. Whitespace tokens take part in the rule and are dropped afterwards; a sentence
    left without tokens is no sentence.
    """
    make_doc, punct_chars = pipeline().make_doc, _punct_chars()
    tokens: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    firsts: list[int] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            # make_doc: the pipeline's own length limit, then its tokenizer; a token's offset is
            # the sum of the lengths and trailing spaces before it, as spaCy computes Token.idx.
            attrs = cast(list[list[int]], make_doc(line).to_array(_ATTRS).T.tolist())
            idx, sentence_begins, seen_period = pos, True, False
            for length, space_after, is_punct, is_space in zip(*attrs, strict=True):
                end = idx + length
                token = text[idx:end]  # the tokenizer keeps the text as it is: a token is its slice
                is_in_punct_chars = token in punct_chars
                if seen_period and not is_punct and not is_in_punct_chars:
                    sentence_begins, seen_period = True, False
                elif is_in_punct_chars:
                    seen_period = True
                if not is_space:
                    if sentence_begins:
                        firsts.append(len(tokens))
                        sentence_begins = False
                    tokens.append(token)
                    starts.append(idx)
                    ends.append(end)
                idx = end + space_after
        pos += len(line) + 1
    return tokens, starts, ends, firsts


def sentence_rows(doc_id: str, text: str, gold: GoldFile | None) -> list[dict[str, Any]]:
    mentions = outermost([Interval(m.start, m.end, m.label.value) for m in gold.mentions] if gold else [])
    noise = outermost([Interval(n.start, n.end, n.category.value) for n in gold.noise] if gold else [])
    tokens, starts, ends, firsts = _tokens(text)
    ner = _tags(mentions, NER_TAGS, starts, ends, firsts)
    chrome = _tags(noise, NOISE_TAGS, starts, ends, firsts)
    rows: list[dict[str, Any]] = []
    for a, b in pairwise([*firsts, len(tokens)]):
        rows.append(
            {
                "doc_id": doc_id,
                "sentence_id": len(rows),
                "start": starts[a],
                "end": ends[b - 1],
                "tokens": tokens[a:b],
                "token_starts": starts[a:b],
                "ner_tags": ner[a:b],
                "noise_tags": chrome[a:b],
            }
        )
    return rows
