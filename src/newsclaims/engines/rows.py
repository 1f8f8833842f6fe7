"""The per-document rows of the build, made on an engine.

Each worker runs the local build's own unit of work (``corpus.build``'s chunk of ``CHUNK``
documents: read each seed and gold file from the repository, fingerprint it, make its rows
in every config, its links to the registries and its share of the card's summary), one
chunk per batch, and sends back the chunk: one Arrow table per config and split. The driver
writes them (``building.py``) in doc_id order: the chunks come back in the order they were
sent. The row cache is the local build's (``.newsclaims-cache/``): the workers make every
document's rows.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from newsclaims.core.models import Entity, ManifestEntry
from newsclaims.corpus.build import CHUNK, _Chunk, _Job, _rows_of, _share_entities
from newsclaims.engines.base import BatchFunction, Engine


def chunk_maker(entities: Mapping[str, Entity]) -> BatchFunction:
    """In a worker: the entity registry set where the build's chunks read it, then a batch of
    one pickled chunk of work to its pickled rows."""
    _share_entities(entities)

    def make(items: list[bytes]) -> bytes:
        (item,) = items
        return pickle.dumps(_rows_of(pickle.loads(item)), protocol=pickle.HIGHEST_PROTOCOL)

    return make


def document_chunks(
    engine: Engine,
    root: Path,
    entries: Sequence[ManifestEntry],
    splits: Mapping[str, str],
    entities: Mapping[str, Entity],
) -> Iterator[_Chunk]:
    """The rows of ``entries`` (in doc_id order), ``CHUNK`` documents per chunk, in their order."""
    items = []
    for i in range(0, len(entries), CHUNK):
        chunk = tuple(entries[i : i + CHUNK])
        # Each chunk carries the splits of its own stories only: 10^5 stories would otherwise
        # travel with every chunk.
        own = {e.story_id: splits[e.story_id] for e in chunk}
        items.append(pickle.dumps(_Job(root.resolve(), chunk, own, None), protocol=pickle.HIGHEST_PROTOCOL))
    for answer in engine.map_batches(items, chunk_maker, entities, 1):
        made: _Chunk = pickle.loads(answer)
        yield made
