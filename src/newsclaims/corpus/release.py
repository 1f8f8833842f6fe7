"""What a build releases: its version (from CHANGELOG.md), fingerprint, files and counts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

VERSION_HEADING = re.compile(r"^## corpus (\d+\.\d+\.\d+)\b", re.MULTILINE)


@dataclass(frozen=True)
class Release:
    version: str
    fingerprint: str
    files: dict[str, str]  # path inside corpus/ -> sha256
    counts: dict[str, dict[str, int]]  # config -> split -> rows


def corpus_version(root: Path) -> str:
    """The newest ``## corpus X.Y.Z`` entry of CHANGELOG.md: every data version is documented there."""
    changelog = root / "CHANGELOG.md"
    match = VERSION_HEADING.search(changelog.read_text(encoding="utf-8")) if changelog.exists() else None
    if match is None:
        raise ValueError(f"{changelog}: no '## corpus X.Y.Z' entry; add one for this corpus version")
    return match.group(1)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
