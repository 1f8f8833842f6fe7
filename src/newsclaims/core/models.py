"""Schema v1: the pydantic models of every file newsclaims reads or writes.

The models hold only what JSON Schema can express too (types, enums, required
fields, patterns, bounds), so that a file passes these models exactly when it
passes the generated JSON Schema. Everything that needs the document text or
other records (offsets, references, overlaps) is a plain rule in ``validation.rules``.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    WithJsonSchema,
    model_serializer,
)

from newsclaims.core.patterns import (
    END_GUARD,
    LANGUAGE_PATTERN,
    NAME_PATTERN,
    SCHEMA_VERSION,
    SEED_FILE_PATTERN,
    SHA256_PATTERN,
    URL_PATTERN,
    WIKIDATA_PATTERN,
    SchemaVersion,
    native,
    whole,
)
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Split, Stance

Name = Annotated[str, StringConstraints(pattern=native(NAME_PATTERN))]
Sha256 = Annotated[str, StringConstraints(pattern=native(SHA256_PATTERN))]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _integral(value: object) -> object:
    # JSON Schema counts 3.0 as the integer 3; so must we, or the two contracts would differ.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Offset = Annotated[int, Field(ge=0), BeforeValidator(_integral)]
# RFC 3339's full-date (JSON Schema's "date") starts at year 0000, Python's dates at year 1:
# the schema says so too, or 0000-01-01 would pass the schema and fail the model.
YEAR_PATTERN = "^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-"
Date = Annotated[datetime.date, WithJsonSchema({"type": "string", "format": "date", "pattern": YEAR_PATTERN})]


class Record(BaseModel):
    # strict: "5" is not an offset and 1 is not true, exactly as in JSON Schema.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, regex_engine="rust-regex")


class Span(Record):
    """A contiguous stretch of the document text: ``text == doc[start:end]``."""

    start: Offset = Field(description="Offset of the first character (Unicode code points).")
    end: Offset = Field(description="Offset just past the last character (end-exclusive).")
    text: NonEmpty = Field(description="The covered text, exactly as in the document.")


def _unset(value: object) -> bool:
    """Whether an optional field added in schema 1.1 holds nothing: it is then left out of the
    file, so that a file that does not use it is written exactly as a 1.0 file was."""
    return value is None or value == []


class Mention(Span):
    """A mention of an entity, linked to a cross-document entity (or, in a round, not yet)."""

    mention_id: Name = Field(description="Id, unique within the document.")
    label: EntityLabel = Field(description="Entity type of the mention.")
    entity_id: Name | None = Field(
        description="The cross-document entity (annotations/entities.json). Null only in a round's "
        "annotator file, for a mention not linked yet (`newsclaims entities link`); every mention of a "
        "gold file is linked (NC312)."
    )
    proposed_entity: NonEmpty | None = Field(
        default=None,
        description="What the annotator typed for an entity the registry does not have (an id or a name), "
        "kept for `newsclaims entities link`; left out of the file when there is none.",
    )
    note: str | None = Field(default=None, description="Annotator's note on a doubtful decision.")

    @model_serializer(mode="wrap")
    def _leave_out_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if _unset(self.proposed_entity):
            data.pop("proposed_entity", None)
        return data


class Claim(Record):
    """A statement made in the document: attributed to a source, or told by the outlet itself."""

    claim_id: Name = Field(description="Id, unique within the document.")
    fragments: list[Span] = Field(min_length=1, description="The claim's text in one or more ordered, disjoint pieces.")
    cluster_id: Name | None = Field(
        default=None, description="The cross-outlet claim cluster (annotations/clusters.json)."
    )
    checkworthy: bool = Field(description="Whether a fact-checker could and should verify it.")
    note: str | None = Field(default=None, description="Annotator's note on a doubtful decision.")


class Source(Span):
    """The span naming who the content is attributed to, and who that is (schema 1.2)."""

    mention_id: Name | None = Field(
        default=None, description="The entity mention inside the source span, if one is annotated."
    )
    entity_id: Name | None = Field(
        default=None,
        description="The entity the source is (annotations/entities.json): the entity of `mention_id` when "
        "there is one (NC313), else the entity a pronoun ('he') or a description ('the head of NATO') "
        "refers to in the page. Left out of the file when not decided.",
    )
    unnamed: bool = Field(
        default=False,
        description="The source names no identifiable entity ('officials', 'a senior official', "
        "'analysts'): the documented value for an unnamed speaker, never together with `entity_id` "
        "(NC313). Left out of the file when false.",
    )

    @model_serializer(mode="wrap")
    def _leave_out_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if self.entity_id is None:
            data.pop("entity_id", None)
        if not self.unnamed:
            data.pop("unnamed", None)
        return data


class Attribution(Record):
    """A source-cue-content triple: who said what, how."""

    attribution_id: Name = Field(description="Id, unique within the document.")
    claim_id: Name = Field(description="The claim that is the content of the attribution.")
    source: Source | None = Field(
        default=None, description="Who the content is attributed to; null when the text names no one."
    )
    cue: Span | None = Field(default=None, description="The word(s) signalling the attribution (said, according to).")
    quote_type: QuoteType = Field(description="How the content is rendered.")
    stance: Stance = Field(description="The source's stance toward the content.")
    parent_id: Name | None = Field(
        default=None, description="The attribution this one is reported inside (nested reporting)."
    )
    note: str | None = Field(default=None, description="Annotator's note on a doubtful decision.")


class NoiseSpan(Span):
    """Page chrome: text on the page that is not part of the article."""

    noise_id: Name = Field(description="Id, unique within the document.")
    category: NoiseCategory = Field(description="What kind of chrome it is.")
    note: str | None = Field(default=None, description="Annotator's note on a doubtful decision.")


class Provenance(Record):
    """Who made an annotation file, and how."""

    annotators: list[Name] = Field(min_length=1, description="Annotator ids.")
    rounds: list[Name] = Field(description="Annotation rounds merged into this file, oldest first.")
    method: NonEmpty = Field(description="How the annotations were made, in a sentence.")


class GoldFile(Record):
    """``annotations/gold/<doc_id>.json``: all annotations of one document (standoff)."""

    schema_version: SchemaVersion = Field(description="Schema version the file follows.")
    doc_id: Name = Field(description="The annotated document.")
    text_sha256: Sha256 = Field(description="sha256 of the document text the offsets point into.")
    provenance: Provenance
    mentions: list[Mention]
    claims: list[Claim]
    attributions: list[Attribution]
    noise: list[NoiseSpan]


class Entity(Record):
    """A real-world entity; its mentions may be in any document."""

    entity_id: Name = Field(description="Id, unique in the corpus.")
    label: EntityLabel = Field(description="Entity type; every mention carries the same label.")
    name: NonEmpty = Field(description="Canonical name.")
    aliases: list[NonEmpty] = Field(
        default_factory=list,
        description="Other names the entity goes by in the pages (surname alone, abbreviation, other "
        "spelling): `newsclaims entities link` and the entities pass's pre-annotations look for them too; "
        "left out of the file when there is none.",
    )
    wikidata: Annotated[str, StringConstraints(pattern=native(WIKIDATA_PATTERN))] | None = Field(
        default=None, description="Wikidata QID, only where certain."
    )
    note: str | None = Field(default=None, description="Why this entity or QID, where not obvious.")

    @model_serializer(mode="wrap")
    def _leave_out_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if _unset(self.aliases):
            data.pop("aliases", None)
        return data


class EntitiesFile(Record):
    """``annotations/entities.json``: the cross-document entity registry."""

    schema_version: SchemaVersion
    entities: list[Entity]


class ClaimCluster(Record):
    """The same claim told by several documents of one story."""

    cluster_id: Name = Field(description="Id, unique in the corpus.")
    story_id: Name = Field(description="The story every member's document belongs to.")
    statement: NonEmpty = Field(description="A canonical, neutral wording of the claim.")
    note: str | None = Field(default=None, description="Why these claims are one cluster, where not obvious.")


class ClustersFile(Record):
    """``annotations/clusters.json``: the cross-outlet claim clusters."""

    schema_version: SchemaVersion
    clusters: list[ClaimCluster]


class StorySplit(Record):
    """The split of every page of one story."""

    story_id: Name = Field(description="A story of the manifest (listed once).")
    split: Split = Field(description="The split its pages, claims and clusters are in.")


class SplitsFile(Record):
    """``annotations/splits.json``: the split of every story, written by ``newsclaims splits``."""

    schema_version: SchemaVersion
    splits: list[StorySplit]


class ManifestEntry(Record):
    """One seed page: its file, checksum and what the page itself tells about it."""

    doc_id: Name = Field(description="Stable document id.")
    file: Annotated[str, StringConstraints(pattern=native(SEED_FILE_PATTERN))] = Field(
        description="File name in seeds/, the page's identity."
    )
    sha256: Sha256 = Field(description="sha256 of the file's bytes.")
    story_id: Name = Field(description="The story the page reports; the unit of splits.")
    outlet: NonEmpty | None = Field(description="Publisher of the page, if the page says.")
    title: NonEmpty | None = Field(description="Title of the article, if there is one.")
    published: Date | None = Field(description="Publication date, if the page says.")
    url: Annotated[str, StringConstraints(pattern=native(URL_PATTERN))] | None = Field(
        description="Where the page was taken from, if known."
    )
    language: Annotated[str, StringConstraints(pattern=native(LANGUAGE_PATTERN))] = Field(
        description="ISO 639 language code."
    )
    notes: str | None = Field(description="Where the page came from and what is uncertain about it.")


class Manifest(Record):
    """``seeds/manifest.json``: one entry per seed page."""

    schema_version: SchemaVersion
    documents: list[ManifestEntry]


# File kinds, by the name their JSON Schema is written under.
FILE_MODELS: dict[str, type[Record]] = {
    "gold": GoldFile,
    "entities": EntitiesFile,
    "clusters": ClustersFile,
    "manifest": Manifest,
    "splits": SplitsFile,
}

# The names of core.patterns are re-exported: code written before they moved keeps working.
__all__ = [
    "END_GUARD",
    "FILE_MODELS",
    "NAME_PATTERN",
    "SCHEMA_VERSION",
    "YEAR_PATTERN",
    "Attribution",
    "Claim",
    "ClaimCluster",
    "ClustersFile",
    "Date",
    "EntitiesFile",
    "Entity",
    "GoldFile",
    "Manifest",
    "ManifestEntry",
    "Mention",
    "Name",
    "NoiseSpan",
    "NonEmpty",
    "Offset",
    "Provenance",
    "Record",
    "SchemaVersion",
    "Sha256",
    "Source",
    "Span",
    "SplitsFile",
    "StorySplit",
    "native",
    "whole",
]
