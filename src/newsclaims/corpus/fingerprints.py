"""What a corpus was built from: one fingerprint per document, one for the rest (``corpus/inputs.json``).

A document's rows are a pure function of its manifest entry (which pins the seed's sha256),
its split, the bytes of its gold file, and the registry records of the speakers its
attributions name. ``document_fingerprint`` hashes the first three; ``speaker_records`` gives
the last. The rest of the corpus (registry rows, the card, the Croissant file) depends on
the registries, the split table and the version: ``shared_fingerprints``.

The build records the fingerprints and the shared hashes in ``corpus/inputs.json``; the
default corpus check (NC601) compares them with the inputs as they are now instead of
rebuilding (a registry change shows in the registry's hash, so a document's fingerprint
need not cover its speakers, and the check parses no gold file). The row cache
(``corpus/cache.py``) keys each document's rows by its fingerprint, its speaker records and
the ``recipe``, so a registry edit remakes only the pages that quote the edited entities.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import orjson

from newsclaims.core.files import read_bytes
from newsclaims.core.layout import Layout, names_in
from newsclaims.core.models import Entity, ManifestEntry

INPUTS_FILE = "inputs.json"
# The layout of inputs.json and of a fingerprint; bump it when either changes.
INPUTS_FORMAT = 1
# The distributions whose version can change a corpus byte: newsclaims makes the rows, spaCy
# tokenises, pyarrow writes the parquet, datasets and huggingface-hub write the card's features.
BUILT_WITH = ("newsclaims", "datasets", "huggingface-hub", "pyarrow", "spacy")
# The sub-packages whose code makes rows (and what they import of the schema): the cache's recipe.
_ROW_CODE = ("core", "schema", "corpus")


def _canonical(data: Any) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        # Length-prefixed, so that no two sequences of parts hash alike.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def speaker_ids(gold: bytes | None) -> list[str]:
    """The entity ids that the attributions of a gold file name as their source, sorted.

    Read with orjson, not the models: the build needs them for every document's cache key, and
    a document found in the cache is otherwise never parsed into pydantic models. The build
    runs on inputs that validate, so the shape is known."""
    if gold is None:
        return []
    data = orjson.loads(gold)
    found = set()
    for attribution in data.get("attributions", []):
        source = attribution.get("source")
        if isinstance(source, dict) and isinstance(source.get("entity_id"), str):
            found.add(source["entity_id"])
    return sorted(found)


def document_fingerprint(entry: ManifestEntry, split: str, gold: bytes | None) -> str:
    """The fingerprint of what one document's rows are made from but the registry (see the module's docstring)."""
    return _sha256(
        b"document",
        _canonical(entry.model_dump(mode="json")),
        split.encode(),
        b"no gold" if gold is None else hashlib.sha256(gold).digest(),
    )


def speaker_records(gold: bytes | None, entities: Mapping[str, Entity]) -> bytes:
    """The registry records of the speakers a gold file names, canonical: what its attribution rows
    copy from the registry (a missing one as null). Part of a document's cache key, not of its
    fingerprint: a corpus check finds any registry change by the registry's own hash."""
    speakers = {}
    for entity_id in speaker_ids(gold):
        entity = entities.get(entity_id)
        speakers[entity_id] = entity.model_dump(mode="json") if entity is not None else None
    return _canonical(speakers)


def shared_fingerprints(root: Path) -> dict[str, str]:
    """What every document shares, file by file: the registries and the split table (sha256 each)."""
    lay = Layout(root)
    out = {}
    for path in (lay.entities, lay.clusters, lay.splits):
        name = path.relative_to(root).as_posix()
        out[name] = hashlib.sha256(read_bytes(path)).hexdigest() if path.exists() else "missing"
    return out


def _distribution_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def built_with() -> dict[str, str]:
    """The versions of the distributions that make the corpus bytes, as installed now."""
    return {name: _distribution_version(name) for name in BUILT_WITH}


@cache
def recipe() -> str:
    """A hash of the code that makes rows and of ``built_with``: any edit of it empties the cache.

    Coarser than it needs to be (a comment edited in card.py counts), never finer: a cached
    row can only be reused by the very code that made it."""
    package = Path(__file__).resolve().parents[1]
    parts = [_canonical(built_with()), str(INPUTS_FORMAT).encode()]
    for sub in _ROW_CODE:
        for path in sorted((package / sub).rglob("*.py")):
            parts += [path.relative_to(package).as_posix().encode(), path.read_bytes()]
    return _sha256(*parts)


@dataclass(frozen=True)
class Inputs:
    """The contents of ``corpus/inputs.json``: what the corpus was built from, and by what."""

    version: str  # the corpus version, from CHANGELOG.md
    shared: dict[str, str]  # file (relative to the repository) -> sha256
    documents: dict[str, str]  # doc_id -> fingerprint
    built_with: dict[str, str]  # distribution -> version
    # The other files the build wrote into corpus/ (but this one) -> sha256; the data files
    # are listed with theirs in release.json.
    files: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": INPUTS_FORMAT,
            "version": self.version,
            "built_with": self.built_with,
            "shared": self.shared,
            "files": dict(sorted(self.files.items())),
            "documents": dict(sorted(self.documents.items())),
        }

    @classmethod
    def from_json(cls, data: Any) -> Inputs:
        """Raises ``ValueError`` naming the field when ``data`` is not an inputs.json of this format."""
        if not isinstance(data, dict) or data.get("format") != INPUTS_FORMAT:
            raise ValueError(f"'format' is not {INPUTS_FORMAT}")
        if not isinstance(data.get("version"), str):
            raise ValueError("'version' is not a string")
        tables = {}
        for key in ("shared", "documents", "built_with", "files"):
            table = data.get(key)
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise ValueError(f"{key!r} is not an object of strings")
            tables[key] = dict(table)
        return cls(data["version"], **tables)


def fingerprints_of(root: Path, entries: Iterable[ManifestEntry], splits: Mapping[str, str]) -> dict[str, str]:
    """doc_id -> fingerprint of each entry, reading only the gold files (the entry pins the seed)."""
    lay = Layout(root)
    annotated = set(names_in(lay.gold, ".json"))  # one listing, not a stat per page
    out = {}
    for entry in entries:
        name = f"{entry.doc_id}.json"
        gold = read_bytes(lay.gold / name) if name in annotated else None
        out[entry.doc_id] = document_fingerprint(entry, splits[entry.story_id], gold)
    return out
