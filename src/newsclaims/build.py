"""``build``: seeds + manifest + gold → ``corpus/``, a Hugging Face style dataset folder.

The build refuses to start on a repository that does not validate, writes
everything into a temporary folder next to ``corpus/`` and swaps it into place
only when complete, so a failed or interrupted build never leaves a half-written
corpus behind (the previous one stays as it was).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsclaims.card import dataset_card
from newsclaims.croissant import croissant_metadata
from newsclaims.features import CONFIGS
from newsclaims.jsonio import dumps
from newsclaims.models import SCHEMA_VERSION, GoldFile
from newsclaims.problems import Problem
from newsclaims.repository import Layout, Repository
from newsclaims.shape import parse_model, read_bytes
from newsclaims.tables import Row, Sources, document_tables
from newsclaims.validate import validate

# Every option that changes parquet bytes is fixed here (and pyarrow is pinned).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "version": "2.6", "write_statistics": True}
DEFAULT_SPLIT = "test"
VERSION_HEADING = re.compile(r"^## corpus (\d+\.\d+\.\d+)\b", re.MULTILINE)


class BuildError(Exception):
    """The inputs do not validate; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} validation problem(s); corpus/ left untouched")


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


def story_splits(repo: Repository) -> dict[str, str]:
    # Splits are by story so that no story straddles two. The seed corpus is one story,
    # so everything is evaluation data ("test"); see the card.
    assert repo.documents is not None
    return {doc.entry.story_id: DEFAULT_SPLIT for doc in repo.documents.values()}


def load_sources(root: Path) -> Sources:
    """Validate the repository and read it; raises BuildError listing every problem."""
    problems = validate(root, corpus=False)
    if problems:
        raise BuildError(problems)
    repo = Repository.load(root)
    assert repo.documents is not None and repo.entities is not None and repo.clusters is not None
    gold: dict[str, GoldFile] = {}
    for path in Layout(root).gold_files():
        parsed = parse_model(str(path), read_bytes(path), GoldFile)[0]
        assert parsed is not None  # validated above
        gold[parsed.doc_id] = parsed
    return Sources(repo.documents, gold, repo.entities, repo.clusters, story_splits(repo))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_parquet(rows: list[Row], config: str, path: Path) -> int:
    table = pa.Table.from_pylist(rows, schema=CONFIGS[config].arrow_schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **PARQUET_OPTIONS)
    return int(table.nbytes)


def write_corpus(root: Path, folder: Path) -> Release:
    """Build into ``folder`` (which must be new): data files, checksums, release.json, README.md."""
    sources = load_sources(root)
    tables = document_tables(sources)
    files: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for config in CONFIGS:
        # `datasets` cannot load a split from a file without rows: a split (or a config)
        # with nothing in it yet is left out, and the card says so.
        splits = {s: rows for s, rows in tables.get(config, {}).items() if rows}
        counts[config], sizes[config] = {}, {}
        for split in sorted(splits):
            rel = f"data/{config}/{split}.parquet"
            sizes[config][split] = _write_parquet(splits[split], config, folder / rel)
            counts[config][split] = len(splits[split])
            files[rel] = sha256_file(folder / rel)
    fingerprint = hashlib.sha256("".join(f"{p} {h}\n" for p, h in sorted(files.items())).encode()).hexdigest()
    release = Release(corpus_version(root), fingerprint, files, counts)
    (folder / "release.json").write_text(
        dumps(
            {
                "version": release.version,
                "schema_version": SCHEMA_VERSION,
                "fingerprint": fingerprint,
                "counts": counts,
                "files": files,
            }
        ),
        encoding="utf-8",
    )
    (folder / "checksums.sha256").write_text("".join(f"{h}  {p}\n" for p, h in sorted(files.items())), encoding="utf-8")
    (folder / "README.md").write_text(dataset_card(release, sources, sizes), encoding="utf-8")
    (folder / "croissant.json").write_text(dumps(croissant_metadata(release, sources)), encoding="utf-8")
    return release


def build(root: Path, out: Path | None = None) -> Release:
    """Build ``root``'s corpus into ``out`` (default ``root/corpus``), replacing it only on success."""
    target = out or root / "corpus"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        release = write_corpus(root, tmp)
        old = target.with_name(f".{target.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return release
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
