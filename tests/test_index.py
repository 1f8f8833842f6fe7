"""The corpus index: the manifest and registries read as streams, with the models' verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import MiniRepo

from newsclaims.core.jsonio import dumps
from newsclaims.core.models import FILE_MODELS
from newsclaims.validation import index
from newsclaims.validation.index import Index, Listed
from newsclaims.validation.repository import Repository

FILES = {
    "manifest": "seeds/manifest.json",
    "entities": "annotations/entities.json",
    "clusters": "annotations/clusters.json",
}
LAYERS = {"manifest": "documents", "entities": "entities", "clusters": "clusters"}


def _whole(mini: MiniRepo, kind: str) -> dict[str, Any]:
    return json.loads((mini.root / FILES[kind]).read_text(encoding="utf-8"))


def _write(mini: MiniRepo, kind: str, text: str | bytes) -> None:
    path = mini.root / FILES[kind]
    path.write_bytes(text.encode() if isinstance(text, str) else text)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=1)  # not the project's layout: read by ijson


LAYOUTS = {"ijson": _dumps, "canonical": dumps}  # the two readers of _streamed


def _streamed(mini: MiniRepo, kind: str) -> list[Any] | None:
    """What the stream alone makes of the file: None means it handed the file to the model."""
    return index._streamed(mini.root / FILES[kind], kind, LAYERS[kind], lambda r: r)


def test_the_streamed_files_have_just_the_two_top_level_fields_the_stream_expects() -> None:
    # Were a field added to one of these files, every valid file would go to the model:
    # still right, but slow. This test says so first.
    for kind, layer in LAYERS.items():
        assert set(FILE_MODELS[kind].model_fields) == {"schema_version", layer}, kind


def test_a_valid_repository_is_read_by_the_stream_with_what_its_rules_need(mini: MiniRepo) -> None:
    for kind in FILES:
        assert _streamed(mini, kind) == _whole(mini, kind)[LAYERS[kind]], kind
        # MiniRepo writes the project's layout, which the block reader takes on its own.
        assert index._canonical(mini.root / FILES[kind], kind, LAYERS[kind], lambda r: r) == _streamed(mini, kind)
    got = Index.load(mini.root)
    assert got.problems == []
    assert got.entries == [Listed("doc-a", "doc-a.txt", mini.manifest[0]["sha256"], "story-1")]
    assert got.entity_labels == {e["entity_id"]: e["label"] for e in mini.entities}
    assert got.cluster_stories == {"iran-sent-drones": "story-1"}


def test_fields_in_either_order_and_any_layout_stay_on_the_stream(mini: MiniRepo) -> None:
    whole = _whole(mini, "manifest")
    _write(
        mini, "manifest", json.dumps({"documents": whole["documents"], "schema_version": "1.0"}, separators=(",", ":"))
    )
    assert _streamed(mini, "manifest") == whole["documents"]
    assert index._canonical(mini.root / FILES["manifest"], "manifest", "documents", lambda r: r) is None
    assert Index.load(mini.root).problems == []


@pytest.mark.parametrize("block", [1, 7, 100, 1 << 20])
def test_the_block_reader_reads_what_ijson_reads_wherever_the_blocks_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    from newsclaims.synth import synthesize

    synthesize(40, tmp_path / "r", seed=5)
    monkeypatch.setattr(index, "BLOCK", block)
    for kind, rel in FILES.items():
        path = tmp_path / "r" / rel
        got = index._canonical(path, kind, LAYERS[kind], lambda r: r)
        assert got is not None and got == index._events(path, kind, LAYERS[kind], lambda r: r), kind
        assert len(got) > 1, kind  # so that some record was cut from another


def test_records_in_another_layout_behind_the_same_head_go_to_ijson(
    mini: MiniRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _whole(mini, "manifest")
    entries = [{**whole["documents"][0], "doc_id": f"doc-{i}"} for i in range(30)]
    head, _, tail = (part.decode() for part in index._layout("documents", whole["schema_version"]))
    # The project's head and tail, one record a line between: no separator of its layout.
    text = head + ",\n    ".join(json.dumps(e) for e in entries) + tail
    assert json.loads(text) == {**whole, "documents": entries}
    _write(mini, "manifest", text)
    monkeypatch.setattr(index, "BLOCK", 64)
    monkeypatch.setattr(index, "NO_BOUNDARY", 1000)  # the file is bigger, without a boundary
    assert index._canonical(mini.root / FILES["manifest"], "manifest", "documents", lambda r: r) is None
    assert _streamed(mini, "manifest") == entries


def test_a_record_boundary_inside_a_nested_value_sends_the_file_to_ijson(mini: MiniRepo) -> None:
    whole = _whole(mini, "manifest")
    # A value shaped like two records at the records' own indentation: the block reader
    # cuts it there, the piece does not parse, and ijson (then the model) judge the file.
    nested = dumps({**whole, "documents": [{**whole["documents"][0], "notes": [{"a": 1}, {"a": 2}]}]})
    nested = nested.replace("\n        ", "\n    ").replace("\n      }", "\n    }")
    assert json.loads(nested)["documents"][0]["notes"] == [{"a": 1}, {"a": 2}]
    _write(mini, "manifest", nested)
    assert index._layout("documents")[1] in nested.encode()
    assert index._canonical(mini.root / FILES["manifest"], "manifest", "documents", lambda r: r) is None
    assert _streamed(mini, "manifest") is None
    got = Index.load(mini.root)
    assert got.problems == Repository.load(mini.root, read_seeds=False).problems
    assert [(p.code, p.field) for p in got.problems] == [("NC102", "notes")]


def _manifest_cases(whole: dict[str, Any], write: Any = _dumps) -> dict[str, str | bytes]:
    entry = whole["documents"][0]
    return {
        "extra top-level field": write({**whole, "extra": []}),
        "extra field after the array": write(whole)[:-2] + ', "documents2": [1]}',
        "wrong schema_version": write({**whole, "schema_version": "2.0"}),
        "schema_version a number": write({**whole, "schema_version": 1.0}),
        "no schema_version": write({"documents": whole["documents"]}),
        "no documents": write({"schema_version": "1.0"}),
        "documents an object": write({"schema_version": "1.0", "documents": {"item": entry}}),
        "documents null": write({"schema_version": "1.0", "documents": None}),
        "a list at the top": write([whole]),
        "truncated": write(whole)[:-40],
        "trailing garbage": write(whole) + "x",
        "empty": "",
        "not UTF-8": write(whole).replace("A test page", "A test p\udcffge").encode("utf-8", "surrogateescape"),
        "byte order mark": "\ufeff" + write(whole),
        "unknown entry field": write({**whole, "documents": [{**entry, "extra": 1}]}),
        "entry field missing": write({**whole, "documents": [{k: v for k, v in entry.items() if k != "story_id"}]}),
        "bad name": write({**whole, "documents": [{**entry, "doc_id": "Doc A"}]}),
        "date out of range": write({**whole, "documents": [{**entry, "published": "2022-13-45"}]}),
        "year 0000": write({**whole, "documents": [{**entry, "published": "0000-01-01"}]}),
        "an entry not an object": write({**whole, "documents": [entry, "doc-b"]}),
        "a float where a string is": write({**whole, "documents": [{**entry, "title": 1.5}]}),
    }


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("case", list(_manifest_cases({"documents": [{}]})))
def test_a_broken_manifest_gets_exactly_the_problems_its_model_finds(mini: MiniRepo, case: str, layout: str) -> None:
    text = _manifest_cases(_whole(mini, "manifest"), LAYOUTS[layout])[case]
    _write(mini, "manifest", text)
    assert _streamed(mini, "manifest") is None  # the stream never accepts what it cannot prove valid
    expected = Repository.load(mini.root, read_seeds=False).problems  # the models' verdict
    got = Index.load(mini.root)
    assert got.problems == expected and expected
    assert all(p.path == "seeds/manifest.json" for p in got.problems)
    assert got.entries is None


def _repeated_fields(whole: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """A field written twice, which JSON parsers (pydantic's, ijson's, orjson's) would read as
    its last value: the text, and the record and field NC107 names. The entry's doc_id is
    doc-x; where it is written twice, its last value is doc-a."""
    entry, entries = json.dumps(whole["documents"][0]), json.dumps(whole["documents"])
    return {
        "schema_version twice": (
            '{"schema_version": "1.0", "documents": '
            + entries.replace("doc-x", "doc-a")
            + ', "schema_version": "1.0"}',
            "-",
            "schema_version",
        ),
        "documents twice": (
            '{"schema_version": "1.0", "documents": [], "documents": ' + entries.replace("doc-x", "doc-a") + "}",
            "-",
            "documents",
        ),
        "a field twice in an entry": (
            '{"schema_version": "1.0", "documents": [' + entry[:-1] + ', "doc_id": "doc-a"}]}',
            "doc-a",
            "doc_id",
        ),
        "a field twice in an entry, in the project's layout": (
            dumps(whole).replace('"doc_id": "doc-x",', '"doc_id": "doc-x",\n      "doc_id": "doc-a",'),
            "doc-a",
            "doc_id",
        ),
    }


@pytest.mark.parametrize("case", list(_repeated_fields({"documents": [{}]})))
def test_a_field_written_twice_is_refused_either_way(mini: MiniRepo, case: str) -> None:
    whole = _whole(mini, "manifest")
    whole["documents"][0]["doc_id"] = "doc-x"
    text, record, field = _repeated_fields(whole)[case]
    _write(mini, "manifest", text)
    assert _streamed(mini, "manifest") is None  # neither orjson's blocks nor ijson take it
    assert index._canonical(mini.root / FILES["manifest"], "manifest", "documents", lambda r: r) is None
    got = Index.load(mini.root)
    assert got.problems == Repository.load(mini.root, read_seeds=False).problems
    assert [(p.code, p.path, p.record, p.field) for p in got.problems] == [
        ("NC107", "seeds/manifest.json", record, field)
    ]
    assert got.entries is None


@pytest.mark.parametrize(
    ("kind", "change", "code", "record", "field"),
    [
        ("entities", lambda d: d["entities"][0].update(label="HUMAN"), "NC103", "date-friday", "label"),
        ("entities", lambda d: d.update(extra=1), "NC104", "-", "extra"),
        ("entities", lambda d: d["entities"].append(dict(d["entities"][1])), "NC302", None, "entity_id"),
        ("clusters", lambda d: d["clusters"][0].pop("story_id"), "NC101", "iran-sent-drones", "story_id"),
        ("clusters", lambda d: d.update(schema_version="0.9"), "NC106", "-", "schema_version"),
        ("clusters", lambda d: d["clusters"].append(dict(d["clusters"][0])), "NC302", "iran-sent-drones", "cluster_id"),
    ],
)
def test_a_broken_registry_gets_exactly_the_problems_its_model_finds(
    mini: MiniRepo, kind: str, change: Any, code: str, record: str | None, field: str
) -> None:
    data = _whole(mini, kind)
    change(data)
    _write(mini, kind, _dumps(data))
    got = Index.load(mini.root)
    expected = Repository.load(mini.root, read_seeds=False).problems
    assert got.problems == expected
    [p] = got.problems
    assert (p.code, p.path, p.field) == (code, FILES[kind], field)
    assert record is None or p.record == record
    # NC302 is a rule over records the stream read: the registry is there, and holds.
    assert (getattr(got, "entity_labels" if kind == "entities" else "cluster_stories") is None) == (code != "NC302")


def test_a_repository_without_registries_has_empty_ones(mini: MiniRepo) -> None:
    for kind in ("entities", "clusters"):
        (mini.root / FILES[kind]).unlink()
    got = Index.load(mini.root)
    assert got.entity_labels == {} and got.cluster_stories == {}
    assert got.problems == Repository.load(mini.root, read_seeds=False).problems == []


def test_a_missing_manifest_is_one_problem(mini: MiniRepo) -> None:
    (mini.root / FILES["manifest"]).unlink()
    got = Index.load(mini.root)
    assert got.entries is None
    assert [(p.code, p.path, p.message) for p in got.problems] == [
        ("NC100", "seeds/manifest.json", "file does not exist")
    ]


def test_the_listing_rules_run_on_the_streamed_entries(mini: MiniRepo) -> None:
    mini.manifest.append(mini.entry("doc-a", "doc-b.txt"))
    mini.write()
    got = Index.load(mini.root)
    assert got.problems == []  # the manifest and registries are sound files; the listing is asked apart
    listing = got.listing_problems()
    assert sorted((p.code, p.record, p.field) for p in listing) == [
        ("NC503", "doc-a", "file"),
        ("NC505", "doc-a", "doc_id"),
    ]
    assert listing == Repository.load(mini.root, read_seeds=False).problems
    assert list(got.by_doc_id()) == ["doc-a"] and got.by_doc_id()["doc-a"].file == "doc-a.txt"


def test_stories_are_held_once(tmp_path: Path) -> None:
    from newsclaims.synth import synthesize

    synthesize(30, tmp_path / "r", seed=3)
    entries = Index.load(tmp_path / "r").entries or []
    by_story: dict[str, set[int]] = {}
    for e in entries:
        by_story.setdefault(e.story_id, set()).add(id(e.story_id))
    assert len(by_story) < len(entries) and all(len(ids) == 1 for ids in by_story.values())
