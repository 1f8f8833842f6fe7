"""The build's cache of per-document rows, content-addressed: ``.newsclaims-cache/`` in the repository.

An entry is one document's ``Piece``, found by the hash of the document's fingerprint and
speaker records (``corpus/fingerprints.py``: its entry, split, gold bytes, speakers) and of the
``recipe`` (the code that makes rows and the versions of spaCy, pyarrow, datasets). So an
entry is reused only for the same inputs made by the same code: editing a page misses that
page's entry; editing the row code, the vocabulary, or upgrading spaCy or pyarrow misses
every entry. Deleting the folder is always safe: the next build makes every row again.

An entry is a small JSON header (its key, the piece's links and summary, the configs in
order) and the piece's tables as Arrow IPC streams, the whole zstd-compressed: read back
without parsing rows or converting them to Arrow again, which is what a cached build saves
besides tokenising (JSON rows took longer to load than Arrow, and were five times larger).
Entries are written atomically (a temporary file renamed into place) and not flushed to
disk: an entry a crash left unreadable, or one that does not name its own key, is a miss.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa

from newsclaims.core.paths import inside_repository
from newsclaims.corpus.fingerprints import recipe
from newsclaims.corpus.pieces import Piece, piece_schema
from newsclaims.corpus.reuse import RECORD_FILE
from newsclaims.corpus.tables import Links, Summary

CACHE_FOLDER = ".newsclaims-cache"
_MAGIC = b"newsclaims rows 1\n"
_SIZES = struct.Struct(">QQ")  # header length, uncompressed length of the tables


def encode(key: str, piece: Piece) -> bytes:
    streams = pa.BufferOutputStream()
    for table in piece.tables.values():
        with pa.ipc.new_stream(streams, table.schema) as writer:
            writer.write_table(table)
    tables = streams.getvalue()
    header = orjson.dumps(
        {
            "key": key,
            "configs": list(piece.tables),
            "links": piece.links.to_json(),
            "summary": piece.summary.to_json(),
        }
    )
    compressed: bytes = pa.compress(tables, codec="zstd", asbytes=True)
    return _MAGIC + _SIZES.pack(len(header), tables.size) + header + compressed


def decode(key: str, data: bytes) -> Piece | None:
    """The piece of an entry, or None when it is not an intact entry of ``key``."""
    if not data.startswith(_MAGIC):
        return None
    start = len(_MAGIC) + _SIZES.size
    header_size, tables_size = _SIZES.unpack_from(data, len(_MAGIC))
    header = orjson.loads(data[start : start + header_size])
    if header.get("key") != key:
        return None
    tables = pa.BufferReader(pa.decompress(data[start + header_size :], tables_size, codec="zstd"))
    out = {}
    for config in header["configs"]:
        table = pa.ipc.open_stream(tables).read_all()
        if not table.schema.equals(piece_schema(config)):
            return None
        out[config] = table
    return Piece(out, Links.from_json(header["links"]), Summary.from_json(header["summary"]))


@dataclass(frozen=True)
class RowCache:
    folder: Path
    recipe: str

    @classmethod
    def of(cls, root: Path) -> RowCache:
        """The cache of the repository at ``root``; ``OutsideRepository`` if its folder resolves outside."""
        folder = root / CACHE_FOLDER / "rows"
        inside_repository(root, folder)
        return cls(folder, recipe())

    def key(self, fingerprint: str, speakers: bytes) -> str:
        """The entry of a document: its fingerprint and speaker records (corpus/fingerprints.py), the recipe."""
        return hashlib.sha256(f"{self.recipe} {fingerprint} ".encode() + speakers).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> Piece | None:
        try:
            with open(self._path(key), "rb") as f:
                return decode(key, f.read())
        except (OSError, ValueError, KeyError, TypeError, AttributeError, struct.error, pa.ArrowException):
            return None

    def links_of(self, key: str) -> tuple[Links, Summary] | None:
        """The links and summary of an entry, from its header alone (its rows are not read);
        None when it is not an intact entry of ``key``."""
        try:
            with open(self._path(key), "rb") as f:
                start = f.read(len(_MAGIC) + _SIZES.size)
                if not start.startswith(_MAGIC):
                    return None
                header_size, _ = _SIZES.unpack_from(start, len(_MAGIC))
                header = orjson.loads(f.read(header_size))
            if header.get("key") != key:
                return None
            return Links.from_json(header["links"]), Summary.from_json(header["summary"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, struct.error):
            return None

    @property
    def shard_record(self) -> Path:
        """Where the build records the files of its shards (``corpus/reuse.py``)."""
        return self.folder.parent / RECORD_FILE

    def put(self, key: str, piece: Piece) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(encode(key, piece))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def keep_only(self, keys: Collection[str]) -> int:
        """Remove every entry but ``keys`` (the last build's); returns how many went.

        The cache then holds one build's rows: it does not grow with every edit of every page."""
        keep = set(keys)
        removed = 0
        if not self.folder.is_dir():
            return 0
        for sub in os.scandir(self.folder):
            if not sub.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(sub.path):
                if entry.name not in keep and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
        return removed
