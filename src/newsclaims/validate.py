"""``validate``: check a repository, or some of its files, against every rule."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from newsclaims.index import Index
from newsclaims.models import ClustersFile, EntitiesFile, GoldFile, Manifest, Record
from newsclaims.problems import Problem, problem
from newsclaims.repository import Layout, Repository, display, find_root
from newsclaims.rules import Registries, check_gold
from newsclaims.shape import Unreadable, parse_model, parse_record, read_bytes


def validate(*paths: str | Path, corpus: bool = True, jobs: int = 1) -> list[Problem]:
    """Every problem in the given files or repositories, sorted; no path means the current repository.

    A folder is checked as a whole repository (seeds, manifest, registries,
    gold files, round files and, when all of those are clean and ``corpus`` is
    true, the built ``corpus/``); a file is checked with its repository as context.
    ``jobs`` > 1 checks the documents (and rebuilds the corpus for NC601) in that many processes;
    the result is the same.
    """
    targets = [Path(p) for p in paths] or [find_root(Path.cwd()) or Path.cwd()]
    repos: dict[Path, Repository] = {}
    indexes: dict[Path, Index] = {}
    found: set[Problem] = set()

    for target in targets:
        if target.is_dir():
            root = find_root(target)
            if root is None or root != target.resolve():
                found.add(
                    problem(
                        "NC100",
                        display(target),
                        "",
                        "",
                        "not a newsclaims repository: no seeds/manifest.json",
                    )
                )
                continue
            from newsclaims.stream import validate_repository

            inputs = set(validate_repository(root, jobs))
            found.update(inputs)
            if not inputs and corpus:
                from newsclaims.corpusrules import check_corpus  # it builds, and the build validates

                found.update(check_corpus(root, jobs))
            continue
        root = find_root(target.parent)
        if root is None:
            found.update(_check_outside(target))
        elif _is_repository_file(target, Layout(root)):
            # The manifest and registries are checked by loading them (the manifest with every seed).
            label, seeds = display(target), display(Layout(root).seeds)
            if root not in repos:
                repos[root] = Repository.load(root)
            found.update(p for p in repos[root].problems if p.path == label or p.path.startswith(seeds))
        else:
            from newsclaims.stream import lazy_registries

            if root not in indexes:
                indexes[root] = Index.load(root)
            found.update(check_gold_files([target], lazy_registries(indexes[root])))
    return sorted(found)


def check_gold_files(paths: Iterable[Path], reg: Registries | None) -> list[Problem]:
    out: list[Problem] = []
    for path in paths:
        label = display(path)
        try:
            data = read_bytes(path)
        except Unreadable as e:
            out.append(problem("NC100", label, "", "", str(e)))
            continue
        gold, found = parse_record(label, data, "gold")
        out += found
        if gold is not None and reg is not None:
            out += check_gold(label, gold, reg)
    return out


def _is_repository_file(path: Path, lay: Layout) -> bool:
    return path.resolve() in {lay.manifest.resolve(), lay.entities.resolve(), lay.clusters.resolve()}


def _check_outside(path: Path) -> list[Problem]:
    """A file outside any repository, by what its name says it is: its shape only."""
    models: dict[str, type[Record]] = {
        "manifest.json": Manifest,
        "entities.json": EntitiesFile,
        "clusters.json": ClustersFile,
    }
    model = models.get(path.name)
    if model is None:  # no text to check offsets against
        return check_gold_files([path], None)
    label = display(path)
    try:
        data = read_bytes(path)
    except Unreadable as e:
        return [problem("NC100", label, "", "", str(e))]
    return parse_model(label, data, model)[1]


def load_gold(path: str | Path) -> GoldFile:
    """Read one annotation file; raises ``ValueError`` listing every problem if it is not valid."""
    p = Path(path)
    data = read_bytes(p)
    gold, found = parse_model(display(p), data, GoldFile)
    root = find_root(p.parent)
    if gold is not None and root is not None:
        from newsclaims.stream import lazy_registries

        found += check_gold(display(p), gold, lazy_registries(Index.load(root)))
    if gold is None or found:
        raise ValueError("".join(f"\n  {f}" for f in found) or f"{p}: not a valid gold file")
    return gold


def load_repository(root: str | Path = ".") -> Repository:
    """The manifest, documents and registries of a repository; see ``Repository.problems``."""
    resolved = find_root(Path(root))
    if resolved is None:
        raise FileNotFoundError(f"{root}: no seeds/manifest.json here or above")
    return Repository.load(resolved)


__all__ = ["Layout", "Repository", "load_gold", "load_repository", "validate"]
