"""``annotations/splits.json``: the split of every story, edited by command, never by hand.

Splits are by story (``story_id`` of the manifest), so that no story straddles two: the
pages of one story share claims, clusters and wording, and a model trained on one page of
a story and tested on another would be tested on what it has seen. ``newsclaims seeds add``
declares a new story's split (``--split``, ``test`` by default); ``newsclaims splits set``
moves a story, ``newsclaims splits remove`` drops a story no page has any more.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonio import model_dumps, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import Manifest, SplitsFile, StorySplit
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.core.vocab import Split
from newsclaims.schema.shape import parse_model

M = TypeVar("M", Manifest, SplitsFile)

DEFAULT_SPLIT = Split.TEST


class SplitError(ValueError):
    """The change was refused; nothing was written."""


def _read(path: Path, model: type[M]) -> M:
    """``path`` read as ``model``; else SplitError saying why (unreadable, or its problems)."""
    try:
        data = read_bytes(path)
    except Unreadable as e:
        raise SplitError(str(e)) from e
    parsed, problems = parse_model(str(path), data, model)
    if parsed is None:
        raise SplitError(f"{path} is not valid; fix it first: " + "; ".join(map(str, problems)))
    return parsed


def read_splits(layout: Layout) -> SplitsFile:
    """The split file, or an empty one when the repository has none yet."""
    if not layout.splits.exists():
        return SplitsFile(schema_version=SCHEMA_VERSION, splits=[])
    return _read(layout.splits, SplitsFile)


def split_of(layout: Layout, story_id: str) -> Split | None:
    found = [s.split for s in read_splits(layout).splits if s.story_id == story_id]
    return found[0] if found else None


def split_for_new_page(layout: Layout, story_id: str, split: str | None) -> tuple[Split | None, Split | None]:
    """(the story's declared split, the one asked for) for a page about to be added; SplitError
    when the story is declared in another split than the one asked for (a story is in one)."""
    declared = split_of(layout, story_id)
    wanted = parse_split(split) if split is not None else None
    if wanted is not None and declared is not None and wanted != declared:
        raise SplitError(
            f"story {story_id!r} is in the {declared.value} split, not {wanted.value}: a story is in one split; "
            f"move all its pages with `newsclaims splits set {story_id} {wanted.value}`"
        )
    return declared, wanted


def _write(root: Path, layout: Layout, splits: dict[str, Split]) -> None:
    records = [StorySplit(story_id=story, split=splits[story]) for story in sorted(splits)]
    write_text_atomic(layout.splits, model_dumps(SplitsFile(schema_version=SCHEMA_VERSION, splits=records)), root=root)


def parse_split(value: str) -> Split:
    try:
        return Split.of(value)
    except ValueError as e:
        raise SplitError(str(e)) from e


@dataclass(frozen=True)
class SplitChange:
    """What ``set_split`` did: the split the story was in (None: none), and whether the file changed."""

    before: Split | None
    changed: bool


def pages_of(layout: Layout) -> dict[str, list[str]]:
    """story_id -> doc_ids of its pages in the manifest (none when there is no manifest yet)."""
    if not layout.manifest.exists():
        return {}
    manifest = _read(layout.manifest, Manifest)
    out: dict[str, list[str]] = {}
    for entry in sorted(manifest.documents, key=lambda e: e.doc_id):
        out.setdefault(entry.story_id, []).append(entry.doc_id)
    return out


def _unknown_story(story_id: str, stories: list[str], where: str) -> SplitError:
    close = difflib.get_close_matches(story_id, stories, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return SplitError(
        f"story {story_id!r} has no page in {where}{hint}; a new story gets its split when its first page is "
        "added: `newsclaims seeds add PAGE --story STORY --split SPLIT`"
    )


def set_split(root: Path, story_id: str, split: str) -> SplitChange:
    """Put every page of ``story_id`` in ``split``.

    The story must have a page in the manifest (a typo would otherwise declare a story that
    validate then rejects, NC513); ``seeds add`` declares a new story's split after it has
    written its first page. A story listed twice (NC511) ends up listed once. Nothing is
    written when the file would not change.
    """
    layout = Layout(root)
    new = parse_split(split)
    checked, problems = parse_model("splits", _one(story_id, new), StorySplit)
    if checked is None:
        raise SplitError(f"invalid story id {story_id!r}: " + "; ".join(p.message for p in problems))
    current = read_splits(layout).splits
    stories = pages_of(layout)
    if story_id not in stories:
        raise _unknown_story(story_id, sorted(stories), layout.manifest.relative_to(root).as_posix())
    before = next((s.split for s in current if s.story_id == story_id), None)
    splits = {s.story_id: s.split for s in reversed(current)}
    splits[story_id] = new
    if [(s, splits[s]) for s in sorted(splits)] == [(s.story_id, s.split) for s in current]:
        return SplitChange(before, changed=False)
    _write(root, layout, splits)
    return SplitChange(before, changed=True)


def remove_split(root: Path, story_id: str) -> Split:
    """Drop ``story_id`` from the split file: only a story no page has any more (NC513).

    A story that still has pages keeps its split (NC512 otherwise): the refusal names them.
    """
    layout = Layout(root)
    current = read_splits(layout).splits
    splits = {s.story_id: s.split for s in reversed(current)}
    if story_id not in splits:
        raise SplitError(f"story {story_id!r} is not in {layout.splits.relative_to(root).as_posix()}")
    pages = pages_of(layout).get(story_id, [])
    if pages:
        raise SplitError(
            f"story {story_id!r} still has {len(pages)} page(s) in {layout.manifest.relative_to(root).as_posix()}: "
            f"{', '.join(pages)}; every page needs its story's split (move the story with "
            f"`newsclaims splits set {story_id} SPLIT`)"
        )
    before = splits.pop(story_id)
    _write(root, layout, splits)
    return before


def _one(story_id: str, split: Split) -> bytes:
    return json.dumps({"story_id": story_id, "split": split.value}).encode()
