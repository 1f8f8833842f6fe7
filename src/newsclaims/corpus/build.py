"""``build``: seeds + manifest + gold → ``corpus/``, a Hugging Face style dataset folder.

The build refuses to start on a repository that does not validate, writes
everything into a temporary folder next to ``corpus/`` and swaps it into place
only when complete, so a failed or interrupted build never leaves a half-written
corpus behind (the previous one stays as it was).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsclaims.core import swap
from newsclaims.core.documents import Document, decode_text
from newsclaims.core.files import read_bytes
from newsclaims.core.jsonio import dumps
from newsclaims.core.layout import Layout
from newsclaims.core.models import Entity, GoldFile, ManifestEntry
from newsclaims.core.paths import inside_repository
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.core.problems import Problem
from newsclaims.core.workers import forked_pool
from newsclaims.corpus.cache import RowCache
from newsclaims.corpus.card import LICENSE_FILE, LICENSE_TEXT, dataset_card
from newsclaims.corpus.croissant import croissant_metadata
from newsclaims.corpus.features import CONFIGS
from newsclaims.corpus.fingerprints import (
    INPUTS_FILE,
    Inputs,
    built_with,
    document_fingerprint,
    shared_fingerprints,
    speaker_records,
)
from newsclaims.corpus.pieces import Piece, make_piece
from newsclaims.corpus.release import Release, arrow_bytes, corpus_version, data_fingerprint, sha256_file
from newsclaims.corpus.tables import Links, Summary, registry_rows, unreferenced
from newsclaims.schema.shape import parse_model
from newsclaims.validation.check import check_inputs
from newsclaims.validation.repository import Repository
from newsclaims.validation.sources import InvalidInputs, story_splits
from newsclaims.validation.stream import UnitRunner


class BuildError(InvalidInputs):
    """The inputs do not validate; nothing was written (but what a killed build left, ``recovered``)."""

    def __init__(self, problems: list[Problem], recovered: Sequence[str] = ()) -> None:
        super().__init__(problems, "corpus/ left untouched")
        self.recovered = tuple(recovered)


@dataclass(frozen=True)
class Written:
    """What ``write_corpus`` wrote: the release, what it was built from, how many documents' rows
    were made (the others came from the cache)."""

    release: Release
    inputs: Inputs
    made: int


@dataclass(frozen=True)
class Built(Release):
    """A release that was built, what was recovered from a killed build before it (one line each),
    and how many documents' rows were made rather than taken from the cache."""

    recovered: tuple[str, ...] = ()
    made: int = 0


# Every option that changes parquet bytes is fixed here (and pyarrow is pinned).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "version": "2.6", "write_statistics": True}


# What the build writes into corpus/ besides the data files and inputs.json.
METADATA_FILES = ("release.json", "checksums.sha256", "README.md", LICENSE_FILE, "croissant.json")


# Rows per parquet row group, fixed so that the files never depend on how the work was
# chunked or spread over processes (a corpus smaller than this is one group per file).
ROW_GROUP_ROWS = {"documents": 2_000, "tokens": 100_000}
DEFAULT_ROW_GROUP_ROWS = 50_000
CHUNK = 64  # documents per unit of work


class _ParquetSink:
    """One split of one config: rows in, fixed-size row groups out; the file opens on the first row."""

    def __init__(self, config: str, path: Path) -> None:
        self.schema = CONFIGS[config].arrow_schema
        self.path, self.group = path, ROW_GROUP_ROWS.get(config, DEFAULT_ROW_GROUP_ROWS)
        self.pending: list[pa.Table] = []
        self.buffered = self.rows = 0
        self.writer: pq.ParquetWriter | None = None

    def add(self, table: pa.Table) -> None:
        if table.num_rows:
            # Pieces carry no schema metadata (corpus/pieces.py); the writer adds the file's.
            self.pending.append(table.replace_schema_metadata(None))
            self.buffered += table.num_rows
        while self.buffered >= self.group:
            self._flush(self.group)

    def close(self) -> None:
        if self.buffered:
            self._flush(self.buffered)
        if self.writer is not None:
            self.writer.close()

    def _flush(self, n: int) -> None:
        # One contiguous table per group: page boundaries must not follow the chunking.
        table = pa.concat_tables(self.pending)
        head, rest = table.slice(0, n).combine_chunks(), table.slice(n)
        self.pending, self.buffered = ([rest] if rest.num_rows else []), rest.num_rows
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, self.schema, **PARQUET_OPTIONS)
        self.writer.write_table(head, row_group_size=n)
        self.rows += n


@dataclass(frozen=True)
class Job:
    """A chunk of work for ``rows_of``: ``CHUNK`` manifest entries in doc_id order, the splits
    of their stories, the cache (or None)."""

    root: Path
    entries: tuple[ManifestEntry, ...]
    splits: Mapping[str, str]
    cache: RowCache | None


@dataclass
class Chunk:
    """What ``rows_of`` makes of a ``Job``."""

    tables: dict[tuple[str, str], pa.Table]  # (config, split) -> rows of the chunk's documents
    links: Links
    summary: Summary
    fingerprints: dict[str, str]  # doc_id -> fingerprint (corpus/fingerprints.py)
    keys: list[str]  # the cache entries of the chunk's documents
    made: int  # documents whose rows were made, not taken from the cache


# The entity registry, which names the speakers of attributions: set before the workers fork
# (``share_entities``), so that it is inherited, not pickled with every chunk of work.
_entities: Mapping[str, Entity] = {}


def share_entities(entities: Mapping[str, Entity]) -> None:
    global _entities
    _entities = entities


def _piece_of(lay: Layout, entry: ManifestEntry, split: str, gold_bytes: bytes | None) -> Piece:
    doc = Document(entry, decode_text(read_bytes(lay.seeds / entry.file)))
    gold_path = lay.gold / f"{entry.doc_id}.json"
    gold = parse_model(str(gold_path), gold_bytes, GoldFile)[0] if gold_bytes is not None else None
    return make_piece(doc, gold, split, _entities)


def rows_of(job: Job) -> Chunk:
    """The rows of a chunk of documents, from the cache or made from the files (runs in a worker)."""
    lay = Layout(job.root)
    tables: dict[tuple[str, str], list[pa.Table]] = {}
    links, summary = Links(), Summary()
    fingerprints: dict[str, str] = {}
    keys: list[str] = []
    made = 0
    for entry in job.entries:
        gold_path = lay.gold / f"{entry.doc_id}.json"
        gold_bytes = read_bytes(gold_path) if gold_path.exists() else None
        split = job.splits[entry.story_id]
        fingerprint = document_fingerprint(entry, split, gold_bytes)
        fingerprints[entry.doc_id] = fingerprint
        piece = None
        if job.cache is not None:
            keys.append(job.cache.key(fingerprint, speaker_records(gold_bytes, _entities)))
            piece = job.cache.get(keys[-1])
        if piece is None:
            piece = _piece_of(lay, entry, split, gold_bytes)
            made += 1
            if job.cache is not None:
                job.cache.put(keys[-1], piece)
        for config, table in piece.tables.items():
            tables.setdefault((config, split), []).append(table)
        links.merge(piece.links)
        summary.merge(piece.summary)
    # One contiguous table per config and split: the parent then handles a few large arrays,
    # not a chunk of Arrow buffers per document and config.
    joined = {key: pa.concat_tables(found).combine_chunks() for key, found in tables.items()}
    return Chunk(joined, links, summary, fingerprints, keys, made)


# How the chunks of work become chunks of rows, in their order: here (one process or a pool of
# ``jobs``), or on a distributed engine (``newsclaims.engines``), given the entity registry.
ChunkMaker = Callable[[list[Job], Mapping[str, Entity]], Iterable[Chunk]]


def write_corpus(
    root: Path, folder: Path, jobs: int = 1, cache: RowCache | None = None, make_chunks: ChunkMaker | None = None
) -> Written:
    """Build into ``folder`` (which must be new) from inputs that validate: data files, checksums,
    release.json, inputs.json, README.md. The caller validates (``build`` does; the corpus check
    runs on clean inputs).

    Documents stream through in doc_id order, ``CHUNK`` at a time (over ``jobs`` processes,
    or by ``make_chunks``); memory holds the rows of a few chunks and the registries, never
    the corpus. With a ``cache``, a document whose fingerprint it holds is not read nor
    tokenised again; the files are the same bytes either way.
    """
    folder.mkdir(parents=True, exist_ok=True)
    repo = Repository.load(root, read_seeds=False)
    assert repo.manifest is not None and repo.entities is not None and repo.clusters is not None
    splits = story_splits(repo)
    entries = sorted(repo.manifest.documents, key=lambda e: e.doc_id)
    work = []
    for i in range(0, len(entries), CHUNK):
        some = tuple(entries[i : i + CHUNK])
        # Each job carries the splits of its own stories: it is pickled to a worker, and 10^5
        # stories would otherwise travel with every job.
        work.append(Job(root, some, {e.story_id: splits[e.story_id] for e in some}, cache))
    sinks: dict[tuple[str, str], _ParquetSink] = {}
    links, summary = Links(), Summary()
    fingerprints: dict[str, str] = {}
    keys: list[str] = []
    made = 0

    def sink(config: str, split: str) -> _ParquetSink:
        if (config, split) not in sinks:
            sinks[config, split] = _ParquetSink(config, folder / f"data/{config}/{split}.parquet")
        return sinks[config, split]

    def add(chunk: Chunk) -> None:
        nonlocal made
        for (config, split), table in chunk.tables.items():
            sink(config, split).add(table)
        links.merge(chunk.links)
        summary.merge(chunk.summary)
        fingerprints.update(chunk.fingerprints)
        keys.extend(chunk.keys)
        made += chunk.made

    share_entities(repo.entities)
    if make_chunks is not None:
        for chunk in make_chunks(work, repo.entities):
            add(chunk)
    elif jobs > 1 and len(work) > 1:
        with forked_pool(jobs, share_entities, (repo.entities,)) as pool:
            for chunk in pool.map(rows_of, work):
                add(chunk)
    else:
        for job in work:
            add(rows_of(job))
    split_of_doc = {e.doc_id: splits[e.story_id] for e in entries}
    summary.unreferenced_entities, summary.unreferenced_clusters = unreferenced(
        repo.entities, repo.clusters, links, splits
    )
    for config, by_split in registry_rows(repo.entities, repo.clusters, links, split_of_doc, splits).items():
        for split, rows in by_split.items():
            sink(config, split).add(pa.Table.from_pylist(rows, schema=CONFIGS[config].arrow_schema))
    files: dict[str, str] = {}
    # `datasets` cannot load a split from a file without rows (not even one with the schema):
    # a split (or a config) with nothing in it yet has no file (its sink never opened one),
    # and the card says which splits each config has.
    counts: dict[str, dict[str, int]] = {config: {} for config in CONFIGS}
    sizes: dict[str, dict[str, int]] = {config: {} for config in CONFIGS}
    for config in CONFIGS:
        for split in sorted(s for c, s in sinks if c == config):
            out = sinks[config, split]
            out.close()
            if out.rows:
                counts[config][split] = out.rows
                sizes[config][split] = arrow_bytes(out.path)
                files[f"data/{config}/{split}.parquet"] = sha256_file(out.path)
    fingerprint = data_fingerprint(files)
    version = corpus_version(root)
    release = Release(version, fingerprint, files, counts, sizes)
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
    (folder / "README.md").write_text(dataset_card(release, summary), encoding="utf-8")
    (folder / LICENSE_FILE).write_text(LICENSE_TEXT, encoding="utf-8")
    (folder / "croissant.json").write_text(dumps(croissant_metadata(release, summary)), encoding="utf-8")
    others = {name: sha256_file(folder / name) for name in METADATA_FILES}
    inputs = Inputs(version, shared_fingerprints(root), fingerprints, built_with(), others)
    (folder / INPUTS_FILE).write_text(dumps(inputs.to_json()), encoding="utf-8")
    if cache is not None:
        cache.keep_only(keys)
    return Written(release, inputs, made)


def build(
    root: Path,
    out: Path | None = None,
    jobs: int = 1,
    *,
    cache: bool = True,
    make_chunks: ChunkMaker | None = None,
    runner: UnitRunner | None = None,
) -> Built:
    """Build ``root``'s corpus into ``out`` (default ``root/corpus``), replacing it only on success.

    ``jobs`` > 1 makes the rows in that many processes; the files are the same bytes. The
    build holds the repository lock (``RepositoryBusy`` when another build, release or
    validate has it), first finishes what a killed build left (``Built.recovered`` says
    what), and swaps the new folder in so that every crash leaves the old corpus or the new
    one, complete (``core/swap.py``). The default ``corpus/`` must resolve inside ``root``
    (``OutsideRepository``); ``out`` is the caller's explicit choice and may be anywhere.
    ``cache``: reuse and keep the rows of unchanged documents in ``root/.newsclaims-cache``
    (``corpus/cache.py``); the files are the same bytes with it or without. ``make_chunks``
    and ``runner``: the rows made and the inputs checked elsewhere (``newsclaims.engines``).
    """
    target = out or root / "corpus"
    if out is None:
        inside_repository(root, target)
    with swap.exclusive(root, "build"):
        recovered = swap.recover(target)
        problems = check_inputs(root, jobs=jobs, runner=runner).problems
        if problems:
            raise BuildError(problems, recovered)
        row_cache = RowCache.of(root) if cache else None
        work = swap.work_folder(target)
        try:
            written = write_corpus(root, work, jobs, row_cache, make_chunks)
            swap.swap_in(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Built(**vars(written.release), recovered=tuple(recovered), made=written.made)
