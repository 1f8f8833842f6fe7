"""Columns of the corpus derived from others, and the rules that they still agree (NC607, NC608).

A corpus-wide id (``*_uid``) is ``<doc_id>/<record_id>`` of the columns beside it; a label's
name column (``stance_name``) is the name of its ClassLabel integer (``stance``). The
checks read the parquet columns with pyarrow compute, never row by row in Python: it runs
on every data file of the full validate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from datasets import Features, List, Value

UID_SUFFIX = "_uid"


def uid_paths(features: Features) -> Iterator[list[str]]:
    """Every ``*_uid`` column, as a path of field names through structs and lists."""

    def walk(feature: Any, path: list[str]) -> Iterator[list[str]]:
        if isinstance(feature, List):
            yield from walk(feature.feature, path)
        elif isinstance(feature, dict):
            for name, sub in feature.items():
                yield from walk(sub, [*path, name])
        elif isinstance(feature, Value) and path[-1].endswith(UID_SUFFIX):
            yield path

    for name, feature in features.items():
        yield from walk(feature, [name])


def flat(table: pa.Table, path: list[str]) -> tuple[pa.Array, pa.Array]:
    """The values under ``path`` (lists flattened, null structs giving null) and each one's row."""
    array: Any = table.column(path[0]).combine_chunks()
    rows: Any = pa.array(range(table.num_rows), pa.int64())
    for name in [*path[1:], None]:
        while pa.types.is_list(array.type):
            rows = rows.take(pc.list_parent_indices(array))
            array = array.flatten()
        if name is not None:
            array = pc.struct_field(array, name)
    return array, rows


def _id_of(path: list[str], fields: list[str]) -> str:
    """The per-document id a uid is made of: ``claim_uid`` -> ``claim_id``, ``parent_uid`` -> ``parent_id``."""
    stem = path[-1].removesuffix(UID_SUFFIX)
    return f"{stem}_id" if f"{stem}_id" in fields else stem


def mismatched_uids(table: pa.Table, path: list[str], sibling_fields: list[str]) -> int:
    """How many values of the uid column at ``path`` differ from ``<doc_id>/<id>`` of their record."""
    uids, rows = flat(table, path)
    ids, _ = flat(table, [*path[:-1], _id_of(path, sibling_fields)])
    if "doc_id" in sibling_fields and len(path) > 1:
        docs, _ = flat(table, [*path[:-1], "doc_id"])
    else:
        docs = table.column("doc_id").combine_chunks().take(rows)
    expected = pc.binary_join_element_wise(docs, pc.cast(ids, pa.string()), "/")
    same = pc.fill_null(pc.equal(uids, expected), False)
    both_null = pc.and_(pc.is_null(uids), pc.is_null(expected))
    return int(pc.sum(pc.invert(pc.or_(same, both_null))).as_py() or 0)


def mismatched_names(table: pa.Table, path: list[str], twin: list[str], names: list[str]) -> int:
    """How many values of the name column at ``twin`` are not the name of the label at ``path``.

    Call it only when every label is in range (NC603 holds): an index outside the names has no name.
    """
    labels, _ = flat(table, path)
    given, _ = flat(table, twin)
    expected = pa.array(names, pa.string()).take(labels)
    same = pc.fill_null(pc.equal(given, expected), False)
    both_null = pc.and_(pc.is_null(given), pc.is_null(expected))
    return int(pc.sum(pc.invert(pc.or_(same, both_null))).as_py() or 0)


def siblings(features: Features, path: list[str]) -> list[str]:
    """The field names beside the last one of ``path``."""
    node: Any = features
    for name in path[:-1]:
        node = node[name]
        while isinstance(node, List):
            node = node.feature
    return list(node)
