"""The generated JSON Schema compiled for a walk in C: a quicker yes to "is this record valid?".

jsonschema-rs checks a gold file in about 160k instructions, a fifth of validate's work per
page, most of it in the general machinery of JSON Schema (its keyword objects, its regex
engine for the ids). The schemas of newsclaims use a handful of keywords, so ``program``
turns a schema into a tree of tuples, ``_conform.c`` compiles the tree once to C structs
and walks them over orjson's dicts and lists (76k instructions for a gold file), and
``conforms`` answers True only when the value is valid for the schema.

It is a screen, not a second contract: False means "not vouched for", and the caller asks
jsonschema-rs, then pydantic for the messages. The walk declines what it was not written
for (a float where the schema wants an integer, which JSON Schema allows when integral),
and ``program`` refuses a schema with any keyword it does not know, so a schema that grows
a new constraint falls back to jsonschema-rs instead of being checked in part. Tested:
on random edits of valid files, the walk and the JSON Schema agree wherever no float is
involved, and each pattern it compiles matches exactly the strings Python's ``re`` does.

Without the compiled module, ``conforms`` is always False: the same answers, more slowly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

_compile: Callable[[tuple[Any, ...]], object] | None
_walk: Callable[[object, object], bool] | None
try:
    from newsclaims._conform import compile as _compile
    from newsclaims._conform import conforms as _walk
except ImportError:  # the tests force this path by setting _walk to None
    _compile = _walk = None

# Node kinds; the numbers are _conform.c's.
OBJECT, ARRAY, STRING, INTEGER, BOOLEAN, NULL, ANY_OF = range(7)

MAX_DEPTH, MAX_FIELDS = 64, 64  # _conform.c's limits

# Keywords that only annotate: they never make a value invalid.
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "enumDescriptions", "$comment"})
ROOT_ONLY = frozenset({"$schema", "$id", "$defs"})


class Unsupported(Exception):
    """The schema uses something the walk cannot check exactly."""


def program(schema: Any) -> tuple[Any, ...] | None:
    """The tree ``_conform.c`` walks for ``schema``, or None when any part of it is not
    one the walk can check exactly."""
    if not isinstance(schema, dict):
        return None  # true / false schemas: not used by newsclaims
    try:
        return _Compiler(schema).node(schema, root=True)
    except Unsupported:
        return None


def compile_schema(schema: Any) -> object | None:
    """``schema`` compiled for ``conforms``; None if the walk cannot check it, or was not built."""
    tree = program(schema)
    return None if tree is None or _compile is None else _compile(tree)


@cache
def compiled(kind: str, layer: str | None = None) -> object | None:
    """``compile_schema`` of the generated JSON Schema of ``kind`` (with ``layer``: of one
    record of that list field)."""
    from newsclaims.schemagen import json_schema

    schema = json_schema(kind)
    if layer is not None:
        schema = {**schema["properties"][layer]["items"], "$defs": schema["$defs"]}
    return compile_schema(schema)


def conforms(walker: object | None, value: object) -> bool:
    """True only if ``value`` is valid for the schema ``walker`` (``compile_schema``'s) was made from."""
    return walker is not None and _walk is not None and _walk(walker, value)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = root.get("$defs", {})
        self.done: dict[str, tuple[Any, ...]] = {}
        self.pending: set[str] = set()

    def node(self, schema: Any, root: bool = False, depth: int = 0) -> tuple[Any, ...]:
        if depth > MAX_DEPTH:
            raise Unsupported(f"deeper than {MAX_DEPTH}")
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")  # true / false schemas: not used by newsclaims
        keys = set(schema) - ANNOTATIONS - (ROOT_ONLY if root else frozenset())
        if "$ref" in keys:
            if keys != {"$ref"}:
                raise Unsupported("$ref beside other keywords")
            return self.ref(schema["$ref"], depth)
        if "anyOf" in keys:
            if keys != {"anyOf"}:
                raise Unsupported("anyOf beside other keywords")
            return (ANY_OF, tuple(self.node(s, depth=depth + 1) for s in schema["anyOf"]))
        kind = schema.get("type")
        if kind is None and keys and keys <= {"enum", "const"}:
            kind = "string"  # checked below: every value a string
        if kind == "object":
            return self.object(schema, keys, depth)
        if kind == "array":
            self.only(keys, {"type", "items", "minItems", "maxItems"})
            return (
                ARRAY,
                self.node(schema.get("items", {}), depth=depth + 1),
                *self.bounds(schema, "minItems", "maxItems"),
            )
        if kind == "string":
            return self.string(schema, keys)
        if kind == "integer":
            self.only(keys, {"type", "minimum", "maximum"})
            lo, hi = schema.get("minimum"), schema.get("maximum")
            if not all(v is None or (type(v) is int and -(2**63) <= v < 2**63) for v in (lo, hi)):
                raise Unsupported("a bound that is not an integer of 64 bits")  # the walk's are C long longs
            return (INTEGER, lo, hi)
        if kind in ("boolean", "null"):
            self.only(keys, {"type"})
            return (BOOLEAN,) if kind == "boolean" else (NULL,)
        raise Unsupported(f"type {kind!r}")

    def ref(self, ref: str, depth: int) -> tuple[Any, ...]:
        name = ref.removeprefix("#/$defs/")
        if name == ref or name not in self.defs:
            raise Unsupported(f"$ref {ref!r}")
        if name not in self.done:
            if name in self.pending:
                raise Unsupported(f"recursive $ref {ref!r}")  # a tree of tuples cannot hold a cycle
            self.pending.add(name)
            self.done[name] = self.node(self.defs[name], depth=depth + 1)
            self.pending.discard(name)
        return self.done[name]

    def object(self, schema: dict[str, Any], keys: set[str], depth: int) -> tuple[Any, ...]:
        self.only(keys, {"type", "properties", "required", "additionalProperties"})
        extra = schema.get("additionalProperties", True)
        if extra not in (True, False):
            raise Unsupported("additionalProperties with a schema")
        if len(schema.get("properties", {})) > MAX_FIELDS:
            raise Unsupported(f"more than {MAX_FIELDS} fields")  # the walk keeps the required ones as bits
        props = {name: self.node(s, depth=depth + 1) for name, s in schema.get("properties", {}).items()}
        required = frozenset(schema.get("required", ()))
        if not required <= props.keys():
            raise Unsupported("a required field with no schema")  # the walk counts the required fields it meets
        return (OBJECT, props, required, extra is False)

    def string(self, schema: dict[str, Any], keys: set[str]) -> tuple[Any, ...]:
        self.only(keys, {"type", "minLength", "maxLength", "pattern", "enum", "const"})
        allowed: frozenset[str] | None = None
        for word in ("enum", "const"):
            if word in schema:
                values = schema["enum"] if word == "enum" else [schema["const"]]
                if not all(isinstance(v, str) for v in values):
                    raise Unsupported(f"{word}: a value that is not a string")
                allowed = frozenset(values) if allowed is None else allowed & frozenset(values)
        pattern = schema.get("pattern")
        atoms = None if pattern is None else compile_pattern(pattern)
        return (STRING, *self.bounds(schema, "minLength", "maxLength"), atoms, allowed)

    @staticmethod
    def bounds(schema: dict[str, Any], low: str, high: str) -> tuple[int, int]:
        lo, hi = schema.get(low, 0), schema.get(high)
        if not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (lo, hi if hi is not None else 0)
        ):
            raise Unsupported(f"{low} / {high}")
        return lo, (-1 if hi is None else hi)  # -1: no upper bound

    @staticmethod
    def only(keys: set[str], known: set[str]) -> None:
        if unknown := keys - known:
            raise Unsupported(f"keywords {sorted(unknown)}")


# A pattern the walk matches: anchored at both ends, a sequence of atoms (one character
# class with a count), every atom but the last of a fixed count. Matching greedily is then
# exact: each fixed atom takes its characters, and the last takes the rest.
_END = re.compile(r"\$(?:\(\?!\\n\))?\Z")
_CLASS_ITEM = re.compile(r"[A-Za-z0-9_.\-]|\\[.\-_]")
_ATOM = re.compile(r"(\[(?:\\.|[^\]\\])+\]|\\[.\-_]|[A-Za-z0-9_\-])(\{\d+(?:,\d*)?\}|[*+?])?")


def compile_pattern(pattern: str) -> tuple[tuple[bytes, int, int], ...]:
    """The atoms of ``pattern`` as (a 128-bit map of the ASCII characters of its class,
    fewest, most or -1), or Unsupported."""
    end = _END.search(pattern)
    if not pattern.startswith("^") or end is None:
        raise Unsupported(f"pattern {pattern!r} is not anchored at both ends")
    body, atoms, at = pattern[1 : end.start()], [], 0
    while at < len(body):
        m = _ATOM.match(body, at)
        if m is None:
            raise Unsupported(f"pattern {pattern!r}")
        at = m.end()
        atoms.append((_charset(m.group(1), pattern), *_count(m.group(2))))
    if any(lo != hi for _, lo, hi in atoms[:-1]):
        raise Unsupported(f"pattern {pattern!r}: a count that varies before the last atom")
    return tuple(atoms)


def _charset(atom: str, pattern: str) -> bytes:
    chars: set[int] = set()
    if not atom.startswith("["):
        chars.add(ord(atom[-1]))
    else:
        inner = atom[1:-1]
        if inner.startswith("^"):
            raise Unsupported(f"pattern {pattern!r}: a negated class")
        items = re.findall(r"\\.|.", inner)
        i = 0
        while i < len(items):
            c = items[i]
            if not _CLASS_ITEM.fullmatch(c):  # Rust reads [, &&, ~~ and \\d as class syntax
                raise Unsupported(f"pattern {pattern!r}: {c!r} in a class")
            if i + 2 < len(items) and items[i + 1] == "-":
                lo, hi = c[-1], items[i + 2][-1]
                if items[i + 2].startswith("\\") or ord(lo) > ord(hi):
                    raise Unsupported(f"pattern {pattern!r}: range {lo}-{hi}")
                chars.update(range(ord(lo), ord(hi) + 1))
                i += 3
            else:
                chars.add(ord(c[-1]))
                i += 1
    if any(c >= 128 for c in chars):
        raise Unsupported(f"pattern {pattern!r}: a character outside ASCII")
    bits = bytearray(16)
    for c in chars:
        bits[c >> 3] |= 1 << (c & 7)
    return bytes(bits)


def _count(quantifier: str | None) -> tuple[int, int]:
    if quantifier is None:
        return 1, 1
    if quantifier in ("*", "+", "?"):
        return {"*": (0, -1), "+": (1, -1), "?": (0, 1)}[quantifier]
    lo, _, hi = quantifier[1:-1].partition(",")
    bounds = (int(lo), int(lo) if "," not in quantifier else (int(hi) if hi else -1))
    if bounds[1] != -1 and bounds[1] < bounds[0]:
        raise Unsupported(f"quantifier {quantifier}")
    return bounds
