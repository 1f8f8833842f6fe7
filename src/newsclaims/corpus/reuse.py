"""The shards of the last build that the next build copies instead of encoding them again.

After a build with the row cache, ``.newsclaims-cache/shards.json`` records, for each shard of
documents (``corpus/shards.py``), a hash of what its rows were made from (the cache keys of its
documents in order: their inputs, their speakers' records and the recipe of the code, see
``corpus/cache.py``) and, config by config, the sha256, row count and Arrow size of the file
the build wrote for it, or that the config had no rows there.

The next build hashes its own shards the same way. A shard whose hash is recorded, and whose
files are in the corpus being replaced with the recorded sha256 (checked while they are
copied), is copied: its documents' rows are neither read from the cache nor encoded, only
their links to the registries and their part of the card's summary, from the headers of
their cache entries. Anything else (no record, another recipe, a file edited or missing) is
a shard made again, never an error: the files are the same bytes either way.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from newsclaims.core.files import Unreadable, open_binary, read_bytes

RECORD_FILE = "shards.json"
_FORMAT = 1


@dataclass(frozen=True)
class ShardFile:
    """A file the build wrote for one config of a shard."""

    sha256: str
    rows: int
    num_bytes: int  # its Arrow size, as ``corpus.release.arrow_bytes`` measures it


# config -> its file for the shard, or None when the config has no rows in it
ShardFiles = dict[str, ShardFile | None]


def shard_digest(split: str, keys: list[str]) -> str:
    """The hash of what a shard's rows are made from: its split and its documents' cache keys, in order."""
    return hashlib.sha256("\n".join([split, *keys]).encode()).hexdigest()


def read_record(path: Path) -> dict[str, ShardFiles]:
    """digest -> files of the shards the last build wrote; empty when the record is missing or damaged."""
    try:
        data = orjson.loads(read_bytes(path))
        if data.get("format") != _FORMAT:
            return {}
        return {
            digest: {config: ShardFile(**found) if found is not None else None for config, found in files.items()}
            for digest, files in data["shards"].items()
        }
    except (Unreadable, OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_record(path: Path, shards: dict[str, ShardFiles]) -> None:
    """Replace the record (atomically: a crash leaves the old one or the new one)."""
    data = {
        "format": _FORMAT,
        "shards": {
            digest: {config: asdict(found) if found is not None else None for config, found in sorted(files.items())}
            for digest, files in sorted(shards.items())
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(orjson.dumps(data))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_checked(source: Path, target: Path, sha256: str) -> bool:
    """Copy ``source`` (a regular file) to ``target`` if its sha256 is ``sha256``; False, and
    nothing left at ``target``, when it is not or cannot be read."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open_binary(source, limit=1 << 40) as f, open(target, "wb") as out:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except (Unreadable, OSError):
        target.unlink(missing_ok=True)
        return False
    if digest.hexdigest() != sha256:
        target.unlink(missing_ok=True)
        return False
    return True
