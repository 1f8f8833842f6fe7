"""The corpus index: what validation keeps of the manifest and the registries, read as streams.

A corpus of 10^5 pages has a manifest of 10^5 entries and about as many claim clusters;
as pydantic objects they were most of the validator's memory, held for the whole run.
The validator keeps only what its rules read: a page's id, seed file, checksum and
story (``Listed``), an entity's label, a cluster's story. It reads each of
these list files as a stream (ijson), checks every record against the generated JSON
Schema as it comes and keeps that much of it, so the file itself is never in memory.
A file that is not exactly valid goes through its pydantic model instead, which locates
every problem, as ``shape.parse_record`` does for annotation files.

A file in the layout this project writes (``jsonio.dumps``) is read faster still, a
block at a time with orjson (``_canonical``); ijson reads any other layout.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Container
from dataclasses import dataclass
from functools import cache
from itertools import compress, tee
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, get_args

import ijson

from newsclaims.core.files import Unreadable, open_binary, read_bytes
from newsclaims.core.jsonio import dumps
from newsclaims.core.jsonread import check_scan, loads, scan, shape
from newsclaims.core.layout import Layout, display
from newsclaims.core.patterns import SCHEMA_VERSION, SchemaVersion
from newsclaims.core.problems import Problem, problem
from newsclaims.schema.shape import checker, parse_kind
from newsclaims.validation.rules import Registries, check_manifest_listing, check_registry_ids, check_splits

T = TypeVar("T")

# C-level parsing, or none: ijson's pure-Python backend runs every parse event through Python,
# far too slow for the manifest of a whole corpus.
_IJSON = ijson.get_backend("yajl2_c")
_PREFIX = itemgetter(0)


class Listed(NamedTuple):
    """A manifest entry as validation keeps it (a ``Listing``, like ``ManifestEntry``)."""

    doc_id: str
    file: str
    sha256: str
    story_id: str


def _listed(entry: dict[str, Any]) -> Listed:
    # A story has many pages: one string per story, not per page.
    return Listed(entry["doc_id"], entry["file"], entry["sha256"], sys.intern(entry["story_id"]))


# Every schema version this release reads (the first is the one it writes): a file pinned to
# an older one is still read on the stream.
READ_VERSIONS: tuple[str, ...] = get_args(SchemaVersion)


def _frames(layer: str) -> list[list[tuple[str, str, Any]]]:
    """The top-level parse events of a valid list file: its two fields, in either order."""
    records = [("", "map_key", layer), (layer, "start_array", None), (layer, "end_array", None)]
    return [
        [("", "start_map", None), *first, *second, ("", "end_map", None)]
        for pinned in READ_VERSIONS
        for version in ([("", "map_key", "schema_version"), ("schema_version", "string", pinned)],)
        for first, second in ((version, records), (records, version))
    ]


def _streamed(path: Path, kind: str, layer: str, keep: Callable[[dict[str, Any]], T]) -> list[T] | None:
    """``keep`` of every record of a valid list file, read as a stream; None when the file is
    not exactly valid (not JSON, another top level, a record off the schema)."""
    kept = _canonical(path, kind, layer, keep)
    return kept if kept is not None else _events(path, kind, layer, keep)


# A block of a list file, read at a time: some thousands of records.
BLOCK = 1 << 20
# Records are small: this many bytes without a boundary between two is another layout
# behind the same head, which ijson reads (rather than the whole file in one piece).
NO_BOUNDARY = 1 << 22


@cache
def _layout(layer: str, version: str = SCHEMA_VERSION) -> tuple[bytes, bytes, bytes]:
    """What ``jsonio.dumps`` writes around the records of a list file: the bytes before the
    first record's ``{``, the separator from a ``}`` to the next ``{`` inclusive, and the
    bytes after the last ``}``."""
    text = dumps({"schema_version": version, layer: [{"r": 0}, {"r": 0}]}).encode()
    head, between, tail = text.split(b'"r": 0')
    return head[: head.rindex(b"{")], between, tail[tail.index(b"}") + 1 :]


def _canonical(path: Path, kind: str, layer: str, keep: Callable[[dict[str, Any]], T]) -> list[T] | None:
    """``_streamed`` for a file in this project's own layout, parsed a block at a time with
    orjson (far less work than ijson's events for the same records); None for any other file,
    valid or not.

    Why the blocks mean the whole file: after the fixed head, the file is ``X`` and the fixed
    tail, and it is valid exactly when ``[X]`` is an array of valid records. ``X`` is cut
    where the separator between two records is, keeping its ``}`` and its ``{`` (it holds
    raw newlines, so it is never inside a string); joined with the commas the cuts took,
    the pieces give back ``X``. When every ``[piece]`` parses, ``[X]`` does, to their
    records in order; a cut inside a nested value leaves a piece that does not parse, and
    the file goes to ijson.
    """
    heads = [_layout(layer, version)[0] for version in READ_VERSIONS]
    _, between, tail = _layout(layer)
    close, reopen = between.index(b"}") + 1, between.rindex(b"{")
    valid = checker(kind, layer)
    out: list[T] = []
    try:
        with open_binary(path) as f:
            start = f.read(max(map(len, heads)))
            head = next((h for h in heads if start.startswith(h)), None)
            if head is None:
                return None
            rest = start[len(head) :]
            while True:
                block = f.read(BLOCK)
                data = rest + block
                if block:
                    cut = data.rfind(between)
                    if cut < 0:
                        if len(data) > NO_BOUNDARY:
                            return None
                        rest = data
                        continue
                    piece, rest = data[: cut + close], data[cut + reopen :]
                elif data.endswith(tail):
                    piece = data[: -len(tail)]
                else:
                    return None
                # The reader policy on each piece: depth, lone surrogates, a key written twice.
                records = loads(b"[" + piece + b"]")
                if not all(map(valid, records)):
                    return None
                out += map(keep, records)
                if not block:
                    return out
    except (Unreadable, OSError):
        return None


def _events(path: Path, kind: str, layer: str, keep: Callable[[dict[str, Any]], T]) -> list[T] | None:
    """``_streamed`` for a file in any layout, read with ijson.

    The bytes are scanned first (``core.jsonread``): ijson buffers a block's events, each
    with its full prefix, so a deep file would cost memory in the square of its depth, and
    it neither refuses lone surrogates nor sees a key written twice. Those files go to
    ``read_list``'s fallback, which locates the problem.
    """
    try:
        data = read_bytes(path)
        written = scan(data)
        check_scan(written)
        with io.BytesIO(data) as f:
            # The events of the top level only (their prefix is "" or one of its two fields),
            # filtered in C: a Python loop would run once for every event of the whole file.
            events, prefixes = tee(_IJSON.parse(f))
            top = list(compress(events, map({"", "schema_version", layer}.__contains__, map(_PREFIX, prefixes))))
            if top not in _frames(layer):
                return None
            f.seek(0)
            valid = checker(kind, layer)
            out = []
            parsed = 2  # the two top-level members, which the frame above checked
            for record in _IJSON.items(f, f"{layer}.item", use_float=True):
                if not valid(record):
                    return None
                parsed += shape(record)[0]
                out.append(keep(record))
            # Fewer members parsed than written: a key twice in some record.
            return out if parsed == written.members else None
    except (ijson.JSONError, UnicodeDecodeError, Unreadable, OSError):
        return None


def read_list(
    path: Path, kind: str, layer: str, keep: Callable[[dict[str, Any]], T]
) -> tuple[list[T] | None, list[Problem]]:
    """``keep`` of every record of the list file at ``path``, or None with its problems."""
    label = display(path)
    kept = _streamed(path, kind, layer, keep)
    if kept is not None:
        return kept, []
    try:
        data = read_bytes(path)
    except Unreadable as e:
        return None, [problem("NC100", label, "", "", str(e))]
    parsed, found = parse_kind(label, data, kind)
    if parsed is None:
        return None, found
    # The stream refused what the model accepts: the contracts agree (tested), so this is
    # not reached; were it ever, the model decides.
    return [keep(r.model_dump(mode="json")) for r in getattr(parsed, layer)], found


@dataclass
class Index:
    """What ``validate`` holds of a repository while it checks the documents one by one."""

    layout: Layout
    entries: list[Listed] | None  # None: no manifest that could be read
    entity_labels: dict[str, str] | None  # None: entities.json is there but broken
    cluster_stories: dict[str, str] | None
    problems: list[Problem]  # of the manifest and the registries as files (the listing: listing_problems)

    @classmethod
    def load(cls, root: Path) -> Index:
        """The index of the repository at ``root``, with the problems of the files it reads.

        How the manifest matches the names in seeds/ (NC502, NC503, NC505) is asked apart,
        ``listing_problems``: listing a folder of 10^5 seeds is a large part of loading the
        index, which a caller checking one file does not need, and validate does it while its
        workers check.
        """
        lay = Layout(root)
        problems: list[Problem] = []
        entries, found = read_list(lay.manifest, "manifest", "documents", _listed)
        problems += found
        labels = cls._registry(lay.entities, "entities", "entity_id", "label", problems)
        stories = cls._registry(lay.clusters, "clusters", "cluster_id", "story_id", problems)
        problems += cls._splits(lay, entries, problems)
        return cls(lay, entries, labels, stories, problems)

    @staticmethod
    def _splits(lay: Layout, entries: list[Listed] | None, problems: list[Problem]) -> list[Problem]:
        """NC511-NC513; a repository without annotations/splits.json has declared no split at all."""
        pairs: list[tuple[str, str]] | None = []
        if lay.splits.exists():
            pairs, found = read_list(lay.splits, "splits", "splits", itemgetter("story_id", "split"))
            problems += found
        return check_splits(display(lay.splits), pairs, display(lay.manifest), entries)

    @staticmethod
    def _registry(path: Path, kind: str, id_field: str, value: str, problems: list[Problem]) -> dict[str, str] | None:
        # A repository without annotations yet has no registries: that is not a problem.
        if not path.exists():
            return {}
        pairs, found = read_list(path, kind, kind, itemgetter(id_field, value))
        problems += found
        if pairs is None:
            return None
        problems += check_registry_ids(display(path), [rid for rid, _ in pairs], id_field)
        return dict(pairs)

    def listing_problems(self) -> list[Problem]:
        """NC502, NC503, NC505: the manifest's entries against the names in seeds/."""
        if self.entries is None:  # a manifest that could not be read has its own problems
            return []
        lay = self.layout
        return check_manifest_listing(display(lay.manifest), self.entries, set(lay.seed_names()), display(lay.seeds))

    def by_doc_id(self) -> dict[str, Listed]:
        """doc_id -> entry; a doc_id listed twice (NC505) keeps its first entry."""
        out: dict[str, Listed] = {}
        for e in self.entries or ():
            out.setdefault(e.doc_id, e)
        return out

    def registries(self, documents: Any, listed: Container[str] = ()) -> Registries:
        return Registries(self.entity_labels, self.cluster_stories, documents, listed)
