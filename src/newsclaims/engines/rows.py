"""The per-document rows of the build, made on an engine.

Each worker runs the local build's own unit of work (``corpus.build.rows_of`` on a ``Job`` of
``CHUNK`` documents: read each seed and gold file from the repository, fingerprint it, make
its rows in every config, its links to the registries and its share of the card's summary),
one job per batch, and sends back the ``Chunk``: one Arrow table per config and split. The
driver writes them (``corpus.build.write_corpus``) in doc_id order: the chunks come back in
the order they were sent. The row cache is not used: the workers of a cluster need not see
the driver's disk, so they make every document's rows.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping
from dataclasses import replace

from newsclaims.core.models import Entity
from newsclaims.corpus.build import Chunk, ChunkMaker, Job, rows_of, share_entities
from newsclaims.engines.base import BatchFunction, Engine


def chunk_maker(entities: Mapping[str, Entity]) -> BatchFunction:
    """In a worker: the entity registry set where the build's jobs read it, then a batch of
    one pickled job to its pickled chunk of rows."""
    share_entities(entities)

    def make(items: list[bytes]) -> bytes:
        (item,) = items
        return pickle.dumps(rows_of(pickle.loads(item)), protocol=pickle.HIGHEST_PROTOCOL)

    return make


def chunks_on(engine: Engine) -> ChunkMaker:
    """The build's ``make_chunks`` on ``engine``."""

    def make_chunks(jobs: list[Job], entities: Mapping[str, Entity]) -> Iterator[Chunk]:
        items = [
            pickle.dumps(replace(job, root=job.root.resolve(), cache=None), protocol=pickle.HIGHEST_PROTOCOL)
            for job in jobs
        ]
        for answer in engine.map_batches(items, chunk_maker, entities, 1):
            made: Chunk = pickle.loads(answer)
            yield made

    return make_chunks
