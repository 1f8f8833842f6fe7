"""One document's share of the corpus: its rows in every config as Arrow tables, its links, its summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import pyarrow as pa

from newsclaims.core.documents import Document
from newsclaims.core.models import Entity, GoldFile, ManifestEntry
from newsclaims.corpus.features import arrow_schema
from newsclaims.corpus.tables import Links, Summary, document_rows


@cache
def piece_schema(config: str) -> pa.Schema:
    """A config's Arrow schema without the ``datasets`` features in its metadata: the parquet
    writer adds them once per file, and they would otherwise be copied into every cached piece
    (``features.arrow_schema`` is the one with them)."""
    return arrow_schema(config).remove_metadata()


@dataclass
class Piece:
    """What one document adds to a build; a pure function of its fingerprint's inputs."""

    tables: dict[str, pa.Table]  # config -> rows (all configs but the registries), schema: piece_schema
    links: Links
    summary: Summary


def make_piece(
    doc: Document[ManifestEntry], gold: GoldFile | None, split: str, entities: Mapping[str, Entity]
) -> Piece:
    links, summary = Links(), Summary()
    rows = document_rows(doc, gold, split, links, entities)
    summary.add(doc, gold)
    tables = {config: pa.Table.from_pylist(found, schema=piece_schema(config)) for config, found in rows.items()}
    return Piece(tables, links, summary)
