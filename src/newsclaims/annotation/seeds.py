"""Adding a page to ``seeds/``: copied verbatim, with its manifest entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

from newsclaims.annotation.splits import DEFAULT_SPLIT, SplitError, set_split, split_for_new_page
from newsclaims.core.documents import decode_text, sha256_hex
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonio import model_dumps, write_bytes_atomic, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import Manifest, ManifestEntry
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.schema.shape import parse_model


class SeedError(ValueError):
    """The page was refused; nothing was changed."""


def new_doc_id(manifest: Manifest, data: bytes) -> str:
    """``NNN_<16 hex of the bytes' sha256>``: ordered by arrival, identified by content."""
    taken = [int(m.group(1)) for e in manifest.documents if (m := re.match(r"^(\d+)_", e.doc_id))]
    return f"{max(taken, default=-1) + 1:03d}_{sha256_hex(data)[:16]}"


def read_manifest(layout: Layout) -> Manifest:
    if not layout.manifest.exists():
        return Manifest(schema_version=SCHEMA_VERSION, documents=[])
    manifest, problems = parse_model(str(layout.manifest), read_bytes(layout.manifest), Manifest)
    if manifest is None:
        raise SeedError("the manifest is not valid; run `newsclaims validate` first:\n" + "\n".join(map(str, problems)))
    return manifest


def add_seed(
    root: Path,
    page: Path,
    *,
    outlet: str | None,
    title: str,
    published: str | None,
    story_id: str,
    url: str | None = None,
    language: str = "en",
    notes: str | None = None,
    split: str | None = None,
) -> ManifestEntry:
    """Copy ``page`` into ``seeds/`` byte for byte and add its manifest entry.

    Raises ``SeedError`` (and changes nothing) for a page that is empty, not
    UTF-8, or already present with the same bytes, and for invalid metadata.
    A new story is declared in ``annotations/splits.json`` with ``split`` (default ``test``);
    a story already declared keeps its split, and another ``split`` is refused (the whole
    story moves with ``newsclaims splits set``).
    """
    layout = Layout(root)
    try:
        data = read_bytes(page)
    except Unreadable as e:
        raise SeedError(f"{page}: {e}") from e
    if not data.strip():
        raise SeedError(f"{page}: the page is empty")
    try:
        decode_text(data)
    except UnicodeDecodeError as e:
        raise SeedError(f"{page}: not UTF-8 (byte {e.start}); convert the page to UTF-8 first") from e
    manifest = read_manifest(layout)
    digest = sha256_hex(data)
    for known in manifest.documents:
        if known.sha256 == digest:
            raise SeedError(f"{page}: the same bytes are already in seeds/ as {known.file} (doc_id {known.doc_id})")
    doc_id = new_doc_id(manifest, data)
    fields = {
        "doc_id": doc_id,
        "file": f"{doc_id}.txt",
        "sha256": digest,
        "story_id": story_id,
        "outlet": outlet,
        "title": title,
        "published": published,
        "url": url,
        "language": language,
        "notes": notes if notes is not None else f"added with `newsclaims seeds add` from {page.name}",
    }
    # Validate through JSON, exactly as the manifest file will be read back.
    entry, problems = parse_model("metadata", json.dumps(fields).encode(), ManifestEntry)
    if entry is None:
        raise SeedError(
            "invalid page metadata:\n" + "\n".join(f"  --{p.field.replace('_id', '')}: {p.message}" for p in problems)
        )
    try:
        declared, wanted = split_for_new_page(layout, entry.story_id, split)
    except SplitError as e:
        raise SeedError(str(e)) from e
    target = layout.seeds / entry.file
    if target.exists():
        raise SeedError(f"{target} already exists")
    documents = sorted([*manifest.documents, entry], key=lambda e: e.doc_id)
    updated = Manifest(schema_version=SCHEMA_VERSION, documents=documents)
    write_bytes_atomic(target, data, root=root)  # a full disk leaves no half page behind
    try:
        write_text_atomic(layout.manifest, model_dumps(updated), root=root)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if declared is None:
        set_split(root, entry.story_id, (wanted or DEFAULT_SPLIT).value)
    return entry
