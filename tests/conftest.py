"""Shared fixtures: a tiny, valid repository that tests break on purpose."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Tests never reach the internet, whatever they load.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

REPO_ROOT = Path(__file__).resolve().parents[1]

TEXT = (
    "Home World\n"
    "Kirby said Iran sent 400 drones to Russia on Friday.\n"
    '"It is harmful," he said, "to everyone."\n'
    "Share this\n"
)


def span(text: str, needle: str, occurrence: int = 0, **extra: Any) -> dict[str, Any]:
    """A span dict for the ``occurrence``-th ``needle`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return {"start": start, "end": start + len(needle), "text": needle, **extra}


def mention_region(
    text: str, rid: str, needle: str, label: str, typed: str | None = None, occurrence: int = 0
) -> list[Any]:
    """An entities-pass region as Label Studio exports it: the label over the ``occurrence``-th
    ``needle`` of ``text`` and, when ``typed`` is given, the per-region entity id field."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    value = {"start": start, "end": start + len(needle), "text": needle}
    out: list[Any] = [
        {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "value": {**value, "labels": [label]}}
    ]
    if typed is not None:
        out.append(
            {
                "id": rid,
                "from_name": "entity",
                "to_name": "text",
                "type": "textarea",
                "value": {"start": start, "end": start + len(needle), "text": [typed]},
            }
        )
    return out


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def baseline_gold(text: str = TEXT, doc_id: str = "doc-a") -> dict[str, Any]:
    s = lambda needle, occ=0: span(text, needle, occ)  # noqa: E731
    return {
        "schema_version": "1.0",
        "doc_id": doc_id,
        "text_sha256": sha(text.encode()),
        "provenance": {"annotators": ["tester"], "rounds": [], "method": "written by the test suite"},
        "mentions": [
            {"mention_id": "m1", **s("Kirby"), "label": "PERSON", "entity_id": "john-kirby"},
            {"mention_id": "m2", **s("Iran"), "label": "GPE", "entity_id": "iran"},
            {"mention_id": "m3", **s("400"), "label": "QUANTITY", "entity_id": "qty-400"},
            {"mention_id": "m4", **s("Russia"), "label": "GPE", "entity_id": "russia"},
            {"mention_id": "m5", **s("Friday"), "label": "DATE", "entity_id": "date-friday"},
        ],
        "claims": [
            {
                "claim_id": "c1",
                "fragments": [s("Iran sent 400 drones to Russia on Friday")],
                "cluster_id": "iran-sent-drones",
                "checkworthy": True,
            },
            {
                "claim_id": "c2",
                "fragments": [s("It is harmful"), s("to everyone")],
                "cluster_id": None,
                "checkworthy": False,
                "note": "split around its cue",
            },
        ],
        "attributions": [
            {
                "attribution_id": "a1",
                "claim_id": "c1",
                "source": {**s("Kirby"), "mention_id": "m1"},
                "cue": s("said"),
                "quote_type": "indirect",
                "stance": "asserts",
                "parent_id": None,
            },
            {
                "attribution_id": "a2",
                "claim_id": "c2",
                "source": {**s("he"), "mention_id": None},
                "cue": s("said", 1),
                "quote_type": "direct",
                "stance": "asserts",
            },
        ],
        "noise": [
            {"noise_id": "n1", **s("Home World"), "category": "navigation"},
            {"noise_id": "n2", **s("Share this"), "category": "social_share"},
        ],
    }


ENTITIES = [
    {"entity_id": "date-friday", "label": "DATE", "name": "Friday", "wikidata": None},
    {"entity_id": "iran", "label": "GPE", "name": "Iran", "wikidata": "Q794"},
    {"entity_id": "john-kirby", "label": "PERSON", "name": "John Kirby", "wikidata": None},
    {"entity_id": "qty-400", "label": "QUANTITY", "name": "400", "wikidata": None},
    {"entity_id": "russia", "label": "GPE", "name": "Russia", "wikidata": "Q159"},
]
CLUSTERS = [{"cluster_id": "iran-sent-drones", "story_id": "story-1", "statement": "Iran sent drones to Russia."}]


@dataclass
class MiniRepo:
    """A valid repository with one document; tests change a part and rewrite it."""

    root: Path
    seeds: dict[str, bytes] = field(default_factory=lambda: {"doc-a.txt": TEXT.encode()})
    manifest: list[dict[str, Any]] = field(default_factory=list)
    gold: dict[str, dict[str, Any]] = field(default_factory=lambda: {"doc-a": baseline_gold()})
    entities: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(ENTITIES))
    clusters: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(CLUSTERS))
    # annotations/splits.json's records; None: every story of the manifest in the test split.
    splits: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if not self.manifest:
            self.manifest = [self.entry("doc-a", "doc-a.txt")]

    def entry(self, doc_id: str, file: str, story_id: str = "story-1") -> dict[str, Any]:
        return {
            "doc_id": doc_id,
            "file": file,
            "sha256": sha(self.seeds[file]) if file in self.seeds else "0" * 64,
            "story_id": story_id,
            "outlet": "Test Outlet",
            "title": "A test page",
            "published": "2022-12-10",
            "url": None,
            "language": "en",
            "notes": None,
        }

    def write(self) -> MiniRepo:
        (self.root / "seeds").mkdir(parents=True, exist_ok=True)
        (self.root / "annotations" / "gold").mkdir(parents=True, exist_ok=True)
        for name, data in self.seeds.items():
            (self.root / "seeds" / name).write_bytes(data)
        self._json("seeds/manifest.json", {"schema_version": "1.0", "documents": self.manifest})
        self._json("annotations/entities.json", {"schema_version": "1.0", "entities": self.entities})
        self._json("annotations/clusters.json", {"schema_version": "1.0", "clusters": self.clusters})
        stories = sorted({e["story_id"] for e in self.manifest if isinstance(e, dict) and "story_id" in e})
        splits = self.splits if self.splits is not None else [{"story_id": s, "split": "test"} for s in stories]
        self._json("annotations/splits.json", {"schema_version": "1.1", "splits": splits})
        for name, gold in self.gold.items():
            self._json(f"annotations/gold/{name}.json", gold)
        return self

    def _json(self, rel: str, data: Any) -> None:
        (self.root / rel).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def copy_of_repository(root: Path) -> Path:
    """This repository's data (seeds, annotations, CHANGELOG.md) copied to ``root``: a scratch
    repository a test may change or break, whatever pages the real one has."""
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, root / part)
        else:
            shutil.copy(src, root / part)
    return root


def gold_doc_ids(root: Path) -> list[str]:
    """The pages of the repository at ``root`` that have a gold file, sorted."""
    return sorted(p.stem for p in (root / "annotations/gold").glob("*.json"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch copy of this repository's data (``copy_of_repository``); a test module may
    define its own ``repo`` (a git repository, say) instead."""
    return copy_of_repository(tmp_path / "repo")


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MiniRepo]:
    """A valid mini repository, with the working folder inside it (problem paths are relative)."""
    repo = MiniRepo(tmp_path / "repo").write()
    monkeypatch.chdir(repo.root)
    yield repo


# Markers (registered in pyproject.toml): `make test` runs everything; `make test-fast` leaves out
# the live Label Studio tests, the benchmark's and the slow ones (random inputs, builds, subprocesses).
LIVE_MODULES = {"test_labelstudio_live", "test_round_live"}
BENCHMARK_MODULES = {"test_bench"}
SLOW_MODULES = {"test_scale", "test_corpus", "test_corpus_rules", "test_croissant", "test_synth", "test_install"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__ if isinstance(item, pytest.Function) and item.module else ""
        if module in LIVE_MODULES:
            item.add_marker(pytest.mark.live)
        if module in BENCHMARK_MODULES:
            item.add_marker(pytest.mark.benchmark)
        is_random = isinstance(item, pytest.Function) and getattr(item.obj, "is_hypothesis_test", False)
        if module in SLOW_MODULES or is_random:
            item.add_marker(pytest.mark.slow)
