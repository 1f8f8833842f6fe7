"""newsclaims: news pages as a dataset of entities, claims, attributions and page noise.

The public surface for research code::

    from newsclaims import load_gold, load_repository, validate

    problems = validate("path/to/repo")      # every NCxxx problem, sorted
    gold = load_gold("annotations/gold/001_1afe1fed452732b0.json")
    repo = load_repository("path/to/repo")  # manifest, documents (text), registries
"""

from typing import TYPE_CHECKING, Any

from newsclaims.api import load_gold, load_repository, validate
from newsclaims.core.documents import Document, decode_text, text_sha256
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.core.problems import RULES, Problem
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance

if TYPE_CHECKING:
    from newsclaims.core.models import (
        Attribution,
        Claim,
        ClaimCluster,
        Entity,
        GoldFile,
        Manifest,
        ManifestEntry,
        Mention,
        NoiseSpan,
        Span,
    )

# The record models load on first use: `newsclaims validate` never needs pydantic for a file
# that passes the JSON Schema, and importing it is most of the command's start-up.
_MODELS = frozenset(
    {
        "Attribution",
        "Claim",
        "ClaimCluster",
        "Entity",
        "GoldFile",
        "Manifest",
        "ManifestEntry",
        "Mention",
        "NoiseSpan",
        "Span",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        from newsclaims.core import models

        return getattr(models, name)
    raise AttributeError(f"module 'newsclaims' has no attribute {name!r}")


__all__ = [
    "RULES",
    "SCHEMA_VERSION",
    "Attribution",
    "Claim",
    "ClaimCluster",
    "Document",
    "Entity",
    "EntityLabel",
    "GoldFile",
    "Manifest",
    "ManifestEntry",
    "Mention",
    "NoiseCategory",
    "NoiseSpan",
    "Problem",
    "QuoteType",
    "Span",
    "Stance",
    "decode_text",
    "load_gold",
    "load_repository",
    "text_sha256",
    "validate",
]
