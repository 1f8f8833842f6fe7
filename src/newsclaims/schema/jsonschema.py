"""The JSON Schema of every file kind, generated from the pydantic models (``core.models``)."""

from __future__ import annotations

from typing import Any

from newsclaims.core.models import END_GUARD, FILE_MODELS, SCHEMA_VERSION

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str) -> dict[str, Any]:
    body = _guarded(FILE_MODELS[kind].model_json_schema())
    return {
        "$schema": DRAFT,
        "$id": f"urn:newsclaims:schema:{SCHEMA_VERSION}:{kind}",
        **body,
    }


def _guarded(node: Any) -> Any:
    """Every whole-string pattern in the portable form of ``models.whole`` (the models hold
    ``native`` ones); a pattern that only constrains a prefix (``models.YEAR_PATTERN``) has no ``$``."""
    if isinstance(node, dict):
        return {k: (v + END_GUARD if k == "pattern" and v.endswith("$") else _guarded(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_guarded(v) for v in node]
    return node
