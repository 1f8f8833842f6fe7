"""Annotation rounds under hostile input (issue #19): imports that would lose work, names that are
paths, broken round files, and two commands at once. Each case: one located line, the right exit
code, no traceback, and nothing lost or written where it should not be."""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT

from newsclaims.annotation.labelstudio.config import gold_to_results
from newsclaims.annotation.rounds.importing import LEDGER, import_export, read_ledger
from newsclaims.annotation.rounds.round import Account, Round, RoundError, create_round
from newsclaims.cli import main
from newsclaims.core.models import GoldFile

TODAY = datetime.date(2026, 11, 22)
OLD, NEW = "2026-11-20T10:00:00.000000Z", "2026-11-21T10:00:00.000000Z"
COMMAND = str(Path(sys.executable).with_name("newsclaims"))


def gold_docs() -> list[str]:
    return sorted(p.stem for p in (REPO_ROOT / "annotations/gold").glob("*.json"))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def noise_round(repo: Path, name: str = "r", docs: int = 1) -> Round:
    rnd = create_round(repo, name, "noise", gold_docs()[:docs], ["ann1=1", "ann2=2"], "gold", TODAY)
    return rnd


def task(rnd: Round, annotations: list[dict[str, Any]], doc: int = 0, **extra: Any) -> dict[str, Any]:
    data = json.loads((rnd.folder / "tasks.json").read_text())[doc]["data"]
    return {"id": 100 + doc, "data": data, "annotations": annotations, **extra}


def accepted(rnd: Round, doc: int = 0) -> list[dict[str, Any]]:
    """The round's predictions (the gold) for its ``doc``-th document, as an annotation's result."""
    result: list[dict[str, Any]] = json.loads((rnd.folder / "tasks.json").read_text())[doc]["predictions"][0]["result"]
    return result


def ann(aid: int, user: int, result: list[dict[str, Any]], updated_at: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": aid, "completed_by": user, "result": result, "was_cancelled": False}
    if updated_at is not None:
        out["updated_at"] = updated_at
    return out


def export(*tasks: dict[str, Any]) -> bytes:
    return json.dumps(list(tasks)).encode()


def lines(report: Any) -> list[tuple[str, str, str]]:
    return [(i.task, i.annotation, i.code) for i in report.issues]


def run(
    *argv: str, env: dict[str, str] | None = None, timeout: float = 120, real: bool = False
) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: in its own process (``real``), or ``main`` in this one (faster)."""
    if real:
        return subprocess.run(
            [COMMAND, *argv], capture_output=True, text=True, timeout=timeout, check=False, env=env or dict(os.environ)
        )
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(argv), code, out.getvalue(), err.getvalue())


def one_line(done: subprocess.CompletedProcess[str], code: int, start: str) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(start), done.stderr
    return done.stderr


# -- 1. imports never lose work silently ------------------------------------------------------------


def test_an_older_export_is_refused_per_annotation_and_says_what_it_would_change(repo: Path, tmp_path: Path) -> None:
    rnd = noise_round(repo)
    full = accepted(rnd)
    newer = export(task(rnd, [ann(11, 1, full, NEW), ann(12, 2, full, NEW)]))
    assert import_export(repo, "r", newer).imported == 2
    held = tree(rnd.folder / "annotators")
    # The same annotations as an earlier export had them: ann1's had one span less; ann2's is unchanged.
    older = export(task(rnd, [ann(11, 1, full[1:], OLD), ann(12, 2, full, NEW)]))
    report = import_export(repo, "r", older)
    assert lines(report) == [("100", "11", "NC717")]
    message = report.issues[0].message
    assert f"updated {OLD}, before annotation 11 (updated {NEW})" in message
    assert f"importing it would change noise -1 +0 of {len(full)}" in message and "--force" in message
    assert report.written == [f"annotators/ann2/{gold_docs()[0]}.json"]
    assert tree(rnd.folder / "annotators") == held  # ann1's newer work is still there
    assert read_ledger(rnd)[f"annotators/ann1/{gold_docs()[0]}.json"].updated_at == NEW

    # The command: the line, exit 1; with --force it is imported, with a warning saying what changed.
    path = tmp_path / "older.json"
    path.write_bytes(older)
    done = run("round", "import", "r", str(path), "--root", str(repo), real=True)
    assert done.returncode == 1 and "NC717 error" in done.stdout and "Traceback" not in done.stderr
    assert tree(rnd.folder / "annotators") == held
    done = run("round", "import", "r", str(path), "--force", "--root", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NC718 warning" in done.stdout and "imported all the same (--force): change noise -1 +0" in done.stdout
    gold = GoldFile.model_validate_json(rnd.annotator_file("ann1", gold_docs()[0]).read_bytes())
    assert len(gold.noise) == len(full) - 1
    assert read_ledger(rnd)[f"annotators/ann1/{gold_docs()[0]}.json"].updated_at == OLD


def test_an_undated_annotation_cannot_replace_a_dated_one(repo: Path) -> None:
    rnd = noise_round(repo)
    import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd), NEW)])))
    report = import_export(repo, "r", export(task(rnd, [ann(11, 1, [])])))
    assert lines(report) == [("100", "11", "NC717")]
    assert "it has no updated_at" in report.issues[0].message and "change noise -" in report.issues[0].message


def test_a_newer_export_and_the_same_export_again_import_as_before(repo: Path) -> None:
    rnd = noise_round(repo)
    full = accepted(rnd)
    first = export(task(rnd, [ann(11, 1, full[1:], OLD)]))
    import_export(repo, "r", first)
    report = import_export(repo, "r", export(task(rnd, [ann(11, 1, full, NEW)])))
    assert (report.issues, report.imported) == ([], 1)
    before = tree(rnd.folder)
    assert lines(import_export(repo, "r", export(task(rnd, [ann(11, 1, full, NEW)])))) == []
    assert tree(rnd.folder) == before  # the same again changes nothing


def test_a_file_of_another_user_is_not_overwritten(repo: Path) -> None:
    # ann1 was user 1 when the file was imported; round.json now says user 5.
    rnd = noise_round(repo)
    import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd), OLD)])))
    manifest = rnd.manifest()
    accounts = {**manifest.accounts, "ann1": Account(id=5)}
    (rnd.folder / "round.json").write_text(json.dumps(manifest.model_copy(update={"accounts": accounts}).as_dict()))
    before = tree(rnd.folder / "annotators")
    report = import_export(repo, "r", export(task(rnd, [ann(51, 5, [], NEW)])))
    assert lines(report) == [("100", "51", "NC717")]
    assert "it is user id 5's, but annotators/ann1/" in report.issues[0].message
    assert "of user id 1 (were the round's accounts changed?)" in report.issues[0].message
    assert tree(rnd.folder / "annotators") == before


def test_a_file_changed_since_its_import_is_not_reverted(repo: Path) -> None:
    # `newsclaims entities rename` (or a hand edit) changed the file after its import: the same
    # export again would undo that change.
    rnd = noise_round(repo)
    same = export(task(rnd, [ann(11, 1, accepted(rnd), OLD)]))
    import_export(repo, "r", same)
    path = rnd.annotator_file("ann1", gold_docs()[0])
    gold = GoldFile.model_validate_json(path.read_bytes())
    edited = gold.model_copy(update={"noise": gold.noise[1:]})
    path.write_text(edited.model_dump_json())
    report = import_export(repo, "r", same)
    assert lines(report) == [("100", "11", "NC717")]
    assert "was changed after annotation 11 was imported into it" in report.issues[0].message
    assert f"change noise -0 +1 of {len(gold.noise) - 1}" in report.issues[0].message
    assert GoldFile.model_validate_json(path.read_bytes()) == edited
    assert lines(import_export(repo, "r", same, force=True)) == [("100", "11", "NC718")]
    assert GoldFile.model_validate_json(path.read_bytes()) == gold


def test_an_import_cut_short_before_its_ledger_is_taken_again(repo: Path) -> None:
    # A crash after the annotator files and before imports.json: the same import again goes through.
    rnd = noise_round(repo)
    full = accepted(rnd)
    import_export(repo, "r", export(task(rnd, [ann(11, 1, full[1:], OLD)])))
    ledger = (rnd.folder / LEDGER).read_bytes()
    newer = export(task(rnd, [ann(11, 1, full, NEW)]))
    import_export(repo, "r", newer)
    (rnd.folder / LEDGER).write_bytes(ledger)  # as if the ledger had not been rewritten
    assert lines(import_export(repo, "r", newer)) == []
    older = import_export(repo, "r", export(task(rnd, [ann(11, 1, full[2:], OLD)])))
    assert lines(older) == [("100", "11", "NC717")]  # and an older one is still refused


def test_an_export_of_another_pass_is_refused_whole_and_kept(repo: Path, tmp_path: Path) -> None:
    rnd = noise_round(repo)
    import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd), OLD)])))
    before = tree(rnd.folder)
    gold = GoldFile.model_validate_json((repo / "annotations/gold" / f"{gold_docs()[0]}.json").read_bytes())
    entities = gold_to_results(gold, "entities")
    assert entities
    wrong = export(task(rnd, [ann(21, 1, entities, NEW), ann(22, 2, entities, NEW)]))
    with pytest.raises(RoundError, match=r"none of this round's config \(category\): an export of another pass"):
        import_export(repo, "r", wrong)
    after = tree(rnd.folder)
    (kept,) = set(after) - set(before)
    assert kept.startswith("exports/") and after[kept] == wrong  # the export, verbatim, and nothing else
    assert {k: v for k, v in after.items() if k != kept} == before

    path = tmp_path / "entities.json"
    path.write_bytes(wrong)
    line = one_line(run("round", "import", "r", str(path), "--root", str(repo)), 1, "newsclaims round import: ")
    assert "'label'" in line and "nothing imported (the export is kept as" in line


def test_one_annotation_of_another_pass_in_an_export_is_left_out(repo: Path) -> None:
    rnd = noise_round(repo)
    import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd), OLD)])))
    before = rnd.annotator_file("ann1", gold_docs()[0]).read_bytes()
    gold = GoldFile.model_validate_json((repo / "annotations/gold" / f"{gold_docs()[0]}.json").read_bytes())
    report = import_export(
        repo, "r", export(task(rnd, [ann(12, 1, gold_to_results(gold, "entities"), NEW), ann(13, 2, accepted(rnd))]))
    )
    assert lines(report) == [("100", "12", "NC703")]
    assert "none a control of this round's config: not imported" in report.issues[0].message
    assert rnd.annotator_file("ann1", gold_docs()[0]).read_bytes() == before


def test_an_export_of_another_project_is_refused_whole(repo: Path) -> None:
    rnd = noise_round(repo)
    data = json.loads((rnd.folder / "round.json").read_text())
    (rnd.folder / "round.json").write_text(json.dumps({**data, "label_studio": {"project": 7}}))
    with pytest.raises(RoundError, match="tasks of Label Studio project 8, not this round's project 7"):
        import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd))], project=8)))
    assert not (rnd.folder / "annotators").exists() and not (rnd.folder / LEDGER).exists()
    assert import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd))], project=7))).imported == 1


def test_users_whose_emails_clean_to_one_name_stay_two_annotators(repo: Path) -> None:
    # ann.x@a.org and ann-x@b.org: names come from round.json alone, never from an email.
    rnd = create_round(repo, "r", "noise", gold_docs()[:1], ["annx=ann.x@a.org", "ann2=ann-x@b.org"], "gold", TODAY)
    users = [{"id": 3, "email": "ann.x@a.org"}, {"id": 4, "email": "ann-x@b.org"}]
    report = import_export(
        repo,
        "r",
        export(task(rnd, [ann(11, users[0], accepted(rnd)), ann(12, users[1], accepted(rnd)[1:])])),  # type: ignore[arg-type]
    )
    assert (report.issues, sorted(report.written)) == (
        [],
        [f"annotators/ann2/{gold_docs()[0]}.json", f"annotators/annx/{gold_docs()[0]}.json"],
    )
    # And a user who is an unknown email (ann.x@b.org) is nobody: reported, not merged into annx.
    report = import_export(repo, "r", export(task(rnd, [ann(13, {"id": 9, "email": "ann.x@b.org"}, [])])))  # type: ignore[arg-type]
    assert lines(report) == [("100", "13", "NC709")]


# -- 2. round names and paths -----------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path, repo: Path) -> Path:
    """A folder outside the repository that looks like a round (a copy of one, round.json included)."""
    noise_round(repo, "src")
    folder = tmp_path / "elsewhere"
    shutil.copytree(Round(repo, "src").folder, folder)
    return folder


@pytest.mark.parametrize("command", ["import", "agreement", "adjudicate", "push", "pull"])
@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_a_round_name_that_is_a_path_is_refused_before_any_write(
    repo: Path, outside: Path, tmp_path: Path, command: str, how: str
) -> None:
    name = str(outside) if how == "absolute" else f"../../../{outside.name}"
    path = tmp_path / "export.json"
    path.write_bytes(export())
    extra = [str(path)] if command == "import" else []
    env = {
        **os.environ,
        "LABEL_STUDIO_URL": "http://127.0.0.1:9",
        "LABEL_STUDIO_API_KEY": "k",
        "LABEL_STUDIO_TIMEOUT": "1",
    }
    before, repo_before = tree(outside), tree(repo)
    done = run("round", command, name, *extra, "--root", str(repo), env=env)
    line = one_line(done, 1, f"newsclaims round {command}: round ")
    assert "is not a valid name" in line
    assert tree(outside) == before and tree(repo) == repo_before


def symlinked(repo: Path, tmp_path: Path, part: str) -> tuple[Round, Path]:
    """A round whose ``part`` (a folder or file of it) is a symlink to a place outside the repository."""
    rnd = noise_round(repo)
    target = tmp_path / f"outside-{part}"
    if part.endswith((".json", ".md", ".lock")):
        target.write_text("{}")
    else:
        target.mkdir()
    (rnd.folder / part).symlink_to(target)
    return rnd, target


@pytest.mark.parametrize("part", ["annotators", "exports", LEDGER, "import-report.json", ".lock"])
def test_import_writes_nothing_through_a_symlink_out_of_the_repository(repo: Path, tmp_path: Path, part: str) -> None:
    rnd, target = symlinked(repo, tmp_path, part)
    before = tree(tmp_path / target.name) if target.is_dir() else {"": target.read_bytes()}
    with pytest.raises(RoundError, match="outside the repository"):
        import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd))])))
    assert (tree(target) if target.is_dir() else {"": target.read_bytes()}) == before


@pytest.mark.parametrize("part", ["agreement.json", "agreement.md"])
def test_agreement_writes_nothing_through_a_symlink_out_of_the_repository(
    repo: Path, tmp_path: Path, part: str
) -> None:
    rnd, target = symlinked(repo, tmp_path, part)
    import_export(repo, "r", export(task(rnd, [ann(11, 1, accepted(rnd)), ann(12, 2, accepted(rnd))])))
    done = run("round", "agreement", "r", "--root", str(repo))
    assert "outside the repository" in one_line(done, 1, "newsclaims round agreement: ")
    assert target.read_text() == "{}"


def test_a_rounds_folder_symlinked_out_of_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    away = tmp_path / "rounds-away"
    shutil.move(repo / "annotations/rounds", away)
    (repo / "annotations/rounds").symlink_to(away)
    before = tree(away)
    with pytest.raises(RoundError, match="outside the repository"):
        create_round(repo, "r", "noise", gold_docs()[:1], ["ann1"], "none", TODAY)
    assert tree(away) == before


def test_a_new_round_folder_has_the_mode_of_a_plain_mkdir(repo: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    rnd = noise_round(repo)
    assert rnd.folder.stat().st_mode & 0o777 == 0o777 & ~mask  # not mkdtemp's 0700


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--annotators", "a=1,b=1"], "annotators 'a' and 'b' are given the same Label Studio user (id 1)"),
        (["--annotators", "a,b,a"], "annotator 'a' is listed twice"),
        (["--annotators", "a=1,a=2"], "annotator 'a' is listed twice"),
        (["--docs", "{d},{d}"], "doc_id(s) listed twice: {d}"),
    ],
)
def test_create_refuses_duplicates_in_one_line(repo: Path, argv: list[str], says: str) -> None:
    doc = gold_docs()[0]
    args = {"--docs": doc, "--annotators": "a=1,b=2"}
    args.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    flat = [x.replace("{d}", doc) for kv in args.items() for x in kv]
    done = run("round", "create", "r", "--pass", "noise", *flat, "--root", str(repo))
    assert one_line(done, 1, "newsclaims round create: ") == f"newsclaims round create: {says.replace('{d}', doc)}\n"
    assert not (repo / "annotations/rounds/r").exists()


def test_create_on_a_repository_with_problems_lists_them_in_one_line(repo: Path) -> None:
    manifest = repo / "seeds/manifest.json"
    data = json.loads(manifest.read_text())
    data["documents"][0]["sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    done = run(
        "round", "create", "r", "--pass", "noise", "--docs", gold_docs()[0], "--annotators", "a", "--root", str(repo)
    )
    line = one_line(done, 1, "newsclaims round create: the repository has 1 problem(s), fix them first")
    assert "seeds/manifest.json" in line and "NC" in line
    assert not (repo / "annotations/rounds/r").exists()


# -- 3. broken inputs of round commands --------------------------------------------------------------


def test_annotations_that_are_not_a_list_are_a_located_line(repo: Path, tmp_path: Path) -> None:
    rnd = noise_round(repo)
    path = tmp_path / "e.json"
    path.write_bytes(export(task(rnd, 5)))  # type: ignore[arg-type]
    done = run("round", "import", "r", str(path), "--root", str(repo))
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.startswith("task 100 annotation - region -: NC702 error: annotations is not a list: 5\n")


def test_a_deeply_nested_export_is_one_line(repo: Path, tmp_path: Path) -> None:
    noise_round(repo)
    path = tmp_path / "deep.json"
    path.write_text("[" * 3000 + "]" * 3000)
    done = run("round", "import", "r", str(path), "--root", str(repo))
    assert "nested deeper than 100 levels" in one_line(done, 2, "newsclaims round import: the export (kept as ")


@pytest.mark.parametrize("what", ["fifo", "folder", "missing"])
def test_an_export_that_is_not_a_regular_file_is_one_line(repo: Path, tmp_path: Path, what: str) -> None:
    noise_round(repo)
    path = tmp_path / "export.json"
    if what == "fifo":
        os.mkfifo(path)
    elif what == "folder":
        path.mkdir()
    says = {"fifo": "not a regular file", "folder": "is a folder", "missing": "file does not exist"}[what]
    done = run("round", "import", "r", str(path), "--root", str(repo), timeout=30, real=what == "fifo")
    assert says in one_line(done, 2, f"newsclaims round import: {path}: ")


BROKEN_ROUND_JSON: dict[str, tuple[Any, int, str]] = {
    "not-json": (b"{not json", 2, "round.json: not valid JSON ("),
    "not-utf8": (b'{"pass": "\xff"}', 2, "round.json: not valid JSON (str is not valid UTF-8"),
    "a-list": (b"[1, 2]", 1, "round.json: expected a JSON object"),
    "wrong-types": ({"documents": 5, "annotators": "ann1"}, 1, "round.json: documents: Input should be a valid list"),
    "bad-pass": ({"pass": 7}, 1, "round.json: pass: unknown pass 7"),
    "duplicate-key": (None, 2, "round.json: key 'pass' appears twice in one object"),
    "deep": (b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}", 2, "round.json: nested deeper than 100 levels"),
    "a-folder": ("folder", 2, "round.json: is a folder, expected a file"),
}


@pytest.mark.parametrize("command", ["import", "agreement", "push", "pull"])
@pytest.mark.parametrize("case", sorted(BROKEN_ROUND_JSON))
def test_a_broken_round_json_is_one_line_and_nothing_is_written(
    repo: Path, tmp_path: Path, case: str, command: str
) -> None:
    rnd = noise_round(repo)
    path = rnd.folder / "round.json"
    content, code, says = BROKEN_ROUND_JSON[case]
    good = json.loads(path.read_text())
    if content == "folder":
        path.unlink()
        path.mkdir()
    elif content is None:
        path.write_text(json.dumps(good)[:-1] + ', "pass": "noise"}')
    elif isinstance(content, dict):
        path.write_text(json.dumps({**good, **content}))
    else:
        path.write_bytes(content)
    export_file = tmp_path / "export.json"
    export_file.write_bytes(export(task(rnd, [ann(11, 1, accepted(rnd))])))
    extra = [str(export_file)] if command == "import" else []
    env = {
        **os.environ,
        "LABEL_STUDIO_URL": "http://127.0.0.1:9",
        "LABEL_STUDIO_API_KEY": "k",
        "LABEL_STUDIO_TIMEOUT": "1",
    }
    before = tree(repo)
    done = run("round", command, "r", *extra, "--root", str(repo), env=env)
    assert says in one_line(done, code, f"newsclaims round {command}: ")
    assert tree(repo) == before


BROKEN_ANNOTATOR_FILE: dict[str, tuple[bytes | str, int, str]] = {
    "not-json": (b"{", 2, "not valid JSON"),
    "wrong-shape": (b'{"doc_id": 5}', 1, ": not an annotator file: "),
    "a-folder": ("folder", 2, "is a folder, expected a file"),
    "another-doc": ("other", 1, "is not the file's name"),
}


@pytest.mark.parametrize("command", ["agreement", "adjudicate"])
@pytest.mark.parametrize("case", sorted(BROKEN_ANNOTATOR_FILE))
def test_a_broken_annotator_file_is_one_line(repo: Path, case: str, command: str) -> None:
    rnd = noise_round(repo, docs=2)
    import_export(
        repo,
        "r",
        export(
            task(rnd, [ann(11, 1, accepted(rnd)), ann(12, 2, accepted(rnd))]),
            task(rnd, [ann(21, 1, accepted(rnd, 1), OLD)], doc=1),
        ),
    )
    path = rnd.annotator_file("ann2", gold_docs()[0])
    content, code, says = BROKEN_ANNOTATOR_FILE[case]
    if content == "folder":
        path.unlink()
        path.mkdir()
    elif content == "other":
        shutil.copy(rnd.annotator_file("ann1", gold_docs()[1]), path)
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    before = tree(repo)
    done = run("round", command, "r", "--root", str(repo))
    line = one_line(
        done, code, f"newsclaims round {command}: annotations/rounds/r/annotators/ann2/{gold_docs()[0]}.json"
    )
    assert says in line
    assert tree(repo) == before  # no report, no gold written from part of the files


# -- 5. two commands on one round at once -------------------------------------------------------------


def test_an_import_waits_for_the_round_lock(repo: Path, tmp_path: Path) -> None:
    rnd = noise_round(repo)
    path = tmp_path / "e.json"
    path.write_bytes(export(task(rnd, [ann(11, 1, accepted(rnd))])))
    lock = os.open(rnd.folder / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.Popen(
            [COMMAND, "round", "import", "r", str(path), "--root", str(repo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            time.sleep(1.5)
            assert proc.poll() is None  # waiting for the lock
            assert not (rnd.folder / "annotators").exists()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(lock)
    assert (proc.returncode, err) == (0, "") and "imported 1 annotation file(s)" in out
    assert rnd.annotator_file("ann1", gold_docs()[0]).exists()


def test_two_imports_at_once_never_interleave(repo: Path, tmp_path: Path) -> None:
    # Two exports of every page, one where ann1 drew everything, one where ann1 drew nothing:
    # afterwards every file and the ledger come from one and the same export.
    docs = gold_docs()
    rnd = create_round(repo, "r", "noise", docs, ["ann1=1"], "gold", TODAY)
    spans = {d: len(accepted(rnd, i)) for i, d in enumerate(docs)}
    assert any(spans.values())
    full = tmp_path / "full.json"
    empty = tmp_path / "empty.json"
    full.write_bytes(export(*(task(rnd, [ann(10 + i, 1, accepted(rnd, i), NEW)], doc=i) for i in range(len(docs)))))
    empty.write_bytes(export(*(task(rnd, [ann(10 + i, 1, [], NEW)], doc=i) for i in range(len(docs)))))
    for _ in range(3):
        procs = [
            subprocess.Popen(
                [COMMAND, "round", "import", "r", str(path), "--root", str(repo)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for path in (full, empty)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0 and err == ""
        drawn = {d: len(GoldFile.model_validate_json(rnd.annotator_file("ann1", d).read_bytes()).noise) for d in docs}
        state = {"full" if drawn[d] == spans[d] else "empty" for d in docs if spans[d]}
        assert len(state) == 1  # every file from the one export, or every file from the other: never a mix
        report = json.loads((rnd.folder / "import-report.json").read_text())
        assert (rnd.folder / report["export"]).read_bytes() == (full if state == {"full"} else empty).read_bytes()
