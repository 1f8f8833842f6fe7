"""The corpus configs and their ``datasets`` features, generated from the vocabulary.

Labels are ClassLabels whose names are the vocabulary values in declaration
order, so the integer stored in parquet is the index of the label in ``core.vocab``.
"""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa
from datasets import ClassLabel, Features, List, Value

from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance, Vocab
from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS


def class_label(vocab: type[Vocab]) -> ClassLabel:
    return ClassLabel(names=vocab.values())


# Every ClassLabel column has a string twin right after it holding the label's name: pandas,
# polars, DuckDB and mlcroissant read parquet integers as integers, and a name reached through
# a lookup table is a join every user must get right. The integers stay for `datasets`.
NAME_SUFFIX = "_name"


def twin_name(column: str) -> str:
    """The name column of a label column: ``stance`` -> ``stance_name``, ``ner_tags`` -> ``ner_tag_names``."""
    return column.removesuffix("s") + NAME_SUFFIX + "s" if column.endswith("_tags") else column + NAME_SUFFIX


def _span() -> dict[str, Any]:
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def _mention() -> dict[str, Any]:
    return {
        "mention_id": Value("string"),
        "mention_uid": Value("string"),
        **_span(),
        "label": class_label(EntityLabel),
        "label_name": Value("string"),
        "entity_id": Value("string"),
        "note": Value("string"),
    }


def _claim() -> dict[str, Any]:
    return {
        "claim_id": Value("string"),
        "claim_uid": Value("string"),
        "fragments": List(_span()),
        "text": Value("string"),
        "cluster_id": Value("string"),
        "checkworthy": Value("bool"),
        "note": Value("string"),
    }


def _attribution() -> dict[str, Any]:
    return {
        "attribution_id": Value("string"),
        "attribution_uid": Value("string"),
        "claim_id": Value("string"),
        "claim_uid": Value("string"),
        "source": {
            **_span(),
            "mention_id": Value("string"),
            "mention_uid": Value("string"),
            "entity_id": Value("string"),
            "unnamed": Value("bool"),
        },
        # Who the speaker is, resolved through source.entity_id (or its mention's entity).
        "speaker_kind": Value("string"),
        "speaker_entity_id": Value("string"),
        "speaker_name": Value("string"),
        "speaker_label": class_label(EntityLabel),
        "speaker_label_name": Value("string"),
        "cue": _span(),
        "quote_type": class_label(QuoteType),
        "quote_type_name": Value("string"),
        "stance": class_label(Stance),
        "stance_name": Value("string"),
        "parent_id": Value("string"),
        "parent_uid": Value("string"),
        "note": Value("string"),
    }


def _noise() -> dict[str, Any]:
    return {
        "noise_id": Value("string"),
        "noise_uid": Value("string"),
        **_span(),
        "category": class_label(NoiseCategory),
        "category_name": Value("string"),
        "note": Value("string"),
    }


def _document_meta() -> dict[str, Any]:
    return {
        "doc_id": Value("string"),
        "story_id": Value("string"),
        "split": Value("string"),
        "annotated": Value("bool"),
        "outlet": Value("string"),
        "title": Value("string"),
        "published": Value("string"),
        "url": Value("string"),
        "language": Value("string"),
        "source_file": Value("string"),
        "text": Value("string"),
        "text_sha256": Value("string"),
    }


def _with_doc(fields: dict[str, Any]) -> Features:
    return Features({"doc_id": Value("string"), **fields})


# Config name -> features of its rows.
CONFIGS: dict[str, Features] = {
    "documents": Features(
        {
            **_document_meta(),
            "mentions": List(_mention()),
            "claims": List(_claim()),
            "attributions": List(_attribution()),
            "noise": List(_noise()),
        }
    ),
    "mentions": _with_doc(_mention()),
    "entities": Features(
        {
            "entity_id": Value("string"),
            "label": class_label(EntityLabel),
            "label_name": Value("string"),
            "name": Value("string"),
            "wikidata": Value("string"),
            "note": Value("string"),
            "mention_count": Value("int32"),
            "doc_ids": List(Value("string")),
        }
    ),
    "claims": _with_doc(_claim()),
    "claim_clusters": Features(
        {
            "cluster_id": Value("string"),
            "story_id": Value("string"),
            "statement": Value("string"),
            "note": Value("string"),
            "members": List({"doc_id": Value("string"), "claim_id": Value("string"), "claim_uid": Value("string")}),
        }
    ),
    "attributions": _with_doc(_attribution()),
    "noise_spans": _with_doc(_noise()),
    "tokens": Features(
        {
            "doc_id": Value("string"),
            "sentence_id": Value("int32"),
            "sentence_uid": Value("string"),
            "annotated": Value("bool"),
            "start": Value("int32"),
            "end": Value("int32"),
            "tokens": List(Value("string")),
            "token_starts": List(Value("int32")),
            "ner_tags": List(ClassLabel(names=NER_TAGS)),
            "ner_tag_names": List(Value("string")),
            "noise_tags": List(ClassLabel(names=NOISE_TAGS)),
            "noise_tag_names": List(Value("string")),
        }
    ),
}


@functools.cache
def arrow_schema(config: str) -> pa.Schema:
    """``CONFIGS[config].arrow_schema``, made once: ``datasets`` makes it anew (the features as
    JSON, by closures that refer to each other, so a little garbage each time) on every access,
    and a build opens a writer per config and shard, the corpus check reads one per file."""
    return CONFIGS[config].arrow_schema


CONFIG_DESCRIPTIONS = {
    "documents": "One row per page: the full text with every annotation layer nested (for span models); "
    "annotated is false for a page without gold annotations yet (its layers are empty, not a page with nothing "
    "in it).",
    "mentions": "One row per entity mention, with its cross-document entity id.",
    "entities": "One row per cross-document entity and split that refers to it, with its mention count and "
    "documents in that split.",
    "claims": "One row per claim: its fragments, joined text, cluster and check-worthiness.",
    "claim_clusters": "One row per cluster of the same claim told by several outlets, with its members.",
    "attributions": "One row per source-cue-content attribution, with quote type, stance, nesting and who the "
    "speaker is (speaker_kind, speaker_entity_id, speaker_name, speaker_label).",
    "noise_spans": "One row per span of page chrome, with its category.",
    "tokens": "One row per sentence: tokens, their offsets, BIO tags of the outermost entity mentions and of noise; "
    "annotated is false for the sentences of a page without gold annotations (all tags O because nobody tagged "
    "them).",
}
