"""Every rule NC1xx-NC5xx, broken on purpose: the exact code and location must be reported."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from conftest import TEXT, MiniRepo, baseline_gold, sha, span
from hypothesis import given
from hypothesis import strategies as st

from newsclaims import validate
from newsclaims.core.problems import RULES
from newsclaims.validation.rules import file_stem

GOLD = "annotations/gold/doc-a.json"
MANIFEST = "seeds/manifest.json"


def mention(repo: MiniRepo, i: int) -> dict[str, Any]:
    return repo.gold["doc-a"]["mentions"][i]


def attribution(repo: MiniRepo, i: int) -> dict[str, Any]:
    return repo.gold["doc-a"]["attributions"][i]


def raw_gold(data: bytes) -> Callable[[MiniRepo], None]:
    def write(repo: MiniRepo) -> None:
        repo.gold.clear()
        (repo.root / GOLD).write_bytes(data)

    return write


def key_twice(repo: MiniRepo) -> None:
    """m1's start written twice: a reader would silently keep the second."""
    text = json.dumps(repo.gold["doc-a"]).replace('"mention_id": "m1",', '"mention_id": "m1", "start": 0,', 1)
    raw_gold(text.encode())(repo)


def stray_round_file(repo: MiniRepo) -> None:
    (repo.root / "annotations" / "rounds").mkdir()
    (repo.root / "annotations" / "rounds" / "notes.txt").write_text("a file where only round folders belong\n")


def add_seed(name: str, data: bytes, doc_id: str) -> Callable[[MiniRepo], None]:
    def change(repo: MiniRepo) -> None:
        repo.seeds[name] = data
        repo.manifest.append(repo.entry(doc_id, name))

    return change


def extra_mention(needle: str, label: str, entity_id: str) -> Callable[[MiniRepo], None]:
    def change(repo: MiniRepo) -> None:
        repo.gold["doc-a"]["mentions"].append(
            {"mention_id": "m6", **span(TEXT, needle), "label": label, "entity_id": entity_id}
        )

    return change


def cycle(repo: MiniRepo) -> None:
    attribution(repo, 0)["parent_id"] = "a2"
    attribution(repo, 1)["parent_id"] = "a1"


def move_gold(repo: MiniRepo, name: str, doc_id: str) -> None:
    del repo.gold["doc-a"]
    repo.gold[name] = baseline_gold(doc_id=doc_id)


SPLITS = "annotations/splits.json"
CASES: dict[str, tuple[Callable[[MiniRepo], None], list[tuple[str, str, str, str]]]] = {
    "NC100 not json": (raw_gold(b"{not json"), [("NC100", GOLD, "-", "-")]),
    "NC100 not utf-8": (raw_gold(b'{"a": "\xff"}'), [("NC100", GOLD, "-", "-")]),
    "NC101": (lambda r: mention(r, 0).pop("label"), [("NC101", GOLD, "m1", "label")]),
    "NC102": (lambda r: mention(r, 0).update(start="5"), [("NC102", GOLD, "m1", "start")]),
    "NC102 date": (lambda r: r.manifest[0].update(published="2022-13-45"), [("NC102", MANIFEST, "doc-a", "published")]),
    "NC103": (lambda r: mention(r, 0).update(label="PERSONA"), [("NC103", GOLD, "m1", "label")]),
    "NC104": (lambda r: mention(r, 0).update(colour="red"), [("NC104", GOLD, "m1", "colour")]),
    "NC105": (lambda r: mention(r, 1).update(entity_id="../x"), [("NC105", GOLD, "m2", "entity_id")]),
    "NC106": (lambda r: r.gold["doc-a"].update(schema_version="2.0"), [("NC106", GOLD, "doc-a", "schema_version")]),
    "NC107": (key_twice, [("NC107", GOLD, "m1", "start")]),
    "NC201": (lambda r: mention(r, 0).update(end=mention(r, 0)["start"]), [("NC201", GOLD, "m1", "span")]),
    "NC202": (lambda r: mention(r, 4).update(end=len(TEXT) + 3), [("NC202", GOLD, "m5", "span")]),
    "NC203": (lambda r: mention(r, 1).update(text="Irak"), [("NC203", GOLD, "m2", "span")]),
    "NC204": (
        lambda r: mention(r, 3).update(end=mention(r, 3)["end"] + 1, text="Russia "),
        [("NC204", GOLD, "m4", "span")],
    ),
    "NC205": (
        lambda r: r.gold["doc-a"]["claims"][1]["fragments"].reverse(),
        [("NC205", GOLD, "c2", "fragments[1]")],
    ),
    "NC301": (lambda r: mention(r, 2).update(mention_id="m2"), [("NC301", GOLD, "m2", "mention_id")]),
    "NC302": (
        lambda r: r.entities.append(dict(r.entities[1])),
        [("NC302", "annotations/entities.json", "iran", "entity_id")],
    ),
    "NC303": (lambda r: mention(r, 1).update(entity_id="atlantis"), [("NC303", GOLD, "m2", "entity_id")]),
    "NC304": (lambda r: mention(r, 1).update(label="LOC"), [("NC304", GOLD, "m2", "label")]),
    "NC305": (lambda r: r.gold["doc-a"]["claims"][0].update(cluster_id="nope"), [("NC305", GOLD, "c1", "cluster_id")]),
    "NC306": (lambda r: r.clusters[0].update(story_id="story-2"), [("NC306", GOLD, "c1", "cluster_id")]),
    "NC307": (lambda r: attribution(r, 0).update(claim_id="c9"), [("NC307", GOLD, "a1", "claim_id")]),
    "NC308": (
        lambda r: attribution(r, 0)["source"].update(mention_id="m9"),
        [("NC308", GOLD, "a1", "source.mention_id")],
    ),
    "NC309": (
        lambda r: attribution(r, 0)["source"].update(mention_id="m2"),
        [("NC309", GOLD, "a1", "source.mention_id")],
    ),
    "NC310": (lambda r: attribution(r, 1).update(parent_id="a9"), [("NC310", GOLD, "a2", "parent_id")]),
    "NC311": (cycle, [("NC311", GOLD, "a1", "parent_id")]),
    "NC312": (
        lambda r: mention(r, 0).update(entity_id=None, proposed_entity="Kirby, John"),
        [("NC312", GOLD, "m1", "entity_id")],
    ),
    "NC313": (
        lambda r: attribution(r, 0)["source"].update(entity_id="iran"),
        [("NC313", GOLD, "a1", "source.entity_id")],
    ),
    "NC314": (
        lambda r: attribution(r, 1)["source"].update(entity_id="nobody-known"),
        [("NC314", GOLD, "a2", "source.entity_id")],
    ),
    "NC401": (
        lambda r: r.gold["doc-a"]["noise"].append({"noise_id": "n3", **span(TEXT, "this"), "category": "other"}),
        [("NC401", GOLD, "n3", "span")],
    ),
    "NC402": (
        lambda r: r.gold["doc-a"]["noise"].append({"noise_id": "n3", **span(TEXT, "Friday"), "category": "other"}),
        [("NC402", GOLD, "c1", "fragments[0]"), ("NC402", GOLD, "m5", "span")],
    ),
    "NC403": (lambda r: attribution(r, 0).update(cue=span(TEXT, "sent")), [("NC403", GOLD, "a1", "cue")]),
    "NC404": (
        lambda r: attribution(r, 0).update(source={**span(TEXT, "Iran"), "mention_id": "m2"}),
        [("NC404", GOLD, "a1", "source")],
    ),
    "NC405": (extra_mention("ussia on Friday", "DATE", "date-friday"), [("NC405", GOLD, "m6", "span")]),
    "NC406": (extra_mention("Iran", "GPE", "iran"), [("NC406", GOLD, "m6", "span")]),
    "NC501": (lambda r: r.gold["doc-a"].update(text_sha256="0" * 64), [("NC501", GOLD, "doc-a", "text_sha256")]),
    "NC502": (lambda r: r.seeds.update({"extra.txt": b"another page\n"}), [("NC502", "seeds/extra.txt", "-", "file")]),
    "NC503": (lambda r: r.manifest.append(r.entry("doc-b", "doc-b.txt")), [("NC503", MANIFEST, "doc-b", "file")]),
    "NC504": (lambda r: r.manifest[0].update(sha256="f" * 64), [("NC504", MANIFEST, "doc-a", "sha256")]),
    "NC505": (add_seed("doc-b.txt", b"other page\n", "doc-a"), [("NC505", MANIFEST, "doc-a", "doc_id")]),
    "NC506": (add_seed("doc-b.txt", TEXT.encode(), "doc-b"), [("NC506", MANIFEST, "doc-b", "file")]),
    "NC507": (lambda r: move_gold(r, "doc-z", "doc-z"), [("NC507", "annotations/gold/doc-z.json", "doc-z", "doc_id")]),
    "NC508": (lambda r: move_gold(r, "other", "doc-a"), [("NC508", "annotations/gold/other.json", "doc-a", "doc_id")]),
    "NC509": (add_seed("doc-b.txt", b"caf\xe9\n", "doc-b"), [("NC509", "seeds/doc-b.txt", "doc-b", "text")]),
    "NC510": (stray_round_file, [("NC510", "annotations/rounds/notes.txt", "-", "-")]),
    "NC511": (
        lambda r: setattr(r, "splits", [{"story_id": "story-1", "split": s} for s in ("test", "train")]),
        [("NC511", SPLITS, "story-1", "split")],
    ),
    "NC512": (lambda r: setattr(r, "splits", []), [("NC512", MANIFEST, "doc-a", "story_id")]),
    "NC513": (
        lambda r: setattr(r, "splits", [{"story_id": s, "split": "test"} for s in ("story-1", "story-9")]),
        [("NC513", SPLITS, "story-9", "story_id")],
    ),
}


def test_baseline_is_clean(mini: MiniRepo) -> None:
    assert validate() == []


@pytest.mark.parametrize("case", list(CASES))
def test_rule_broken_on_purpose(mini: MiniRepo, case: str) -> None:
    change, expected = CASES[case]
    change(mini)
    mini.write()
    found = [(p.code, p.path, p.record, p.field) for p in validate()]
    assert found == sorted(expected, key=lambda e: (e[1], e[2], e[3], e[0]))


def seed_gone(repo: MiniRepo) -> None:
    del repo.seeds["doc-a.txt"]
    (repo.root / "seeds" / "doc-a.txt").unlink()


def not_utf8(repo: MiniRepo) -> None:
    repo.seeds["doc-a.txt"] = b"caf\xe9\n"
    repo.manifest[0]["sha256"] = sha(repo.seeds["doc-a.txt"])


@pytest.mark.parametrize(
    ("break_seed", "expected"),
    [
        (seed_gone, ("NC503", MANIFEST, "doc-a", "file")),
        (not_utf8, ("NC509", "seeds/doc-a.txt", "doc-a", "text")),
    ],
    ids=["missing", "not-utf8"],
)
def test_a_listed_document_whose_seed_cannot_be_read_is_reported_at_the_seed_alone(
    mini: MiniRepo, break_seed: Callable[[MiniRepo], None], expected: tuple[str, ...]
) -> None:
    # doc-a is in the manifest: its gold file is no NC507 ("not in seeds/manifest.json"),
    # and with no text its spans cannot be checked.
    break_seed(mini)
    mini.write()
    for jobs in (1, 2):
        assert [(p.code, p.path, p.record, p.field) for p in validate(jobs=jobs)] == [expected]
    assert validate(GOLD) == []  # the file alone: nothing of its own is wrong


def test_every_rule_has_a_case() -> None:
    from test_corpus_rules import CASES as CORPUS_CASES

    covered = {code for _, expected in CASES.values() for code, *_ in expected}
    covered |= {code for _, expected in CORPUS_CASES.values() for code, *_ in expected}
    assert covered == set(RULES)


def test_all_problems_in_one_run(mini: MiniRepo) -> None:
    # Problems in four files and several records of one file: all reported, sorted.
    for change in ("NC203", "NC305", "NC302", "NC502", "NC504"):
        CASES[change][0](mini)
    mini.write()
    assert [(p.code, p.path) for p in validate()] == [
        ("NC302", "annotations/entities.json"),
        ("NC305", GOLD),
        ("NC203", GOLD),
        ("NC502", "seeds/extra.txt"),
        ("NC504", MANIFEST),
    ]


def test_problem_line_format(mini: MiniRepo) -> None:
    CASES["NC203"][0](mini)
    mini.write()
    (line,) = map(str, validate())
    assert line.startswith(f"{GOLD}:m2:span: NC203 ")
    assert "'Irak'" in line and "'Iran'" in line


def test_single_gold_file_is_checked_in_its_repository(mini: MiniRepo) -> None:
    CASES["NC303"][0](mini)
    mini.write()
    found = validate(GOLD)
    assert [(p.code, p.record) for p in found] == [("NC303", "m2")]


def test_path_like_ids_never_reach_the_filesystem(mini: MiniRepo) -> None:
    mini.gold["doc-a"]["doc_id"] = "../../etc/passwd"
    mini.write()
    found = validate()
    assert ("NC105", GOLD, "../../etc/passwd", "doc_id") in [(p.code, p.path, p.record, p.field) for p in found]
    assert all(p.code.startswith("NC1") for p in found)


def test_integral_float_offsets_are_offsets_in_every_layer(mini: MiniRepo) -> None:
    # 3.0 is a JSON integer: valid as an offset, so validation reports nothing and the
    # layer sweeps must not fail on it (a noise span's 3.0 once raised a TypeError).
    gold = mini.gold["doc-a"]
    for layer in ("noise", "mentions"):
        gold[layer][0].update(start=float(gold[layer][0]["start"]), end=float(gold[layer][0]["end"]))
    mini.write()
    assert validate(mini.root, corpus=False) == []
    # And an overlap with a float offset is still reported where it is.
    gold["noise"].append({**gold["noise"][0], "noise_id": "n9"})
    mini.write()
    assert [(p.code, p.record, p.field) for p in validate(mini.root, corpus=False)] == [("NC401", "n9", "span")]


@pytest.mark.parametrize(
    "label",
    ["annotations/gold/doc-a.json", "doc-a.json", "a/b.c/doc-a", "x/.json", "x/..json", "x/.a.json", "x/a.", "x/"],
)
def test_file_stem_is_the_stem_os_path_gives(label: str) -> None:
    assert file_stem(label) == os.path.splitext(os.path.basename(label))[0]


@given(st.text(alphabet="ab./", max_size=12))
def test_file_stem_is_the_stem_os_path_gives_for_any_path(label: str) -> None:
    assert file_stem(label) == os.path.splitext(os.path.basename(label))[0]


ROUND_FILE = "annotations/rounds/r1/annotators/ann1/doc-a.json"


def test_an_unlinked_mention_is_legal_in_a_rounds_annotator_file(mini: MiniRepo) -> None:
    # What an annotator typed for an entity the registry lacks is kept as a proposal; the round's
    # file validates, and the same records as gold are NC312 (a mention of gold must be linked).
    unlinked = baseline_gold()
    unlinked["schema_version"] = "1.1"
    unlinked["mentions"][0].update(entity_id=None, proposed_entity="Kirby, John")
    unlinked["mentions"][2].update(entity_id=None)
    path = mini.root / ROUND_FILE
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(unlinked), encoding="utf-8")
    round_json = {"schema_version": "1.1", "name": "r1", "pass": "entities", "documents": ["doc-a"]}
    round_json |= {"annotators": ["ann1"], "predictions": "none", "created": "2026-12-01"}
    (mini.root / "annotations/rounds/r1/round.json").write_text(json.dumps(round_json), encoding="utf-8")
    assert validate() == []
    assert validate(ROUND_FILE) == []
    os.chdir(path.parent)  # the file's place is what counts, not how its path is written
    assert validate("doc-a.json") == []
    os.chdir(mini.root)
    mini.gold["doc-a"] = unlinked
    mini.write()
    found = [(p.code, p.path, p.record, p.field) for p in validate()]
    assert found == [("NC312", GOLD, "m1", "entity_id"), ("NC312", GOLD, "m3", "entity_id")]


def test_files_pinned_to_either_schema_version_validate(mini: MiniRepo) -> None:
    for version in ("1.0", "1.1"):
        mini.gold["doc-a"]["schema_version"] = version
        mini.write()
        assert validate() == [], version
