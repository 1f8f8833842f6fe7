"""corpus/croissant.json: valid Croissant (mlcroissant loads it), exactly the built files, records readable offline."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest
from conftest import REPO_ROOT

from newsclaims.core.jsonio import dumps
from newsclaims.corpus.build import build
from newsclaims.corpus.croissant import LABEL_SETS, croissant_metadata
from newsclaims.corpus.features import CONFIGS
from newsclaims.corpus.release import Release
from newsclaims.corpus.tables import Summary
from newsclaims.validation.sources import Sources, load_sources

# Deprecations inside rdflib and mlcroissant's own pandas calls: not about this file.
pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index is deprecated"),
]

# The one warning mlcroissant gives: the corpus has no release date yet (CHANGELOG: "unreleased"),
# and the file carries no dates so that rebuilds stay byte-identical.
ALLOWED_WARNINGS = {
    '[Metadata(newsclaims)] Property "https://schema.org/datePublished" is recommended, but does not exist.'
}
RAI_FIELDS = {
    "rai:dataCollection",
    "rai:dataCollectionType",
    "rai:dataCollectionRawData",
    "rai:dataPreprocessingProtocol",
    "rai:dataAnnotationProtocol",
    "rai:dataAnnotationPlatform",
    "rai:annotationsPerItem",
    "rai:dataAnnotationAnalysis",
    "rai:machineAnnotationTools",
    "rai:dataUseCases",
    "rai:dataLimitations",
    "rai:dataBiases",
    "rai:personalSensitiveInformation",
    "rai:dataReleaseMaintenancePlan",
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """mlcroissant must read the local files: any attempt to connect anywhere fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def sources() -> Sources:
    return load_sources(REPO_ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sources: Sources) -> tuple[Path, Release]:
    out = tmp_path_factory.mktemp("built") / "corpus"
    release = build(REPO_ROOT, out)
    text = dumps(croissant_metadata(release, Summary.of(sources)))
    path = out / "croissant.json"
    if path.exists():  # written by the build itself
        assert path.read_text(encoding="utf-8") == text
    else:
        path.write_text(text, encoding="utf-8")
    return out, release


@pytest.fixture(scope="module")
def dataset(built: tuple[Path, Release]) -> mlc.Dataset:
    return mlc.Dataset(jsonld=built[0] / "croissant.json")


def plain(value: Any, prefix: str) -> Any:
    """An mlcroissant record as plain Python: ids without ``prefix``, bytes decoded."""
    if isinstance(value, dict):
        return {k.removeprefix(prefix).rsplit("/", 1)[-1]: plain(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, prefix) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def records(dataset: mlc.Dataset, record_set: str) -> list[dict[str, Any]]:
    return [plain(dict(r), f"{record_set}/") for r in dataset.records(record_set=record_set)]


def test_loads_without_issues(dataset: mlc.Dataset) -> None:
    # Errors raise while loading; the warnings left are only the expected one.
    assert set(dataset.metadata.ctx.issues.warnings) <= ALLOWED_WARNINGS
    assert not dataset.metadata.ctx.issues.errors


def test_rai_fields_are_croissant_rai_terms(built: tuple[Path, Release], dataset: mlc.Dataset) -> None:
    meta = json.loads((built[0] / "croissant.json").read_text(encoding="utf-8"))
    assert "http://mlcommons.org/croissant/RAI/1.0" in meta["conformsTo"]
    assert {k for k in meta if k.startswith("rai:")} == RAI_FIELDS
    # mlcroissant knows every one of them (a misspelt term would be dropped silently).
    assert {k for k in dataset.metadata.to_json() if k.startswith("rai:")} == RAI_FIELDS
    assert "schema/GUIDELINES.md" in meta["rai:dataAnnotationProtocol"]
    assert "section 7" in meta["rai:dataAnnotationAnalysis"][0]


def test_file_objects_are_exactly_the_data_files(built: tuple[Path, Release]) -> None:
    out, release = built
    meta = json.loads((out / "croissant.json").read_text(encoding="utf-8"))
    objects = [d for d in meta["distribution"] if d["@type"] == "cr:FileObject"]
    assert {o["contentUrl"]: o["sha256"] for o in objects} == release.files
    data_files = {str(p.relative_to(out)) for p in out.rglob("*.parquet")}
    assert set(release.files) == data_files
    for o in objects:
        assert o["encodingFormat"] == "application/x-parquet"
        assert o["sha256"] == hashlib.sha256((out / o["contentUrl"]).read_bytes()).hexdigest()
    assert meta["version"] == release.version


def test_fields_follow_the_features(built: tuple[Path, Release]) -> None:
    meta = json.loads((built[0] / "croissant.json").read_text(encoding="utf-8"))
    record_sets = {rs["@id"]: rs for rs in meta["recordSet"]}
    assert list(record_sets) == [c for c in CONFIGS if built[1].counts[c]] + [s.id for s in LABEL_SETS]
    noise = {f["name"]: f for f in record_sets["noise_spans"]["field"]}
    assert list(noise) == list(CONFIGS["noise_spans"])
    names = CONFIGS["noise_spans"]["category"].names
    assert noise["category"]["dataType"] == "sc:Integer"
    assert noise["category"]["description"] == (
        "Class label index: "
        + ", ".join(f"{i} = {n}" for i, n in enumerate(names))
        + ". Names and definitions: the record set noise-categories."
    )
    assert noise["category_name"]["dataType"] == "sc:Text"
    assert (noise["start"]["dataType"], noise["text"]["dataType"]) == ("sc:Integer", "sc:Text")
    claims = {f["name"]: f for f in record_sets["claims"]["field"]}
    assert claims["checkworthy"]["dataType"] == "sc:Boolean"
    assert claims["fragments"]["isArray"] is True
    assert [s["name"] for s in claims["fragments"]["subField"]] == ["start", "end", "text"]


def test_records_match_the_parquet_files(built: tuple[Path, Release], dataset: mlc.Dataset) -> None:
    out, release = built
    for config in CONFIGS:
        if not release.counts[config]:
            continue
        rows = records(dataset, config)
        assert len(rows) == sum(release.counts[config].values()), config
        if config in ("claims", "noise_spans", "mentions", "entities", "claim_clusters"):
            # Every field is described: the records are the parquet rows, value for value.
            assert rows == pq.read_table(out / f"data/{config}/test-00000.parquet").to_pylist(), config
    claims = records(dataset, "claims")
    first = next(c for c in claims if len(c["fragments"]) > 1)
    assert first["text"] == " … ".join(f["text"] for f in first["fragments"])
    noise = records(dataset, "noise_spans")
    names = CONFIGS["noise_spans"]["category"].names
    assert Counter(names[n["category"]] for n in noise)["navigation"] >= 1


def test_output_is_deterministic_and_relative(built: tuple[Path, Release], sources: Sources) -> None:
    out, release = built
    text = (out / "croissant.json").read_text(encoding="utf-8")
    assert dumps(croissant_metadata(release, Summary.of(sources))) == text
    assert str(out) not in text and str(REPO_ROOT) not in text
    assert "http" not in json.dumps(json.loads(text)["distribution"])


def test_several_splits_read_from_one_record_set(built: tuple[Path, Release], sources: Sources, tmp_path: Path) -> None:
    # The seed corpus has one split; with two, a config's rows come from both files, with their split.
    out = tmp_path / "corpus"
    shutil.copytree(built[0], out)
    (out / "data/claims/test-00000.parquet").replace(out / "data/claims/train-00000.parquet")
    shutil.copy(built[0] / "data/claims/test-00000.parquet", out / "data/claims/test-00000.parquet")
    release = built[1]
    files = {**release.files, "data/claims/train-00000.parquet": release.files["data/claims/test-00000.parquet"]}
    n = release.counts["claims"]["test"]
    release = replace(release, files=files, counts={**release.counts, "claims": {"test": n, "train": n}})
    (out / "croissant.json").write_text(dumps(croissant_metadata(release, Summary.of(sources))), encoding="utf-8")
    dataset = mlc.Dataset(jsonld=out / "croissant.json")
    assert set(dataset.metadata.ctx.issues.warnings) <= ALLOWED_WARNINGS
    rows = records(dataset, "claims")
    assert Counter(r["split"] for r in rows) == {"test": n, "train": n}


def test_a_wrong_checksum_stops_the_read(built: tuple[Path, Release], tmp_path: Path) -> None:
    # The records are read through the FileObjects, so mlcroissant checks every file's sha256.
    out = tmp_path / "corpus"
    shutil.copytree(built[0], out)
    meta = json.loads((out / "croissant.json").read_text(encoding="utf-8"))
    for node in meta["distribution"]:
        if node.get("contentUrl") == "data/noise_spans/test-00000.parquet":
            node["sha256"] = "0" * 64
    (out / "croissant.json").write_text(dumps(meta), encoding="utf-8")
    with pytest.raises(Exception) as err:  # mlcroissant wraps the ValueError in a generic Exception
        list(mlc.Dataset(jsonld=out / "croissant.json").records(record_set="noise_spans"))
    chain: list[BaseException] = []
    cause: BaseException | None = err.value
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any("Hash of downloaded file" in str(e) for e in chain), chain


def test_every_label_set_is_an_enumeration_mlcroissant_reads(built: tuple[Path, Release], dataset: mlc.Dataset) -> None:
    """Labels readable without `datasets`: each label set is an sc:Enumeration record set, index -> name."""
    meta = json.loads((built[0] / "croissant.json").read_text(encoding="utf-8"))
    record_sets = {rs["@id"]: rs for rs in meta["recordSet"]}
    for labels in LABEL_SETS:
        assert record_sets[labels.id]["dataType"] == "sc:Enumeration"
        rows = records(dataset, labels.id)
        assert [(r["index"], r["name"]) for r in rows] == list(enumerate(labels.names))
        assert all(r["definition"] for r in rows)
    stances = {r["index"]: r["name"] for r in records(dataset, "stances")}
    attributions = pq.read_table(built[0] / "data/attributions/test-00000.parquet").to_pylist()
    assert all(stances[a["stance"]] == a["stance_name"] for a in attributions)
    # Named in the label fields' descriptions, not referenced: mlcroissant reads a reference as a
    # join, and a record set read through one comes back empty on a second read.
    fields = [
        f for rs in meta["recordSet"] for f in [*rs["field"], *(s for f in rs["field"] for s in f.get("subField", []))]
    ]
    assert not any("references" in f for f in fields)
    named = {
        f["description"].rsplit(" ", 1)[1].rstrip(".")
        for f in fields
        if "Names and definitions" in f.get("description", "")
    }
    assert named == {s.id for s in LABEL_SETS}
    tokens = {f["name"]: f for f in record_sets["tokens"]["field"]}
    assert tokens["ner_tags"]["description"].endswith("Names and definitions: the record set ner-tags.")
