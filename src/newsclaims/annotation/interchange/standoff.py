"""The brat standoff format itself: ``.ann`` lines parsed and written, and brat's offsets.

What brat counts (checked in brat's own server, ``server/src/annotation.py``): the text is
read with ``codecs.open(name, 'rU', encoding='utf8')``, which opens the file in binary mode,
so line ends are *not* translated, and offsets index the Python 2 ``unicode`` string. That is
code points on a wide Python 2 build (Linux distributions) and UTF-16 units on a narrow one
(the default of macOS and Windows builds), so an astral character counts 1 or 2. A
discontinuous span's text is its pieces joined by one space. newsclaims offsets are code
points of the text with line ends normalised to ``\\n`` (``core.documents.decode_text``):
``Offsets`` converts both ways.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from newsclaims.annotation.interchange.problems import Issue

Piece = tuple[int, int]
_ID = re.compile(r"^([A-Za-z]+|#[A-Za-z]*)([0-9]+)(.*)$")
_OFFSETS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class TextBound:
    id: str
    type: str
    pieces: tuple[Piece, ...]  # brat offsets, as in the file
    text: str | None
    line: int


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    trigger: str
    args: tuple[tuple[str, str], ...]  # (role as written, e.g. Content2; id)
    line: int


@dataclass(frozen=True)
class Relation:
    id: str
    type: str
    arg1: str
    arg2: str
    line: int


@dataclass(frozen=True)
class Attribute:
    id: str
    type: str
    target: str
    value: str | None  # None for a binary attribute
    line: int


@dataclass(frozen=True)
class Note:
    id: str
    type: str
    target: str
    text: str
    line: int


@dataclass(frozen=True)
class Normalization:
    id: str
    type: str
    target: str
    db: str
    ref: str
    line: int


@dataclass
class AnnFile:
    """One ``.ann`` file, parsed; lines that could not be read are issues, the rest is kept."""

    textbounds: list[TextBound] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    normalizations: list[Normalization] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def ids(self) -> set[str]:
        return {
            a.id
            for group in (self.textbounds, self.events, self.relations, self.attributes, self.normalizations)
            for a in group
        }


def split_role(role: str) -> tuple[str, int]:
    """``Content2`` -> (``Content``, 2); ``Content`` -> (``Content``, 1), as brat numbers roles."""
    m = re.match(r"^(.*?[^0-9])([0-9]*)$", role)
    if m is None:
        return role, 1
    return m.group(1), int(m.group(2)) if m.group(2) else 1


def _malformed(file: str, line: int, what: str) -> Issue:
    return Issue(file, line, "NC801", what)


def parse_ann(content: str, file: str) -> AnnFile:
    """Every line of an ``.ann`` file; a malformed line is an NC801 issue and the rest is read."""
    out = AnnFile()
    seen: dict[str, int] = {}
    for number, raw in enumerate(content.split("\n"), 1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        ident, tab, rest = line.partition("\t")
        if not tab:
            out.issues.append(_malformed(file, number, "expected ID<TAB>annotation"))
            continue
        if ident == "*":
            out.issues.append(Issue(file, number, "NC805", "an equivalence (*) line: newsclaims has no equivalences"))
            continue
        if not _ID.match(ident):
            out.issues.append(_malformed(file, number, f"{ident!r} is not a brat id (a letter, then digits)"))
            continue
        if ident in seen:
            first = seen[ident]
            out.issues.append(Issue(file, number, "NC804", f"id {ident} is defined twice (first on line {first})"))
            continue
        seen[ident] = number
        kind = ident[0]
        try:
            _parse_line(out, kind, ident, rest, number, file)
        except ValueError as e:
            out.issues.append(_malformed(file, number, str(e)))
    return out


def _parse_line(out: AnnFile, kind: str, ident: str, rest: str, number: int, file: str) -> None:
    if kind == "T":
        head, tab, text = rest.partition("\t")
        type_, _, offsets = head.partition(" ")
        if not type_ or not _OFFSETS.match(offsets):
            raise ValueError("expected T<n><TAB>TYPE START END[;START END...]<TAB>TEXT")
        pieces = tuple((int(a), int(b)) for a, b in (p.split(" ") for p in offsets.split(";")))
        out.textbounds.append(TextBound(ident, type_, pieces, text if tab else None, number))
    elif kind == "E":
        parts = rest.split()
        if not parts or parts[0].count(":") != 1:
            raise ValueError("expected E<n><TAB>TYPE:TRIGGER [ROLE:ID ...]")
        type_, trigger = parts[0].split(":")
        args = []
        for part in parts[1:]:
            role, colon, target = part.partition(":")
            if not colon or not role or not target:
                raise ValueError(f"argument {part!r}: expected ROLE:ID")
            args.append((role, target))
        if not type_ or not trigger:
            raise ValueError("expected E<n><TAB>TYPE:TRIGGER [ROLE:ID ...]")
        out.events.append(Event(ident, type_, trigger, tuple(args), number))
    elif kind == "R":
        parts = rest.split()
        if len(parts) != 3 or not all(p.count(":") == 1 for p in parts[1:]):
            raise ValueError("expected R<n><TAB>TYPE Arg1:ID Arg2:ID")
        out.relations.append(Relation(ident, parts[0], parts[1].split(":")[1], parts[2].split(":")[1], number))
    elif kind in "AM":
        parts = rest.split()
        if len(parts) not in (2, 3):
            raise ValueError(f"expected {kind}<n><TAB>TYPE TARGET [VALUE]")
        out.attributes.append(Attribute(ident, parts[0], parts[1], parts[2] if len(parts) == 3 else None, number))
    elif kind == "N":
        head, _, _text = rest.partition("\t")
        parts = head.split()
        if len(parts) != 3 or parts[2].count(":") < 1:
            raise ValueError("expected N<n><TAB>TYPE TARGET DB:ID")
        db, _, ref = parts[2].partition(":")
        out.normalizations.append(Normalization(ident, parts[0], parts[1], db, ref, number))
    elif kind == "#":
        head, _, text = rest.partition("\t")
        parts = head.split()
        if len(parts) != 2:
            raise ValueError("expected #<n><TAB>TYPE TARGET<TAB>TEXT")
        out.notes.append(Note(ident, parts[0], parts[1], text, number))
    else:
        raise ValueError(f"unknown id prefix {kind!r} (brat knows T, E, R, A, M, N, #)")


class Offsets:
    """brat offsets of a raw text (as the ``.txt`` file decodes) <-> newsclaims offsets."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        # Raw positions of the '\r' of every "\r\n": each makes the normalised text one shorter.
        self._crlf = [m.start() for m in re.finditer("\r\n", raw)]
        # The same pairs, as positions in the normalised text.
        self._crlf_norm = [p - i for i, p in enumerate(self._crlf)]
        self._astral = [m.start() for m in _ASTRAL.finditer(raw)]
        # UTF-16 position of each astral character: one unit more per astral character before it.
        self._astral_units = [p + i for i, p in enumerate(self._astral)]

    @property
    def has_astral(self) -> bool:
        return bool(self._astral)

    def to_norm(self, raw_offset: int) -> int | None:
        """The normalised offset of a raw code point offset; None inside a "\\r\\n"."""
        if raw_offset < 0 or raw_offset > len(self.raw):
            return None
        i = bisect.bisect_left(self._crlf, raw_offset)
        if i > 0 and self._crlf[i - 1] == raw_offset - 1:
            return None  # between the \r and the \n
        return raw_offset - i

    def to_raw(self, norm_offset: int) -> int:
        """The raw code point offset of a normalised offset (a "\\r\\n" counts 2 before it)."""
        return norm_offset + bisect.bisect_left(self._crlf_norm, norm_offset)

    def utf16_to_codepoints(self, units: int) -> int | None:
        """A UTF-16 offset as code points; None when it falls inside a surrogate pair."""
        i = bisect.bisect_left(self._astral_units, units)
        if i > 0 and self._astral_units[i - 1] == units - 1:
            return None
        return units - i

    def raw_slice(self, pieces: tuple[Piece, ...]) -> str:
        """The text brat shows for ``pieces``: the slices joined by one space."""
        return " ".join(self.raw[s:e] for s, e in pieces)


def format_textbound(ident: str, type_: str, pieces: list[Piece], text: str) -> str:
    offsets = ";".join(f"{s} {e}" for s, e in pieces)
    return f"{ident}\t{type_} {offsets}\t{text}"
