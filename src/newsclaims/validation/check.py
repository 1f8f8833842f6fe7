"""Checking the inputs (NC1xx-NC5xx) of repositories or single files; the corpus rules are ``corpus.checks``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.layout import Layout, display, find_root
from newsclaims.core.problems import Problem, problem
from newsclaims.schema.shape import parse_kind
from newsclaims.validation.index import Index
from newsclaims.validation.stream import UnitRunner, check_gold_files, lazy_registries, validate_repository


def _is_repository_file(path: Path, lay: Layout) -> bool:
    return path.resolve() in {p.resolve() for p in (lay.manifest, lay.entities, lay.clusters, lay.splits)}


def _check_outside(path: Path) -> list[Problem]:
    """A file outside any repository, by what its name says it is: its shape only."""
    kinds = {
        "manifest.json": "manifest",
        "entities.json": "entities",
        "clusters.json": "clusters",
        "splits.json": "splits",
    }
    kind = kinds.get(path.name)
    if kind is None:  # no text to check offsets against
        return check_gold_files([path], None)
    label = display(path)
    try:
        data = read_bytes(path)
    except Unreadable as e:
        return [problem("NC100", label, "", "", str(e))]
    return parse_kind(label, data, kind)[1]


@dataclass(frozen=True)
class InputsChecked:
    """What ``check_inputs`` found, and which repositories it checked whole without a problem."""

    problems: list[Problem]
    clean_repositories: list[Path] = field(default_factory=list)


def check_inputs(*paths: str | Path, jobs: int = 1, runner: UnitRunner | None = None) -> InputsChecked:
    """Every problem of the inputs in the given files or repositories; no path means the current repository.

    A folder is checked as a whole repository (seeds, manifest, registries, gold files, round
    files); a file is checked with its repository as context. ``jobs`` > 1 checks the documents
    in that many processes, ``runner`` on another executor (``newsclaims.engines``); the result
    is the same.
    """
    targets = [Path(p) for p in paths] or [find_root(Path.cwd()) or Path.cwd()]
    repos: dict[Path, list[Problem]] = {}
    indexes: dict[Path, Index] = {}
    found: set[Problem] = set()
    clean: list[Path] = []
    for target in targets:
        if target.is_dir():
            root = find_root(target)
            if root is None or root != target.resolve():
                found.add(
                    problem("NC100", display(target), "", "", "not a newsclaims repository: no seeds/manifest.json")
                )
                continue
            inputs = validate_repository(root, jobs, runner)
            found.update(inputs)
            if not inputs:
                clean.append(root)
            continue
        root = find_root(target.parent)
        if root is None:
            found.update(_check_outside(target))
        elif _is_repository_file(target, Layout(root)):
            # The manifest and registries are checked by loading them (the manifest with every seed).
            label, seeds = display(target), display(Layout(root).seeds)
            if root not in repos:
                from newsclaims.validation.repository import Repository  # the models, for this file alone

                repos[root] = Repository.load(root).problems
            found.update(p for p in repos[root] if p.path == label or p.path.startswith(seeds))
        else:
            if root not in indexes:
                indexes[root] = Index.load(root)
            found.update(check_gold_files([target], lazy_registries(indexes[root])))
    return InputsChecked(sorted(found), clean)
