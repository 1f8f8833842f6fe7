"""Which lines of a page carry no annotation at all: the places where chrome could hide.

Every such line must be explained in ``annotations/unannotated_lines.json`` (article
prose without entities or claims, a subheading, …); a test keeps that list exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from newsclaims.core.jsonread import read_json
from newsclaims.core.models import GoldFile
from newsclaims.core.spans import Cover, Interval


def _intervals(gold: GoldFile) -> Iterator[Interval[str]]:
    for m in gold.mentions:
        yield Interval(m.start, m.end, m.mention_id)
    for n in gold.noise:
        yield Interval(n.start, n.end, n.noise_id)
    for c in gold.claims:
        for f in c.fragments:
            yield Interval(f.start, f.end, c.claim_id)
    for a in gold.attributions:
        for part in (a.source, a.cue):
            if part is not None:
                yield Interval(part.start, part.end, a.attribution_id)


def unannotated_lines(text: str, gold: GoldFile | None) -> list[str]:
    """The non-blank lines of ``text`` (stripped) that no span of ``gold`` touches, in page order."""
    cover: Cover[str] = Cover(_intervals(gold) if gold is not None else ())
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and cover.first_overlap(pos, pos + len(line)) is None:
            out.append(stripped)
        pos += len(line) + 1
    return out


def review_markdown(review_file: Path) -> str:
    """The reviewed list of lines without annotation, as a table for the guidelines."""
    review = read_json(review_file) if review_file.exists() else {}
    lines = ["| page | line | kind | why it carries no annotation |", "|---|---|---|---|"]
    for doc_id in sorted(review):
        for r in review[doc_id]:
            text = r["line"].replace("|", "\\|").replace("`", "'")
            lines.append(f"| {doc_id[:3]} | {text} | {r['kind']} | {r['reason']} |")
    return "\n".join(lines)
