"""The build's cache of per-document rows, content-addressed: ``.newsclaims-cache/`` in the repository.

An entry is one document's ``Piece``, found by the hash of the document's fingerprint
(``corpus/fingerprints.py``: its entry, split, gold bytes and speakers) and of the
``recipe`` (the code that makes rows and the versions of spaCy, pyarrow, datasets). So an
entry is reused only for the same inputs made by the same code: editing a page misses that
page's entry; editing the row code, the vocabulary, or upgrading spaCy or pyarrow misses
every entry. Deleting the folder is always safe: the next build makes every row again.

Entries are written atomically (a temporary file renamed into place) and not flushed to
disk: an entry a crash left unreadable, or one that does not name its own key, is a miss.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import orjson

from newsclaims.core.paths import inside_repository
from newsclaims.corpus.fingerprints import recipe
from newsclaims.corpus.pieces import Piece

CACHE_FOLDER = ".newsclaims-cache"


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

    def key(self, fingerprint: str) -> str:
        return hashlib.sha256(f"{self.recipe} {fingerprint}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, fingerprint: str) -> Piece | None:
        key = self.key(fingerprint)
        try:
            with open(self._path(key), "rb") as f:
                data = orjson.loads(f.read())
            if data.get("key") != key:
                return None
            return Piece.from_json(data["piece"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, fingerprint: str, piece: Piece) -> None:
        key = self.key(fingerprint)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = orjson.dumps({"key": key, "piece": piece.to_json()})
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def keep_only(self, fingerprints: Collection[str]) -> int:
        """Remove every entry but those of ``fingerprints`` (the last build's); returns how many went.

        The cache then holds one build's rows: it does not grow with every edit of every page."""
        keep = {self.key(fp) for fp in fingerprints}
        removed = 0
        if not self.folder.is_dir():
            return 0
        for sub in os.scandir(self.folder):
            if not sub.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(sub.path):
                name = entry.name
                stale = name.startswith(".tmp-") or name.removesuffix(".json") not in keep
                if stale and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
        return removed
