"""Rows of every corpus config, from the documents, gold files and registries.

Rows come out sorted by their ids, so the same inputs always give the same
tables (and the same parquet bytes).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from newsclaims.core.documents import Document
from newsclaims.core.models import Attribution, Claim, ClaimCluster, Entity, GoldFile, ManifestEntry, Mention, NoiseSpan
from newsclaims.core.vocab import Vocab
from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS, sentence_rows
from newsclaims.validation.sources import Sources

FRAGMENT_JOINER = " … "
Row = dict[str, Any]


@cache
def _index(vocab: Vocab) -> int:
    return list(type(vocab)).index(vocab)


# Rows are the records as dumped, with labels as ClassLabel indices; the parquet
# schema (features.py) fixes column order and types, whatever the dict order.


def uid(doc_id: str, record_id: str | None) -> str | None:
    """A record's corpus-wide id: ``<doc_id>/<record_id>``, unambiguous because no id holds a ``/``.

    Per-document ids (``c001``, ``m001``) repeat in every document; this one joins across
    configs on one column. None stays None (no parent, no source mention).
    """
    return None if record_id is None else f"{doc_id}/{record_id}"


def mention_row(doc_id: str, m: Mention) -> Row:
    return {
        **m.model_dump(),
        "mention_uid": uid(doc_id, m.mention_id),
        "label": _index(m.label),
        "label_name": m.label.value,
    }


def claim_row(doc_id: str, c: Claim) -> Row:
    return {
        **c.model_dump(),
        "claim_uid": uid(doc_id, c.claim_id),
        "text": FRAGMENT_JOINER.join(f.text for f in c.fragments),
    }


# speaker_kind: who an attribution's source is, as the corpus says it (GUIDELINES.md, "Speakers").
SPEAKER_ENTITY = "entity"  # source.entity_id names a registry entity
SPEAKER_UNNAMED = "unnamed"  # the source names no identifiable entity ("officials")
SPEAKER_NO_SOURCE = "no_source"  # the text gives no source at all ("it is feared that")
SPEAKER_UNDECIDED = "undecided"  # not resolved yet (schema 1.0/1.1 files, rounds that do not ask)
SPEAKER_KINDS = (SPEAKER_ENTITY, SPEAKER_UNNAMED, SPEAKER_NO_SOURCE, SPEAKER_UNDECIDED)


def _speaker(a: Attribution, entities: Mapping[str, Entity]) -> Row:
    src = a.source
    entity = entities.get(src.entity_id) if src is not None and src.entity_id is not None else None
    if entity is not None:
        kind = SPEAKER_ENTITY
    elif src is None:
        kind = SPEAKER_NO_SOURCE
    else:
        kind = SPEAKER_UNNAMED if src.unnamed else SPEAKER_UNDECIDED
    return {
        "speaker_kind": kind,
        "speaker_entity_id": entity.entity_id if entity else None,
        "speaker_name": entity.name if entity else None,
        "speaker_label": _index(entity.label) if entity else None,
        "speaker_label_name": entity.label.value if entity else None,
    }


def attribution_row(doc_id: str, a: Attribution, entities: Mapping[str, Entity]) -> Row:
    source = None
    if a.source is not None:
        # model_dump leaves out what 1.2 added when unset: the columns are always there.
        source = {
            **a.source.model_dump(),
            "mention_uid": uid(doc_id, a.source.mention_id),
            "entity_id": a.source.entity_id,
            "unnamed": a.source.unnamed,
        }
    return {
        **a.model_dump(),
        **_speaker(a, entities),
        "attribution_uid": uid(doc_id, a.attribution_id),
        "claim_uid": uid(doc_id, a.claim_id),
        "source": source,
        "quote_type": _index(a.quote_type),
        "quote_type_name": a.quote_type.value,
        "stance": _index(a.stance),
        "stance_name": a.stance.value,
        "parent_uid": uid(doc_id, a.parent_id),
    }


def noise_row(doc_id: str, n: NoiseSpan) -> Row:
    return {
        **n.model_dump(),
        "noise_uid": uid(doc_id, n.noise_id),
        "category": _index(n.category),
        "category_name": n.category.value,
    }


def _position(row: Row) -> int:
    return int(row["fragments"][0]["start"] if "fragments" in row else row["start"])


def _by_position(rows: list[Row], key: str) -> list[Row]:
    return sorted(rows, key=lambda r: (_position(r), r[key]))


@dataclass
class Summary:
    """What the card and the Croissant file say about the sources, gathered as documents stream past."""

    documents: int = 0
    annotated: int = 0
    outlets: set[str] = field(default_factory=set)
    stories: set[str] = field(default_factory=set)
    annotators: set[str] = field(default_factory=set)
    rounds: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)
    example: Row | None = None  # the first claim of the first document (by doc_id) with claims
    # Registry records in no split (set once every document is read: ``registry_rows``).
    unreferenced_entities: int = 0
    unreferenced_clusters: int = 0

    @classmethod
    def of(cls, src: Sources) -> Summary:
        summary = cls()
        for doc_id in sorted(src.documents):
            summary.add(src.documents[doc_id], src.gold.get(doc_id))
        return summary

    def add(self, doc: Document[ManifestEntry], gold: GoldFile | None) -> None:
        self.documents += 1
        self.outlets.add(doc.entry.outlet or "unknown (aggregator)")
        self.stories.add(doc.entry.story_id)
        if gold is None:
            return
        self.annotated += 1
        self.annotators.update(gold.provenance.annotators)
        self.rounds.update(gold.provenance.rounds)
        self.methods.add(gold.provenance.method)
        if self.example is None and gold.claims:
            self.example = {"doc_id": doc.doc_id, **claim_row(doc.doc_id, gold.claims[0])}

    def merge(self, other: Summary) -> None:
        """Fold in the summary of the documents that come after this one's (by doc_id)."""
        self.documents += other.documents
        self.annotated += other.annotated
        for mine, theirs in (
            (self.outlets, other.outlets),
            (self.stories, other.stories),
            (self.annotators, other.annotators),
            (self.rounds, other.rounds),
            (self.methods, other.methods),
        ):
            mine.update(theirs)
        self.example = self.example or other.example

    def to_json(self) -> Row:
        return {
            "documents": self.documents,
            "annotated": self.annotated,
            "outlets": sorted(self.outlets),
            "stories": sorted(self.stories),
            "annotators": sorted(self.annotators),
            "rounds": sorted(self.rounds),
            "methods": sorted(self.methods),
            "example": self.example,
        }

    @classmethod
    def from_json(cls, data: Row) -> Summary:
        return cls(
            documents=data["documents"],
            annotated=data["annotated"],
            outlets=set(data["outlets"]),
            stories=set(data["stories"]),
            annotators=set(data["annotators"]),
            rounds=set(data["rounds"]),
            methods=set(data["methods"]),
            example=data["example"],
        )


@dataclass
class Links:
    """What registry rows need from the documents: mentions and speakers per entity, members per cluster."""

    mention_docs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    speaker_docs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    members: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def merge(self, other: Links) -> None:
        for entity_id, docs in other.mention_docs.items():
            self.mention_docs[entity_id] += docs
        for entity_id, docs in other.speaker_docs.items():
            self.speaker_docs[entity_id] += docs
        for cluster_id, rows in other.members.items():
            self.members[cluster_id] += rows

    def to_json(self) -> Row:
        return {"mention_docs": self.mention_docs, "speaker_docs": self.speaker_docs, "members": self.members}

    @classmethod
    def from_json(cls, data: Row) -> Links:
        # Interned: a document's id comes once per mention, and the build holds every link
        # until the registry rows are made (10^5 pages: millions of copies otherwise).
        links = cls()
        for entity_id, docs in data["mention_docs"].items():
            links.mention_docs[entity_id] = [sys.intern(d) for d in docs]
        for entity_id, docs in data["speaker_docs"].items():
            links.speaker_docs[entity_id] = [sys.intern(d) for d in docs]
        links.members.update(data["members"])
        return links


def document_rows(
    doc: Document[ManifestEntry], gold: GoldFile | None, split: str, links: Links, entities: Mapping[str, Entity]
) -> dict[str, list[Row]]:
    """config -> rows of one document (every config but the registries'); ``links`` collects the rest,
    ``entities`` (the registry) names the speakers."""
    doc_id, e = doc.doc_id, doc.entry
    mentions = _by_position([mention_row(doc_id, m) for m in gold.mentions], "mention_id") if gold else []
    claims = _by_position([claim_row(doc_id, c) for c in gold.claims], "claim_id") if gold else []
    attributions = (
        sorted((attribution_row(doc_id, a, entities) for a in gold.attributions), key=lambda r: r["attribution_id"])
        if gold
        else []
    )
    noise = _by_position([noise_row(doc_id, n) for n in gold.noise], "noise_id") if gold else []
    for m in mentions:
        links.mention_docs[m["entity_id"]].append(doc_id)
    for a in attributions:
        if a["speaker_entity_id"] is not None:
            links.speaker_docs[a["speaker_entity_id"]].append(doc_id)
    for c in claims:
        if c["cluster_id"] is not None:
            links.members[c["cluster_id"]].append(
                {"doc_id": doc_id, "claim_id": c["claim_id"], "claim_uid": c["claim_uid"]}
            )
    return {
        "documents": [
            {
                "doc_id": doc_id,
                "story_id": e.story_id,
                "split": split,
                "annotated": gold is not None,
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
        ],
        "mentions": [{"doc_id": doc_id, **r} for r in mentions],
        "claims": [{"doc_id": doc_id, **r} for r in claims],
        "attributions": [{"doc_id": doc_id, **r} for r in attributions],
        "noise_spans": [{"doc_id": doc_id, **r} for r in noise],
        "tokens": [
            {
                **r,
                "sentence_uid": uid(doc_id, str(r["sentence_id"])),
                "annotated": gold is not None,
                "ner_tag_names": [NER_TAGS[t] for t in r["ner_tags"]],
                "noise_tag_names": [NOISE_TAGS[t] for t in r["noise_tags"]],
            }
            for r in sentence_rows(doc_id, doc.text, gold)
        ],
    }


@dataclass
class LinkTotals:
    """The links of the whole corpus, folded in chunk by chunk and kept as small as the registry
    rows allow: per entity and split the number of mentions and the pages (each once), the
    splits where it speaks, per cluster its members as (doc_id, claim_id). ``Links`` keeps an
    entry per mention and a dict per member: held for every page of a large corpus, that was
    a large part of the build's memory."""

    mentions: dict[str, dict[str, tuple[int, list[str]]]] = field(default_factory=dict)
    speaking: dict[str, set[str]] = field(default_factory=dict)
    members: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, links: Links, split_of_doc: Mapping[str, str]) -> None:
        """Fold in the links of documents that come after those already added (by doc_id)."""
        for entity_id, docs in links.mention_docs.items():
            by_split = self.mentions.setdefault(entity_id, {})
            for doc_id in docs:
                split = split_of_doc[doc_id]
                count, pages = by_split.get(split, (0, []))
                # Documents come in doc_id order: a page already listed is the last one.
                if not pages or pages[-1] != doc_id:
                    pages.append(sys.intern(doc_id))
                by_split[split] = (count + 1, pages)
        for entity_id, docs in links.speaker_docs.items():
            self.speaking.setdefault(entity_id, set()).update(split_of_doc[d] for d in docs)
        for cluster_id, rows in links.members.items():
            self.members.setdefault(cluster_id, []).extend(
                (sys.intern(r["doc_id"]), sys.intern(r["claim_id"])) for r in rows
            )


def registry_rows(
    entities: Mapping[str, Entity],
    clusters: Mapping[str, ClaimCluster],
    totals: LinkTotals,
    splits: Mapping[str, str],
) -> Iterator[tuple[str, str, Row]]:
    """(config, split, row) of ``entities`` then ``claim_clusters``, once every document is read,
    each split's rows in registry order; a generator, so that the rows (an ``entities`` row lists
    every page that mentions it) need not be held all at once.

    Registries are corpus-wide; their rows go with the splits of the pages that refer to them,
    so that no registry adds a split the documents do not have. An entity has a row in every
    split where a page mentions it or names it as a speaker, with that split's ``mention_count``
    and ``doc_ids`` (summed over the splits: the corpus-wide figures). A cluster goes with its
    story. An entity no page refers to, or a cluster of a story without pages, is in no split
    (``unreferenced`` counts them, for the card).
    """
    for entity_id in sorted(entities):
        ent = entities[entity_id]
        mentioned = totals.mentions.get(entity_id, {})
        for split in sorted(set(mentioned) | totals.speaking.get(entity_id, set())):
            count, pages = mentioned.get(split, (0, []))
            yield (
                "entities",
                split,
                {
                    "entity_id": entity_id,
                    "label": _index(ent.label),
                    "label_name": ent.label.value,
                    "name": ent.name,
                    "wikidata": ent.wikidata,
                    "note": ent.note,
                    "mention_count": count,
                    "doc_ids": sorted(set(pages)),
                },
            )
    for cluster_id in sorted(clusters):
        cl = clusters[cluster_id]
        if cl.story_id not in splits:
            continue
        members = totals.members.get(cluster_id, [])
        yield (
            "claim_clusters",
            splits[cl.story_id],
            {
                "cluster_id": cluster_id,
                "story_id": cl.story_id,
                "statement": cl.statement,
                "note": cl.note,
                "members": [{"doc_id": d, "claim_id": c, "claim_uid": uid(d, c)} for d, c in members],
            },
        )


def unreferenced(
    entities: Mapping[str, Entity], clusters: Mapping[str, ClaimCluster], totals: LinkTotals, splits: Mapping[str, str]
) -> tuple[int, int]:
    """How many entities no page refers to, and clusters of stories without pages: in no split."""
    referred = set(totals.mentions) | set(totals.speaking)
    return len(set(entities) - referred), sum(1 for c in clusters.values() if c.story_id not in splits)
