"""The row cache (corpus/cache.py) and the corpus check from corpus/inputs.json (NC601 without a build).

Every cached build is compared byte for byte with a build from scratch of the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from conftest import copy_of_repository, gold_doc_ids

import newsclaims.corpus.checks as checks
import newsclaims.corpus.tables as tables
from newsclaims import validate
from newsclaims.cli import main
from newsclaims.core.paths import OutsideRepository
from newsclaims.corpus.build import build
from newsclaims.corpus.cache import CACHE_FOLDER, RowCache
from newsclaims.corpus.fingerprints import INPUTS_FILE, speaker_ids


def digests(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def from_scratch(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build without the cache writes for the inputs of ``root`` as they are now."""
    out = tmp_path / "scratch-corpus"
    shutil.rmtree(out, ignore_errors=True)
    build(root, out, cache=False)
    return digests(out)


def found(root: Path, rebuild: bool = False) -> set[tuple[str, str, str, str]]:
    return {(p.code, p.path, p.record, p.field) for p in validate(root, rebuild=rebuild)}


def released(root: Path) -> None:
    """Build, then make the CHANGELOG entry record the data's fingerprint (what a release leaves)."""
    from test_corpus_rules import released as record_fingerprint

    build(root)
    record_fingerprint(root)


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = copy_of_repository(tmp_path / "repo")
    monkeypatch.chdir(root)
    released(root)
    return root


def cache_entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / CACHE_FOLDER / "rows").rglob("*") if p.is_file())


def a_gold_file(root: Path) -> Path:
    return root / "annotations/gold" / f"{gold_doc_ids(root)[0]}.json"


def flip_first_claim(gold: Path) -> None:
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["claims"][0]["checkworthy"] = not data["claims"][0]["checkworthy"]
    gold.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def documents(root: Path) -> list[str]:
    manifest = json.loads((root / "seeds/manifest.json").read_text(encoding="utf-8"))
    return sorted(e["doc_id"] for e in manifest["documents"])


# --- the cache -------------------------------------------------------------------------------


def test_second_build_makes_no_rows_and_writes_the_same_bytes(built: Path, tmp_path: Path) -> None:
    first = digests(built / "corpus")
    again = build(built)
    assert again.made == 0
    assert digests(built / "corpus") == first == from_scratch(built, tmp_path)


def test_one_changed_page_is_the_only_one_made_again(built: Path, tmp_path: Path) -> None:
    gold = next(p for p in sorted((built / "annotations/gold").glob("*.json")) if json.loads(p.read_text())["claims"])
    flip_first_claim(gold)
    assert build(built).made == 1
    assert digests(built / "corpus") == from_scratch(built, tmp_path)
    # The cache keeps one build's rows: the entry of the old version of the page is gone.
    assert len(cache_entries(built)) == len(documents(built))


def test_a_speakers_registry_record_is_part_of_the_key(built: Path, tmp_path: Path) -> None:
    """Attribution rows name their speaker: renaming the entity remakes the pages that quote it."""
    quoting = {
        doc_id: speaker_ids((built / f"annotations/gold/{doc_id}.json").read_bytes()) for doc_id in gold_doc_ids(built)
    }
    speaker = next(ids[0] for ids in quoting.values() if ids)
    registry_path = built / "annotations/entities.json"
    registry = json.loads(registry_path.read_text(encoding="utf-8"))
    for entity in registry["entities"]:
        if entity["entity_id"] == speaker:
            entity["name"] += " (renamed)"
    registry_path.write_text(json.dumps(registry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert build(built).made == sum(1 for ids in quoting.values() if speaker in ids)
    assert digests(built / "corpus") == from_scratch(built, tmp_path)


def test_a_damaged_entry_is_made_again(built: Path, tmp_path: Path) -> None:
    first, second = cache_entries(built)[:2]
    intact = first.read_bytes()
    first.write_bytes(intact[:-20])  # cut short, as a crash might leave it
    second.write_bytes(intact)  # intact, but another document's
    # Without the shard record every document's rows are read (a copied shard's documents
    # need only the header, which the cut left intact).
    (built / CACHE_FOLDER / "shards.json").unlink()
    assert build(built).made == 2
    assert digests(built / "corpus") == from_scratch(built, tmp_path)
    cache_entries(built)[0].write_bytes(b"not an entry")  # no header either: made again
    assert build(built).made == 1
    assert digests(built / "corpus") == from_scratch(built, tmp_path)


def test_a_code_change_misses_every_entry(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RowCache.of(built)
    monkeypatch.setattr(RowCache, "of", classmethod(lambda cls, root: cls(cache.folder, "another recipe")))
    assert build(built).made == len(documents(built))


def test_the_cache_folder_may_not_lead_outside(built: Path, tmp_path: Path) -> None:
    shutil.rmtree(built / CACHE_FOLDER)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, built / CACHE_FOLDER)
    with pytest.raises(OutsideRepository):
        build(built)
    assert list(outside.iterdir()) == []


def test_without_the_cache_nothing_is_written_to_it(built: Path) -> None:
    shutil.rmtree(built / CACHE_FOLDER)
    assert build(built, cache=False).made == len(documents(built))
    assert not (built / CACHE_FOLDER).exists()


# --- NC601 from corpus/inputs.json -------------------------------------------------------------

INPUTS = f"corpus/{INPUTS_FILE}"


def test_a_changed_gold_file_names_its_document(built: Path) -> None:
    gold = a_gold_file(built)
    flip_first_claim(gold)
    assert found(built) == {("NC601", INPUTS, gold.stem, "documents")}


def test_a_changed_registry_names_the_file(built: Path) -> None:
    path = built / "annotations/clusters.json"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert found(built) == {("NC601", INPUTS, "-", "shared.annotations/clusters.json")}


def test_a_page_added_since_the_build(built: Path, tmp_path: Path) -> None:
    page = tmp_path / "new page.txt"
    page.write_text("Maren\u00a0Holt, a harbour pilot, said the 🚢 was late.\n", encoding="utf-8")
    code = main(
        ["seeds", "add", str(page), "--outlet", "Harbour Post", "--title", "Late ship", "--published", "2026-11-30",
         "--story", "late-ship", "--split", "train"]
    )  # fmt: skip
    assert code == 0
    (added,) = (
        set(documents(built)) - set(gold_doc_ids(built)) - set(json.loads((built / INPUTS).read_text())["documents"])
    )
    assert found(built) == {
        ("NC601", INPUTS, added, "documents"),
        ("NC601", INPUTS, "-", "shared.annotations/splits.json"),
    }
    build(built)
    # Rebuilt, the corpus is current; new data wants a new version entry (NC606), as ever.
    assert {code for code, *_ in found(built)} == {"NC606"}


def test_a_missing_or_foreign_inputs_record(built: Path) -> None:
    record = built / INPUTS
    record.write_text('{"format": 99}\n', encoding="utf-8")
    assert found(built) == {("NC601", INPUTS, "-", "file")}
    record.unlink()
    assert found(built) == {("NC601", INPUTS, "-", "file")}
    assert found(built, rebuild=True) == {("NC601", INPUTS, "-", "file")}


def test_a_file_the_build_did_not_write(built: Path) -> None:
    (built / "corpus/notes.txt").write_text("mine\n", encoding="utf-8")
    assert found(built) == {("NC601", "corpus/notes.txt", "-", "file")}
    assert found(built, rebuild=True) == {("NC601", "corpus/notes.txt", "-", "file")}


def test_other_versions_of_the_distributions_mean_a_build(
    built: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(checks, "built_with", lambda: {"newsclaims": "0.0.0-other", "pyarrow": "1.0"})
    rebuilt = []
    monkeypatch.setattr(checks, "check_rebuilt", lambda *a: rebuilt.append(a) or ([], None))
    with caplog.at_level(logging.WARNING):
        assert found(built) == set()
    assert len(rebuilt) == 1
    assert "-> 0.0.0-other" in caplog.text and "comparing with a fresh build" in caplog.text


def test_only_a_rebuild_sees_a_change_of_the_row_code(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trust the default check places in inputs.json, stated as a test: new code that makes
    other rows from the same inputs is found by --rebuild (and by every release), not by default."""
    monkeypatch.setattr(tables, "uid", lambda doc_id, record_id: None if record_id is None else f"{doc_id}:{record_id}")
    assert found(built) == set()
    stale = {path for code, path, _, _ in found(built, rebuild=True) if code == "NC601"}
    assert {p for p in stale if p.startswith("corpus/data/claims/")}


def test_the_commands(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n = len(documents(built))
    assert main(["build"]) == 0
    assert f"rows of 0 of {n} document(s) made" in capsys.readouterr().out
    flip_first_claim(a_gold_file(built))
    assert main(["build", "--no-cache"]) == 0
    assert f"rows of all {n} document(s) made" in capsys.readouterr().out
    flip_first_claim(a_gold_file(built))  # back to the inputs of the corpus before the last build
    assert main(["validate"]) == 1
    assert f"{INPUTS}:{a_gold_file(built).stem}:documents: NC601 " in capsys.readouterr().out
    assert main(["validate", "--rebuild"]) == 1
    assert "corpus/data/" in capsys.readouterr().out


def test_a_data_file_and_its_listing_edited_together(built: Path) -> None:
    """The values of a data file are taken as built only when release.json is the one the build
    recorded: edit a file and its sha256 in release.json, and NC603 reads the file again."""
    from test_corpus_rules import NOISE, out_of_range

    out_of_range(built)
    noise = built / NOISE
    release_path = built / "corpus/release.json"
    release = json.loads(release_path.read_text(encoding="utf-8"))
    rel = noise.relative_to(built / "corpus").as_posix()
    release["files"][rel] = hashlib.sha256(noise.read_bytes()).hexdigest()
    release_path.write_text(json.dumps(release, indent=2) + "\n", encoding="utf-8")
    problems = found(built)
    assert ("NC603", f"corpus/{rel}", "-", "category") in problems
    assert ("NC601", "corpus/release.json", "-", "file") in problems


@pytest.mark.parametrize("rebuild", [False, True], ids=["inputs-record", "rebuild"])
def test_a_fifo_in_the_corpus_is_reported_not_waited_for(built: Path, tmp_path: Path, rebuild: bool) -> None:
    """Only regular files are read: a named pipe (or a link to one) in corpus/ would block a reader."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    listed = sorted((built / "corpus/data/documents").glob("*.parquet"))[0]
    listed.unlink()
    os.symlink(fifo, listed)
    rel = listed.relative_to(built).as_posix()
    assert ("NC100", rel, "-", "-") in found(built, rebuild)


def test_a_release_manifest_of_the_wrong_shape(built: Path) -> None:
    (built / "corpus/release.json").write_text('{"files": [], "counts": {}}\n', encoding="utf-8")
    assert ("NC100", "corpus/release.json", "-", "-") in found(built)
