"""The built corpus: byte-identical rebuilds, a real offline load_dataset, and safe failures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from newsclaims.corpus.build import BuildError, build
from newsclaims.corpus.features import CONFIGS


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_in_subprocess(out: Path) -> None:
    code = (
        "from pathlib import Path; "
        + "from newsclaims.corpus.build import build; "
        # From scratch: neither reading nor filling the row cache of the repository.
        + f"build(Path({str(REPO_ROOT)!r}), Path({str(out)!r}), cache=False)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "corpus"
    build_in_subprocess(out)
    return out


def test_rebuild_in_another_process_is_byte_identical(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "corpus"
    build_in_subprocess(again)
    assert tree(again) == tree(corpus)


def test_committed_corpus_is_current(corpus: Path) -> None:
    assert tree(REPO_ROOT / "corpus") == tree(corpus), "corpus/ is stale: run `make corpus` and commit it"


def test_load_dataset_offline_every_config(corpus: Path, tmp_path: Path) -> None:
    # A fresh process, offline, with its own cache: exactly what a researcher does.
    release = json.loads((corpus / "release.json").read_text())
    configs = [c for c in CONFIGS if release["counts"][c]]
    assert {"documents", "mentions", "entities", "noise_spans"} <= set(configs)
    script = textwrap.dedent(
        f"""
        import json
        from datasets import load_dataset
        out = {{}}
        for name in {configs!r}:
            ds = load_dataset({str(corpus)!r}, name, split="test")
            out[name] = {{"features": ds.features.to_dict(), "rows": ds.to_list()}}
        print(json.dumps(out))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout)
    for name in configs:
        assert loaded[name]["features"] == CONFIGS[name].to_dict(), name
    docs = {d["doc_id"]: d for d in loaded["documents"]["rows"]}
    manifest = json.loads((REPO_ROOT / "seeds" / "manifest.json").read_text())
    assert set(docs) == {e["doc_id"] for e in manifest["documents"]}  # every page of the manifest, once
    # Every span equals its document slice, in the nested and in the flat configs.
    gold_dir = REPO_ROOT / "annotations" / "gold"
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text())
        doc = docs[gold["doc_id"]]
        assert len(doc["mentions"]) == len(gold["mentions"]) and len(doc["noise"]) == len(gold["noise"])
        assert {m["mention_id"] for m in doc["mentions"]} == {m["mention_id"] for m in gold["mentions"]}
    for row in loaded["mentions"]["rows"] + loaded["noise_spans"]["rows"]:
        assert docs[row["doc_id"]]["text"][row["start"] : row["end"]] == row["text"]
    for row in loaded.get("claims", {"rows": []})["rows"]:
        for f in row["fragments"]:
            assert docs[row["doc_id"]]["text"][f["start"] : f["end"]] == f["text"]


def test_broken_input_stops_the_build_and_keeps_the_old_corpus(corpus: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, repo / part)
    out = repo / "corpus"
    shutil.copytree(corpus, out)
    before = tree(out)
    (repo / "seeds" / "zzz_unlisted.txt").write_text("a page without a manifest entry\n")
    with pytest.raises(BuildError) as err:
        build(repo, out)
    assert [p.code for p in err.value.problems] == ["NC502"]
    assert tree(out) == before
    # Nothing but the (git-ignored) lock file of core/swap.py is added next to corpus/.
    assert sorted(p.name for p in repo.iterdir()) == [
        ".newsclaims.lock",
        "CHANGELOG.md",
        "annotations",
        "corpus",
        "seeds",
    ]
