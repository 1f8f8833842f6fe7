"""The synthetic repository: deterministic, valid, and every injected error is found where it was put."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from newsclaims import validate
from newsclaims.cli import main
from newsclaims.corpus.build import build
from newsclaims.synth import synthesize


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    synthesize(12, tmp_path / "a", seed=3, errors=1)
    synthesize(12, tmp_path / "b", seed=3, errors=1)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    synthesize(12, tmp_path / "c", seed=4)
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_clean_synthetic_repository_validates_and_builds(tmp_path: Path) -> None:
    synthesize(15, tmp_path / "repo", seed=1)
    assert validate(tmp_path / "repo", corpus=False) == []
    release = build(tmp_path / "repo")
    assert release.counts["documents"]["test"] == 15
    sizes = [p.stat().st_size for p in (tmp_path / "repo" / "seeds").glob("*.txt")]
    assert 2500 < sum(sizes) / len(sizes) < 3500  # pages of about 3 KB, like the real ones


def test_every_injected_error_is_found_exactly(tmp_path: Path, monkeypatch: object) -> None:
    root = tmp_path / "repo"
    assert main(["synth", "30", "--out", str(root), "--seed", "2", "--errors", "2"]) == 0
    injected = json.loads((root / "injected.json").read_text())
    assert len(injected) == 10 and {i["code"] for i in injected} == {"NC103", "NC203", "NC303", "NC401", "NC501"}
    found = {
        (p.code, Path(p.path).relative_to(root).as_posix(), p.record, p.field) for p in validate(root, corpus=False)
    }
    assert found == {(i["code"], i["path"], i["record"], i["field"]) for i in injected}


def test_writes_into_a_folder_not_made_yet_and_replaces_an_old_one_whole(tmp_path: Path) -> None:
    out = tmp_path / "not" / "made" / "repo"
    synthesize(3, out, seed=1)
    (out / "stray.txt").write_text("left by an earlier run")
    synthesize(4, out, seed=1)
    assert len(list((out / "seeds").glob("*.txt"))) == 4 and not (out / "stray.txt").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["repo"]  # no temporary folder left behind


def test_parallel_validation_reports_the_same(tmp_path: Path) -> None:
    synthesize(60, tmp_path / "repo", seed=7, errors=3)
    serial = validate(tmp_path / "repo", corpus=False)
    assert len(serial) == 15
    # This process and its workers share the chunks; however many there are, nothing is lost or doubled.
    for jobs in (2, 3, 5):
        assert validate(tmp_path / "repo", corpus=False, jobs=jobs) == serial
    assert main(["validate", str(tmp_path / "repo"), "--jobs", "2"]) == 1


def test_the_listing_of_seeds_found_while_workers_check_is_found_once(tmp_path: Path) -> None:
    # validate checks the manifest against seeds/ while the workers start (Index.load(listing=False)).
    root = tmp_path / "repo"
    synthesize(20, root, seed=4)
    (root / "seeds" / "stray.txt").write_text("no entry", encoding="utf-8")
    gone = sorted((root / "seeds").glob("*.txt"))[0]
    gone.unlink()
    (root / "annotations" / "gold" / f"{gone.stem}.json").unlink()
    expected = [("NC503", "seeds/manifest.json", gone.stem), ("NC502", "seeds/stray.txt", "-")]
    for jobs in (1, 2):
        found = [(p.code, Path(p.path).relative_to(root).as_posix(), p.record) for p in validate(root, jobs=jobs)]
        assert found == expected, jobs


def test_streaming_build_is_the_same_bytes_however_the_work_is_split(tmp_path: Path, monkeypatch: Any) -> None:
    import newsclaims.corpus.build as b

    synthesize(40, tmp_path / "repo", seed=5)
    whole = build(tmp_path / "repo", tmp_path / "whole")
    # Small row groups and chunks that do not divide them: groups must cut across chunks.
    monkeypatch.setattr(b, "ROW_GROUP_ROWS", {"documents": 7, "tokens": 500})
    monkeypatch.setattr(b, "DEFAULT_ROW_GROUP_ROWS", 100)
    monkeypatch.setattr(b, "CHUNK", 3)
    serial = build(tmp_path / "repo", tmp_path / "serial")
    parallel = build(tmp_path / "repo", tmp_path / "parallel", jobs=2)
    assert tree(tmp_path / "serial") == tree(tmp_path / "parallel")
    assert serial.files == parallel.files and serial.counts == whole.counts
    for rel in whole.files:
        grouped = pq.ParquetFile(tmp_path / "serial" / rel)
        config = rel.split("/")[1]
        size = b.ROW_GROUP_ROWS.get(config, b.DEFAULT_ROW_GROUP_ROWS)
        rows = [grouped.metadata.row_group(i).num_rows for i in range(grouped.num_row_groups)]
        assert all(n == size for n in rows[:-1]) and 0 < rows[-1] <= size, (rel, rows)
        assert pq.read_table(tmp_path / "whole" / rel).to_pylist() == grouped.read().to_pylist(), rel
    assert (
        pq.ParquetFile(tmp_path / "serial" / "data/documents/test-00000.parquet").num_row_groups == 6
    )  # 40 = 5 x 7 + 5
