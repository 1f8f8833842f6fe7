"""The token-level config: BIO tags agree with the span annotations."""

from __future__ import annotations

from conftest import REPO_ROOT

from newsclaims.core.spans import Interval
from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS, bio, outermost, sentence_rows
from newsclaims.validation.sources import load_sources


def test_bio_on_a_hand_example() -> None:
    tokens = [(0, 4), (5, 10), (11, 15), (16, 20)]  # "John Kirby said Iran"
    spans = [Interval(0, 10, "PERSON"), Interval(16, 20, "GPE")]
    assert [NER_TAGS[i] for i in bio(tokens, spans, NER_TAGS)] == ["B-PERSON", "I-PERSON", "O", "B-GPE"]


def test_outermost_keeps_the_enclosing_span() -> None:
    nested = [Interval(0, 20, "LAW"), Interval(0, 9, "ORG"), Interval(0, 2, "ORG"), Interval(25, 30, "GPE")]
    assert outermost(nested) == [Interval(0, 20, "LAW"), Interval(25, 30, "GPE")]


def test_tags_agree_with_the_spans_token_by_token() -> None:
    # Rows are sentences, so a span that runs over several sentences (a headline list) is
    # split at sentence starts: each sentence's run begins with B-, as IOB2 requires.
    src = load_sources(REPO_ROOT)
    for doc_id, gold in src.gold.items():
        text = src.documents[doc_id].text
        layers = (
            ("ner_tags", NER_TAGS, outermost([Interval(m.start, m.end, m.label.value) for m in gold.mentions])),
            ("noise_tags", NOISE_TAGS, outermost([Interval(n.start, n.end, n.category.value) for n in gold.noise])),
        )
        for row in sentence_rows(doc_id, text, gold):
            for layer, names, spans in layers:
                previous = None
                for tok, start, tag in zip(row["tokens"], row["token_starts"], row[layer], strict=True):
                    assert text[start : start + len(tok)] == tok
                    span = next((sp for sp in spans if sp.start < start + len(tok) and start < sp.end), None)
                    if span is None:
                        assert names[tag] == "O", (doc_id, tok)
                    else:
                        prefix = "I" if previous is span else "B"
                        assert names[tag] == f"{prefix}-{span.key}", (doc_id, tok, names[tag])
                    previous = span
