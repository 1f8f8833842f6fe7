"""newsclaims: news pages as a dataset of entities, claims, attributions and page noise.

The public surface for research code::

    from newsclaims import load_gold, load_repository, validate

    problems = validate("path/to/repo")      # every NCxxx problem, sorted
    gold = load_gold("annotations/gold/001_1afe1fed452732b0.json")
    repo = load_repository("path/to/repo")  # manifest, documents (text), registries
"""

from newsclaims.api import load_gold, load_repository, validate
from newsclaims.core.documents import Document, decode_text, text_sha256
from newsclaims.core.models import (
    SCHEMA_VERSION,
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
from newsclaims.core.problems import RULES, Problem
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance

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
