"""The JSON reader policy: every JSON input of newsclaims is read through this module.

How to read a JSON file (a command, a round step, an importer)::

    from newsclaims.core.files import Unreadable
    from newsclaims.core.jsonread import DuplicateKeys, read_json

    try:
        value = read_json(path)        # or loads(data) for bytes already read (no path then)
    except DuplicateKeys as e:         # optional: a subclass of Unreadable, with e.found located
        ...
    except Unreadable as e:            # str(e): "PATH: why", one line to print as is
        ...

``core.files.read_bytes`` / ``read_text`` apply the same file rules to a file that is not JSON
(a seed page, a config, the changelog).

What the policy refuses, each with ``Unreadable`` (validate reports NC100, or NC107 for a
duplicate key):

- anything but a regular file (a FIFO, a socket, a device, a symlink to one), refused at
  open without blocking, and a file over ``files.MAX_FILE_BYTES`` (``core.files``);
- bytes that are not JSON (orjson decides: strict RFC 8259, UTF-8, no NaN);
- nesting deeper than ``MAX_DEPTH`` levels of arrays and objects, refused before any parser
  sees the bytes (a parser's memory or stack grows with the depth);
- a lone surrogate escape (``"\\ud800"``): not Unicode text, and it breaks every later encode;
- a key written twice in one object (``DuplicateKeys``): parsers silently keep the last value.

The cost on validate's path, besides orjson's parse, is a walk of the parsed tree in C and a
``bytes.count`` (``loads`` says why that is enough); a file with colons in its strings is
scanned once more in C (``_jsonscan.scan``), and only a file whose counts disagree is parsed
again, in Python, to locate its duplicate keys. Without the compiled module the same checks
run in Python (``_scan_py``, ``_shape_py``), with the same answers (tested), more slowly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from newsclaims.core.files import MAX_FILE_BYTES, Unreadable, read_bytes
from newsclaims.core.layout import display

# The deepest nesting of arrays and objects read. newsclaims' own files nest at most 6 levels
# and a Label Studio export about 8; orjson stops at 1024 and the stdlib parser at the stack.
MAX_DEPTH = 100


class Scan(NamedTuple):
    """What one pass over raw bytes found (see ``_jsonscan.c``)."""

    members: int  # colons outside strings: object members as written, duplicates included
    deepest: int  # the deepest nesting of [ and {
    too_deep_at: int  # byte offset of the first [ or { deeper than the limit, or -1
    surrogate_at: int  # byte offset of the first lone surrogate escape, or -1


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one object: ``path`` leads from the top to the key (the last part)."""

    path: tuple[str | int, ...]

    @property
    def key(self) -> str:
        return str(self.path[-1])

    def __str__(self) -> str:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path[:-1]).lstrip(".")
        return f"key {self.key!r} appears twice in one object" + (f" (in {where})" if where else "")


class DuplicateKeys(Unreadable):
    """Some object has a key twice; ``found`` lists each, in file order."""

    def __init__(self, found: tuple[DuplicateKey, ...], label: str = "") -> None:
        self.found = found
        said = "; ".join(map(str, found)) + ": a reader would keep only the last value, so the file is refused"
        super().__init__(f"{label}: {said}" if label else said)


def _scan_py(data: bytes, limit: int) -> Scan:
    """``_jsonscan.scan`` in Python, used without the compiled module; the same answers."""
    members = depth = deepest = 0
    too_deep = lone = -1
    n = len(data)
    i = 0
    while True:
        m = _OUTSIDE.search(data, i)
        if m is None:
            break
        i = m.end()
        c = data[m.start()]
        if c == 0x22:  # '"': a string, to its closing quote
            while True:
                q = _INSIDE.search(data, i)
                if q is None:
                    i = n
                    break
                j = q.start()
                if data[j] == 0x22:
                    i = j + 1
                    break
                v = _escape_at(data, j)
                if v < 0:
                    i = j + 2
                    continue
                if 0xD800 <= v <= 0xDBFF:
                    if 0xDC00 <= _escape_at(data, j + 6) <= 0xDFFF:
                        i = j + 12
                        continue
                    lone = j if lone < 0 else lone
                elif 0xDC00 <= v <= 0xDFFF:
                    lone = j if lone < 0 else lone
                i = j + 6
        elif c == 0x3A:  # ':'
            members += 1
        elif c in (0x5B, 0x7B):  # '[' '{'
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit and too_deep < 0:
                too_deep = m.start()
        elif depth > 0:  # ']' '}'
            depth -= 1
    return Scan(members, deepest, too_deep, lone)


_OUTSIDE = re.compile(rb'["\[\]{}:]')
_INSIDE = re.compile(rb'["\\]')
_ESCAPE = re.compile(rb"\\u([0-9a-fA-F]{4})")


def _escape_at(data: bytes, j: int) -> int:
    m = _ESCAPE.match(data, j)
    return int(m.group(1), 16) if m else -1


def _shape_py(value: Any) -> tuple[int, int]:
    """``_jsonscan.shape`` in Python: the members of every dict in the tree, and its depth."""
    total = deepest = 0
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            total += len(v)
            children: Any = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((x, depth + 1) for x in children if isinstance(x, dict | list))
    return total, deepest


def _colons_py(data: bytes) -> int:
    return data.count(b":")


_scan_c: Callable[[bytes, int], tuple[int, int, int, int]] | None
_shape: Callable[[Any], tuple[int, int]]
_colons: Callable[[bytes], int]
try:
    from newsclaims.core._jsonscan import colons as _colons
    from newsclaims.core._jsonscan import scan as _scan_c
    from newsclaims.core._jsonscan import shape as _shape
except ImportError:  # no C compiler where this was installed; the tests force this path too
    _scan_c = None
    _shape = _shape_py
    _colons = _colons_py

COMPILED = _scan_c is not None


def scan(data: bytes, limit: int = MAX_DEPTH) -> Scan:
    """One pass over ``data``: members written, depth, and where it first breaks the policy."""
    if _scan_c is not None:
        return Scan(*_scan_c(data, limit))
    return _scan_py(data, limit)


def shape(value: Any) -> tuple[int, int]:
    """The members of every object in a parsed tree (compare with ``scan(...).members``) and
    how deep it nests (0 for a scalar)."""
    return _shape(value)


def check_scan(found: Scan) -> None:
    """``Unreadable`` when what ``scan`` found breaks the policy (depth, lone surrogates)."""
    if found.too_deep_at >= 0:
        raise Unreadable(
            f"nested deeper than {MAX_DEPTH} levels (at byte {found.too_deep_at}): "
            f"newsclaims reads JSON at most {MAX_DEPTH} levels deep"
        )
    if found.surrogate_at >= 0:
        raise Unreadable(
            f"a lone surrogate escape (at byte {found.surrogate_at}) is not Unicode text: "
            "expected a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF one, or the character itself"
        )


def loads(data: bytes) -> Any:
    """``data`` parsed as JSON under the policy; ``Unreadable`` (one line) or ``DuplicateKeys``.

    orjson parses first: it refuses what is not JSON, lone surrogate escapes and nesting beyond
    1024 levels, in linear memory. The parsed tree gives its members and depth (``shape``, one
    walk in C). When the bytes hold as many colons (``_colons``) as the tree has members, no colon is in a
    string and no key was lost, so no key was written twice: the common case costs a
    count of one byte. Otherwise ``scan`` counts the members as written, outside strings; fewer in
    the tree means a key written twice, located by ``duplicate_keys``.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        check_scan(scan(data))  # the policy's own words for depth and lone surrogates
        raise Unreadable(f"not valid JSON ({e})") from None
    members, deepest = _shape(value)
    if deepest > MAX_DEPTH:
        check_scan(scan(data))
        raise Unreadable(
            f"nested deeper than {MAX_DEPTH} levels: newsclaims reads JSON at most {MAX_DEPTH} levels deep"
        )
    if _colons(data) != members and scan(data).members != members:
        twice = duplicate_keys(data)
        if not twice:  # the two counts disagree for another reason: a defect here, never silence
            raise Unreadable("its objects could not be counted consistently: report this file to newsclaims")
        raise DuplicateKeys(twice)
    return value


def read_json(path: str | Path, limit: int = MAX_FILE_BYTES) -> Any:
    """The JSON file at ``path`` parsed under the policy (``loads``); else ``Unreadable`` (or
    ``DuplicateKeys``) whose message starts with the path: one line a command can print as is."""
    try:
        return loads(read_bytes(path, limit))
    except DuplicateKeys as e:
        raise DuplicateKeys(e.found, display(Path(path))) from None
    except Unreadable as e:
        raise Unreadable(f"{display(Path(path))}: {e}") from None


class _Object(dict[str, Any]):
    """A parsed object that remembers the keys it had twice."""

    twice: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
        obj.twice = tuple(dict.fromkeys(twice))
    return obj


def duplicate_keys(data: bytes) -> tuple[DuplicateKey, ...]:
    """Every key written twice in one object of ``data`` (valid JSON, within ``MAX_DEPTH``), in order.

    The stdlib parser is used only here: its ``object_pairs_hook`` sees every pair as written.
    """
    tree = json.loads(data, object_pairs_hook=_pairs)
    out: list[DuplicateKey] = []

    def walk(v: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(v, _Object):
            out.extend(DuplicateKey((*path, k)) for k in v.twice)
            for key, x in v.items():
                walk(x, (*path, key))
        elif isinstance(v, list):
            for index, x in enumerate(v):
                walk(x, (*path, index))

    walk(tree, ())
    return tuple(out)
