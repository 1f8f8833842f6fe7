"""``build``: seeds + manifest + gold → ``corpus/``, a Hugging Face style dataset folder.

The build refuses to start on a repository that does not validate, writes
everything into a temporary folder next to ``corpus/`` and swaps it into place
only when complete, so a failed or interrupted build never leaves a half-written
corpus behind (the previous one stays as it was).
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from newsclaims.core import swap
from newsclaims.core.collector import collector_paused
from newsclaims.core.documents import Document, decode_text
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonio import dumps
from newsclaims.core.layout import Layout
from newsclaims.core.models import Entity, GoldFile, ManifestEntry
from newsclaims.core.paths import inside_repository
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.core.problems import Problem
from newsclaims.core.workers import forked_pool, map_in_window
from newsclaims.corpus.cache import RowCache
from newsclaims.corpus.card import LICENSE_FILE, LICENSE_TEXT, dataset_card
from newsclaims.corpus.croissant import croissant_metadata
from newsclaims.corpus.features import CONFIGS, arrow_schema
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
from newsclaims.corpus.reuse import ShardFile, ShardFiles, copy_checked, read_record, shard_digest, write_record
from newsclaims.corpus.shards import REGISTRY_CONFIGS, data_file, ends_shard
from newsclaims.corpus.tables import Links, LinkTotals, Row, Summary, registry_rows, unreferenced
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
    reused: int = 0  # shards whose files were copied from the corpus being replaced


@dataclass(frozen=True)
class Built(Release):
    """A release that was built, what was recovered from a killed build before it (one line each),
    and how many documents' rows were made rather than taken from the cache."""

    recovered: tuple[str, ...] = ()
    made: int = 0
    reused: int = 0


# Every option that changes parquet bytes is fixed here (and pyarrow is pinned).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "version": "2.6", "write_statistics": True}


# What the build writes into corpus/ besides the data files and inputs.json.
METADATA_FILES = ("release.json", "checksums.sha256", "README.md", LICENSE_FILE, "croissant.json")


# Rows per parquet row group, fixed so that the files never depend on how the work was
# chunked or spread over processes (a corpus smaller than this is one group per file).
ROW_GROUP_ROWS = {"documents": 2_000, "tokens": 100_000}
DEFAULT_ROW_GROUP_ROWS = 50_000
CHUNK = 64  # documents per unit of work
REGISTRY_BATCH = 10_000  # registry rows turned into Arrow at a time (the files do not depend on it)


class _ParquetSink:
    """One split of one config: rows in, fixed-size row groups out; the file opens on the first row."""

    def __init__(self, config: str, path: Path) -> None:
        self.schema = arrow_schema(config)
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
class Task:
    """One document of a ``Job``."""

    entry: ManifestEntry
    shard: int  # the number of its shard in its split (corpus/shards.py), given by the driver
    keyed: tuple[str, str] | None = None  # its fingerprint and cache key, when the driver has them
    reused: bool = False  # its shard's files are copied: its links and summary are all it gives


@dataclass(frozen=True)
class Job:
    """A chunk of work for ``rows_of``: ``CHUNK`` documents in doc_id order, the splits of their
    stories, the cache (or None)."""

    root: Path
    tasks: tuple[Task, ...]
    splits: Mapping[str, str]
    cache: RowCache | None


@dataclass
class Chunk:
    """What ``rows_of`` makes of a ``Job``."""

    tables: dict[tuple[str, str, int], pa.Table]  # (config, split, shard) -> rows of the chunk's documents
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


def _gold_bytes(lay: Layout, entry: ManifestEntry) -> bytes | None:
    gold_path = lay.gold / f"{entry.doc_id}.json"
    return read_bytes(gold_path) if gold_path.exists() else None


def _piece_of(lay: Layout, entry: ManifestEntry, split: str, gold_bytes: bytes | None) -> Piece:
    doc = Document(entry, decode_text(read_bytes(lay.seeds / entry.file)))
    gold_path = lay.gold / f"{entry.doc_id}.json"
    gold = parse_model(str(gold_path), gold_bytes, GoldFile)[0] if gold_bytes is not None else None
    return make_piece(doc, gold, split, _entities)


def _keyed(entry: ManifestEntry, split: str, gold: bytes | None, cache: RowCache | None) -> tuple[str, str]:
    """A document's fingerprint and cache key ("" without a cache)."""
    fingerprint = document_fingerprint(entry, split, gold)
    key = cache.key(fingerprint, speaker_records(gold, _entities)) if cache is not None else ""
    return fingerprint, key


def keys_of(job: Job) -> list[tuple[str, str]]:
    """The fingerprint and cache key of each document of a chunk, in order (runs in a worker)."""
    lay = Layout(job.root)
    return [
        _keyed(task.entry, job.splits[task.entry.story_id], _gold_bytes(lay, task.entry), job.cache)
        for task in job.tasks
    ]


def rows_of(job: Job) -> Chunk:
    """The rows of a chunk of documents, from the cache or made from the files (runs in a worker).

    A document of a reused shard gives its links and summary only, from its cache entry's
    header (or, when the cache lost the entry, from its rows made again and left unused)."""
    lay = Layout(job.root)
    tables: dict[tuple[str, str, int], list[pa.Table]] = {}
    links, summary = Links(), Summary()
    fingerprints: dict[str, str] = {}
    keys: list[str] = []
    made = 0
    for task in job.tasks:
        entry = task.entry
        split = job.splits[entry.story_id]
        if task.keyed is None:
            gold = _gold_bytes(lay, entry)
            fingerprint, key = _keyed(entry, split, gold, job.cache)
        else:
            gold = None  # read below if the rows are made
            fingerprint, key = task.keyed
        fingerprints[entry.doc_id] = fingerprint
        if job.cache is not None:
            keys.append(key)
        if task.reused and job.cache is not None:
            known = job.cache.links_of(key)
            if known is not None:
                links.merge(known[0])
                summary.merge(known[1])
                continue
        piece = job.cache.get(key) if job.cache is not None else None
        if piece is None:
            if task.keyed is not None:
                gold = _gold_bytes(lay, entry)
            piece = _piece_of(lay, entry, split, gold)
            made += 1
            if job.cache is not None:
                job.cache.put(key, piece)
        if not task.reused:
            for config, table in piece.tables.items():
                tables.setdefault((config, split, task.shard), []).append(table)
        links.merge(piece.links)
        summary.merge(piece.summary)
    # One contiguous table per config, split and shard: the parent then handles a few large
    # arrays, not a chunk of Arrow buffers per document and config.
    joined = {key: pa.concat_tables(found).combine_chunks() for key, found in tables.items()}
    return Chunk(joined, links, summary, fingerprints, keys, made)


# How the chunks of work become chunks of rows, in their order: here (one process or a pool of
# ``jobs``), or on a distributed engine (``newsclaims.engines``), given the entity registry.
ChunkMaker = Callable[[list[Job], Mapping[str, Entity]], Iterable[Chunk]]

# The configs made document by document, shard by shard (the others are the registries').
DOCUMENT_CONFIGS = tuple(config for config in CONFIGS if config not in REGISTRY_CONFIGS)
_STAGING = ".staging"  # inside the new corpus folder: the shards' files before they are named


def _shards(entries: list[ManifestEntry], splits: Mapping[str, str]) -> list[Task]:
    """Each document with the number of its shard in its split (corpus/shards.py)."""
    next_shard: dict[str, int] = defaultdict(int)
    tasks = []
    for entry in entries:
        split = splits[entry.story_id]
        tasks.append(Task(entry, next_shard[split]))
        if ends_shard(entry.doc_id):
            next_shard[split] += 1
    return tasks


def _staged(folder: Path, config: str, split: str, shard: int) -> Path:
    return folder / _STAGING / config / f"{split}-{shard:08d}.parquet"


def _listed(corpus: Path) -> dict[str, str]:
    """sha256 -> data file of an existing corpus, by its release.json (empty when unreadable)."""
    try:
        release = orjson.loads(read_bytes(corpus / "release.json"))
        return {digest: path for path, digest in release["files"].items() if isinstance(digest, str)}
    except (Unreadable, OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _copy_reusable(
    record: dict[str, ShardFiles], digests: Mapping[tuple[str, int], str], previous: Path, folder: Path
) -> dict[tuple[str, int], ShardFiles]:
    """The shards whose files ``previous`` holds as the record says, copied into ``folder``'s staging."""
    listed = _listed(previous)
    reused = {}
    for (split, shard), digest in digests.items():
        files = record.get(digest)
        if files is None or set(files) != set(DOCUMENT_CONFIGS):
            continue
        copied: list[Path] = []
        for config, found in files.items():
            if found is None:
                continue
            source = listed.get(found.sha256)
            target = _staged(folder, config, split, shard)
            if source is None or not copy_checked(previous / source, target, found.sha256):
                break
            copied.append(target)
        else:
            reused[split, shard] = files
            continue
        for target in copied:
            target.unlink()
    return reused


def _name_files(
    folder: Path, made_files: Mapping[tuple[str, str, int], ShardFile]
) -> tuple[dict[str, str], dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Move every shard's file from the staging folder to its name (corpus/shards.py); the
    files' sha256 by name, and the rows and Arrow sizes of each config's splits.

    `datasets` cannot load a split from a file without rows (not even one with the schema):
    a split (or a config) with nothing in it yet has no file (its sink never opened one), and
    the card says which splits each config has. A shard without rows in a config has no file
    either; the files of a split are numbered without gaps."""
    files: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {config: {} for config in CONFIGS}
    sizes: dict[str, dict[str, int]] = {config: {} for config in CONFIGS}
    numbered: dict[tuple[str, str], int] = defaultdict(int)
    order = list(CONFIGS)
    for config, split, shard in sorted(made_files, key=lambda k: (order.index(k[0]), k[1], k[2])):
        file = made_files[config, split, shard]
        name = data_file(config, split, numbered[config, split])
        numbered[config, split] += 1
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(_staged(folder, config, split, shard), folder / name)
        files[name] = file.sha256
        counts[config][split] = counts[config].get(split, 0) + file.rows
        sizes[config][split] = sizes[config].get(split, 0) + file.num_bytes
    return files, counts, sizes


def write_corpus(
    root: Path,
    folder: Path,
    jobs: int = 1,
    cache: RowCache | None = None,
    make_chunks: ChunkMaker | None = None,
    previous: Path | None = None,
) -> Written:
    """Build into ``folder`` (which must be new) from inputs that validate: data files, checksums,
    release.json, inputs.json, README.md. The caller validates (``build`` does; the corpus check
    runs on clean inputs).

    Documents stream through in doc_id order, ``CHUNK`` at a time (over ``jobs`` processes,
    or by ``make_chunks``); memory holds the rows of a few chunks and the registries, never
    the corpus. With a ``cache``, a document whose fingerprint it holds is not read nor
    tokenised again, and a shard of ``previous`` (the corpus being replaced) that the
    cache's record says was made from the same inputs is copied, not made
    (``corpus/reuse.py``); the files are the same bytes either way.
    """
    # Rows, tables and records: no cycle among them (``tests/test_collector.py``), and the
    # collector would rescan the manifest and the registries at every chunk. Forked workers
    # start paused too.
    with collector_paused():
        return _write_corpus(root, folder, jobs, cache, make_chunks, previous)


def _write_corpus(
    root: Path,
    folder: Path,
    jobs: int,
    cache: RowCache | None,
    make_chunks: ChunkMaker | None,
    previous: Path | None,
) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    repo = Repository.load(root, read_seeds=False)
    assert repo.manifest is not None and repo.entities is not None and repo.clusters is not None
    splits = story_splits(repo)
    entries = sorted(repo.manifest.documents, key=lambda e: e.doc_id)
    tasks = _shards(entries, splits)
    share_entities(repo.entities)

    def jobs_of(tasks: list[Task]) -> list[Job]:
        work = []
        for i in range(0, len(tasks), CHUNK):
            some = tuple(tasks[i : i + CHUNK])
            # Each job carries the splits of its own stories: it is pickled to a worker, and 10^5
            # stories would otherwise travel with every job.
            work.append(Job(root, some, {t.entry.story_id: splits[t.entry.story_id] for t in some}, cache))
        return work

    sinks: dict[tuple[str, str, int], _ParquetSink] = {}
    totals, summary = LinkTotals(), Summary()
    fingerprints: dict[str, str] = {}
    # With the cache: each shard's documents' cache keys, in order (its record, and what the cache keeps).
    shard_keys: dict[tuple[str, int], list[str]] = defaultdict(list)
    made = 0

    def sink(config: str, split: str, shard: int) -> _ParquetSink:
        if (config, split, shard) not in sinks:
            sinks[config, split, shard] = _ParquetSink(config, _staged(folder, config, split, shard))
        return sinks[config, split, shard]

    # Every shard's file, written or copied: (config, split, shard) -> what it holds.
    made_files: dict[tuple[str, str, int], ShardFile] = {}

    def finish(key: tuple[str, str, int]) -> None:
        # Closed and dropped as soon as complete: a writer kept open holds its buffers.
        out = sinks.pop(key)
        out.close()
        if out.rows:
            made_files[key] = ShardFile(sha256_file(out.path), out.rows, arrow_bytes(out.path))

    def add(job: Job, chunk: Chunk) -> None:
        nonlocal made
        # A shard before the chunk's first one of a split has all its rows: its files are complete.
        first: dict[str, int] = {}
        for task in job.tasks:
            first.setdefault(splits[task.entry.story_id], task.shard)
        for key in [key for key in sinks if key[1] in first and key[2] < first[key[1]]]:
            finish(key)
        for (config, split, shard), table in chunk.tables.items():
            sink(config, split, shard).add(table)
        totals.add(chunk.links, {task.entry.doc_id: splits[task.entry.story_id] for task in job.tasks})
        summary.merge(chunk.summary)
        fingerprints.update(chunk.fingerprints)
        made += chunk.made

    reused: dict[tuple[str, int], ShardFiles] = {}
    with ExitStack() as stack:
        pool = None
        if make_chunks is None and jobs > 1 and len(tasks) > CHUNK:
            pool = stack.enter_context(forked_pool(jobs, share_entities, (repo.entities,)))
        record = read_record(cache.shard_record) if cache is not None and previous is not None else {}
        if record and previous is not None:
            # Every document's cache key first: a shard is copied only when all of its match.
            work = jobs_of(tasks)
            by_job = pool.map(keys_of, work) if pool is not None else [keys_of(job) for job in work]
            keyed = [pair for job_keys in by_job for pair in job_keys]
            tasks = [replace(task, keyed=pair) for task, pair in zip(tasks, keyed, strict=True)]
            for task in tasks:
                assert task.keyed is not None
                shard_keys[splits[task.entry.story_id], task.shard].append(task.keyed[1])
            digests = {shard: shard_digest(shard[0], found_keys) for shard, found_keys in shard_keys.items()}
            reused = _copy_reusable(record, digests, previous, folder)
            tasks = [
                replace(task, reused=True) if (splits[task.entry.story_id], task.shard) in reused else task
                for task in tasks
            ]
        work = jobs_of(tasks)
        if make_chunks is not None:
            produced: Iterable[Chunk] = make_chunks(work, repo.entities)
        elif pool is not None:
            # A few chunks ahead of the writing, never the corpus's rows waiting in memory.
            produced = map_in_window(pool, rows_of, work, 2 * jobs)
        else:
            produced = (rows_of(job) for job in work)
        for job, chunk in zip(work, produced, strict=True):
            add(job, chunk)
            if cache is not None and not record:
                for task, key in zip(job.tasks, chunk.keys, strict=True):
                    shard_keys[splits[task.entry.story_id], task.shard].append(key)
    summary.unreferenced_entities, summary.unreferenced_clusters = unreferenced(
        repo.entities, repo.clusters, totals, splits
    )
    for open_key in list(sinks):  # the documents' last shards, before the registry rows are made
        finish(open_key)
    pending: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for config, split, row in registry_rows(repo.entities, repo.clusters, totals, splits):
        rows = pending[config, split]
        rows.append(row)
        if len(rows) == REGISTRY_BATCH:
            sink(config, split, 0).add(pa.Table.from_pylist(rows, schema=arrow_schema(config)))
            rows.clear()
    for (config, split), rows in pending.items():
        if rows:
            sink(config, split, 0).add(pa.Table.from_pylist(rows, schema=arrow_schema(config)))
    for open_key in list(sinks):
        finish(open_key)
    for (split, shard), copied in reused.items():
        for config, file in copied.items():
            if file is not None:
                made_files[config, split, shard] = file
    files, counts, sizes = _name_files(folder, made_files)
    shutil.rmtree(folder / _STAGING, ignore_errors=True)
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
        cache.keep_only({key for found_keys in shard_keys.values() for key in found_keys})
        shards = {
            shard_digest(split, found_keys): {
                config: made_files.get((config, split, shard)) for config in DOCUMENT_CONFIGS
            }
            for (split, shard), found_keys in shard_keys.items()
        }
        write_record(cache.shard_record, shards)
    return Written(release, inputs, made, len(reused))


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
            previous = target if row_cache is not None and target.is_dir() else None
            written = write_corpus(root, work, jobs, row_cache, make_chunks, previous)
            swap.swap_in(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Built(**vars(written.release), recovered=tuple(recovered), made=written.made, reused=written.reused)
