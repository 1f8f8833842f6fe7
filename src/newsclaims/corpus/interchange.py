"""``newsclaims export conll`` and ``export spacy``: the gold in the token view other tools read.

Both tokenise exactly as the corpus ``tokens`` config (``corpus/tokens.py``: blank spaCy
English, lines first, then the sentencizer), so a token here is a token of the corpus.

CoNLL: one token a line, ``TOKEN NER NOISE ROLE`` (CoNLL-2003 style: ``-DOCSTART- -X- O O``
opens each document, with its doc_id in a comment line above it; a blank line ends each
sentence). NER and NOISE are the BIO tags of ``tokens`` (outermost spans); ROLE is the BIO
tag of the attribution roles SOURCE, CUE and CONTENT (a claim's fragments).

spaCy: a ``DocBin`` of one ``Doc`` per document, ``doc.user_data["doc_id"]`` set, the
outermost entity mentions as ``doc.ents``, and span groups ``mentions`` (every mention,
nested too), ``noise``, and ``attribution`` (SOURCE, CUE, CONTENT spans, as attribution
corpora mark roles). A span is aligned to tokens with ``alignment_mode="expand"``.
"""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import Doc, DocBin, Span

from newsclaims.core.jsonio import write_bytes_atomic
from newsclaims.core.models import GoldFile
from newsclaims.core.paths import OutsideRepository, inside_repository
from newsclaims.core.spans import Interval
from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS, outermost, pipeline, sentence_rows
from newsclaims.validation.sources import InvalidInputs, Sources, load_sources

ROLE_TAGS = ["O", "B-SOURCE", "I-SOURCE", "B-CUE", "I-CUE", "B-CONTENT", "I-CONTENT"]


class ExportRefused(ValueError):
    """The repository does not validate, or the target is outside it; nothing was written."""


def role_spans(gold: GoldFile | None) -> list[Interval[str]]:
    """SOURCE, CUE and CONTENT spans of every attribution (content: each fragment of its claim)."""
    if gold is None:
        return []
    claims = {c.claim_id: c for c in gold.claims}
    spans: set[tuple[int, int, str]] = set()
    for a in gold.attributions:
        if a.source is not None:
            spans.add((a.source.start, a.source.end, "SOURCE"))
        if a.cue is not None:
            spans.add((a.cue.start, a.cue.end, "CUE"))
        for f in claims[a.claim_id].fragments if a.claim_id in claims else []:
            spans.add((f.start, f.end, "CONTENT"))
    return [Interval(s, e, k) for s, e, k in sorted(spans)]


def _role_tags(token_spans: list[tuple[int, int]], spans: list[Interval[str]]) -> list[str]:
    # Roles may overlap (a nested attribution's source inside an outer content): the outermost win.
    kept = outermost(spans)
    tags, j, current = [], 0, -1
    for start, end in token_spans:
        while j < len(kept) and kept[j].end <= start:
            j += 1
        if j < len(kept) and kept[j].start < end:
            tags.append(f"{'I' if current == j else 'B'}-{kept[j].key}")
            current = j
        else:
            tags.append("O")
    return tags


def _sources(root: Path, out: Path) -> Sources:
    try:
        inside_repository(root, out)
    except OutsideRepository as e:
        raise ExportRefused(str(e)) from None
    try:
        return load_sources(root)
    except InvalidInputs as e:
        raise ExportRefused(f"the repository does not validate ({e}); run newsclaims validate") from None


def conll_text(doc_id: str, text: str, gold: GoldFile | None) -> str:
    lines = [f"# doc_id = {doc_id}", "-DOCSTART- -X- O O", ""]
    roles = role_spans(gold)
    for row in sentence_rows(doc_id, text, gold):
        spans = [(s, s + len(t)) for s, t in zip(row["token_starts"], row["tokens"], strict=True)]
        for token, ner, noise, role in zip(
            row["tokens"], row["ner_tags"], row["noise_tags"], _role_tags(spans, roles), strict=True
        ):
            lines.append(f"{token} {NER_TAGS[ner]} {NOISE_TAGS[noise]} {role}")
        lines.append("")
    return "\n".join(lines) + "\n"


def export_conll(root: Path, out: Path) -> int:
    """Every annotated document as CoNLL columns into ``out``; the number of documents."""
    src = _sources(root, out)
    parts = [conll_text(doc_id, src.documents[doc_id].text, gold) for doc_id, gold in sorted(src.gold.items())]
    write_bytes_atomic(out, "".join(parts).encode("utf-8"), root=root)
    return len(parts)


def spacy_doc(doc_id: str, text: str, gold: GoldFile) -> Doc:
    doc = pipeline().make_doc(text)
    doc.user_data["doc_id"] = doc_id

    def span(start: int, end: int, label: str) -> Span | None:
        return doc.char_span(start, end, label=label, alignment_mode="expand")

    mentions = [s for m in gold.mentions if (s := span(m.start, m.end, m.label.value)) is not None]
    doc.spans["mentions"] = mentions
    outer = outermost([Interval(m.start, m.end, m.label.value) for m in gold.mentions])
    doc.ents = [s for iv in outer if (s := span(iv.start, iv.end, iv.key)) is not None]
    doc.spans["noise"] = [s for n in gold.noise if (s := span(n.start, n.end, n.category.value)) is not None]
    doc.spans["attribution"] = [s for iv in role_spans(gold) if (s := span(iv.start, iv.end, iv.key)) is not None]
    return doc


def export_spacy(root: Path, out: Path) -> int:
    """Every annotated document as a spaCy ``DocBin`` into ``out``; the number of documents."""
    src = _sources(root, out)
    docs = DocBin(store_user_data=True)
    for doc_id, gold in sorted(src.gold.items()):
        docs.add(spacy_doc(doc_id, src.documents[doc_id].text, gold))
    write_bytes_atomic(out, docs.to_bytes(), root=root)
    return len(docs)
