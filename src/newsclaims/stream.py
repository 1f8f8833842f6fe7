"""Validating a repository one document at a time, in one process or many.

The unit of work is a document: read its seed (checksum, UTF-8), then check every
annotation file of it, then let both go. Units go in batches of ``BATCH`` whose span
rules are screened together (``screen.clean``); memory stays at the manifest, the
registries and one batch. Units are independent, so they spread over processes; what
needs all documents at once (the same bytes listed twice, NC506) is a merge afterwards.
``batch_checker`` is the same check as a pure function to hand to any other executor.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from newsclaims.documents import Document, decode_text
from newsclaims.models import ManifestEntry
from newsclaims.problems import Problem, problem
from newsclaims.repository import Layout, Repository, display, names_in
from newsclaims.rules import Rec, Registries, check_duplicate_bytes, check_records, check_seed, check_spans
from newsclaims.screen import clean
from newsclaims.shape import Unreadable, parse_record, read_bytes


@dataclass
class SeedTexts(Mapping[str, Document]):
    """doc_id -> Document, reading a seed only when asked and keeping just the latest."""

    entries: dict[str, ManifestEntry]
    seeds: Path
    _last: Document | None = field(default=None, repr=False)

    def keep(self, doc: Document) -> None:
        self._last = doc

    def __getitem__(self, doc_id: str) -> Document:
        if self._last is not None and self._last.doc_id == doc_id:
            return self._last
        entry = self.entries[doc_id]
        try:
            doc = Document(entry, decode_text((self.seeds / entry.file).read_bytes()))
        except (OSError, UnicodeDecodeError) as e:
            raise KeyError(doc_id) from e  # its seed's own problem is reported by its unit
        self._last = doc
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class Unit:
    entry: ManifestEntry | None  # None: annotation files whose name is no document of the manifest
    files: tuple[tuple[str, str], ...]  # (path to read, label in problems)


@dataclass(frozen=True)
class Context:
    registries: Registries
    manifest_label: str
    seeds_label: str
    seeds: str


def check_unit(unit: Unit, ctx: Context) -> tuple[list[Problem], tuple[str, str] | None]:
    """Every problem of one document (its seed and its annotation files); and its (doc_id, sha256)."""
    return check_units([unit], ctx)[0]


def check_units(units: Sequence[Unit], ctx: Context) -> list[tuple[list[Problem], tuple[str, str] | None]]:
    """``check_unit`` over a batch: the span rules of all its documents are screened at once.

    Each file's records are checked as it is read; its spans wait for the batch's
    screen (``screen.clean``), and only a file the screen flags gets the span-by-span
    ``check_spans``. Memory holds the batch, never the corpus.
    """
    results: list[tuple[list[Problem], tuple[str, str] | None]] = []
    waiting: list[tuple[str, Rec, str, list[Problem]]] = []  # label, record, text, where its problems go
    documents = ctx.registries.documents
    for unit in units:
        out: list[Problem] = []
        digest = None
        if unit.entry is not None:
            seed = os.path.join(ctx.seeds, unit.entry.file)
            try:
                found, doc, sha = check_seed(ctx.manifest_label, unit.entry, read_bytes(seed), ctx.seeds_label)
            except Unreadable as e:
                # A missing seed is NC503 of the manifest listing already; anything else is NC100 here.
                label = f"{ctx.seeds_label}/{unit.entry.file}"
                found, doc, sha = (
                    ([] if not os.path.exists(seed) else [problem("NC100", label, "", "", str(e))]),
                    None,
                    None,
                )
            out += found
            if doc is not None and isinstance(documents, SeedTexts):
                documents.keep(doc)
            if sha is not None:
                digest = (unit.entry.doc_id, sha)
        for path, label in unit.files:
            try:
                data = read_bytes(path)
            except Unreadable as e:
                out.append(problem("NC100", label, "", "", str(e)))
                continue
            _check_file(label, data, ctx.registries, out, waiting)
        results.append((out, digest))
    _screen(waiting)
    return results


# An annotation file whose spans wait for the batch's screen: label, record, text, where its problems go.
Waiting = tuple[str, Rec, str, list[Problem]]


def _check_file(label: str, data: bytes, reg: Registries, out: list[Problem], waiting: list[Waiting]) -> None:
    """Shape and record rules of one annotation file into ``out``; its spans join ``waiting``."""
    gold, found = parse_record(label, data, "gold")
    out += found
    if gold is None:
        return
    found, doc = check_records(label, gold, reg)
    out += found
    if doc is not None:
        waiting.append((label, gold, doc.text, out))


def _screen(waiting: list[Waiting]) -> None:
    """The span rules of every waiting file: one screen, then ``check_spans`` where it flags."""
    if not waiting:
        return
    screened = clean([(record, text) for _, record, text, _ in waiting])
    for (label, record, text, out), ok in zip(waiting, screened, strict=True):
        if not ok:
            out += check_spans(label, record, text)


def lazy_registries(repo: Repository) -> Registries:
    """The registries of a repository loaded without its seeds; documents are read when asked."""
    if repo.manifest is None:
        return repo.registries  # documents None: checks that need the text are skipped
    entries: dict[str, ManifestEntry] = {}
    for e in repo.manifest.documents:
        entries.setdefault(e.doc_id, e)  # a doc_id listed twice (NC505): the first entry holds
    return Registries(repo.entities, repo.clusters, SeedTexts(entries, repo.layout.seeds))


BATCH = 64  # documents screened together: enough to amortise numpy's calls, small enough for the cache
Results = list[tuple[list[Problem], tuple[str, str] | None]]
# Set before the pool forks, so that workers inherit them instead of unpickling them.
_CONTEXT: Context | None = None
_UNITS: list[Unit] = []
_CHUNKS: list[tuple[int, int]] = []
_NEXT: Any = None  # a shared multiprocessing.Value: the index of the next chunk to take


def _take_chunks(_: object = None) -> list[tuple[int, Results]]:
    """Check chunks until none is left, taking the next one from the shared counter."""
    assert _CONTEXT is not None and _NEXT is not None
    done: list[tuple[int, Results]] = []
    while True:
        with _NEXT.get_lock():
            index = _NEXT.value
            _NEXT.value = index + 1
        if index >= len(_CHUNKS):
            return done
        lo, hi = _CHUNKS[index]
        done.append((index, _in_batches(_UNITS[lo:hi], _CONTEXT)))


def _in_parallel(units: list[Unit], ctx: Context, jobs: int) -> Results:
    """``_in_batches`` over ``jobs`` processes: this one and ``jobs - 1`` forked workers.

    This process takes chunks too rather than wait: a forked worker first pays for copying
    every page it writes to (a reference count is a write), which at 10^3 documents was half
    of its time, and the parent has nothing to copy. Chunks go to whoever is free next.
    """
    global _CONTEXT, _UNITS, _CHUNKS, _NEXT
    fork = multiprocessing.get_context("fork")
    size = max(1, len(units) // (jobs * 32))
    _CONTEXT, _UNITS, _NEXT = ctx, units, fork.Value("q", 0)
    _CHUNKS = [(i, i + size) for i in range(0, len(units), size)]
    # Lookups built lazily would otherwise be built again in every worker.
    ctx.registries.entity_labels, ctx.registries.cluster_stories  # noqa: B018
    try:
        with fork.Pool(jobs - 1) as pool:
            theirs = pool.map_async(_take_chunks, range(jobs - 1), chunksize=1)
            done = _take_chunks()
            done += [chunk for worker in theirs.get() for chunk in worker]
    finally:
        _CONTEXT, _UNITS, _CHUNKS, _NEXT = None, [], [], None
    return [r for _, results in sorted(done, key=itemgetter(0)) for r in results]


def _in_batches(units: list[Unit], ctx: Context) -> Results:
    return [r for i in range(0, len(units), BATCH) for r in check_units(units[i : i + BATCH], ctx)]


def _labelled(paths: list[Path]) -> list[tuple[str, str]]:
    """(path, label) per file, with ``display`` worked out once per folder rather than per file."""
    folders: dict[Path, str] = {}
    out = []
    for p in paths:
        folder = folders.get(p.parent)
        if folder is None:
            folder = folders[p.parent] = display(p.parent)
        out.append((str(p), _join(folder, p.name)))
    return out


def _join(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"


def _annotation_files(lay: Layout) -> list[tuple[str, str, str]]:
    """(path, label, stem) of every gold and round file; the gold folder is listed as plain
    strings (a Path per file and its label were 5% of the validation time, py-spy at 2·10^4)."""
    gold, label = str(lay.gold), display(lay.gold)
    out = [(os.path.join(gold, n), _join(label, n), n[:-5]) for n in names_in(lay.gold, ".json")]
    rounds = lay.annotator_files()
    return out + [(path, label, p.stem) for p, (path, label) in zip(rounds, _labelled(rounds), strict=True)]


def validate_repository(root: Path, jobs: int = 1) -> list[Problem]:
    """NC1xx-NC5xx over a whole repository, document by document."""
    # Nothing made here holds a cycle, and the collector would rescan every object made so
    # far again and again: the 10^5 manifest entries (a third of loading them) and the
    # registries while the documents are checked.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate_repository(root, jobs)
    finally:
        if collecting:
            gc.enable()


def _validate_repository(root: Path, jobs: int) -> list[Problem]:
    lay = Layout(root)
    repo = Repository.load(root, read_seeds=False)
    out = list(repo.problems)
    if repo.manifest is None:  # no documents to check offsets against: shape and references only
        from newsclaims.validate import check_gold_files

        return out + check_gold_files(lay.gold_files() + lay.annotator_files(), repo.registries)
    registries = lazy_registries(repo)
    entries = registries.documents.entries if isinstance(registries.documents, SeedTexts) else {}
    by_doc: dict[str | None, list[tuple[str, str]]] = {}
    for path, label, stem in _annotation_files(lay):
        by_doc.setdefault(stem if stem in entries else None, []).append((path, label))
    units = [
        Unit(e, tuple(by_doc.get(e.doc_id, ())) if entries[e.doc_id] is e else ()) for e in repo.manifest.documents
    ]
    if None in by_doc:
        units.append(Unit(None, tuple(by_doc[None])))
    ctx = Context(registries, display(lay.manifest), display(lay.seeds), str(lay.seeds))
    results = _in_parallel(units, ctx, jobs) if jobs > 1 and len(units) > 1 else _in_batches(units, ctx)
    hashes = []
    for found, digest in results:
        out += found
        if digest is not None:
            hashes.append(digest)
    return out + check_duplicate_bytes(display(lay.manifest), hashes)


@dataclass
class _TextAtHand(Mapping[str, Document]):
    """doc_id -> Document whose text is the one that came with the record being checked."""

    entries: dict[str, ManifestEntry]
    text: str = ""

    def __getitem__(self, doc_id: str) -> Document:
        return Document(self.entries[doc_id], self.text)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def batch_checker(root: Path) -> Callable[[Mapping[str, Sequence[Any]]], list[list[Problem]]]:
    """A pure check of a batch of records for other executors (``datasets.map(batched=True)``,
    Spark's ``mapInArrow``, Ray Data's ``map_batches``).

    A batch is columns ``{"path": [...], "gold": [...], "text": [...]}``: each annotation
    file's label, its JSON (str or bytes) and its document's text. Returns each record's
    problems. The manifest and registries are read here, once, and travel with the function;
    the span rules of a batch are screened together, as in ``validate``.
    """
    repo = Repository.load(root, read_seeds=False)
    documents = _TextAtHand({e.doc_id: e for e in (repo.manifest.documents if repo.manifest else [])})
    registries = Registries(repo.entities, repo.clusters, documents)

    def check(batch: Mapping[str, Sequence[Any]]) -> list[list[Problem]]:
        results: list[list[Problem]] = []
        waiting: list[Waiting] = []
        for label, raw, text in zip(batch["path"], batch["gold"], batch["text"], strict=True):
            documents.text = text
            out: list[Problem] = []
            _check_file(label, raw.encode() if isinstance(raw, str) else raw, registries, out, waiting)
            results.append(out)
        _screen(waiting)
        return results

    return check


def record_checker(root: Path) -> Callable[[Mapping[str, Any]], list[Problem]]:
    """``batch_checker`` for one record at a time: ``{"path": ..., "gold": ..., "text": ...}``."""
    check = batch_checker(root)
    return lambda record: check({k: [record[k]] for k in ("path", "gold", "text")})[0]
