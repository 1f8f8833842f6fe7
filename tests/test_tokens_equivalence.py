"""corpus/tokens.py gives the rows of the line-by-line spaCy pipeline it replaced, for every input.

``reference_rows`` below is that implementation as it was (a blank English pipeline with the
sentencizer run on each line, tags by a sweep per sentence), kept here as the definition of
the ``tokens`` config; the fast one must give equal rows on adversarial texts and spans, on
every page of the repository and on synthetic pages.
"""

# The look-alike characters (quotes, dashes, full stops of other scripts) are the point here.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import spacy
from conftest import REPO_ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsclaims.core.models import GoldFile
from newsclaims.core.spans import Interval
from newsclaims.core.vocab import EntityLabel, NoiseCategory
from newsclaims.corpus import tokens
from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS, outermost, sentence_rows
from newsclaims.synth import synthesize
from newsclaims.validation.sources import load_sources

# ---- the reference: corpus/tokens.py before it stopped running the pipeline per line ----------


@cache
def reference_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def reference_bio(
    token_spans: Sequence[tuple[int, int]], spans: Sequence[Interval[str]], names: list[str]
) -> list[int]:
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


def reference_rows(doc_id: str, text: str, gold: GoldFile | None) -> list[dict[str, Any]]:
    mentions = outermost([Interval(m.start, m.end, m.label.value) for m in gold.mentions] if gold else [])
    noise = outermost([Interval(n.start, n.end, n.category.value) for n in gold.noise] if gold else [])
    rows: list[dict[str, Any]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            for sent in reference_pipeline()(line).sents:
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
                        "ner_tags": reference_bio(offsets, mentions, NER_TAGS),
                        "noise_tags": reference_bio(offsets, noise, NOISE_TAGS),
                    }
                )
        pos += len(line) + 1
    return rows


# ---- adversarial inputs ------------------------------------------------------------------------


def punct_chars() -> list[str]:
    """Every character the reference's sentencizer ends a sentence on."""
    return sorted(cast(Any, reference_pipeline().get_pipe("sentencizer")).punct_chars)


PIECES = [
    # abbreviations, contractions, numbers, addresses, emoticons: the tokenizer's special cases
    *("U.S.", "U.K.", "Dr.", "Mr.", "Mrs.", "St.", "e.g.", "i.e.", "etc.", "a.m.", "p.m.", "No.", "Jan.", "vs."),
    *("don't", "can't", "I'm", "'s", "n't", "1.5", "3,000", "$5.00", "10%", "2024-01-10", "12:30", "4th"),
    *("http://example.com/a.b?c=d", "www.x.org", "a@b.com", ":)", ":-(", "<3", "#tag", "@user", "C++", "A.B.C"),
    # ellipses, runs and mixtures of punctuation, quotes and brackets
    *("...", "…", "..", "?!", "!!", "!?!", ".)", '."', ".'", "?”", ".»", ",", ";", ":", "-", "--", "—", "–"),
    *('"', "'", "“", "”", "‘", "’", "«", "»", "„", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "*", "&"),
    # emoji (with modifiers, flags, joiners) and other astral characters
    *("😀", "👍🏽", "🇺🇸", "👨\u200d👩\u200d👧", "𝐀𝐁", "𓀀", "\U0010ffff", "𐩖", "𑁇"),
    # whitespace of every kind, line ends and carriage returns
    *("\u00a0", "\u2009", "\u200b", "\u3000", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r", "\r\n"),
    *("\t", " ", "  ", "   ", "\n", "\n\n", " \n ", "\t\n"),
    # other scripts' punctuation and letters
    *("。", "！", "？", "｡", "、", "「", "」", "؟", "۔", "।", "ß", "İ", "ǅ", "Ω", "é", "e\u0301", "中文", "كلمة"),
    *("Hello", "world", "Iran", "said", "A", "a", "x", "The", "end"),
]
piece = st.one_of(st.sampled_from(PIECES), st.sampled_from(punct_chars()), st.text(max_size=3))
texts = st.lists(piece, max_size=40).map("".join)


def gold_of(mentions: list[tuple[int, int, EntityLabel]], noise: list[tuple[int, int, NoiseCategory]]) -> GoldFile:
    """What sentence_rows reads of a gold file: its mentions' and noise spans' offsets and labels."""
    return cast(
        GoldFile,
        SimpleNamespace(
            mentions=[SimpleNamespace(start=s, end=e, label=label) for s, e, label in mentions],
            noise=[SimpleNamespace(start=s, end=e, category=category) for s, e, category in noise],
        ),
    )


def draw_spans(data: st.DataObject, text: str, positions: st.SearchStrategy[int], valid: bool = True) -> GoldFile:
    """Mentions and noise spans of ``text``; ``valid``: as validation allows (0 <= start < end <= len)."""

    def spans(labels: st.SearchStrategy[Any]) -> list[tuple[int, int, Any]]:
        out = []
        for _ in range(data.draw(st.integers(0, 8))):
            start, end = data.draw(positions), data.draw(positions)
            if valid:
                start, end = min(start, end), max(start, end)
                if start == end:
                    continue
            out.append((start, end, data.draw(labels)))
        return out

    if valid and not text:
        return gold_of([], [])
    return gold_of(spans(st.sampled_from(list(EntityLabel))), spans(st.sampled_from(list(NoiseCategory))))


def token_edges(text: str) -> list[int]:
    """Every token's start and end in ``text`` and the offsets beside them: spans that begin and end
    at, just inside and just outside tokens."""
    edges = {0, len(text)}
    for row in reference_rows("d", text, None):
        for tok, start in zip(row["tokens"], row["token_starts"], strict=True):
            for edge in (start, start + len(tok)):
                edges.update(p for p in (edge - 1, edge, edge + 1) if 0 <= p <= len(text))
    return sorted(edges)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=texts, data=st.data())
def test_equal_rows_on_adversarial_texts_and_spans_anywhere(text: str, data: st.DataObject) -> None:
    gold = draw_spans(data, text, st.integers(0, len(text)))
    assert sentence_rows("d", text, gold) == reference_rows("d", text, gold)
    assert sentence_rows("d", text, None) == reference_rows("d", text, None)


@SETTINGS
@given(text=texts, data=st.data())
def test_equal_rows_with_spans_at_and_beside_token_edges(text: str, data: st.DataObject) -> None:
    gold = draw_spans(data, text, st.sampled_from(token_edges(text)))
    assert sentence_rows("d", text, gold) == reference_rows("d", text, gold)


@SETTINGS
@given(text=texts, data=st.data())
def test_equal_rows_on_spans_validation_would_reject(text: str, data: st.DataObject) -> None:
    # Inverted, empty and out-of-range spans: validation stops them before a build, but the
    # function is the same function on them too.
    gold = draw_spans(data, text, st.integers(0, len(text) + 3), valid=False)
    assert sentence_rows("d", text, gold) == reference_rows("d", text, gold)


def test_every_sentence_ending_character_ends_a_sentence_in_both() -> None:
    for char in punct_chars():
        for text in (
            f"One{char} Two{char}{char} three",
            f"{char}",
            f"a {char} {char} b",
            f"x{char}“ y",
            f"{char}\n{char}a",
        ):
            rows = sentence_rows("d", text, None)
            assert rows == reference_rows("d", text, None), (char, text)
    # The rule at work (a check that the comparison compares something): '。' ends a sentence.
    assert [r["tokens"] for r in sentence_rows("d", "First。 Second", None)] == [["First", "。"], ["Second"]]


def test_a_span_across_sentences_begins_again_in_each() -> None:
    text = "Ends here. Starts there. Again"
    gold = gold_of([(5, 22, EntityLabel("ORG"))], [(0, len(text), NoiseCategory.NAVIGATION)])
    rows = sentence_rows("d", text, gold)
    assert rows == reference_rows("d", text, gold)
    assert [[NER_TAGS[t] for t in r["ner_tags"]] for r in rows] == [
        ["O", "B-ORG", "I-ORG"],
        ["B-ORG", "I-ORG", "O"],
        ["O"],
    ]


def test_a_line_longer_than_the_pipeline_allows_fails_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference_pipeline(), "max_length", 20)
    monkeypatch.setattr(tokens.pipeline(), "max_length", 20)
    text = "short line\n" + "a much longer line than twenty characters"
    with pytest.raises(ValueError) as expected:
        reference_rows("d", text, None)
    with pytest.raises(ValueError) as got:
        sentence_rows("d", text, None)
    assert str(got.value) == str(expected.value)


def test_equal_rows_on_every_page_of_the_repository() -> None:
    src = load_sources(REPO_ROOT)
    assert src.documents
    for doc_id, doc in src.documents.items():
        gold = src.gold.get(doc_id)
        assert sentence_rows(doc_id, doc.text, gold) == reference_rows(doc_id, doc.text, gold), doc_id


def test_equal_rows_on_synthetic_pages(tmp_path: Path) -> None:
    synthesize(60, tmp_path / "repo", seed=7)
    src = load_sources(tmp_path / "repo")
    for doc_id, doc in src.documents.items():
        gold = src.gold.get(doc_id)
        assert sentence_rows(doc_id, doc.text, gold) == reference_rows(doc_id, doc.text, gold), doc_id
