"""The JSON Schema of every file kind: generated from the pydantic models, and shipped with the package.

``json_schema`` generates a schema from the models (``core.models``); ``newsclaims schema``
writes it to the repository's ``schema/`` and, in a source checkout of newsclaims, to
``src/newsclaims/schema/json/`` (``packaged_schema``), where ``newsclaims validate`` reads it:
a file that passes the schema is then checked without importing pydantic at all, which is most
of the command's start-up. ``newsclaims schema --check`` fails while either copy drifts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from newsclaims.core.jsonread import read_json
from newsclaims.core.patterns import END_GUARD, SCHEMA_VERSION

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("gold", "entities", "clusters", "manifest", "splits")
PACKAGED = Path(__file__).with_name("json")


def json_schema(kind: str) -> dict[str, Any]:
    """The schema of ``kind`` generated from its model."""
    from newsclaims.core.models import FILE_MODELS

    body = _guarded(FILE_MODELS[kind].model_json_schema())
    return {
        "$schema": DRAFT,
        "$id": f"urn:newsclaims:schema:{SCHEMA_VERSION}:{kind}",
        **body,
    }


@cache
def packaged_schema(kind: str) -> dict[str, Any]:
    """The schema of ``kind`` as shipped in the package (equal to ``json_schema(kind)``: tested)."""
    if kind not in KINDS:
        raise KeyError(kind)
    schema: dict[str, Any] = read_json(PACKAGED / f"{kind}.schema.json")
    return schema


def _guarded(node: Any) -> Any:
    """Every whole-string pattern in the portable form of ``patterns.whole`` (the models hold
    ``native`` ones); a pattern that only constrains a prefix (``models.YEAR_PATTERN``) has no ``$``."""
    if isinstance(node, dict):
        return {k: (v + END_GUARD if k == "pattern" and v.endswith("$") else _guarded(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_guarded(v) for v in node]
    return node
