"""Shards (corpus/shards.py) and the files a build copies from the corpus it replaces (corpus/reuse.py).

Shards are made small here (a few pages each) so that a small synthetic repository has
several in each of two splits. Every build is compared byte for byte with a build from
scratch of the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import newsclaims.corpus.shards as shards
from newsclaims.corpus.build import build
from newsclaims.corpus.cache import CACHE_FOLDER
from newsclaims.corpus.checks import check_files
from newsclaims.synth import synthesize

PAGES = 48


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def from_scratch(root: Path, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "scratch-corpus"
    shutil.rmtree(out, ignore_errors=True)
    build(root, out, cache=False)
    return digests(out)


def doc_ids_by_file(corpus: Path) -> dict[str, list[str]]:
    return {
        path.relative_to(corpus).as_posix(): pq.read_table(path, columns=["doc_id"]).column("doc_id").to_pylist()
        for path in sorted((corpus / "data/documents").glob("*.parquet"))
    }


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synthetic repository with its stories spread over train and test, shards of about 4 pages, built."""
    monkeypatch.setattr(shards, "SHARD_DOCUMENTS", 4)
    root = tmp_path / "repo"
    synthesize(PAGES, root)
    splits = json.loads((root / "annotations/splits.json").read_text(encoding="utf-8"))
    for i, row in enumerate(splits["splits"]):
        row["split"] = "train" if i % 2 else "test"
    (root / "annotations/splits.json").write_text(json.dumps(splits), encoding="utf-8")
    monkeypatch.chdir(root)
    build(root)
    return root


def a_page(root: Path, index: int) -> str:
    """The doc_id of the ``index``-th page (doc_id order)."""
    return sorted(p.stem for p in (root / "annotations/gold").glob("*.json"))[index]


def flip_a_claim(root: Path, doc_id: str) -> None:
    gold = root / f"annotations/gold/{doc_id}.json"
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["claims"][0]["checkworthy"] = not data["claims"][0]["checkworthy"]
    gold.write_text(json.dumps(data), encoding="utf-8")


def shard_count(corpus: Path) -> int:
    return len(doc_ids_by_file(corpus))


def test_splits_are_cut_where_a_documents_id_says(repo: Path) -> None:
    files = doc_ids_by_file(repo / "corpus")
    for split in ("train", "test"):
        names = [name for name in files if name.startswith(f"data/documents/{split}-")]
        assert len(names) > 1, f"the fixture should give {split} several shards"
        assert names == [shards.data_file("documents", split, i) for i in range(len(names))]
        for position, name in enumerate(names):
            ids = files[name]
            assert ids == sorted(ids)
            *inner, last = ids
            assert not any(shards.ends_shard(d) for d in inner), name
            # Every shard but a split's last ends at a boundary.
            assert shards.ends_shard(last) or position == len(names) - 1, name


def test_a_changed_page_re_encodes_its_shard_only(repo: Path, tmp_path: Path) -> None:
    corpus = repo / "corpus"
    before, files = digests(corpus), doc_ids_by_file(corpus)
    changed = a_page(repo, PAGES // 2)
    flip_a_claim(repo, changed)
    built = build(repo)
    assert built.made == 1
    assert built.reused == shard_count(corpus) - 1
    after = digests(corpus)
    assert after == from_scratch(repo, tmp_path)
    (its_file,) = [name for name, ids in files.items() if changed in ids]
    kept = [name for name, ids in files.items() if changed not in ids]
    assert all(after[name] == before[name] for name in kept)
    assert after[its_file] != before[its_file]  # its claim is nested in its documents row


def test_a_removed_and_an_added_page(repo: Path, tmp_path: Path) -> None:
    gone = a_page(repo, 5)
    manifest_path = repo / "seeds/manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    (entry,) = [e for e in manifest["documents"] if e["doc_id"] == gone]
    seed_bytes = (repo / "seeds" / entry["file"]).read_bytes()
    gold_bytes = (repo / f"annotations/gold/{gone}.json").read_bytes()
    (repo / "seeds" / entry["file"]).unlink()
    (repo / f"annotations/gold/{gone}.json").unlink()
    manifest_path.write_text(
        json.dumps({**manifest, "documents": [e for e in manifest["documents"] if e["doc_id"] != gone]}),
        encoding="utf-8",
    )
    removed = build(repo)
    assert removed.made == 0 and removed.reused >= shard_count(repo / "corpus") - 2
    assert digests(repo / "corpus") == from_scratch(repo, tmp_path)
    (repo / "seeds" / entry["file"]).write_bytes(seed_bytes)
    (repo / f"annotations/gold/{gone}.json").write_bytes(gold_bytes)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    added = build(repo)
    assert added.reused >= shard_count(repo / "corpus") - 2
    assert digests(repo / "corpus") == from_scratch(repo, tmp_path)


def test_nothing_changed_copies_every_shard(repo: Path) -> None:
    before = digests(repo / "corpus")
    again = build(repo)
    assert (again.made, again.reused) == (0, shard_count(repo / "corpus"))
    assert digests(repo / "corpus") == before


def test_a_file_edited_in_the_corpus_is_not_copied(repo: Path, tmp_path: Path) -> None:
    corpus = repo / "corpus"
    first = sorted(doc_ids_by_file(corpus))[0]
    other = sorted(doc_ids_by_file(corpus))[1]
    # Still a valid parquet file, with other rows: only its sha256 tells.
    shutil.copyfile(corpus / other, corpus / first)
    again = build(repo)
    assert again.reused == shard_count(corpus) - 1
    assert digests(corpus) == from_scratch(repo, tmp_path)


@pytest.mark.parametrize("damage", ["record", "entries"])
def test_a_damaged_record_or_lost_entries(repo: Path, tmp_path: Path, damage: str) -> None:
    cache = repo / CACHE_FOLDER
    if damage == "record":
        (cache / "shards.json").write_text('{"format": 1, "shards": [', encoding="utf-8")
    else:
        shutil.rmtree(cache / "rows")  # the files can be copied; links and summary are made again
    again = build(repo)
    assert again.reused == (0 if damage == "record" else shard_count(repo / "corpus"))
    assert again.made == (0 if damage == "record" else PAGES)
    assert digests(repo / "corpus") == from_scratch(repo, tmp_path)


def test_without_the_cache_nothing_is_copied(repo: Path, tmp_path: Path) -> None:
    again = build(repo, cache=False)
    assert (again.made, again.reused) == (PAGES, 0)


def test_counts_are_summed_over_a_splits_files(repo: Path) -> None:
    corpus = repo / "corpus"
    release = json.loads((corpus / "release.json").read_text(encoding="utf-8"))
    release["counts"]["documents"]["train"] += 1
    (corpus / "release.json").write_text(json.dumps(release), encoding="utf-8")
    rows = release["counts"]["documents"]["train"] - 1
    found = [(p.code, p.path, p.record, p.field, p.message) for p in check_files(corpus) if p.code == "NC604"]
    assert ("NC604", "corpus/release.json", "documents", "counts.train", f"its files have {rows} rows") in found


def test_a_data_file_not_named_as_a_shard(repo: Path) -> None:
    corpus = repo / "corpus"
    release = json.loads((corpus / "release.json").read_text(encoding="utf-8"))
    old = shards.data_file("claims", "test", 0)
    new = "data/claims/test.parquet"
    (corpus / old).rename(corpus / new)
    release["files"][new] = release["files"].pop(old)
    (corpus / "release.json").write_text(json.dumps(release), encoding="utf-8")
    found = {(p.code, p.path, p.field) for p in check_files(corpus)}
    assert ("NC602", f"corpus/{new}", "path") in found


def test_the_command_says_what_it_copied(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsclaims.cli import main

    assert main(["build"]) == 0
    said = capsys.readouterr().out
    assert f"the files of {shard_count(repo / 'corpus')} unchanged shard(s) copied" in said


def test_registry_rows_in_small_batches_give_the_same_files(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsclaims.corpus.build as corpus_build

    whole = from_scratch(repo, tmp_path)
    monkeypatch.setattr(corpus_build, "REGISTRY_BATCH", 1)
    assert from_scratch(repo, tmp_path) == whole
    assert any(name.startswith("data/entities/") for name in whole)
