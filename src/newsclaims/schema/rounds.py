"""The shape of a round's ``round.json``, as JSON Schema, for ``newsclaims validate``.

The round code reads ``round.json`` with its pydantic model (``RoundManifest`` in
``annotation/rounds/round.py``), but validation sits below annotation and may not import it,
and the model would bring the round code's imports into every CI job. So the shape the model
accepts is restated here as JSON Schema and decided by jsonschema-rs, like the other files'
shapes; ``tests/test_hostile_reading.py`` keeps the two agreeing on the files the round code
writes and on broken ones. It is stricter in one way on purpose: the documents, annotators
and round name must be names (the round code checks them the same way where it makes paths
of them, later).
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from newsclaims.core.patterns import NAME_PATTERN, SCHEMA_VERSION, SchemaVersion, native
from newsclaims.core.problems import Problem, problem

# The passes of a round (``ROUND_PASSES`` of the round code: the Label Studio passes and "all").
ROUND_PASSES = ("noise", "entities", "claims", "all")

# Rust's regex, like the other shapes' (``shape._for_rust``): ``$`` is the end of input there.
_NAME = {"type": "string", "pattern": native(NAME_PATTERN)}

ROUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema_version", "name", "pass", "documents", "annotators", "predictions", "created"],
    "properties": {
        "schema_version": {"type": "string"},
        "name": _NAME,
        "pass": {"enum": list(ROUND_PASSES)},
        "documents": {"type": "array", "items": _NAME},
        "annotators": {"type": "array", "items": _NAME},
        "predictions": {"type": "string"},
        "created": {"type": "string"},
        "accounts": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"id": {"type": ["integer", "null"]}, "email": {"type": ["string", "null"]}},
            },
        },
        "users": {"type": "object", "additionalProperties": {"type": "string"}},
        "label_studio": {"type": ["object", "null"], "properties": {"project": {"type": ["integer", "null"]}}},
    },
    # Keys the round code does not know are kept by it (a newer release's): not a problem.
}


@cache
def _validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(ROUND_SCHEMA, pattern_options=jsonschema_rs.RegexOptions())


def _field(path: list[str | int], extra: str = "") -> str:
    parts = [*path, extra] if extra else path
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")


def round_problems(label: str, folder_name: str, raw: Any) -> list[Problem]:
    """Every shape problem of a parsed ``round.json`` (located under ``label``, the record being
    the round's name), and a name that differs from its folder's (NC510)."""
    if not isinstance(raw, dict):
        return [problem("NC102", label, "", "", f"expected a JSON object, got {type(raw).__name__}")]
    name = raw.get("name")
    record = name if isinstance(name, str) and name.isprintable() else folder_name
    out: list[Problem] = []
    for err in _validator().iter_errors(raw):
        kind = type(err.kind).__name__
        path = list(err.instance_path)
        if kind == "Required":
            out.append(problem("NC101", label, record, _field(path, err.kind.property), "required field is missing"))
        elif kind == "Enum":
            out.append(problem("NC103", label, record, _field(path), f"{err.message}: not a round pass"))
        elif kind == "Pattern":
            out.append(
                problem(
                    "NC105",
                    label,
                    record,
                    _field(path),
                    f"{err.message}: expected lower-case letters, digits, '_' or '-'",
                )
            )
        else:
            out.append(problem("NC102", label, record, _field(path), err.message))
    version = raw.get("schema_version")
    if isinstance(version, str) and version not in get_args(SchemaVersion):
        out.append(
            problem(
                "NC106",
                label,
                record,
                "schema_version",
                f"unsupported schema_version {version!r}: expected {SCHEMA_VERSION!r}",
            )
        )
    if isinstance(name, str) and name != folder_name:
        out.append(
            problem("NC510", label, record, "name", f"the round is named {name!r} but its folder is {folder_name!r}")
        )
    return sorted(out)
