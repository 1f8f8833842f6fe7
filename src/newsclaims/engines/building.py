"""``build`` on an engine: the inputs checked and the rows made by the engine's workers, the
corpus written by the driver, the same files as the local build.

The driver holds what the local build's parent process holds: the manifest and the
registries (``Repository.load``), the links of every document to the registries (for the
``entities`` and ``claim_clusters`` rows, made once every document is in), the card's
summary, every document's fingerprint (for ``inputs.json``), and each config's and split's
open parquet file with less than one row group of rows waiting. It writes the chunks as
they come back, in doc_id order, through the local build's sinks (fixed row groups, fixed
parquet options), so the files are byte-identical.

Until ``corpus/build.py`` can be handed the chunks (docs/engines.md, "What the build module
could offer"), ``write_corpus_on`` restates what its ``write_corpus`` does around them: the
registry rows, release.json, checksums, card, licence, croissant.json and inputs.json.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa

from newsclaims.core import swap
from newsclaims.core.jsonio import dumps
from newsclaims.core.paths import inside_repository
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.corpus.build import METADATA_FILES, BuildError, Built, Written, _ParquetSink
from newsclaims.corpus.card import LICENSE_FILE, LICENSE_TEXT, dataset_card
from newsclaims.corpus.croissant import croissant_metadata
from newsclaims.corpus.features import CONFIGS
from newsclaims.corpus.fingerprints import INPUTS_FILE, Inputs, built_with, shared_fingerprints
from newsclaims.corpus.release import Release, arrow_bytes, corpus_version, data_fingerprint, sha256_file
from newsclaims.corpus.tables import Links, Summary, registry_rows, unreferenced
from newsclaims.engines.base import Engine
from newsclaims.engines.checking import unit_runner
from newsclaims.engines.rows import document_chunks
from newsclaims.validation.check import check_inputs
from newsclaims.validation.repository import Repository
from newsclaims.validation.sources import story_splits


def write_corpus_on(engine: Engine, root: Path, folder: Path) -> Written:
    """``corpus.build.write_corpus`` with the rows made on ``engine``: the same files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    repo = Repository.load(root, read_seeds=False)
    assert repo.manifest is not None and repo.entities is not None and repo.clusters is not None
    splits = story_splits(repo)
    entries = sorted(repo.manifest.documents, key=lambda e: e.doc_id)
    sinks: dict[tuple[str, str], _ParquetSink] = {}
    links, summary = Links(), Summary()
    fingerprints: dict[str, str] = {}
    made = 0

    def sink(config: str, split: str) -> _ParquetSink:
        if (config, split) not in sinks:
            sinks[config, split] = _ParquetSink(config, folder / f"data/{config}/{split}.parquet")
        return sinks[config, split]

    for chunk in document_chunks(engine, root, entries, splits, repo.entities):
        for (config, split), table in chunk.tables.items():
            sink(config, split).add(table)
        links.merge(chunk.links)
        summary.merge(chunk.summary)
        fingerprints.update(chunk.fingerprints)
        made += chunk.made
    split_of_doc = {e.doc_id: splits[e.story_id] for e in entries}
    summary.unreferenced_entities, summary.unreferenced_clusters = unreferenced(
        repo.entities, repo.clusters, links, splits
    )
    for config, by_split in registry_rows(repo.entities, repo.clusters, links, split_of_doc, splits).items():
        for split, rows in by_split.items():
            sink(config, split).add(pa.Table.from_pylist(rows, schema=CONFIGS[config].arrow_schema))
    files: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {config: {} for config in CONFIGS}
    sizes: dict[str, dict[str, int]] = {config: {} for config in CONFIGS}
    for config in CONFIGS:
        for split in sorted(s for c, s in sinks if c == config):
            out = sinks[config, split]
            out.close()
            if out.rows:
                counts[config][split] = out.rows
                sizes[config][split] = arrow_bytes(out.path)
                files[f"data/{config}/{split}.parquet"] = sha256_file(out.path)
    fingerprint = data_fingerprint(files)
    version = corpus_version(root)
    release = Release(version, fingerprint, files, counts, sizes)
    manifest = {
        "version": release.version,
        "schema_version": SCHEMA_VERSION,
        "fingerprint": fingerprint,
        "counts": counts,
        "files": files,
    }
    (folder / "release.json").write_text(dumps(manifest), encoding="utf-8")
    (folder / "checksums.sha256").write_text("".join(f"{h}  {p}\n" for p, h in sorted(files.items())), encoding="utf-8")
    (folder / "README.md").write_text(dataset_card(release, summary), encoding="utf-8")
    (folder / LICENSE_FILE).write_text(LICENSE_TEXT, encoding="utf-8")
    (folder / "croissant.json").write_text(dumps(croissant_metadata(release, summary)), encoding="utf-8")
    others = {name: sha256_file(folder / name) for name in METADATA_FILES}
    inputs = Inputs(version, shared_fingerprints(root), fingerprints, built_with(), others)
    (folder / INPUTS_FILE).write_text(dumps(inputs.to_json()), encoding="utf-8")
    return Written(release, inputs, made)


def build_on(engine: Engine, root: Path, out: Path | None = None) -> Built:
    """``corpus.build.build`` on ``engine``: the inputs checked and the rows made there.

    The same contract as the local build: the repository lock, what a killed build left
    finished first, ``BuildError`` (nothing written) when the inputs have problems, a new
    folder swapped in only when complete, the default ``corpus/`` inside ``root``."""
    target = out or root / "corpus"
    if out is None:
        inside_repository(root, target)
    with swap.exclusive(root, "build"):
        recovered = swap.recover(target)
        problems = check_inputs(root, runner=unit_runner(engine)).problems
        if problems:
            raise BuildError(problems, recovered)
        work = swap.work_folder(target)
        try:
            written = write_corpus_on(engine, root, work)
            swap.swap_in(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Built(**vars(written.release), recovered=tuple(recovered), made=written.made)
