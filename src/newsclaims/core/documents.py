"""Seed pages as documents: the offsets convention lives here.

A document's text is the seed file's bytes decoded as UTF-8 with line ends
normalised to ``\\n`` and nothing else changed. Offsets are code points into that
text, end-exclusive. Every span in every file points into exactly this string.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


def decode_text(data: bytes) -> str:
    """Apply the offsets convention to a seed file's bytes (raises UnicodeDecodeError)."""
    text = data.decode("utf-8")
    # Most pages have no CR: one search of the bytes instead of two searches of the text.
    return text if b"\r" not in data else text.replace("\r\n", "\n").replace("\r", "\n")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """The hash an annotation file pins: of the normalised text, not of the file bytes."""
    return sha256_hex(text.encode("utf-8"))


class Listing(Protocol):
    """What the rules read of a manifest entry: a ``ManifestEntry``, or validation's ``Listed``."""

    @property
    def doc_id(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def story_id(self) -> str: ...


E = TypeVar("E", bound=Listing, covariant=True)


@dataclass(frozen=True)
class Document(Generic[E]):
    """A seed page with its manifest entry (``ManifestEntry`` when loaded whole) and its normalised text."""

    entry: E
    text: str
    # The hash of ``text``'s UTF-8 when already known (a seed without CR: its file's hash).
    known_sha256: str | None = field(default=None, compare=False, repr=False)

    @property
    def doc_id(self) -> str:
        return self.entry.doc_id

    @property
    def text_sha256(self) -> str:
        # Not a cached_property: on Python 3.11 it takes a lock on every read, and this is read
        # for every annotation file, for a hash most seeds come with.
        known = self.known_sha256
        if known is None:
            known = text_sha256(self.text)
            object.__setattr__(self, "known_sha256", known)  # a cache: the text is frozen too
        return known
