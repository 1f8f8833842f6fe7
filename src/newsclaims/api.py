"""The public API for research code: validate a repository, read its files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from newsclaims.core.extras import require
from newsclaims.core.files import read_bytes
from newsclaims.core.layout import display, find_root
from newsclaims.core.problems import Problem
from newsclaims.core.swap import leftovers
from newsclaims.schema.shape import parse_model
from newsclaims.validation.check import check_inputs
from newsclaims.validation.index import Index
from newsclaims.validation.rules import check_gold
from newsclaims.validation.stream import lazy_registries

if TYPE_CHECKING:  # validate itself never needs the models: a file that passes the schema is done
    from newsclaims.core.models import GoldFile
    from newsclaims.engines import Engine
    from newsclaims.validation.repository import Repository


def validate(
    *paths: str | Path, corpus: bool = True, jobs: int = 1, rebuild: bool = False, engine: Engine | None = None
) -> list[Problem]:
    """Every problem in the given files or repositories, sorted; no path means the current repository.

    A folder is checked as a whole repository (seeds, manifest, registries, gold files, round
    files and, when all of those are clean and ``corpus`` is true, the built ``corpus/``); a
    file is checked with its repository as context. ``jobs`` > 1 checks the documents (and
    rebuilds the corpus for NC601) in that many processes; the result is the same. NC601
    compares the inputs with what ``corpus/inputs.json`` records; ``rebuild`` compares the
    corpus with a build from scratch instead (what ``release`` does). With an ``engine``
    (``newsclaims.engines.started``) its workers check the documents; the problems are the same.
    """
    runner = None
    if engine is not None:
        from newsclaims.engines.checking import unit_runner

        runner = unit_runner(engine)
    checked = check_inputs(*paths, jobs=jobs, runner=runner)
    found = list(checked.problems)
    if corpus:
        for root in checked.clean_repositories:
            # Not built yet: nothing to be stale, and no corpus extra needed. A `corpus` that is a
            # file, or only what a killed build left (no corpus/ at all), is checked (and recovered).
            if os.path.lexists(root / "corpus") or leftovers(root / "corpus"):
                found += corpus_problems(root, jobs, rebuild)
    return sorted(set(found))


def corpus_problems(root: Path, jobs: int = 1, rebuild: bool = False) -> list[Problem]:
    """The corpus rules NC6xx on a repository whose inputs are clean (``rebuild``: NC601 by a build)."""
    require("corpus", "datasets", "pyarrow", "spacy")
    from newsclaims.corpus.checks import check_corpus

    return check_corpus(root, jobs, rebuild=rebuild)


def load_gold(path: str | Path) -> GoldFile:
    """Read one annotation file; raises ``ValueError`` listing every problem if it is not valid."""
    p = Path(path)
    data = read_bytes(p)
    from newsclaims.core.models import GoldFile

    gold, found = parse_model(display(p), data, GoldFile)
    root = find_root(p.parent)
    if gold is not None and root is not None:
        found += check_gold(display(p), gold, lazy_registries(Index.load(root)))
    if gold is None or found:
        raise ValueError("".join(f"\n  {f}" for f in found) or f"{p}: not a valid gold file")
    return gold


def load_repository(root: str | Path = ".") -> Repository:
    """The manifest, documents and registries of a repository; see ``Repository.problems``."""
    resolved = find_root(Path(root))
    if resolved is None:
        raise FileNotFoundError(f"{root}: no seeds/manifest.json here or above")
    from newsclaims.validation.repository import Repository

    return Repository.load(resolved)


__all__ = ["corpus_problems", "load_gold", "load_repository", "validate"]
