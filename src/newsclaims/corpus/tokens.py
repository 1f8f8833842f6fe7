"""The token-level view (config ``tokens``): sentences with tokens and BIO tags, conll2003-style.

Tokenisation and sentence splitting use a blank spaCy English pipeline with the
rule-based sentencizer: no model is downloaded, and the pinned spaCy version makes
the output reproducible. Lines are split first, so no sentence crosses a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import spacy
from spacy.language import Language

from newsclaims.core.models import GoldFile
from newsclaims.core.spans import Interval
from newsclaims.core.vocab import EntityLabel, NoiseCategory, Vocab


def bio_names(vocab: type[Vocab]) -> list[str]:
    return ["O"] + [f"{prefix}-{value}" for value in vocab.values() for prefix in ("B", "I")]


NER_TAGS = bio_names(EntityLabel)
NOISE_TAGS = bio_names(NoiseCategory)


@cache
def pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def outermost(intervals: Sequence[Interval[str]]) -> list[Interval[str]]:
    """Drop spans nested in another: BIO tags are flat (mentions nest but never cross, NC405)."""
    kept: list[Interval[str]] = []
    for iv in sorted(intervals, key=lambda i: (i.start, -i.end)):
        if not kept or iv.start >= kept[-1].end:
            kept.append(iv)
    return kept


def bio(token_spans: Sequence[tuple[int, int]], spans: Sequence[Interval[str]], names: list[str]) -> list[int]:
    """Tag indices for tokens in text order against disjoint spans sorted by start (one sweep)."""
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


def sentence_rows(doc_id: str, text: str, gold: GoldFile | None) -> list[dict[str, Any]]:
    mentions = outermost([Interval(m.start, m.end, m.label.value) for m in gold.mentions] if gold else [])
    noise = outermost([Interval(n.start, n.end, n.category.value) for n in gold.noise] if gold else [])
    rows: list[dict[str, Any]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            for sent in pipeline()(line).sents:
                toks = [t for t in sent if not t.is_space]
                if not toks:
                    continue
                offsets = [(pos + t.idx, pos + t.idx + len(t.text)) for t in toks]
                rows.append(
                    {
                        "doc_id": doc_id,
                        "sentence_id": len(rows),
                        "start": offsets[0][0],
                        "end": offsets[-1][1],
                        "tokens": [t.text for t in toks],
                        "token_starts": [s for s, _ in offsets],
                        "ner_tags": bio(offsets, mentions, NER_TAGS),
                        "noise_tags": bio(offsets, noise, NOISE_TAGS),
                    }
                )
        pos += len(line) + 1
    return rows
