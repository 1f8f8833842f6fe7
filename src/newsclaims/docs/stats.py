"""Counts of the gold annotations, per page and per label, as Markdown tables.

These tables are written into the guidelines by ``newsclaims schema`` and checked
for staleness by the tests, so the numbers in the docs are always the data's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from newsclaims.core.jsonread import read_json
from newsclaims.core.layout import Layout
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance
from newsclaims.validation.sources import Sources, load_sources


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
    """The averaged agreement of every round that has at least two annotators on a document."""
    from newsclaims.annotation.rounds.report import compute_agreement

    lines: list[str] = []
    for manifest in sorted(layout.rounds.glob("*/round.json")):
        name = manifest.parent.name
        report = compute_agreement(layout.root, name)
        if not report.pairs:
            continue
        pairs = ", ".join(f"`{p}`" for p in report.pairs)
        lines += [
            f"Round `{name}` ({report.pass_}), annotator pairs {pairs}; span F1 over all labels, exact offsets and "
            "overlapping offsets (same label, one-to-one), from `newsclaims round agreement`:",
            "",
            "| layer | F1 exact | F1 overlap |",
            "|---|---:|---:|",
        ]
        for layer, labels in report.average.items():
            if "*" in labels:
                lines.append(f"| {layer} | {_fmt(labels['*'].f1_exact)} | {_fmt(labels['*'].f1_overlap)} |")
        if report.alpha_chars:
            lines += ["", "Krippendorff's alpha (nominal) over characters, innermost span's label per character:", ""]
            lines += [f"- {key}: {_fmt(value)}" for key, value in report.alpha_chars.items()]
        lines.append("")
    return "\n".join(lines) or "No document has been annotated twice yet."


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def datasheet_stats(layout: Layout) -> str:
    """The figures DATASHEET.md quotes: release, size, annotation totals, config rows and agreement."""
    src = load_sources(layout.root)
    pages = page_counts(src)
    entries = [d.entry for d in src.documents.values()]
    golds = list(src.gold.values())
    claims = [c for g in golds for c in g.claims]
    attributions = [a for g in golds for a in g.attributions]
    attributed = {(g.doc_id, a.claim_id) for g in golds for a in g.attributions}
    chars = sum(p.chars for p in pages)
    noise_chars = sum(p.noise_chars for p in pages)
    outlets = sorted({e.outlet for e in entries if e.outlet})
    stories = sorted({e.story_id for e in entries})
    dates = sorted(str(e.published) for e in entries if e.published is not None)
    n = len(entries)

    release_path = layout.root / "corpus" / "release.json"
    release = read_json(release_path) if release_path.exists() else None
    lines = (
        [
            f"Corpus version **{release['version']}** (schema {release['schema_version']}), content fingerprint "
            f"`{release['fingerprint']}` (from `corpus/release.json`).",
        ]
        if release
        else ["No corpus has been built yet (`corpus/release.json` is missing); run `newsclaims build`."]
    )
    rows: list[tuple[str, object]] = [
        ("pages", n),
        ("pages with gold annotations", len(src.gold)),
        ("stories", f"{len(stories)}: {', '.join(stories)}"),
        ("languages", ", ".join(sorted({e.language for e in entries}))),
        ("outlets named in the manifest", f"{len(outlets)}: {', '.join(outlets)}"),
        ("pages without a known outlet", sum(e.outlet is None for e in entries)),
        ("pages with a publication date", f"{len(dates)} of {n}"),
        ("publication dates", " to ".join(dict.fromkeys([dates[0], dates[-1]])) if dates else "none recorded"),
        ("pages with a URL", f"{sum(e.url is not None for e in entries)} of {n}"),
        ("characters (code points)", chars),
        ("characters inside noise spans", f"{noise_chars} ({noise_chars / chars if chars else 0.0:.1%})"),
        ("entity mentions", sum(p.mentions for p in pages)),
        (
            "entities with mentions (in the registry)",
            f"{len({m.entity_id for g in golds for m in g.mentions})} ({len(src.entities)})",
        ),
        (
            "people named (PERSON entities with mentions)",
            len({m.entity_id for g in golds for m in g.mentions if m.label is EntityLabel.PERSON}),
        ),
        ("entities with a Wikidata QID", sum(e.wikidata is not None for e in src.entities.values())),
        ("claims", len(claims)),
        ("claims with more than one fragment", sum(len(c.fragments) > 1 for c in claims)),
        ("claims in a cross-outlet cluster", sum(p.clustered_claims for p in pages)),
        ("check-worthy claims", sum(c.checkworthy for c in claims)),
        ("claims without attribution (told by the outlet)", len(claims) - len(attributed)),
        ("claim clusters", len(src.clusters)),
        ("attributions", len(attributions)),
        ("nested attributions (with a parent)", sum(a.parent_id is not None for a in attributions)),
        ("attributions without a source span", sum(a.source is None for a in attributions)),
        (
            "attributions whose source is no annotated mention",
            sum(a.source is not None and a.source.mention_id is None for a in attributions),
        ),
        ("attributions without a cue", sum(a.cue is None for a in attributions)),
        ("noise spans", sum(p.noise_spans for p in pages)),
    ]
    lines += ["", "| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows), ""]
    for title, vocab, counter in (
        ("Attributions per quote type", QuoteType, Counter(a.quote_type.value for a in attributions)),
        ("Attributions per stance", Stance, Counter(a.stance.value for a in attributions)),
    ):
        lines += [f"{title}: " + ", ".join(f"`{v}` {counter[v]}" for v in vocab.values()) + ".", ""]
    if release:
        lines += ["Rows per corpus config and split (from `corpus/release.json`):", ""]
        lines += ["| config | split | rows |", "|---|---|---:|"]
        lines += [
            f"| `{config}` | {split} | {count} |"
            for config, splits in release["counts"].items()
            for split, count in sorted(splits.items())
        ]
        lines.append("")
    lines += ["Agreement of the second pass with gold (see GUIDELINES §7 for its caveat):", ""]
    lines.append(reliability_markdown(layout))
    return "\n".join(lines)
