"""Everything a repository holds, read into memory once it validates (for rounds, stats and reports)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from newsclaims.core.documents import Document
from newsclaims.core.files import read_bytes
from newsclaims.core.layout import Layout
from newsclaims.core.models import ClaimCluster, Entity, GoldFile, ManifestEntry
from newsclaims.core.problems import Problem
from newsclaims.schema.shape import parse_model
from newsclaims.validation.check import check_inputs
from newsclaims.validation.repository import Repository
from newsclaims.validation.stream import check_gold_files


@dataclass(frozen=True)
class Sources:
    """Everything a build reads, already validated."""

    documents: Mapping[str, Document[ManifestEntry]]
    gold: Mapping[str, GoldFile]  # by doc_id; documents without a gold file have no annotations
    entities: Mapping[str, Entity]
    clusters: Mapping[str, ClaimCluster]
    splits: Mapping[str, str]  # story_id -> split


class InvalidInputs(Exception):
    """The repository's inputs do not validate; ``problems`` lists every problem."""

    def __init__(self, problems: list[Problem], consequence: str = "nothing was read") -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} validation problem(s); {consequence}")


def story_splits(repo: Repository) -> dict[str, str]:
    """story_id -> split, as annotations/splits.json declares (NC511-NC513 hold on validated inputs)."""
    assert repo.splits is not None
    return dict(repo.splits)


def load_sources(root: Path) -> Sources:
    """Validate the repository and read all of it into memory; raises InvalidInputs listing every problem."""
    problems = check_inputs(root).problems
    if problems:
        raise InvalidInputs(problems)
    repo = Repository.load(root)
    assert repo.documents is not None and repo.entities is not None and repo.clusters is not None
    gold = _read_gold(Layout(root).gold_files())
    return Sources(repo.documents, gold, repo.entities, repo.clusters, story_splits(repo))


def load_documents(root: Path, doc_ids: Collection[str]) -> Sources:
    """The manifest, the registries and only the documents ``doc_ids`` (seed and gold file), each
    checked as validate checks it; raises InvalidInputs listing the problems of what was read.

    For round commands: a round of 2,000 pages in a repository of 10^5 reads 2,000 seeds and
    gold files, not every one. A doc_id the manifest does not list is left out (the caller says
    so); the rest of the repository is neither read nor vouched for."""
    repo = Repository.load(root, only=set(doc_ids))
    assert repo.documents is not None or repo.problems
    documents = repo.documents or {}
    lay = Layout(root)
    paths = [lay.gold / f"{doc_id}.json" for doc_id in sorted(documents)]
    paths = [p for p in paths if p.exists() or p.is_symlink()]
    problems = repo.problems + check_gold_files(paths, repo.registries)
    if problems:
        raise InvalidInputs(problems)
    assert repo.entities is not None and repo.clusters is not None
    return Sources(documents, _read_gold(paths), repo.entities, repo.clusters, story_splits(repo))


def _read_gold(paths: Iterable[Path]) -> dict[str, GoldFile]:
    """Gold files already checked (every one valid), by doc_id."""
    gold: dict[str, GoldFile] = {}
    for path in paths:
        parsed = parse_model(str(path), read_bytes(path), GoldFile)[0]
        assert parsed is not None  # the caller checked it
        gold[parsed.doc_id] = parsed
    return gold
