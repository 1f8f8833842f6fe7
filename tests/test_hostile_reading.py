"""Hostile input to every reader (issue #19, "Reading"): each case hung, crashed, used memory in
the square of a depth or passed silently before the JSON reader policy (``core/jsonread.py``)
and the layout checks (``validation/folders.py``). Every command runs in a subprocess with a
timeout, so a hang fails the test instead of stopping the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import TEXT, MiniRepo, sha
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims import validate
from newsclaims.core import jsonread
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonread import MAX_DEPTH, DuplicateKeys, loads
from newsclaims.core.problems import problem

EXE = Path(sys.executable).parent / "newsclaims"
GOLD = "annotations/gold/doc-a.json"
MANIFEST = "seeds/manifest.json"
ENTITIES = "annotations/entities.json"
ROUND = "annotations/rounds/r1"


def run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(EXE), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def lines(done: subprocess.CompletedProcess[str]) -> list[tuple[str, ...]]:
    """(path, record, field, code) of each problem line of validate's text output."""
    out = []
    for line in done.stdout.splitlines():
        where, _, rest = line.partition(": ")
        path, record, field = where.rsplit(":", 2)
        out.append((path, record, field, rest.split()[0]))
    return out


# -- not regular files: refused at once, never read ---------------------------------------------


def test_a_seed_symlinked_to_dev_zero_is_refused_at_once(mini: MiniRepo) -> None:
    seed = mini.root / "seeds/doc-a.txt"
    seed.unlink()
    seed.symlink_to("/dev/zero")
    done = run("validate", "--inputs-only", cwd=mini.root, timeout=30)
    assert done.returncode == 2
    assert ("seeds/doc-a.txt", "-", "-", "NC100") in lines(done)
    assert "is a device, not a regular file" in done.stdout


@pytest.mark.parametrize("rel", ["seeds/doc-a.txt", GOLD], ids=["seed", "gold"])
def test_a_fifo_seed_or_gold_file_is_refused_without_blocking(mini: MiniRepo, rel: str) -> None:
    path = mini.root / rel
    path.unlink()
    os.mkfifo(path)
    done = run("validate", "--inputs-only", cwd=mini.root, timeout=30)
    assert done.returncode == 2
    assert (rel, "-", "-", "NC100") in lines(done)
    assert "is a FIFO (named pipe), not a regular file" in done.stdout


def test_validate_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    done = run("validate", "/dev/zero", cwd=tmp_path, timeout=30)
    assert done.returncode == 2
    assert done.stdout == "/dev/zero:-:-: NC100 is a device, not a regular file: only regular files are read\n"


def test_seeds_add_of_a_fifo_is_refused_and_changes_nothing(mini: MiniRepo, tmp_path: Path) -> None:
    fifo = tmp_path / "page.txt"
    os.mkfifo(fifo)
    before = (mini.root / MANIFEST).read_bytes()
    args = ["--outlet", "Example Times", "--title", "A page", "--published", "2022-12-11", "--story", "story-1"]
    done = run("seeds", "add", str(fifo), *args, cwd=mini.root, timeout=30)
    assert done.returncode != 0
    assert "is a FIFO (named pipe), not a regular file" in done.stderr
    assert (mini.root / MANIFEST).read_bytes() == before
    assert sorted(p.name for p in (mini.root / "seeds").iterdir()) == ["doc-a.txt", "manifest.json"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(mini: MiniRepo) -> None:
    from newsclaims.core.files import MAX_FILE_BYTES

    gold = mini.root / GOLD
    with gold.open("r+b") as f:  # sparse: no disk used, and nothing of it may be read
        f.truncate(MAX_FILE_BYTES + 1)
    done = run("validate", "--inputs-only", cwd=mini.root, timeout=30)
    assert done.returncode == 2
    assert lines(done) == [(GOLD, "-", "-", "NC100")]
    assert f"is {MAX_FILE_BYTES + 1} bytes, more than the {MAX_FILE_BYTES} bytes newsclaims reads" in done.stdout


def test_read_bytes_stops_a_file_that_grows_beyond_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b"0" * 100)
    with pytest.raises(Unreadable, match="more than the 10 bytes"):
        read_bytes(path, limit=10)


# -- depth: one clear line, memory bounded ------------------------------------------------------


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_manifest(mini: MiniRepo, depth: int) -> None:
    text = json.dumps({"schema_version": "1.0", "documents": mini.manifest})
    (mini.root / MANIFEST).write_text(text.replace('"A test page"', deep(depth)), encoding="utf-8")


@pytest.mark.parametrize("rel", [MANIFEST, ENTITIES], ids=["manifest", "registry"])
def test_a_3000_deep_file_is_one_nc100_line(mini: MiniRepo, rel: str) -> None:
    if rel == MANIFEST:
        _deep_manifest(mini, 3000)
    else:
        text = json.dumps({"schema_version": "1.0", "entities": mini.entities})
        (mini.root / rel).write_text(text.replace('"Iran"', deep(3000), 1), encoding="utf-8")
    done = run("validate", "--inputs-only", cwd=mini.root)
    assert done.returncode == 2
    assert lines(done) == [(rel, "-", "-", "NC100")]
    assert f"nested deeper than {MAX_DEPTH} levels" in done.stdout


def _peak_kb(root: Path) -> int:
    code = (
        "import resource, sys; from newsclaims.cli import main; main(['validate', '--inputs-only', sys.argv[1]]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=120)
    return int(done.stdout.splitlines()[-1])


def test_memory_does_not_grow_with_the_square_of_the_depth(mini: MiniRepo) -> None:
    # 20,000 levels took about 1 GB (ijson's buffered events, each with its whole prefix).
    clean = _peak_kb(mini.root)
    _deep_manifest(mini, 20_000)
    assert _peak_kb(mini.root) < clean + 30_000


# -- lone surrogates: refused where they are read, not at the build -----------------------------


def test_a_lone_surrogate_in_a_manifest_title_is_refused_by_validate_and_build(mini: MiniRepo) -> None:
    text = (mini.root / MANIFEST).read_text(encoding="utf-8").replace("A test page", "A test \\ud800 page")
    (mini.root / MANIFEST).write_text(text, encoding="utf-8")
    done = run("validate", "--inputs-only", cwd=mini.root)
    assert done.returncode == 2
    assert lines(done) == [(MANIFEST, "-", "-", "NC100")]
    assert "lone surrogate escape" in done.stdout
    built = run("build", cwd=mini.root, timeout=120)
    assert built.returncode != 0 and not (mini.root / "corpus").exists()


def test_a_lone_surrogate_in_an_entity_name_is_refused(mini: MiniRepo) -> None:
    mini.entities[0]["name"] = "Iran\udc00"
    (mini.root / ENTITIES).write_text(json.dumps({"schema_version": "1.0", "entities": mini.entities}))
    assert [(p.code, p.path) for p in validate(corpus=False)] == [("NC100", ENTITIES)]


# -- a key written twice -----------------------------------------------------------------------


def _twice(mini: MiniRepo, rel: str, old: str, new: str) -> None:
    text = (mini.root / rel).read_text(encoding="utf-8")
    assert old in text
    (mini.root / rel).write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "old", "new", "record", "field"),
    [
        (GOLD, '"mention_id": "m1",', '"mention_id": "m1", "start": 1,', "m1", "start"),
        (GOLD, '"doc_id": "doc-a"', '"doc_id": "doc-a", "doc_id": "doc-a"', "doc-a", "doc_id"),
        (MANIFEST, '"doc_id": "doc-a",', '"doc_id": "doc-a", "doc_id": "doc-b",', "doc-b", "doc_id"),
        (MANIFEST, '"sha256": ', '"sha256": "' + "0" * 64 + '", "sha256": ', "doc-a", "sha256"),
    ],
    ids=["gold start", "gold doc_id", "manifest doc_id", "manifest sha256"],
)
def test_a_key_written_twice_is_nc107_located(
    mini: MiniRepo, rel: str, old: str, new: str, record: str, field: str
) -> None:
    _twice(mini, rel, old, new)
    done = run("validate", "--inputs-only", cwd=mini.root)
    assert done.returncode == 1
    assert lines(done) == [(rel, record, field, "NC107")]
    assert f"key '{field}' is written twice in one object" in done.stdout


def test_a_decisions_file_with_a_key_twice_is_refused(mini: MiniRepo, tmp_path: Path) -> None:
    from newsclaims.annotation.clusters import ClusterError, read_decisions

    path = tmp_path / "decisions.json"
    path.write_text('{"schema_version": "1.0", "schema_version": "1.0", "decisions": []}')
    with pytest.raises(ClusterError, match="key 'schema_version' appears twice"):
        read_decisions(path)


# -- the layout and round.json -----------------------------------------------------------------


def _round_json(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schema_version": "1.1", "name": "r1", "pass": "entities", "documents": ["doc-a"]}
    body |= {"annotators": ["ann1"], "predictions": "none", "created": "2026-12-01"}
    return {**body, **changes}


def _round(mini: MiniRepo, text: str | None = None, **changes: Any) -> Path:
    folder = mini.root / ROUND
    (folder / "annotators" / "ann1").mkdir(parents=True)
    if text is None:
        text = json.dumps(_round_json(**changes))
    (folder / "round.json").write_text(text, encoding="utf-8")
    return folder


def _folder_of(path: Path) -> None:
    path.unlink()
    path.mkdir()


LAYOUT_CASES: dict[str, tuple[Callable[[MiniRepo], object], list[tuple[str, str, str, str]]]] = {
    "round.json not JSON": (lambda m: _round(m, "{not json"), [(f"{ROUND}/round.json", "-", "-", "NC100")]),
    "round.json a list": (lambda m: _round(m, "[]"), [(f"{ROUND}/round.json", "-", "-", "NC102")]),
    "round.json a folder": (
        lambda m: _folder_of(_round(m) / "round.json"),
        [(f"{ROUND}/round.json", "-", "-", "NC510"), (f"{ROUND}/round.json", "-", "-", "NC100")],
    ),
    "round.json missing": (lambda m: (_round(m) / "round.json").unlink(), [(ROUND, "-", "-", "NC510")]),
    "round.json without pass": (
        lambda m: _round(m, json.dumps({k: v for k, v in _round_json().items() if k != "pass"})),
        [(f"{ROUND}/round.json", "r1", "pass", "NC101")],
    ),
    "round.json with an unknown pass": (
        lambda m: _round(m, **{"pass": "everything"}),
        [(f"{ROUND}/round.json", "r1", "pass", "NC103")],
    ),
    "round.json with a path as annotator": (
        lambda m: _round(m, annotators=["../x"]),
        [(f"{ROUND}/round.json", "r1", "annotators[0]", "NC105")],
    ),
    "round.json with a number as documents": (
        lambda m: _round(m, documents=5),
        [(f"{ROUND}/round.json", "r1", "documents", "NC102")],
    ),
    "round.json of another folder": (
        lambda m: _round(m, name="r2"),
        [(f"{ROUND}/round.json", "r2", "name", "NC510")],
    ),
    "round.json with a key twice": (
        lambda m: _round(m, json.dumps(_round_json()).replace('"pass": ', '"pass": "all", "pass": ')),
        [(f"{ROUND}/round.json", "-", "pass", "NC107")],
    ),
    "a stray file in rounds/": (
        lambda m: (m.root / "annotations/rounds").mkdir() or (m.root / "annotations/rounds/x.json").write_text("{}"),
        [("annotations/rounds/x.json", "-", "-", "NC510")],
    ),
    "a stray file in annotators/": (
        lambda m: (_round(m) / "annotators" / "notes.txt").write_text("x"),
        [(f"{ROUND}/annotators/notes.txt", "-", "-", "NC510")],
    ),
    "a folder where an annotator's file belongs": (
        lambda m: (_round(m) / "annotators" / "ann1" / "doc-a").mkdir(),
        [(f"{ROUND}/annotators/ann1/doc-a", "-", "-", "NC510")],
    ),
    "annotators a file": (
        lambda m: (
            _round(m)
            and (
                (m.root / ROUND / "annotators/ann1").rmdir(),
                (m.root / ROUND / "annotators").rmdir(),
                (m.root / ROUND / "annotators").write_text("x"),
            )
        ),
        [(f"{ROUND}/annotators", "-", "-", "NC510")],
    ),
}


@pytest.mark.parametrize("case", list(LAYOUT_CASES))
def test_a_broken_layout_or_round_json_is_located(mini: MiniRepo, case: str) -> None:
    change, expected = LAYOUT_CASES[case]
    change(mini)
    found = [(p.path, p.record, p.field, p.code) for p in validate(corpus=False)]
    assert sorted(found) == sorted(expected)


def test_a_valid_round_passes(mini: MiniRepo) -> None:
    _round(mini)
    assert validate(corpus=False) == []


def test_gold_being_a_file_is_refused(mini: MiniRepo) -> None:
    gold = mini.root / "annotations/gold"
    (gold / "doc-a.json").unlink()
    gold.rmdir()
    gold.write_text("not a folder\n")
    done = run("validate", "--inputs-only", cwd=mini.root)
    assert done.returncode == 1
    assert lines(done) == [("annotations/gold", "-", "-", "NC510")]


def test_the_round_schema_refuses_whatever_the_round_model_refuses() -> None:
    from pydantic import ValidationError

    from newsclaims.annotation.rounds.round import ROUND_PASSES, RoundManifest
    from newsclaims.schema.rounds import ROUND_PASSES as RESTATED
    from newsclaims.schema.rounds import round_problems

    assert tuple(RESTATED) == tuple(ROUND_PASSES)
    base = _round_json(accounts={"ann1": {"id": 3, "email": "a@b.org"}}, users={"3": "ann1"})
    base |= {"label_studio": {"project": 4}, "kept": {"any": "thing"}}
    variants: list[dict[str, Any]] = [base]
    for key, bad in [
        ("schema_version", 1), ("name", None), ("pass", "noise-and-more"), ("documents", "doc-a"),
        ("documents", [1]), ("annotators", [None]), ("predictions", 0), ("created", []),
        ("accounts", {"ann1": {"id": "3"}}), ("accounts", {"ann1": {"id": True}}),
        ("accounts", {"ann1": {"other": 1}}), ("users", {"3": 3}), ("label_studio", {"project": "4"}),
        ("label_studio", 4),
    ]:  # fmt: skip
        variants.append({**base, key: bad})
    variants += [{k: v for k, v in base.items() if k != key} for key in base]
    for body in variants:
        try:
            RoundManifest.model_validate(body)
            refused = False
        except ValidationError:
            refused = True
        if refused:
            assert round_problems("round.json", "r1", body), body


# -- one problem, one line ---------------------------------------------------------------------


def test_a_newline_in_a_file_name_stays_on_one_line(mini: MiniRepo) -> None:
    (mini.root / "annotations/gold/doc\nx.json").write_text("{not json")
    done = run("validate", "--inputs-only", cwd=mini.root)
    as_json = json.loads(run("validate", "--inputs-only", "--format", "json", cwd=mini.root).stdout)
    assert len(done.stdout.splitlines()) == len(as_json) == 1
    assert done.stdout.startswith("annotations/gold/doc\\nx.json:-:-: NC100 ")
    assert as_json[0]["path"] == "annotations/gold/doc\nx.json"  # JSON output keeps the name as it is


def test_control_characters_are_escaped_in_every_part_of_a_problem_line() -> None:
    shown = str(problem("NC100", "a\rb", "r\x1b\u2028", "f\x85", "m\nn"))
    assert shown == "a\\rb:r\\x1b\\u2028:f\\x85: NC100 m\\nn" and "\n" not in shown


# -- the scanner: C and Python agree, and loads agrees with the stdlib on valid JSON --------------

HOSTILE = [
    b"",
    b'"',
    b"\\",
    b'"\\',
    b'"\\u',
    b'"\\ud800',
    b'"\\ud800\\udc00"',
    b'"\\udc00\\ud800"',
    b'"\\ud800\\ud800\\udc00"',
    b'"\\\\ud800"',
    b'{"a": "\\ud83d\\ude00:"}',
    b'{"a":1,"a":2}',
    b"]]]][[[",
    b"{" * 200,
    b'{"a": [1, {"b": "x:y", "c": [[], {}]}]}',
    b'"\\uDBFF\\uDFFF"',
    b'"\\uD800\\uDC0"',
]


def _agree(data: bytes) -> None:
    assert jsonread.scan(data, 3) == jsonread._scan_py(data, 3), data


@pytest.mark.parametrize("data", HOSTILE)
def test_the_scanner_and_its_python_fallback_agree_on_hostile_bytes(data: bytes) -> None:
    assert jsonread.COMPILED  # where there is a compiler (make extension checks that it built)
    _agree(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b'"', b"\\", b"u", b"d8", b"dc", b"00", b":", b"[", b"]", b"{", b"}", b"a", b" "])))
def test_the_scanner_and_its_python_fallback_agree_on_random_bytes(parts: list[bytes]) -> None:
    _agree(b"".join(parts))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from('ab:"\\\u00e9\U0001f600')),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(st.tuples(st.sampled_from(["a", "b", "c:", 'd"']), children), max_size=4)
    ),
    max_leaves=20,
)


def _encode(value: Any) -> str:
    """JSON text of ``value``, where a list of pairs is an object written with every pair (so
    with keys written twice as the pairs have them)."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        return "{" + ", ".join(f"{json.dumps(k)}: {_encode(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_encode, value)) + "]"
    return json.dumps(value, ensure_ascii=bool(isinstance(value, str) and len(value) % 2))


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_loads_refuses_exactly_the_texts_with_a_key_twice(value: Any) -> None:
    text = _encode(value).encode()
    pairs: list[list[str]] = []
    expected = json.loads(text, object_pairs_hook=lambda p: pairs.append([k for k, _ in p]) or dict(p))
    twice = any(len(set(keys)) != len(keys) for keys in pairs)
    for fallback in (False, True):
        if fallback:
            saved = jsonread._scan_c, jsonread._shape, jsonread._colons
            jsonread._scan_c, jsonread._shape, jsonread._colons = None, jsonread._shape_py, jsonread._colons_py
        try:
            if twice:
                with pytest.raises(DuplicateKeys):
                    loads(text)
            else:
                assert loads(text) == expected
        finally:
            if fallback:
                jsonread._scan_c, jsonread._shape, jsonread._colons = saved


def test_the_python_fallback_refuses_what_the_compiled_path_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonread, "_scan_c", None)
    monkeypatch.setattr(jsonread, "_shape", jsonread._shape_py)
    monkeypatch.setattr(jsonread, "_colons", jsonread._colons_py)
    with pytest.raises(Unreadable, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(deep(MAX_DEPTH + 1).encode())
    assert loads(deep(MAX_DEPTH).encode()) == loads(deep(MAX_DEPTH).encode())
    with pytest.raises(Unreadable, match="lone surrogate escape"):
        loads(b'["\\udc00"]')
    with pytest.raises(DuplicateKeys, match="key 'b' appears twice in one object \\(in a\\[0\\]\\)"):
        loads(b'{"a": [{"b": 1, "b": 2}]}')


def test_an_unreadable_seed_of_a_valid_repository_is_one_problem(mini: MiniRepo) -> None:
    # The seed's text is asked for again by the rules of its gold file: a FIFO must not be read there either.
    seed = mini.root / "seeds/doc-a.txt"
    seed.unlink()
    os.mkfifo(seed)
    mini.manifest[0]["sha256"] = sha(TEXT.encode())
    done = run("validate", "--inputs-only", cwd=mini.root, timeout=30)
    assert lines(done) == [("seeds/doc-a.txt", "-", "-", "NC100")]


# -- inputs symlinked out of the repository ------------------------------------------------------


@pytest.mark.parametrize("rel", ["seeds/doc-a.txt", GOLD, "seeds", "annotations/gold"])
def test_an_input_symlinked_out_of_the_repository_is_refused(mini: MiniRepo, tmp_path: Path, rel: str) -> None:
    """What is built into a published corpus must be in the repository: a page or a folder of
    them symlinked elsewhere (to /etc/passwd, say) is NC510 at the link, and not built."""
    inside = mini.root / rel
    outside = tmp_path / "elsewhere" / Path(rel).name
    outside.parent.mkdir()
    inside.rename(outside)
    inside.symlink_to(outside)
    done = run("validate", "--inputs-only", cwd=mini.root, timeout=30)
    assert done.returncode == 1
    assert (rel, "-", "-", "NC510") in lines(done)
    assert f"a symlink to {outside} outside the repository" in done.stdout
    built = run("build", cwd=mini.root, timeout=120)
    assert built.returncode != 0 and not (mini.root / "corpus").exists()


def test_a_symlink_inside_the_repository_is_read_as_its_target(mini: MiniRepo) -> None:
    seed = mini.root / "seeds/doc-a.txt"
    kept = mini.root / "seeds/.kept-copy-of-doc-a"
    seed.rename(kept)
    seed.symlink_to(kept.name)
    done = run("validate", "--inputs-only", cwd=mini.root, timeout=30)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout
