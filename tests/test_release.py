"""`newsclaims release`: the README's round walk-through, files only, on a new page, then each refusal.

Everything runs in a scratch copy of this repository (a fresh git repository, so that tagging
is exercised) through the `newsclaims` command, as a user would. Nothing here knows how many
seed pages there are, their ids or counts, or the corpus version: they are read from the copy.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, MiniRepo

from newsclaims.cli import main
from newsclaims.corpus.cache import CACHE_FOLDER
from newsclaims.corpus.release import VERSION_HEADING

IGNORED = shutil.ignore_patterns(
    ".venv*", ".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", "*.egg-info"
)
# A page nobody planned for: new people and organisations, a nested attribution, an emoji
# (offsets in code points differ from UTF-16 after it) and non-breaking spaces in the chrome.
PAGE = (
    "Menu\u00a0Home\u00a0World\u00a0Business\n"
    "Harbour board backs Eastvale port expansion \U0001f6a2\n"
    "By Dana Whitlock\n"
    "The Eastvale Harbour Board approved the expansion on Tuesday, its chair Maria Okonkwo said.\n"
    "Reuters, citing two officials at the Ministry of Transport, said the project would cost 2 billion euros.\n"
    '"We expect the first ships in 2027," Okonkwo told reporters.\n'
    "Share\u00a0this\u00a0article\n"
)


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def scratch_copy(dest: Path, with_git: bool = True) -> Path:
    shutil.copytree(REPO_ROOT, dest, ignore=IGNORED)
    if with_git:
        git(dest, "init", "-q", "-b", "main")
        for key, value in (("user.name", "Test"), ("user.email", "test@example.org"), ("commit.gpgsign", "false")):
            git(dest, "config", key, value)
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "-m", "the repository before the round")
    return dest


def tree(root: Path) -> dict[str, bytes]:
    """Every file but git's, the (empty, git-ignored) lock file and the row cache (git-ignored, safe
    to delete: corpus/cache.py), by path: what "nothing changed" compares."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".git", CACHE_FOLDER} & set(p.relative_to(root).parts) and p.name != ".newsclaims.lock"
    }


def changelog_versions(root: Path) -> list[tuple[str, str]]:
    """(version, recorded fingerprint) of every corpus entry, newest first."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    out = []
    for m in VERSION_HEADING.finditer(text):
        line = text[m.start() : text.index("\n", m.start())]
        fingerprint = re.search(r"fingerprint ([0-9a-f]+)", line)
        out.append((m.group(1), fingerprint.group(1) if fingerprint else ""))
    return out


def next_version(root: Path) -> str:
    major, minor, _ = map(int, changelog_versions(root)[0][0].split("."))
    return f"{major}.{minor + 1}.0"


def newsclaims(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- a Label Studio export, as the server writes it --------------------------------------------


def region(
    text: str, rid: str, role: str, needle: str, choices: dict[str, str], after: str = "", utf16_end: bool = False
) -> list[Any]:
    """A labelled region of the first ``needle`` after ``after``, with its per-region choices (same id).
    Offsets are code points, except with ``utf16_end``: Label Studio writes a resized edge in UTF-16
    units, one more per emoji before it."""
    start = text.index(needle, text.index(after) if after else 0)
    end = start + len(needle)
    if utf16_end:
        end += sum(ord(ch) > 0xFFFF for ch in text[:end])
    value = {"start": start, "end": end, "text": needle}
    common = {"id": rid, "to_name": "text", "origin": "manual"}
    out: list[Any] = [{**common, "from_name": "role", "type": "labels", "value": {**value, "labels": [role]}}]
    for control, choice in choices.items():
        out.append({**common, "from_name": control, "type": "choices", "value": {**value, "choices": [choice]}})
    return out


def relation(frm: str, to: str, label: str) -> dict[str, Any]:
    return {"from_id": frm, "to_id": to, "type": "relation", "direction": "right", "labels": [label]}


CHECKWORTHY = {"checkworthy": "checkworthy"}
INDIRECT = {"quote_type_source": "indirect", "stance_source": "asserts"}
DIRECT = {"quote_type_source": "direct", "stance_source": "asserts"}
AGREED_CLAIMS = [
    "The Eastvale Harbour Board approved the expansion on Tuesday",
    "the project would cost 2 billion euros",
]
DISPUTED_CLAIM = "We expect the first ships in 2027"


def claims_result(text: str, second: bool) -> list[Any]:
    """One annotator's claims pass of the page. Both agree on the first two claims and their three
    attributions (one nested: Reuters, citing two officials, said); the second annotator calls the
    prediction check-worthy, and one of their edges after the emoji is in UTF-16 units."""
    first_claim, cost = AGREED_CLAIMS
    out: list[Any] = []
    out += region(text, "c1", "claim", first_claim, CHECKWORTHY)
    out += region(text, "s1", "source", "its chair Maria Okonkwo", INDIRECT)
    out += region(text, "q1", "cue", "said", {}, after="Maria Okonkwo")
    out += region(text, "c2", "claim", cost, CHECKWORTHY, utf16_end=second)
    out += region(text, "s2", "source", "Reuters", INDIRECT)
    out += region(text, "q2", "cue", "said", {}, after="Transport")
    out += region(text, "s3", "source", "two officials at the Ministry of Transport", INDIRECT)
    out += region(text, "q3", "cue", "citing", {})
    worth = "checkworthy" if second else "not_checkworthy"
    out += region(text, "c3", "claim", DISPUTED_CLAIM, {"checkworthy": worth})
    out += region(text, "s4", "source", "Okonkwo", DIRECT, after="2027")
    out += region(text, "q4", "cue", "told", {})
    out += [relation("s1", "c1", "source"), relation("q1", "s1", "cue")]
    out += [relation("s2", "c2", "source"), relation("q2", "s2", "cue")]
    out += [relation("s3", "c2", "source"), relation("q3", "s3", "cue"), relation("s3", "s2", "parent")]
    out += [relation("s4", "c3", "source"), relation("q4", "s4", "cue")]
    return out


def label_studio_export(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON export of a project where users 1 and 2 (the round's ann1 and ann2) submitted every task."""
    out = []
    for tid, task in enumerate(tasks, 101):
        annotations: list[dict[str, Any]] = [
            {
                "id": 1000 + 10 * tid + user,
                "completed_by": user,
                "result": claims_result(task["data"]["text"], second=user == 2),
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": f"2026-03-0{user}T10:00:00.000000Z",
                "updated_at": f"2026-03-0{user}T10:05:00.000000Z",
                "lead_time": 300.0,
                "task": tid,
                "project": 7,
                "prediction": {},
                "result_count": 0,
            }
            for user in (1, 2)
        ]
        out.append(
            {
                "id": tid,
                "data": task["data"],
                "annotations": annotations,
                "drafts": [],
                "predictions": [],
                "meta": {},
                "created_at": "2026-03-01T09:00:00.000000Z",
                "updated_at": "2026-03-02T10:05:00.000000Z",
                "project": 7,
            }
        )
    return out


# --- the walk-through ----------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch copy of this repository in a fresh git repository, the working folder inside it."""
    root = scratch_copy(tmp_path / "repo")
    monkeypatch.chdir(root)
    yield root


def test_the_readme_walk_through_ends_released_and_tagged(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = changelog_versions(repo)
    version = next_version(repo)
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")

    # newsclaims seeds add: the new doc_id is the last word of the last line printed.
    code, out, err = newsclaims(
        capsys, "seeds", "add", str(page), "--outlet", "Eastvale Courier", "--title", "Port plan",
        "--published", "2026-03-01", "--story", "eastvale-port-2026",
    )  # fmt: skip
    assert code == 0, err
    doc_id = out.split()[-1]

    code, out, err = newsclaims(
        capsys, "round", "create", "r1-claims", "--pass", "claims", "--docs", doc_id,
        "--annotators", "ann1=1,ann2=2", "--predictions", "rules",
    )  # fmt: skip
    assert code == 0, err
    folder = repo / "annotations/rounds/r1-claims"
    tasks = json.loads((folder / "tasks.json").read_text(encoding="utf-8"))
    assert [t["data"]["text"] for t in tasks] == [PAGE]

    export = tmp_path / "project-7-at-2026-03-02.json"
    export.write_text(json.dumps(label_studio_export(tasks), ensure_ascii=False), encoding="utf-8")
    code, out, err = newsclaims(capsys, "round", "import", "r1-claims", str(export))
    assert code == 0, out + err
    # ann2's edge after the emoji was in UTF-16 units: repaired, with a warning.
    assert f'region c2 "{AGREED_CLAIMS[1]}": NC705 warning: ' in out
    assert "imported 2 annotation file(s) from 2 annotation(s) in 1 task(s)" in out

    code, out, err = newsclaims(capsys, "round", "agreement", "r1-claims")
    assert code == 0, err
    assert "1 annotator pair(s)" in out
    assert "ann1~ann2" in (folder / "agreement.md").read_text(encoding="utf-8")

    code, out, err = newsclaims(capsys, "round", "adjudicate", "r1-claims", "--strategy", "majority")
    assert code == 0, err
    gold = json.loads((repo / f"annotations/gold/{doc_id}.json").read_text(encoding="utf-8"))
    claims = {c["claim_id"]: " … ".join(f["text"] for f in c["fragments"]) for c in gold["claims"]}
    # Both marked the disputed claim, one calling it check-worthy: kept once, check-worthy (a tie),
    # with its attribution; both values are a listed conflict, the one left out is "dropped".
    assert sorted(claims.values()) == sorted([*AGREED_CLAIMS, DISPUTED_CLAIM])
    assert [c["checkworthy"] for c in gold["claims"] if c["fragments"][0]["text"] == DISPUTED_CLAIM] == [True]
    start = PAGE.index(DISPUTED_CLAIM)
    decided = json.loads((folder / "adjudication.json").read_text(encoding="utf-8"))["documents"][doc_id]
    assert {c for c in decided["conflicts"] if c.startswith("claim|")} == {
        f"claim|{start}:{start + len(DISPUTED_CLAIM)}|{worth}" for worth in (False, True)
    }
    assert [d for d in decided["dropped"] if d.startswith("claim|")] == [
        f"claim|{start}:{start + len(DISPUTED_CLAIM)}|False"
    ]
    sources = {a["source"]["text"]: a for a in gold["attributions"]}
    nested, outer = sources["two officials at the Ministry of Transport"], sources["Reuters"]
    assert nested["parent_id"] == outer["attribution_id"] and nested["cue"]["text"] == "citing"
    assert claims[nested["claim_id"]] == claims[outer["claim_id"]] == AGREED_CLAIMS[1]

    # Before the release the repository is stale: that is what the release is for.
    code, out, _ = newsclaims(capsys, "validate")
    assert code == 1 and "NC601" in out

    code, out, err = newsclaims(capsys, "release", version, "--note", f"A page on the Eastvale port ({doc_id}).")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith(f"released corpus {version} (after {before[0][0]}): ")
    assert lines[-1] == f"then tag that commit: newsclaims release {version} --tag"

    # validate clean, generated files current, the CHANGELOG entry and the card say the new version.
    assert newsclaims(capsys, "validate")[:2] == (0, "")
    assert newsclaims(capsys, "schema", "--check")[0] == 0
    check = [sys.executable, "scripts/prenotate_report.py", "--check"]
    report = subprocess.run(check, cwd=repo, capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr  # its held-out figures now count the new page
    release = json.loads((repo / "corpus/release.json").read_text(encoding="utf-8"))
    assert changelog_versions(repo) == [(version, release["fingerprint"][:16]), *before]
    manifest = json.loads((repo / "seeds/manifest.json").read_text(encoding="utf-8"))
    documents = len(manifest["documents"])
    gold_pages = len(list((repo / "annotations/gold").glob("*.json")))
    stories = len({d["story_id"] for d in manifest["documents"]})
    card = (repo / "corpus/README.md").read_text(encoding="utf-8")
    assert f"\nversion: {version}\n" in card and f"# newsclaims {version}\n" in card
    assert f"- {documents} pages ({gold_pages} with gold annotations) on {stories} stories: " in card
    assert "eastvale-port-2026" in card and "Eastvale Courier" in card and "r1-claims" in card
    assert f"Corpus version **{version}**" in (repo / "DATASHEET.md").read_text(encoding="utf-8")

    # Tagging waits for the commit: a tag now would name the commit without the release.
    code, _, err = newsclaims(capsys, "release", version, "--tag")
    assert code == 1 and err.startswith("newsclaims release: refused: not committed: ")
    assert git(repo, "tag", "--list") == ""
    # Commit exactly as the release said; nothing of the walk-through is left out.
    suggested = next(line for line in lines if line.startswith("to commit: "))
    command = suggested.removeprefix("to commit: ")
    for part in command.split(" && "):
        git(repo, *shlex.split(part)[1:])
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""

    code, out, err = newsclaims(capsys, "release", version, "--tag")
    assert code == 0, err
    head = git(repo, "rev-parse", "HEAD").strip()
    assert out == f"tagged {head[:12]} as corpus-v{version}; publish it with `git push origin corpus-v{version}`\n"
    assert git(repo, "rev-parse", f"corpus-v{version}^{{commit}}").strip() == head
    tagged = json.loads(git(repo, "show", f"corpus-v{version}:corpus/release.json"))
    assert (tagged["version"], tagged["counts"]["documents"]) == (version, release["counts"]["documents"])
    assert sum(tagged["counts"]["documents"].values()) == documents

    code, _, err = newsclaims(capsys, "release", version, "--tag")
    assert (code, err) == (1, f"newsclaims release: refused: the git tag corpus-v{version} exists already\n")


# --- refusals: one line, exit 1, nothing changed ----------------------------------------------------


def _unlisted_seed(repo: Path) -> None:
    (repo / "seeds/zzz_unlisted.txt").write_text("a page without a manifest entry\n", encoding="utf-8")


Case = tuple[list[str], str]


def refusal(repo: Path, name: str) -> Case:
    """The command and its exact refusal, from what the copy's CHANGELOG says."""
    current, fingerprint = changelog_versions(repo)[0]
    new = next_version(repo)
    cases: dict[str, Case] = {
        "not X.Y.Z": (["1.2", "--note", "x"], "version '1.2' is not X.Y.Z (three whole numbers, such as 0.2.0)"),
        "leading zero": (
            ["01.2.0", "--note", "x"],
            "version '01.2.0' is not X.Y.Z (three whole numbers, such as 0.2.0)",
        ),
        "not greater": (
            [current, "--note", "x"],
            f"version {current} is not greater than corpus {current}, the highest in CHANGELOG.md",
        ),
        "same data": (
            [new, "--note", "x"],
            f"the data did not change since corpus {current} (fingerprint {fingerprint}): nothing to release "
            "(--allow-same releases the same data again, e.g. for a corrected card)",
        ),
        "no note": ([new], "--note TEXT is required (what changed in the data)"),
        "empty note": ([new, "--note", " \n "], "the note is empty: say what changed in the data (--note TEXT)"),
        "heading in the note": (
            [new, "--note", "fine\n## corpus 9.9.9"],
            "the note holds a Markdown heading ('## corpus 9.9.9'), which would break CHANGELOG.md",
        ),
        "tag exists": ([new, "--note", "x"], f"the git tag corpus-v{new} exists already: choose another version"),
        "inputs have problems": (
            [new, "--note", "x"],
            "the inputs have 1 problem(s), listed above: fix them (`newsclaims validate`)",
        ),
        "--tag with --note": ([new, "--tag", "--note", "x"], "--tag takes no --note, --allow-same or --no-tag"),
        "--tag before the release": (
            [new, "--tag"],
            f"the newest corpus entry of CHANGELOG.md is {current}, not {new}: "
            f"run `newsclaims release {new} --note …` first",
        ),
    }
    return cases[name]


PREPARE = {
    "tag exists": lambda repo: git(repo, "tag", f"corpus-v{next_version(repo)}"),
    "inputs have problems": _unlisted_seed,
}
REFUSALS = [
    "not X.Y.Z",
    "leading zero",
    "not greater",
    "same data",
    "no note",
    "empty note",
    "heading in the note",
    "tag exists",
    "inputs have problems",
    "--tag with --note",
    "--tag before the release",
]


@pytest.mark.parametrize("name", REFUSALS)
def test_a_refusal_is_one_line_and_changes_nothing(repo: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    if name in PREPARE:
        PREPARE[name](repo)
    args, message = refusal(repo, name)
    files, tags = tree(repo), git(repo, "tag", "--list")
    code, out, err = newsclaims(capsys, "release", *args)
    assert (code, err) == (1, f"newsclaims release: refused: {message}\n")
    if name == "inputs have problems":
        assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["NC502"]  # listed above
    else:
        assert out == ""
    assert tree(repo) == files and git(repo, "tag", "--list") == tags


def test_outside_git_there_is_nothing_to_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = scratch_copy(tmp_path / "repo", with_git=False)
    monkeypatch.chdir(repo)
    files = tree(repo)
    code, out, err = newsclaims(capsys, "release", changelog_versions(repo)[0][0], "--tag")
    assert (code, out, err) == (1, "", "newsclaims release: refused: not a git work tree: there is nothing to tag\n")
    assert tree(repo) == files


def test_a_failure_midway_puts_every_file_back(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    code, _, err = newsclaims(
        capsys, "seeds", "add", str(page), "--outlet", "O", "--title", "T", "--published", "2026-03-01", "--story", "s"
    )  # fmt: skip
    assert code == 0, err
    version, files = next_version(repo), tree(repo)
    seen: list[tuple[str, str]] = []

    def full_disk(root: Path, jobs: int = 1, locked: bool = False) -> list[Any]:
        # The last step: by now CHANGELOG.md, corpus/ and the generated files are all new.
        built = json.loads((root / "corpus/release.json").read_text(encoding="utf-8"))["version"]
        seen.append((changelog_versions(root)[0][0], built))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("newsclaims.release.check_corpus", full_disk)
    code, out, err = newsclaims(capsys, "release", version, "--note", "a page")
    assert seen == [(version, version)]
    assert (code, out) == (2, "")
    assert (
        err
        == "newsclaims release: failed, every file put back as it was: OSError: [Errno 28] No space left on device\n"
    )
    assert tree(repo) == files  # CHANGELOG.md, corpus/, DATASHEET.md, schema/: byte for byte, no leftovers


def test_the_same_data_again_with_allow_same(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A corrected card or Croissant file is a release with the same data files (the same fingerprint)."""
    before = changelog_versions(repo)
    version = next_version(repo)
    code, out, err = newsclaims(
        capsys, "release", version, "--note", "The card, corrected.", "--allow-same", "--no-tag"
    )
    assert code == 0, out + err
    assert changelog_versions(repo) == [(version, before[0][1]), *before]
    assert out.splitlines()[-1].startswith("to commit: git add CHANGELOG.md corpus ")  # --no-tag: no tag step
    assert f"# newsclaims {version}\n" in (repo / "corpus/README.md").read_text(encoding="utf-8")
    assert newsclaims(capsys, "validate")[:2] == (0, "")
    assert newsclaims(capsys, "schema", "--check")[0] == 0


def test_a_first_release_starts_the_changelog(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A repository with no corpus entry yet (and no CHANGELOG.md, no corpus/, no schema/)."""
    code, out, err = newsclaims(capsys, "release", "0.1.0", "--note", "First corpus.")
    assert code == 0, out + err
    fingerprint = json.loads((mini.root / "corpus/release.json").read_text(encoding="utf-8"))["fingerprint"]
    assert (mini.root / "CHANGELOG.md").read_text(encoding="utf-8") == (
        f"# Changelog\n\n## corpus 0.1.0 — fingerprint {fingerprint[:16]}\n\nFirst corpus.\n"
    )
    assert out.splitlines()[1:] == [
        "written: CHANGELOG.md, corpus/",
        "to commit: git add CHANGELOG.md corpus seeds annotations && git commit -m 'corpus 0.1.0'",
    ]  # outside git: no tag step
    assert newsclaims(capsys, "validate")[:2] == (0, "")
