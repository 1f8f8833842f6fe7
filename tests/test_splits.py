"""Splits by story, declared in annotations/splits.json: the commands, the rules, the build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO_ROOT, TEXT, MiniRepo, baseline_gold

from newsclaims import validate
from newsclaims.corpus.build import write_corpus


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsclaims.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def splits_file(root: Path) -> dict[str, str]:
    data = json.loads((root / "annotations/splits.json").read_text(encoding="utf-8"))
    return {s["story_id"]: s["split"] for s in data["splits"]}


def add(mini: MiniRepo, page: Path, story: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["--outlet", "Example Times", "--title", "A page", "--published", "2022-12-11", "--story", story]
    return run("seeds", "add", str(page), *args, *extra, cwd=mini.root)


def test_every_story_of_this_repository_has_one_split() -> None:
    manifest = json.loads((REPO_ROOT / "seeds/manifest.json").read_text(encoding="utf-8"))
    declared = json.loads((REPO_ROOT / "annotations/splits.json").read_text(encoding="utf-8"))["splits"]
    stories = [s["story_id"] for s in declared]
    assert len(stories) == len(set(stories))
    assert set(stories) == {e["story_id"] for e in manifest["documents"]}


def test_seeds_add_declares_a_new_story_in_test_and_says_so(mini: MiniRepo, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A page of another story.\n", encoding="utf-8")
    done = add(mini, page, "story-2")
    assert done.returncode == 0, done.stderr
    first, last = done.stdout.splitlines()
    assert first.startswith("story story-2 is new: its pages are in the test split")
    assert "newsclaims splits set story-2 SPLIT" in first
    assert last.startswith("added seeds/")
    assert splits_file(mini.root) == {"story-1": "test", "story-2": "test"}
    assert validate() == []


def test_seeds_add_split_of_a_new_story(mini: MiniRepo, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A page of another story.\n", encoding="utf-8")
    done = add(mini, page, "story-2", "--split", "train")
    assert done.returncode == 0, done.stderr
    assert splits_file(mini.root)["story-2"] == "train"
    assert validate() == []


def test_seeds_add_refuses_another_split_for_a_known_story(mini: MiniRepo, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A page of the same story.\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in mini.root.rglob("*") if p.is_file()}
    done = add(mini, page, "story-1", "--split", "train")
    assert done.returncode == 1
    assert done.stderr == (
        "newsclaims seeds add: refused: story 'story-1' is in the test split, not train: a story is in one split; "
        "move all its pages with `newsclaims splits set story-1 train`\n"
    )
    assert {p: p.read_bytes() for p in mini.root.rglob("*") if p.is_file()} == before


def test_splits_set_moves_a_story_and_remove_drops_it(mini: MiniRepo) -> None:
    done = run("splits", "set", "story-1", "validation", cwd=mini.root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("story story-1: validation (was test)")
    assert splits_file(mini.root) == {"story-1": "validation"}
    mini.splits = [{"story_id": "story-1", "split": "validation"}, {"story_id": "story-9", "split": "train"}]
    mini.write()
    assert [(p.code, p.record) for p in validate()] == [("NC513", "story-9")]
    assert run("splits", "remove", "story-9", cwd=mini.root).returncode == 0
    assert validate() == []
    gone = run("splits", "remove", "story-9", cwd=mini.root)
    assert (gone.returncode, gone.stderr) == (
        1,
        "newsclaims splits remove: refused: story 'story-9' is not in annotations/splits.json\n",
    )


def test_splits_remove_refuses_a_story_that_still_has_pages(mini: MiniRepo) -> None:
    before = (mini.root / "annotations/splits.json").read_bytes()
    done = run("splits", "remove", "story-1", cwd=mini.root)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "newsclaims splits remove: refused: story 'story-1' still has 1 page(s) in seeds/manifest.json: doc-a; "
        "every page needs its story's split (move the story with `newsclaims splits set story-1 SPLIT`)\n",
    )
    assert (mini.root / "annotations/splits.json").read_bytes() == before
    assert validate() == []


def test_splits_set_refuses_a_story_without_pages(mini: MiniRepo) -> None:
    before = (mini.root / "annotations/splits.json").read_bytes()
    done = run("splits", "set", "story-l", "train", cwd=mini.root)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "newsclaims splits set: refused: story 'story-l' has no page in seeds/manifest.json (did you mean "
        "'story-1'?); a new story gets its split when its first page is added: "
        "`newsclaims seeds add PAGE --story STORY --split SPLIT`\n",
    )
    assert (mini.root / "annotations/splits.json").read_bytes() == before
    assert validate() == []


def test_splits_set_to_the_same_split_changes_nothing(mini: MiniRepo) -> None:
    path = mini.root / "annotations/splits.json"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    done = run("splits", "set", "story-1", "test", cwd=mini.root)
    assert (done.returncode, done.stdout, done.stderr) == (0, "story story-1: already in test; nothing changed\n", "")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "Story 1", "test"), "invalid story id 'Story 1'"),
        (("set", "../x", "test"), "invalid story id '../x'"),
    ],
)
def test_splits_set_refuses_bad_input(mini: MiniRepo, args: tuple[str, ...], message: str) -> None:
    before = (mini.root / "annotations/splits.json").read_bytes()
    done = run("splits", *args, cwd=mini.root)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert (mini.root / "annotations/splits.json").read_bytes() == before


def test_a_split_outside_the_vocabulary_is_located(mini: MiniRepo) -> None:
    mini.splits = [{"story_id": "story-1", "split": "dev"}]
    mini.write()
    found = [(p.code, p.path, p.record, p.field) for p in validate()]
    assert ("NC103", "annotations/splits.json", "story-1", "split") in found


def test_a_missing_split_file_leaves_every_document_without_a_split(mini: MiniRepo) -> None:
    (mini.root / "annotations/splits.json").unlink()
    assert [(p.code, p.path, p.record, p.field) for p in validate()] == [
        ("NC512", "seeds/manifest.json", "doc-a", "story_id")
    ]


def test_the_manifest_checked_alone_reports_its_documents_without_a_split(mini: MiniRepo) -> None:
    mini.splits = []
    mini.write()
    assert [(p.code, p.record) for p in validate("seeds/manifest.json")] == [("NC512", "doc-a")]


def test_the_build_writes_each_story_into_its_split(mini: MiniRepo, tmp_path: Path) -> None:
    other = "A second page, of another story.\n"
    mini.seeds["doc-b.txt"] = other.encode()
    mini.manifest.append(mini.entry("doc-b", "doc-b.txt", story_id="story-2"))
    mini.splits = [{"story_id": "story-1", "split": "test"}, {"story_id": "story-2", "split": "train"}]
    mini.write()
    (mini.root / "CHANGELOG.md").write_text("# Changelog\n\n## corpus 0.0.1 — a test\n", encoding="utf-8")
    assert validate() == []
    out = tmp_path / "corpus"
    release = write_corpus(mini.root, out).release
    assert release.counts["documents"] == {"test": 1, "train": 1}
    for split, doc_id in (("test", "doc-a"), ("train", "doc-b")):
        rows = pq.read_table(out / f"data/documents/{split}-00000.parquet").to_pylist()
        assert [(r["doc_id"], r["split"]) for r in rows] == [(doc_id, split)]
    claims = pq.read_table(out / "data/claims/test-00000.parquet").to_pylist()
    assert {r["doc_id"] for r in claims} == {"doc-a"}  # doc-b has no gold: no claims in train
    card = yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---\n", 2)[1])
    documents = next(c for c in card["configs"] if c["config_name"] == "documents")
    assert [f["split"] for f in documents["data_files"]] == ["test", "train"]
    for config in card["configs"]:
        listed = {f["split"] for f in config["data_files"]}
        assert listed == set(release.counts[config["config_name"]])


@pytest.mark.parametrize("content", [b"{not json", b'{"schema_version": "1.1", "splits": 5}'])
def test_a_broken_split_file_is_one_line_and_nothing_changes(mini: MiniRepo, tmp_path: Path, content: bytes) -> None:
    (mini.root / "annotations/splits.json").write_bytes(content)
    page = tmp_path / "page.txt"
    page.write_text("A page of another story.\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in mini.root.rglob("*") if p.is_file()}
    for args in (("splits", "set", "story-1", "train"), ("splits", "list")):
        done = run(*args, cwd=mini.root)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "splits.json" in done.stderr
    done = add(mini, page, "story-2")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert {p: p.read_bytes() for p in mini.root.rglob("*") if p.is_file()} == before


def three_splits_of_pages(mini: MiniRepo) -> None:
    """doc-a (story-1) in validation; doc-b (story-2, annotated) and doc-c (story-3, no gold) in train.

    Iran and Russia are mentioned in both splits; John Kirby is mentioned in doc-a and only the
    speaker of an attribution in doc-b; "unused" is in the registry and on no page.
    """
    text_b, text_c = TEXT + "More.\n", "A page nobody annotated.\n"
    mini.seeds["doc-b.txt"], mini.seeds["doc-c.txt"] = text_b.encode(), text_c.encode()
    mini.manifest += [mini.entry("doc-b", "doc-b.txt", story_id="story-2"), mini.entry("doc-c", "doc-c.txt", "story-3")]
    gold_b = baseline_gold(text_b, "doc-b")
    gold_b["schema_version"] = "1.2"
    gold_b["mentions"] = [m for m in gold_b["mentions"] if m["entity_id"] != "john-kirby"]
    gold_b["attributions"][0]["source"] |= {"mention_id": None, "entity_id": "john-kirby"}
    for claim in gold_b["claims"]:
        claim["cluster_id"] = None
    mini.gold["doc-b"] = gold_b
    mini.entities.append({"entity_id": "unused", "label": "PERSON", "name": "Nobody", "wikidata": None})
    mini.splits = [
        {"story_id": "story-1", "split": "validation"},
        {"story_id": "story-2", "split": "train"},
        {"story_id": "story-3", "split": "train"},
    ]
    mini.write()
    (mini.root / "CHANGELOG.md").write_text("# Changelog\n\n## corpus 0.0.1 — a test\n", encoding="utf-8")


def test_registries_add_no_split_and_count_entities_per_split(mini: MiniRepo, tmp_path: Path) -> None:
    three_splits_of_pages(mini)
    assert validate() == []
    out = tmp_path / "corpus"
    release = write_corpus(mini.root, out).release
    assert release.counts["documents"] == {"train": 2, "validation": 1}
    for config, per_split in release.counts.items():
        assert set(per_split) <= {"train", "validation"}, config  # no test split: no page is in test
    assert not (out / "data/entities/test-00000.parquet").exists()
    rows = {
        (r["entity_id"], split): (r["mention_count"], r["doc_ids"])
        for split in ("train", "validation")
        for r in pq.read_table(out / f"data/entities/{split}-00000.parquet").to_pylist()
    }
    assert rows == {
        ("date-friday", "train"): (1, ["doc-b"]),
        ("date-friday", "validation"): (1, ["doc-a"]),
        ("iran", "train"): (1, ["doc-b"]),
        ("iran", "validation"): (1, ["doc-a"]),
        ("john-kirby", "train"): (0, []),  # the speaker of doc-b's a1, not mentioned there
        ("john-kirby", "validation"): (1, ["doc-a"]),
        ("qty-400", "train"): (1, ["doc-b"]),
        ("qty-400", "validation"): (1, ["doc-a"]),
        ("russia", "train"): (1, ["doc-b"]),
        ("russia", "validation"): (1, ["doc-a"]),
    }
    assert release.counts["claim_clusters"] == {"validation": 1}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| `claim_clusters` | - | 1 |" in card
    assert "Splits per config, where they differ from the documents': `claim_clusters` has `validation`." in card
    assert (
        "Left out of every split (1 entity of the registry that no page mentions or names as a speaker; "
        "the repository's registries have them)" in card
    )
    assert "sum `mention_count` for its corpus-wide count and count distinct `entity_id`, not rows" in card
    assert "Splits of the documents: `train`, `validation` (see *Splits* below; a config has a file only" in card


def test_documents_and_tokens_say_whether_a_page_is_annotated(mini: MiniRepo, tmp_path: Path) -> None:
    three_splits_of_pages(mini)
    out = tmp_path / "corpus"
    write_corpus(mini.root, out)
    documents = pq.read_table(out / "data/documents/train-00000.parquet").to_pylist()
    assert [(d["doc_id"], d["annotated"], d["mentions"]) for d in documents if d["doc_id"] == "doc-c"] == [
        ("doc-c", False, [])
    ]
    assert [d["annotated"] for d in documents if d["doc_id"] == "doc-b"] == [True]
    tokens = pq.read_table(out / "data/tokens/train-00000.parquet").to_pylist()
    assert {(t["doc_id"], t["annotated"]) for t in tokens} == {("doc-b", True), ("doc-c", False)}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "- 3 pages (2 with gold annotations) on 3 stories: story-1, story-2, story-3.\n" in card
    assert "- Which pages have gold annotations: the `annotated` column of `documents` and `tokens`.\n" in card
