"""Record shape (NC1xx): parse a file with its pydantic model and locate every error.

Each pydantic error becomes a problem that names the record by its id (not by a
list index, which shifts when someone edits the file) and the field by its path
inside that record.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from newsclaims.core.files import Unreadable
from newsclaims.core.jsonread import DuplicateKeys, loads
from newsclaims.core.patterns import END_GUARD, NAME_PATTERN, native
from newsclaims.core.problems import Problem, problem
from newsclaims.schema.jsonschema import packaged_schema

if TYPE_CHECKING:  # the models are imported only when a file fails the JSON Schema
    from pydantic_core import ErrorDetails

    from newsclaims.core.models import Record

M = TypeVar("M", bound="Record")

# The field that names a record, per list in a file.
RECORD_ID_FIELDS = {
    "mentions": "mention_id",
    "claims": "claim_id",
    "attributions": "attribution_id",
    "noise": "noise_id",
    "entities": "entity_id",
    "clusters": "cluster_id",
    "documents": "doc_id",
    "splits": "story_id",
}
# The field that names a whole file, for errors in its top-level fields.
FILE_ID_FIELD = "doc_id"


def read_tree(label: str, data: bytes) -> tuple[Any, list[Problem]]:
    """``data`` parsed under the JSON reader policy (``core.jsonread``), or its problems: NC100
    when it cannot be read at all, NC107 for each key written twice, located."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, [problem("NC100", label, "", "", f"not UTF-8 (byte {e.start}): expected UTF-8 JSON")]
    try:
        return loads(data), []
    except DuplicateKeys as e:
        raw = orjson.loads(data)  # as a parser keeping the last value has it: to name the records
        return None, [_duplicate(label, raw, d.path) for d in e.found]
    except Unreadable as e:
        return None, [problem("NC100", label, "", "", str(e))]


def _duplicate(label: str, raw: Any, path: tuple[int | str, ...]) -> Problem:
    record, rest = _record_name(raw, path)
    key = path[-1]
    return problem(
        "NC107",
        label,
        record,
        _field_path(rest),
        f"key {key!r} is written twice in one object: a reader would keep only the last value; keep one",
    )


def parse_model(label: str, data: bytes, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` (a file's bytes) against ``model``; problems are located under ``label``."""
    raw, found = read_tree(label, data)
    if found:
        return None, found
    from pydantic import ValidationError

    try:
        return model.model_validate_json(data), []
    except ValidationError as e:
        errors = e.errors(include_url=False)
    if any(err["type"] == "json_invalid" for err in errors):  # read_tree parsed it: not expected
        msg = errors[0]["msg"]
        return None, [problem("NC100", label, "", "", f"not valid JSON ({msg})")]
    return None, [_locate(label, err, raw) for err in errors]


def parse_kind(label: str, data: bytes, kind: str) -> tuple[Record | None, list[Problem]]:
    """``parse_model`` with the model of the file kind ``kind`` ("gold", "manifest", ...)."""
    from newsclaims.core.models import FILE_MODELS

    return parse_model(label, data, FILE_MODELS[kind])


def _record_name(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, tuple[int | str, ...]]:
    """Split an error location into the record's name and the path left inside it."""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        layer, index = loc[0], loc[1]
        try:
            rid = raw[layer][index][RECORD_ID_FIELDS[layer]]
        except (KeyError, IndexError, TypeError):
            rid = None
        name = rid if isinstance(rid, str) and rid else f"{layer}[{index}]"
        return name, loc[2:]
    file_id = raw.get(FILE_ID_FIELD) if isinstance(raw, dict) else None
    return (file_id if isinstance(file_id, str) else ""), loc


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _locate(label: str, err: ErrorDetails, raw: Any) -> Problem:
    record, rest = _record_name(raw, tuple(err["loc"]))
    field = _field_path(rest)
    kind = err["type"]
    got = _shorten(err.get("input"))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return problem("NC101", label, record, field, "required field is missing")
    if kind == "extra_forbidden":
        return problem("NC104", label, record, field, "unknown field: not part of the schema")
    if kind == "enum":
        return problem(
            "NC103",
            label,
            record,
            field,
            f"{got} is not in the vocabulary: expected one of {ctx.get('expected')}",
        )
    if kind == "literal_error" and rest == ("schema_version",):
        return problem(
            "NC106", label, record, field, f"unsupported schema_version {got}: expected {ctx.get('expected')}"
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == native(NAME_PATTERN):
        return problem(
            "NC105",
            label,
            record,
            field,
            f"{got} is not a valid name: expected lower-case letters, digits, '_' or '-' (pattern {NAME_PATTERN})",
        )
    return problem("NC102", label, record, field, f"{err['msg']}, got {got}")


def _for_rust(node: Any) -> Any:
    """The schema with each pattern's ``(?!\\n)`` dropped, for Rust's linear-time regex engine.

    The lookahead only stops Python's ``re`` from letting ``$`` match before a final
    newline; in Rust's ``regex`` (as in ECMA-262) ``$`` is already the end of input, so
    the patterns mean the same there (tested on ids ending in a newline), and a lookahead
    would need the backtracking engine, far slower, for every string a pattern checks.
    """
    if isinstance(node, dict):
        return {k: (v.removesuffix(END_GUARD) if k == "pattern" else _for_rust(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_for_rust(v) for v in node]
    return node


@cache
def fast_validator(kind: str, layer: str | None = None) -> Any:
    """The jsonschema-rs validator for the generated JSON Schema of ``kind`` (with ``layer``:
    of one record of that list field, for files read a record at a time)."""
    import jsonschema_rs

    schema = _for_rust(packaged_schema(kind))
    if layer is not None:
        schema = {**schema["properties"][layer]["items"], "$defs": schema["$defs"]}
    # Formats too: "date" is only an annotation by default, and the models refuse 2022-13-45.
    return jsonschema_rs.Draft202012Validator(
        schema, validate_formats=True, pattern_options=jsonschema_rs.RegexOptions()
    )


@cache
def checker(kind: str, layer: str | None = None) -> Callable[[Any], bool]:
    """Whether a parsed value is valid for the generated JSON Schema of ``kind`` (with
    ``layer``: one record of that list field), decided by jsonschema-rs."""
    is_valid: Callable[[Any], bool] = fast_validator(kind, layer).is_valid
    return is_valid


def parse_record(label: str, data: bytes, kind: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse a file to plain dicts, valid for the JSON Schema of ``kind``, or locate every shape problem.

    The fast path (orjson, then ``checker`` against the generated schema) builds no
    pydantic objects; only a file that fails it goes through the pydantic model, whose
    errors give the precise NC1xx messages. Both check the same contract (tested).
    """
    try:
        parsed = loads(data)  # the reader policy: depth, lone surrogates, duplicate keys
    except Unreadable:
        parsed = None  # parse_kind says why, located
    if isinstance(parsed, dict) and checker(kind)(parsed):
        return parsed, []
    record, problems = parse_kind(label, data, kind)
    if record is not None:  # the contracts agree (tested); were they ever not to, the model decides
        return record.model_dump(mode="json"), problems
    return None, problems
