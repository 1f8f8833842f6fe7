"""Rows of every corpus config, from the documents, gold files and registries.

Rows come out sorted by their ids, so the same inputs always give the same
tables (and the same parquet bytes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsclaims.documents import Document
from newsclaims.models import Attribution, Claim, ClaimCluster, Entity, GoldFile, Mention, NoiseSpan
from newsclaims.tokens import sentence_rows
from newsclaims.vocab import Vocab

FRAGMENT_JOINER = " … "
Row = dict[str, Any]


@dataclass(frozen=True)
class Sources:
    """Everything a build reads, already validated."""

    documents: Mapping[str, Document]
    gold: Mapping[str, GoldFile]  # by doc_id; documents without a gold file have no annotations
    entities: Mapping[str, Entity]
    clusters: Mapping[str, ClaimCluster]
    splits: Mapping[str, str]  # story_id -> split


def _index(vocab: Vocab) -> int:
    return list(type(vocab)).index(vocab)


# Rows are the records as dumped, with labels as ClassLabel indices; the parquet
# schema (features.py) fixes column order and types, whatever the dict order.


def mention_row(m: Mention) -> Row:
    return {**m.model_dump(), "label": _index(m.label)}


def claim_row(c: Claim) -> Row:
    return {**c.model_dump(), "text": FRAGMENT_JOINER.join(f.text for f in c.fragments)}


def attribution_row(a: Attribution) -> Row:
    return {**a.model_dump(), "quote_type": _index(a.quote_type), "stance": _index(a.stance)}


def noise_row(n: NoiseSpan) -> Row:
    return {**n.model_dump(), "category": _index(n.category)}


def _position(row: Row) -> int:
    return int(row["fragments"][0]["start"] if "fragments" in row else row["start"])


def _by_position(rows: list[Row], key: str) -> list[Row]:
    return sorted(rows, key=lambda r: (_position(r), r[key]))


def document_tables(src: Sources) -> dict[str, dict[str, list[Row]]]:
    """config -> split -> rows."""
    out: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    mention_docs: dict[str, set[str]] = defaultdict(set)
    mention_counts: dict[str, int] = defaultdict(int)
    members: dict[str, list[Row]] = defaultdict(list)
    for doc_id in sorted(src.documents):
        doc = src.documents[doc_id]
        e = doc.entry
        split = src.splits[e.story_id]
        gold = src.gold.get(doc_id)
        mentions = _by_position([mention_row(m) for m in gold.mentions], "mention_id") if gold else []
        claims = _by_position([claim_row(c) for c in gold.claims], "claim_id") if gold else []
        attributions = (
            sorted((attribution_row(a) for a in gold.attributions), key=lambda r: r["attribution_id"]) if gold else []
        )
        noise = _by_position([noise_row(n) for n in gold.noise], "noise_id") if gold else []
        out["documents"][split].append(
            {
                "doc_id": doc_id,
                "story_id": e.story_id,
                "split": split,
                "outlet": e.outlet,
                "title": e.title,
                "published": e.published.isoformat() if e.published else None,
                "url": e.url,
                "language": e.language,
                "source_file": f"seeds/{e.file}",
                "text": doc.text,
                "text_sha256": doc.text_sha256,
                "mentions": mentions,
                "claims": claims,
                "attributions": attributions,
                "noise": noise,
            }
        )
        for config, rows in (
            ("mentions", mentions),
            ("claims", claims),
            ("attributions", attributions),
            ("noise_spans", noise),
        ):
            out[config][split] += [{"doc_id": doc_id, **r} for r in rows]
        out["tokens"][split] += sentence_rows(doc_id, doc.text, gold)
        for m in mentions:
            mention_docs[m["entity_id"]].add(doc_id)
            mention_counts[m["entity_id"]] += 1
        for c in claims:
            if c["cluster_id"] is not None:
                members[c["cluster_id"]].append({"doc_id": doc_id, "claim_id": c["claim_id"]})
    # Registries are corpus-wide; they go with the split of the stories they belong to
    # (entities with every split one of their documents is in).
    split_of_doc = {d: src.splits[doc.entry.story_id] for d, doc in src.documents.items()}
    for entity_id in sorted(src.entities):
        ent = src.entities[entity_id]
        docs = sorted(mention_docs.get(entity_id, ()))
        row = {
            "entity_id": entity_id,
            "label": _index(ent.label),
            "name": ent.name,
            "wikidata": ent.wikidata,
            "note": ent.note,
            "mention_count": mention_counts.get(entity_id, 0),
            "doc_ids": docs,
        }
        for split in sorted({split_of_doc[d] for d in docs} or {"test"}):
            out["entities"][split].append(row)
    for cluster_id in sorted(src.clusters):
        cl = src.clusters[cluster_id]
        out["claim_clusters"][src.splits.get(cl.story_id, "test")].append(
            {
                "cluster_id": cluster_id,
                "story_id": cl.story_id,
                "statement": cl.statement,
                "note": cl.note,
                "members": members.get(cluster_id, []),
            }
        )
    return {config: dict(splits) for config, splits in out.items()}
