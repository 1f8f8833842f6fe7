"""Where things live in a newsclaims repository, and loading them with their problems."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def display(path: Path) -> str:
    """A path as problems show it: relative to the working folder when inside it."""
    cwd = os.getcwd()
    absolute = os.path.abspath(path)
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd)
    return str(path)


def names_in(folder: Path, suffix: str) -> list[str]:
    """Sorted names in ``folder`` ending in ``suffix`` (what ``glob("*" + suffix)`` finds, without
    a Path per entry, which a folder of 10^5 pages would make for nothing)."""
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(suffix))
    except (FileNotFoundError, NotADirectoryError):
        return []


@dataclass(frozen=True)
class Layout:
    """The folder layout of a repository (see docs/architecture.md)."""

    root: Path

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def manifest(self) -> Path:
        return self.seeds / "manifest.json"

    @property
    def annotations(self) -> Path:
        return self.root / "annotations"

    @property
    def gold(self) -> Path:
        return self.annotations / "gold"

    @property
    def entities(self) -> Path:
        return self.annotations / "entities.json"

    @property
    def clusters(self) -> Path:
        return self.annotations / "clusters.json"

    @property
    def splits(self) -> Path:
        return self.annotations / "splits.json"

    @property
    def unannotated_review(self) -> Path:
        return self.annotations / "unannotated_lines.json"

    @property
    def rounds(self) -> Path:
        return self.annotations / "rounds"

    @property
    def schema(self) -> Path:
        return self.root / "schema"

    def gold_files(self) -> list[Path]:
        return [self.gold / name for name in names_in(self.gold, ".json")]

    def seed_names(self) -> list[str]:
        return names_in(self.seeds, ".txt")

    def annotator_files(self) -> list[Path]:
        """Per-annotator files of every round: the gold schema too."""
        return sorted(self.rounds.glob("*/annotators/*/*.json"), key=str)


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``seeds/manifest.json``."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / "seeds" / "manifest.json").is_file():
            return folder
    return None
