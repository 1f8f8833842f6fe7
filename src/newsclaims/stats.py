"""Counts of the gold annotations, per page and per label, as Markdown tables.

These tables are written into the guidelines by ``newsclaims schema`` and checked
for staleness by the tests, so the numbers in the docs are always the data's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from newsclaims.agreement import Tally, compare_files
from newsclaims.build import load_sources
from newsclaims.models import GoldFile
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


def reliability_markdown(layout: Layout) -> str:
    """Agreement of every round annotator's files with the gold file of the same document."""
    src = load_sources(layout.root)
    files = layout.annotator_files()
    if not files:
        return "No document has been annotated twice yet."
    per_layer: dict[str, Tally] = {}
    alphas: list[str] = []
    pairs = []
    for path in files:
        other = GoldFile.model_validate_json(path.read_bytes())
        gold = src.gold.get(other.doc_id)
        if gold is None:
            continue
        who = path.parent.name
        pairs.append(f"`{who}` on `{other.doc_id}`")
        result = compare_files(gold, other, len(src.documents[other.doc_id].text))
        for layer, tallies in result.layers.items():
            per_layer.setdefault(layer, Tally()).add(tallies["*"])
        alpha = result.alpha_chars
        alphas.append(f"| `{other.doc_id[:3]}` | {who} | {_fmt(alpha['noise'])} | {_fmt(alpha['mentions'])} |")
    lines = [
        f"Gold (first pass) against {', '.join(pairs)}; span F1 over all labels, exact offsets and "
        "overlapping offsets (same label, one-to-one):",
        "",
        "| layer | units (gold) | units (second pass) | F1 exact | F1 overlap |",
        "|---|---:|---:|---:|---:|",
    ]
    for layer in sorted(per_layer):
        t = per_layer[layer]
        lines.append(f"| {layer} | {t.a} | {t.b} | {_fmt(t.f1(t.exact))} | {_fmt(t.f1(t.overlap))} |")
    lines += [
        "",
        "Krippendorff's alpha (nominal) over characters, each character labelled with the innermost span's label:",
        "",
        "| page | second annotator | noise | mentions |",
        "|---|---|---:|---:|",
        *alphas,
    ]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
