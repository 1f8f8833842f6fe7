"""Where a document's rows go: the shards of a split, and the names of their parquet files.

A split's documents, in doc_id order, are cut into shards at content-defined boundaries: a
document ends its shard when the hash of its doc_id says so (one document in
``SHARD_DOCUMENTS`` on average). A boundary depends on that document's id alone, so adding,
removing or editing a page changes the rows of its own shard only (an added page that is
itself a boundary cuts its shard in two, a removed one joins two): the build encodes that
shard's files again and copies the others (``corpus/reuse.py``). Shards of a fixed number
of documents would move every later shard by one page when a page is added.

Each config has one file per shard that has rows, numbered in doc_id order from 0 within its
split: ``data/<config>/<split>-00000.parquet``, ``…-00001.parquet``. The registry configs
(``entities``, ``claim_clusters``) are made once every document is read and have one file
per split. Reading a split is reading its files in name order (``datasets`` and the card's
``data_files`` do), or all of them (``data/<config>/<split>-*.parquet``).
"""

from __future__ import annotations

import hashlib
import re

# Documents per shard on average: about 30 MB of parquet in all configs at the synthetic
# corpus's page size, so that a one-page change re-encodes little and a split is not
# thousands of files.
SHARD_DOCUMENTS = 2_000
# The configs whose rows are made per document, shard by shard; the others are the registries'.
REGISTRY_CONFIGS = ("entities", "claim_clusters")
_DATA_FILE = re.compile(r"^data/(?P<config>[a-z_]+)/(?P<split>[A-Za-z0-9_.]+?)-(?P<index>\d{5})\.parquet$")


def ends_shard(doc_id: str) -> bool:
    """Whether the document ``doc_id`` is the last of its shard (a pure function of the id)."""
    value = int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "big")
    return value % SHARD_DOCUMENTS == 0


def data_file(config: str, split: str, index: int) -> str:
    """The path, inside ``corpus/``, of a config's ``index``-th file of ``split``."""
    return f"data/{config}/{split}-{index:05d}.parquet"


def split_of(path: str) -> tuple[str, str] | None:
    """(config, split) of a data file's path inside ``corpus/``, or None when it is not one."""
    match = _DATA_FILE.match(path)
    return (match["config"], match["split"]) if match else None
