"""One document's share of the corpus: its rows in every config, its links, its summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsclaims.core.documents import Document
from newsclaims.core.models import Entity, GoldFile, ManifestEntry
from newsclaims.corpus.tables import Links, Row, Summary, document_rows


@dataclass
class Piece:
    """What one document adds to a build; a pure function of its fingerprint's inputs."""

    rows: dict[str, list[Row]]  # config -> the document's rows (every config but the registries')
    links: Links
    summary: Summary

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "links": self.links.to_json(), "summary": self.summary.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Piece:
        return cls(data["rows"], Links.from_json(data["links"]), Summary.from_json(data["summary"]))


def make_piece(
    doc: Document[ManifestEntry], gold: GoldFile | None, split: str, entities: Mapping[str, Entity]
) -> Piece:
    links, summary = Links(), Summary()
    rows = document_rows(doc, gold, split, links, entities)
    summary.add(doc, gold)
    return Piece(rows, links, summary)
