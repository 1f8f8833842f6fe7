"""Counts of the gold annotations, per page and per label, as Markdown tables.

These tables are written into the guidelines by ``newsclaims schema`` and checked
for staleness by the tests, so the numbers in the docs are always the data's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from newsclaims.build import load_sources
from newsclaims.repository import Layout
from newsclaims.tables import Sources
from newsclaims.vocab import EntityLabel, NoiseCategory


@dataclass(frozen=True)
class PageCounts:
    doc_id: str
    chars: int
    mentions: int
    entities: int
    claims: int
    clustered_claims: int
    attributions: int
    noise_spans: int
    noise_chars: int


def page_counts(src: Sources) -> list[PageCounts]:
    out = []
    for doc_id in sorted(src.documents):
        text = src.documents[doc_id].text
        gold = src.gold.get(doc_id)
        if gold is None:
            out.append(PageCounts(doc_id, len(text), 0, 0, 0, 0, 0, 0, 0))
            continue
        out.append(
            PageCounts(
                doc_id=doc_id,
                chars=len(text),
                mentions=len(gold.mentions),
                entities=len({m.entity_id for m in gold.mentions}),
                claims=len(gold.claims),
                clustered_claims=sum(c.cluster_id is not None for c in gold.claims),
                attributions=len(gold.attributions),
                noise_spans=len(gold.noise),
                noise_chars=sum(n.end - n.start for n in gold.noise),
            )
        )
    return out


def counts_markdown(src: Sources) -> str:
    pages = page_counts(src)
    lines = [
        "| page | chars | mentions | entities | claims | in a cluster | attributions | noise spans | noise share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in pages:
        share = p.noise_chars / p.chars if p.chars else 0.0
        lines.append(
            f"| `{p.doc_id}` | {p.chars} | {p.mentions} | {p.entities} | {p.claims} | {p.clustered_claims} "
            f"| {p.attributions} | {p.noise_spans} | {share:.1%} |"
        )
    used = {m.entity_id for g in src.gold.values() for m in g.mentions}
    lines += [
        "",
        f"Corpus-wide: {len(used)} entities with mentions ({len(src.entities)} in the registry), "
        f"{len(src.clusters)} claim clusters.",
        "",
    ]
    # Labels per page, so a missing layer on one page stands out.
    mention_labels = {d: Counter(m.label.value for m in g.mentions) for d, g in src.gold.items()}
    noise_labels = {d: Counter(n.category.value for n in g.noise) for d, g in src.gold.items()}
    for title, vocab, per_page in (
        ("Mentions per entity label", EntityLabel, mention_labels),
        ("Noise spans per category", NoiseCategory, noise_labels),
    ):
        docs = sorted(per_page)
        lines += [f"{title}:", "", "| label | " + " | ".join(d[:3] for d in docs) + " | all |"]
        lines.append("|---|" + "---:|" * (len(docs) + 1))
        for member in vocab:
            row = [per_page[d][member.value] for d in docs]
            lines.append(f"| `{member.value}` | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
        lines.append("")
    return "\n".join(lines)


def repository_counts(layout: Layout) -> str:
    return counts_markdown(load_sources(layout.root))
