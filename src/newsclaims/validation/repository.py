"""The manifest, documents and registries of a repository, loaded with their problems."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from newsclaims.core.documents import Document
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.layout import Layout, display
from newsclaims.core.models import (
    SCHEMA_VERSION,
    ClaimCluster,
    ClustersFile,
    EntitiesFile,
    Entity,
    Manifest,
    ManifestEntry,
    Record,
    SplitsFile,
)
from newsclaims.core.problems import Problem, problem
from newsclaims.schema.shape import parse_model
from newsclaims.validation.rules import (
    Registries,
    check_manifest,
    check_manifest_listing,
    check_registry_ids,
    check_seed,
    check_splits,
)

R = TypeVar("R", bound=Record)


@dataclass
class Repository:
    """The manifest, the documents and the registries of one repository, as far as they could be read."""

    layout: Layout
    manifest: Manifest | None = None
    # None: the file is there but could not be read (see Registries).
    documents: dict[str, Document[ManifestEntry]] | None = None
    entities: dict[str, Entity] | None = field(default_factory=dict)
    clusters: dict[str, ClaimCluster] | None = field(default_factory=dict)
    # story_id -> split (annotations/splits.json); None: the file is there but could not be read.
    splits: dict[str, str] | None = field(default_factory=dict)
    # Problems of the manifest, the seeds and the registries themselves.
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path, *, read_seeds: bool = True, only: Collection[str] | None = None) -> Repository:
        """Read the manifest and registries, and (``read_seeds``) every seed with its checks.

        Without ``read_seeds`` only the listing is checked and ``documents`` stays None: the
        streaming validator reads each seed with its own document.
        """
        repo = cls(Layout(root))
        repo._load_manifest(read_seeds, only)
        repo._load_registries()
        return repo

    @property
    def registries(self) -> Registries:
        listed = {e.doc_id for e in self.manifest.documents} if self.manifest is not None else set()
        return Registries.of(self.entities, self.clusters, self.documents, listed)

    def _read(self, path: Path) -> bytes | None:
        try:
            return read_bytes(path)
        except Unreadable as e:
            self.problems.append(problem("NC100", display(path), "", "", str(e)))
            return None

    def _load_manifest(self, read_seeds: bool, only: Collection[str] | None = None) -> None:
        lay = self.layout
        data = self._read(lay.manifest)
        if data is None:
            return
        label = display(lay.manifest)
        self.manifest, found = parse_model(label, data, Manifest)
        self.problems += found
        if self.manifest is None:
            return
        names = lay.seed_names()
        if not read_seeds:
            self.problems += check_manifest_listing(label, self.manifest.documents, set(names), display(lay.seeds))
            return
        if only is not None:
            # A round reads its own pages, not the repository's 10^5: each checked as validate
            # checks it, but not against the others (two seeds with the same bytes: NC505 of validate).
            self.problems += check_manifest_listing(label, self.manifest.documents, set(names), display(lay.seeds))
            self.documents = {}
            present = set(names)
            for e in self.manifest.documents:
                if e.doc_id not in only or e.file not in present or e.doc_id in self.documents:
                    continue
                if (data := self._read(lay.seeds / e.file)) is None:
                    continue
                found, doc, _ = check_seed(label, e, data, display(lay.seeds))
                self.problems += found
                if doc is not None:
                    self.documents[e.doc_id] = doc
            return
        seeds = {name: self._read(lay.seeds / name) for name in names}
        found, self.documents = check_manifest(label, self.manifest, seeds, display(lay.seeds))
        self.problems += found

    def _load_registries(self) -> None:
        lay = self.layout
        ents = self._load_registry(lay.entities, EntitiesFile)
        self.entities = None
        if ents is not None:
            self.problems += check_registry_ids(
                display(lay.entities), [e.entity_id for e in ents.entities], "entity_id"
            )
            self.entities = {e.entity_id: e for e in ents.entities}
        clus = self._load_registry(lay.clusters, ClustersFile)
        self.clusters = None
        if clus is not None:
            self.problems += check_registry_ids(
                display(lay.clusters), [c.cluster_id for c in clus.clusters], "cluster_id"
            )
            self.clusters = {c.cluster_id: c for c in clus.clusters}
        splits = self._load_registry(lay.splits, SplitsFile)
        self.splits = None if splits is None else {s.story_id: s.split.value for s in reversed(splits.splits)}
        pairs = None if splits is None else [(s.story_id, s.split.value) for s in splits.splits]
        entries = self.manifest.documents if self.manifest is not None else None
        self.problems += check_splits(display(lay.splits), pairs, display(lay.manifest), entries)

    def _load_registry(self, path: Path, model: type[R]) -> R | None:
        # A repository without annotations yet has no registries: that is not a problem.
        if not path.exists():
            return model.model_validate_json(f'{{"schema_version": "{SCHEMA_VERSION}", "{path.stem}": []}}')
        if (data := self._read(path)) is None:
            return None
        parsed, found = parse_model(display(path), data, model)
        self.problems += found
        return parsed
