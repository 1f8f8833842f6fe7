"""``build`` on an engine: the inputs checked and the rows made by the engine's workers, the
corpus written by the driver, the same files as the local build.

The driver runs the local build (``corpus.build.build``) with the engine's unit runner and
chunk maker, so it holds what the local build's parent process holds: the manifest and the
registries, the links of every document to the registries (for the ``entities`` and
``claim_clusters`` rows, made once every document is in), the card's summary, every
document's fingerprint (for ``inputs.json``), and each config's and split's open parquet file
with less than one row group of rows waiting. It writes the chunks as they come back, in
doc_id order, through the local build's sinks (fixed row groups, fixed parquet options), so
the files are byte-identical.
"""

from __future__ import annotations

from pathlib import Path

from newsclaims.corpus.build import Built, Written, build, write_corpus
from newsclaims.engines.base import Engine
from newsclaims.engines.checking import unit_runner
from newsclaims.engines.rows import chunks_on


def write_corpus_on(engine: Engine, root: Path, folder: Path) -> Written:
    """``corpus.build.write_corpus`` with the rows made on ``engine``: the same files in ``folder``."""
    return write_corpus(root, folder, make_chunks=chunks_on(engine))


def build_on(engine: Engine, root: Path, out: Path | None = None) -> Built:
    """``corpus.build.build`` on ``engine``: the inputs checked and the rows made there.

    The same contract as the local build: the repository lock, what a killed build left
    finished first, ``BuildError`` (nothing written) when the inputs have problems, a new
    folder swapped in only when complete, the default ``corpus/`` inside ``root``."""
    return build(root, out, cache=False, make_chunks=chunks_on(engine), runner=unit_runner(engine))
