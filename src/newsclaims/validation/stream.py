"""Validating a repository one document at a time, in one process or many.

The unit of work is a document: read its seed (checksum, UTF-8), then check every
annotation file of it, then let both go; a file the screen passes (``screen.passes``)
skips the rules. Memory stays at the manifest, the registries and one document.
Units are independent, so they spread over processes; what
needs all documents at once (the same bytes listed twice, NC506) is a merge afterwards.
``batch_checker`` is the same check as a pure function to hand to any other executor.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from newsclaims.core.collector import collector_paused
from newsclaims.core.documents import Document, Listing, decode_text
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.layout import Layout, display, names_in
from newsclaims.core.problems import Problem, problem
from newsclaims.core.workers import forked_pool
from newsclaims.schema.shape import parse_record
from newsclaims.validation.folders import layout_problems
from newsclaims.validation.index import Index, Listed
from newsclaims.validation.rules import (
    Registries,
    check_duplicate_bytes,
    check_gold,
    check_records,
    check_seed,
    check_spans,
)
from newsclaims.validation.screen import passes


@dataclass
class SeedTexts(Mapping[str, Document[Listing]]):
    """doc_id -> Document, reading a seed only when asked and keeping just the latest."""

    entries: dict[str, Listed]
    seeds: Path
    _last: Document[Listing] | None = field(default=None, repr=False)

    def keep(self, doc: Document[Listing]) -> None:
        self._last = doc

    def __getitem__(self, doc_id: str) -> Document[Listing]:
        if self._last is not None and self._last.doc_id == doc_id:
            return self._last
        entry = self.entries[doc_id]
        try:
            doc = Document(entry, decode_text(read_bytes(self.seeds / entry.file)))
        except (Unreadable, UnicodeDecodeError) as e:
            raise KeyError(doc_id) from e  # its seed's own problem is reported by its unit
        self._last = doc
        return doc

    def get(self, doc_id: str, default: Any = None) -> Any:
        """``self[doc_id]``, else ``default``: the screen asks for the document just read once per
        annotation file, which ``Mapping.get`` would answer through ``__getitem__`` and a ``try``."""
        last = self._last
        if last is not None and last.entry.doc_id == doc_id:
            return last
        try:
            return self[doc_id]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class Unit(NamedTuple):
    """A document and its annotation files. 10^5 of these live for the whole run, so a gold
    file is a flag (its name is the doc_id's) and any other file is its folder's number in
    ``Context.folders`` and its name, not two paths."""

    entry: Listed | None  # None: annotation files whose name is no document of the manifest
    gold: bool = False  # annotations/gold/<doc_id>.json is there
    files: tuple[tuple[int, str], ...] = ()  # round files, and gold files of no document


@dataclass(frozen=True)
class Context:
    registries: Registries
    manifest_label: str
    seeds_label: str
    seeds: str
    folders: tuple[tuple[str, str], ...] = ()  # (path, label) of each folder of annotation files


@dataclass
class Checked:
    """What checking some units found: their problems, and each seed whose bytes do not hash to
    what the manifest says (by the unit's number; None: not read). NC506 needs every seed's hash
    at the end, and keeping just the exceptions keeps 10^5 strings out of memory."""

    problems: list[Problem] = field(default_factory=list)
    odd_hashes: dict[int, str | None] = field(default_factory=dict)

    def add(self, other: Checked) -> None:
        self.problems += other.problems
        self.odd_hashes.update(other.odd_hashes)


def check_units(units: Sequence[Unit], ctx: Context, first: int = 0) -> Checked:
    """Every problem of some documents (seeds and annotation files; ``first``: the number of the
    first unit). Each document is let go before the next is read."""
    checked = Checked()
    documents = ctx.registries.documents
    for number, unit in enumerate(units, first):
        out = checked.problems
        if unit.entry is not None:
            seed = f"{ctx.seeds}/{unit.entry.file}"  # a plain name (the manifest's pattern): no os.path.join
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
            if sha != unit.entry.sha256:
                checked.odd_hashes[number] = sha
        gold = ((0, f"{unit.entry.doc_id}.json"),) if unit.gold and unit.entry is not None else ()
        for folder, name in (*gold, *unit.files):
            path, label = f"{ctx.folders[folder][0]}/{name}", _join(ctx.folders[folder][1], name)
            try:
                data = read_bytes(path)
            except Unreadable as e:
                out.append(problem("NC100", label, "", "", str(e)))
                continue
            out += check_file(label, data, ctx.registries)
    return checked


def check_file(label: str, data: bytes, reg: Registries) -> list[Problem]:
    """Every problem of one annotation file's bytes: shape, then (unless the screen passes
    the file) the record rules, then the span rules against its document's text."""
    gold, found = parse_record(label, data, "gold")
    if gold is None or passes(label, gold, reg):
        return found
    more, doc = check_records(label, gold, reg)
    found += more
    if doc is not None:
        found += check_spans(label, gold, doc.text)
    return found


def lazy_registries(index: Index) -> Registries:
    """The registries of an index; a document's seed is read when the document is asked for."""
    if index.entries is None:
        return index.registries(None)  # no documents: checks that need the text are skipped
    entries = index.by_doc_id()
    return index.registries(SeedTexts(entries, index.layout.seeds), entries)


# What every worker of ``_in_parallel`` checks, set in each worker by ``_share`` when it starts
# (inherited through the fork, not pickled): the units and their context.
_shared: tuple[Sequence[Unit], Context] | None = None


def _share(units: Sequence[Unit], ctx: Context) -> None:
    global _shared
    _shared = (units, ctx)


def _check_chunk(bounds: tuple[int, int]) -> Checked:
    assert _shared is not None, "runs in a worker started by _in_parallel"
    units, ctx = _shared
    lo, hi = bounds
    return check_units(units[lo:hi], ctx, lo)


def _in_parallel(units: list[Unit], ctx: Context, jobs: int, meanwhile: Callable[[], list[Problem]]) -> Checked:
    """``check_units`` over ``jobs`` worker processes; ``meanwhile``'s problems first, which
    this process finds while the workers check. Chunks go to whichever worker is free next,
    and their problems come back in the order of the units."""
    size = max(1, len(units) // (jobs * 32))
    chunks = [(i, min(i + size, len(units))) for i in range(0, len(units), size)]
    with forked_pool(jobs, _share, (units, ctx)) as pool:
        done = pool.map(_check_chunk, chunks)
        checked = Checked(meanwhile())
        for chunk in done:
            checked.add(chunk)
    return checked


def _join(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"


def _units(lay: Layout, entries: list[Listed], first: dict[str, Listed]) -> tuple[list[Unit], list[tuple[str, str]]]:
    """A unit per manifest entry (in its order), then one of the annotation files of no document;
    and the folders of annotation files as (path, label). ``first``: the entry a doc_id listed
    twice (NC505) holds, the one that gets its files."""
    # The gold folder is listed as plain strings: a Path per file and its label would be made
    # for every file of the corpus, and the units need neither.
    gold = {n[:-5] for n in names_in(lay.gold, ".json")}
    folders = [(str(lay.gold), display(lay.gold))]
    others: dict[str | None, list[tuple[int, str]]] = {}
    for stem in sorted(gold - first.keys()):
        others.setdefault(None, []).append((0, f"{stem}.json"))
    numbers: dict[Path, int] = {}
    for p in lay.annotator_files():
        if p.parent not in numbers:
            numbers[p.parent] = len(folders)
            folders.append((str(p.parent), display(p.parent)))
        others.setdefault(p.stem if p.stem in first else None, []).append((numbers[p.parent], p.name))
    units = [
        Unit(e, e.doc_id in gold, tuple(others.get(e.doc_id, ()))) if first[e.doc_id] is e else Unit(e) for e in entries
    ]
    if None in others:
        units.append(Unit(None, False, tuple(others[None])))
    return units, folders


# Another executor of ``check_units`` (``newsclaims.engines``): given every unit, their context
# and what this process finds meanwhile (``Index.listing_problems``), what checking them all finds,
# ``meanwhile``'s problems included, as ``_in_parallel`` gives it.
UnitRunner = Callable[[list[Unit], Context, Callable[[], list[Problem]]], Checked]


def validate_repository(root: Path, jobs: int = 1, runner: UnitRunner | None = None) -> list[Problem]:
    """NC1xx-NC5xx over a whole repository, document by document (by ``runner`` when given)."""
    # Nothing made here holds a cycle, and the collector would rescan every object made so
    # far again and again: the 10^5 manifest entries while they load, and the registries
    # while the documents are checked.
    with collector_paused():
        return _validate_repository(root, jobs, runner)


def _validate_repository(root: Path, jobs: int, runner: UnitRunner | None) -> list[Problem]:
    lay = Layout(root)
    index = Index.load(root)
    out = index.problems + layout_problems(root)
    registries = lazy_registries(index)
    if index.entries is None:  # no documents to check offsets against: shape and references only
        return out + check_gold_files(lay.gold_files() + lay.annotator_files(), registries)
    assert isinstance(registries.documents, SeedTexts)  # what lazy_registries gives with entries
    units, folders = _units(lay, index.entries, registries.documents.entries)
    ctx = Context(registries, display(lay.manifest), display(lay.seeds), str(lay.seeds), tuple(folders))
    if runner is not None:
        checked = runner(units, ctx, index.listing_problems)
    elif jobs > 1 and len(units) > 1:
        checked = _in_parallel(units, ctx, jobs, index.listing_problems)
    else:
        checked = Checked(index.listing_problems())
        checked.add(check_units(units, ctx))
    hashes = _seed_hashes(units, checked.odd_hashes)
    return out + checked.problems + check_duplicate_bytes(display(lay.manifest), hashes)


def _seed_hashes(units: list[Unit], odd: dict[int, str | None]) -> Iterator[tuple[str, str]]:
    """(doc_id, sha256 of its seed's bytes) of every seed that was read, in manifest order."""
    for number, unit in enumerate(units):
        if unit.entry is not None and (digest := odd.get(number, unit.entry.sha256)) is not None:
            yield unit.entry.doc_id, digest


@dataclass
class _TextAtHand(Mapping[str, Document[Listing]]):
    """doc_id -> Document whose text is the one that came with the record being checked."""

    entries: dict[str, Listed]
    text: str = ""

    def __getitem__(self, doc_id: str) -> Document[Listing]:
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
    problems. The manifest and registries are read here, once, and travel with the function.
    """
    index = Index.load(root)
    documents = _TextAtHand(index.by_doc_id())
    registries = index.registries(documents)

    def check(batch: Mapping[str, Sequence[Any]]) -> list[list[Problem]]:
        results: list[list[Problem]] = []
        for label, raw, text in zip(batch["path"], batch["gold"], batch["text"], strict=True):
            documents.text = text
            results.append(check_file(label, raw.encode() if isinstance(raw, str) else raw, registries))
        return results

    return check


def record_checker(root: Path) -> Callable[[Mapping[str, Any]], list[Problem]]:
    """``batch_checker`` for one record at a time: ``{"path": ..., "gold": ..., "text": ...}``."""
    check = batch_checker(root)
    return lambda record: check({k: [record[k]] for k in ("path", "gold", "text")})[0]


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
