"""What a build releases: its version (from CHANGELOG.md), fingerprint, files and counts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from newsclaims.core.files import open_binary

VERSION_HEADING = re.compile(r"^## corpus (\d+\.\d+\.\d+)\b", re.MULTILINE)


@dataclass(frozen=True)
class Release:
    version: str
    fingerprint: str
    files: dict[str, str]  # path inside corpus/ -> sha256
    counts: dict[str, dict[str, int]]  # config -> split -> rows
    # config -> split -> the Arrow size `datasets` computes for the file (see ``arrow_bytes``)
    num_bytes: dict[str, dict[str, int]] = field(default_factory=dict)


def data_fingerprint(files: dict[str, str]) -> str:
    """The fingerprint of a release's data: a hash of its data files' paths and sha256s."""
    return hashlib.sha256("".join(f"{p} {h}\n" for p, h in sorted(files.items())).encode()).hexdigest()


def corpus_version(root: Path) -> str:
    """The newest ``## corpus X.Y.Z`` entry of CHANGELOG.md: every data version is documented there."""
    changelog = root / "CHANGELOG.md"
    match = VERSION_HEADING.search(changelog.read_text(encoding="utf-8")) if changelog.exists() else None
    if match is None:
        raise ValueError(f"{changelog}: no '## corpus X.Y.Z' entry; add one for this corpus version")
    return match.group(1)


def arrow_bytes(path: Path) -> int:
    """A parquet file's size as ``datasets`` records it (``num_bytes`` of its split): it reads one
    row group at a time (a batch is the first group's rows, and the build writes equal groups)
    and adds up each table's ``nbytes``. For the pinned pyarrow; checked against ``datasets``
    itself in tests/test_card.py."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    return sum(parquet.read_row_group(i).nbytes for i in range(parquet.num_row_groups))


def sha256_file(path: Path) -> str:
    """The sha256 of a regular file (``Unreadable`` for anything else: a FIFO would block)."""
    digest = hashlib.sha256()
    with open_binary(path, limit=1 << 40) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
