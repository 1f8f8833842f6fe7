"""The `newsclaims` command as CI and users run it: exit codes, output formats, adding a page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TEXT, MiniRepo

from newsclaims.cli import main
from newsclaims.core.problems import RULES

EXE = Path(sys.executable).parent / "newsclaims"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_clean_repository_exits_0(mini: MiniRepo) -> None:
    done = run("validate", cwd=mini.root)
    assert (done.returncode, done.stdout) == (0, "")
    assert "no problems found" in done.stderr


def test_problems_exit_1_one_line_each(mini: MiniRepo) -> None:
    mini.gold["doc-a"]["mentions"][1]["text"] = "Irak"
    mini.gold["doc-a"]["mentions"][0]["label"] = "HUMAN"
    mini.write()
    done = run("validate", cwd=mini.root)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "annotations/gold/doc-a.json:m1:label: NC103 'HUMAN' is not in the vocabulary: expected one of 'PERSON', "
        "'NORP', 'ORG', 'GPE', 'LOC', 'FAC', 'WEAPON', 'PRODUCT', 'EVENT', 'LAW', 'DATE', 'MONEY' or 'QUANTITY'"
    ]
    assert "Traceback" not in done.stderr


def test_json_format(mini: MiniRepo) -> None:
    mini.gold["doc-a"]["noise"][0]["category"] = "chrome"
    mini.write()
    done = run("validate", "--format", "json", cwd=mini.root)
    assert done.returncode == 1
    (item,) = json.loads(done.stdout)
    assert {k: item[k] for k in ("path", "record", "field", "code")} == {
        "path": "annotations/gold/doc-a.json",
        "record": "n1",
        "field": "category",
        "code": "NC103",
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"\xff\xfe{}", "not UTF-8"), (b"{", "not valid JSON")],
)
def test_unreadable_input_exits_2_without_traceback(mini: MiniRepo, content: bytes, expected: str) -> None:
    (mini.root / "annotations/gold/doc-a.json").write_bytes(content)
    done = run("validate", cwd=mini.root)
    assert done.returncode == 2
    assert done.stdout.startswith("annotations/gold/doc-a.json:-:-: NC100 ") and expected in done.stdout
    assert "Traceback" not in done.stderr


def test_missing_path_exits_2(mini: MiniRepo) -> None:
    done = run("validate", "annotations/gold/nope.json", cwd=mini.root)
    assert done.returncode == 2
    assert done.stdout == "annotations/gold/nope.json:-:-: NC100 file does not exist\n"


def test_folder_that_is_not_a_repository_exits_2(tmp_path: Path) -> None:
    done = run("validate", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "not a newsclaims repository" in done.stdout


def test_rules_lists_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)


def test_schema_check_passes_on_this_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--check", "--dir", str(REPO_ROOT / "schema")]) == 0


def test_this_repository_validates() -> None:
    done = run("validate", cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout


# -- seeds add ---------------------------------------------------------------


HEAVY = ("datasets", "spacy", "label_studio_sdk", "pyarrow", "pandas", "requests")


def test_validate_inputs_imports_none_of_the_build_or_round_stack(mini: MiniRepo) -> None:
    # CI runs this command on every push: datasets, spaCy and label-studio-sdk cost it 1.7 s and
    # 175 MB of start-up, and none of them is needed for the inputs' rules.
    mini.gold["doc-a"]["mentions"][0]["label"] = "HUMAN"
    mini.write()
    code = (
        "import sys; from newsclaims.cli import main; code = main(['validate', sys.argv[1]]); "
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(mini.root)], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "1 []", done.stderr
    assert "NC103" in done.stdout


def seeds_add(mini: MiniRepo, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["--outlet", "Example Times", "--title", "A page", "--published", "2022-12-11", "--story", "story-1"]
    return run("seeds", "add", str(page), *args, *extra, cwd=mini.root)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_seeds_add_copies_verbatim_and_prints_the_doc_id(mini: MiniRepo, tmp_path: Path) -> None:
    page = tmp_path / "new page.txt"
    page.write_bytes("Line one\r\nA caf\u00e9 \U0001f600 page\n".encode())
    done = seeds_add(mini, page, "--url", "https://example.org/a")
    assert done.returncode == 0, done.stderr
    doc_id = done.stdout.strip().splitlines()[-1].split()[-1]
    manifest = json.loads((mini.root / "seeds/manifest.json").read_text())
    entry = next(e for e in manifest["documents"] if e["doc_id"] == doc_id)
    assert (mini.root / "seeds" / entry["file"]).read_bytes() == page.read_bytes()
    assert entry["url"] == "https://example.org/a" and entry["published"] == "2022-12-11"
    assert run("validate", cwd=mini.root).returncode == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"caf\xe9\n", "not UTF-8"),
        (TEXT.encode(), "already in seeds/ as doc-a.txt"),
    ],
)
def test_seeds_add_refuses_and_changes_nothing(mini: MiniRepo, tmp_path: Path, content: bytes, message: str) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(content)
    before = snapshot(mini.root)
    done = seeds_add(mini, page)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert snapshot(mini.root) == before


@pytest.mark.parametrize(
    ("flag", "value", "field"),
    [("--story", "../etc", "--story"), ("--published", "2022-13-01", "--published"), ("--url", "ftp:x", "--url")],
)
def test_seeds_add_refuses_bad_metadata(mini: MiniRepo, tmp_path: Path, flag: str, value: str, field: str) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A new page.\n")
    before = snapshot(mini.root)
    done = seeds_add(mini, page, flag, value)
    assert done.returncode == 1 and f"{field}:" in done.stderr
    assert snapshot(mini.root) == before


def test_a_reader_that_goes_away_ends_the_command_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    # `newsclaims rules | head -1`: once the reader has gone, writing raises BrokenPipeError;
    # the command ends with exit 1 and no traceback, and SIGPIPE stays as Python sets it.
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "w", encoding="utf-8") as closed:
        monkeypatch.setattr(sys, "stdout", closed)
        assert main(["rules"]) == 1
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN
