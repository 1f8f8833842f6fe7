"""Issue #19, writing: every write inside the repository, modes from the umask, the corpus swap
under crashes at every step and kill -9, full disks and read-only trees, concurrent runs.

Tests run as root here, where a chmod'ed tree stays writable: a read-only repository is an
injected ``OSError(EROFS)`` or ``EACCES``, a full disk an injected ``OSError(ENOSPC)``.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MiniRepo

from newsclaims import validate
from newsclaims.cli import main
from newsclaims.core import swap
from newsclaims.core.jsonio import write_json, write_text_atomic
from newsclaims.core.paths import OutsideRepository, inside_repository
from newsclaims.corpus.build import build, write_corpus
from newsclaims.corpus.checks import check_files

NEWSCLAIMS = [sys.executable, "-m", "newsclaims.cli"]
TIMEOUT = 120  # seconds, for every subprocess
SEED_METADATA = ["--outlet", "O", "--title", "T", "--published", "2026-01-01", "--story", "s"]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` but the lock, by path: what "nothing changed" compares."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != swap.LOCK_NAME
    }


def set_version(root: Path, version: str) -> None:
    (root / "CHANGELOG.md").write_text(f"# Changelog\n\n## corpus {version}\n", encoding="utf-8")


def version_of(corpus: Path) -> str:
    return str(json.loads((corpus / "release.json").read_text(encoding="utf-8"))["version"])


@pytest.fixture
def repo(mini: MiniRepo) -> Path:
    """The mini repository, built once as corpus 0.1.0, its changelog then at 0.2.0: the old
    corpus and a new build differ (in release.json, the card and croissant.json)."""
    set_version(mini.root, "0.1.0")
    build(mini.root)
    set_version(mini.root, "0.2.0")
    return mini.root


def assert_old_or_new(root: Path) -> str:
    """After a full validate: corpus/ is there, complete (every NC602-NC605 holds), nothing is
    left next to it, and it is the old build (0.1.0) or the new one (0.2.0)."""
    problems = validate(root)
    corpus = root / "corpus"
    assert corpus.is_dir(), problems
    assert check_files(corpus) == []
    assert swap.leftovers(corpus) == []
    version = version_of(corpus)
    assert version in ("0.1.0", "0.2.0")
    # The old one is stale (NC601: the fresh build says 0.2.0); the new one is not.
    stale = [p for p in problems if p.code == "NC601"]
    assert bool(stale) == (version == "0.1.0"), problems
    return version


# --- 1. every write inside the repository -------------------------------------------------


def test_inside_repository_resolves_names_and_symlinks(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "elsewhere"
    (root / "annotations").mkdir(parents=True)
    outside.mkdir()
    (root / "annotations" / "out").symlink_to(outside)  # a folder pointing out
    (root / "annotations" / "gold.json").symlink_to(outside / "gold.json")  # a file pointing out
    (root / "annotations" / "in.json").symlink_to(root / "annotations" / "real.json")
    assert inside_repository(root, root / "annotations" / "new" / "x.json") == (
        root.resolve() / "annotations" / "new" / "x.json"
    )
    assert inside_repository(root, root / "annotations" / "in.json") == root.resolve() / "annotations" / "in.json"
    for bad in (
        root / ".." / "elsewhere" / "x.json",
        outside / "x.json",
        root / "annotations" / "out" / "x.json",
        root / "annotations" / "gold.json",
        root / "annotations" / ".." / "..",
    ):
        with pytest.raises(OutsideRepository) as refused:
            inside_repository(root, bad)
        assert str(bad) in str(refused.value) and "outside the repository" in str(refused.value)


def test_atomic_writes_with_root_refuse_before_writing(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    for path in (root / "link" / "a.json", root / ".." / "elsewhere" / "b.json", Path(outside / "c.json")):
        with pytest.raises(OutsideRepository):
            write_json(path, {"x": 1}, root=root)
    assert list(outside.iterdir()) == []
    write_json(root / "sub" / "d.json", {"x": 1}, root=root)
    assert json.loads((root / "sub" / "d.json").read_text(encoding="utf-8")) == {"x": 1}


def test_build_refuses_a_corpus_symlinked_outside(mini: MiniRepo, tmp_path: Path) -> None:
    set_version(mini.root, "0.1.0")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (mini.root / "corpus").symlink_to(outside)
    code = main(["build", "--root", str(mini.root)])
    assert code == 1
    assert list(outside.iterdir()) == []
    assert (mini.root / "corpus").is_symlink()


def test_seeds_add_refuses_a_seeds_folder_symlinked_outside(
    mini: MiniRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (mini.root / "seeds" / "doc-a.txt").rename(outside / "doc-a.txt")
    (mini.root / "seeds" / "manifest.json").rename(outside / "manifest.json")
    (mini.root / "seeds").rmdir()
    (mini.root / "seeds").symlink_to(outside)
    before = tree(outside)
    page = tmp_path / "page.txt"
    page.write_text("A new page.\n", encoding="utf-8")
    code = main(
        ["seeds", "add", str(page), "--outlet", "O", "--title", "T", "--published", "2026-01-01", "--story", "s"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("newsclaims seeds: refused: ") and "outside the repository" in err
    assert err.count("\n") == 1
    assert tree(outside) == before


# --- 2. modes follow the umask ------------------------------------------------------------


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_rewritten_files_get_the_umask_mode(tmp_path: Path, umask: int) -> None:
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    old.write_text("{}\n", encoding="utf-8")
    old.chmod(0o600)
    write_text_atomic(new, "{}\n")
    write_json(old, {"a": 1})
    assert mode(new) == mode(old) == 0o666 & ~umask


def test_the_built_corpus_gets_the_umask_modes(mini: MiniRepo, umask: int) -> None:
    set_version(mini.root, "0.1.0")
    build(mini.root)
    corpus = mini.root / "corpus"
    folders = [corpus, *(p for p in corpus.rglob("*") if p.is_dir())]
    files = [p for p in corpus.rglob("*") if p.is_file()]
    assert {mode(p) for p in folders} == {0o777 & ~umask}
    assert {mode(p) for p in files} == {0o666 & ~umask}


def test_synth_gets_the_umask_modes(tmp_path: Path, umask: int) -> None:
    from newsclaims.synth import synthesize

    synthesize(3, tmp_path / "synth")
    assert mode(tmp_path / "synth") == 0o777 & ~umask
    assert mode(tmp_path / "synth" / "seeds" / "manifest.json") == 0o666 & ~umask


# --- 3. the corpus swap under a crash at every step ----------------------------------------


class Crash(BaseException):
    """A simulated crash: not an Exception, so nothing on the way catches it."""


def failing_after(n: int, real: Callable[..., Any], error: BaseException | None = None) -> Callable[..., Any]:
    """``real``, failing from call ``n + 1`` on with ``error`` (a ``Crash`` by default)."""
    calls = 0

    def fake(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > n:
            raise error or Crash(f"crash at call {calls}")
        return real(*args, **kwargs)

    return fake


# Every step of swap_in that can be interrupted, as (what fails, after how many calls that worked):
# flushing the new folder, each of its three renames (new -> .corpus-new, corpus -> .corpus-old,
# .corpus-new -> corpus), the folder fsync after each, and the removal of the old folder.
CRASH_POINTS = [
    ("fsync_tree", 0),
    ("rename", 0),
    ("fsync", 0),
    ("rename", 1),
    ("fsync", 1),
    ("rename", 2),
    ("fsync", 2),
    ("rmtree", 0),
]


@pytest.mark.parametrize(("step", "after"), CRASH_POINTS)
def test_a_crash_at_every_step_of_the_swap_leaves_old_or_new(
    repo: Path, monkeypatch: pytest.MonkeyPatch, step: str, after: int
) -> None:
    """Each step of the swap made to fail, with no clean-up on the way out (as in a real crash):
    the next full validate finds the old corpus or the new one, complete, and nothing beside it."""
    work = swap.work_folder(repo / "corpus")
    write_corpus(repo, work)
    target: Any = {"fsync_tree": swap, "rename": os, "fsync": swap, "rmtree": shutil}[step]
    name = {"fsync_tree": "fsync_tree", "rename": "rename", "fsync": "fsync_folder", "rmtree": "rmtree"}[step]
    with monkeypatch.context() as patched:
        patched.setattr(target, name, failing_after(after, getattr(target, name)))
        with pytest.raises(Crash):
            swap.swap_in(work, repo / "corpus")
    assert swap.leftovers(repo / "corpus")  # the crash left something to recover
    assert_old_or_new(repo)


def test_recovery_of_each_leftover_state_is_said(repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = repo / "corpus"
    # Between the two renames: no corpus/, the complete new one staged, the old one aside.
    work = swap.work_folder(corpus)
    write_corpus(repo, work)
    work.rename(swap.new_name(corpus))
    corpus.rename(swap.old_name(corpus))
    killed = swap.work_folder(corpus)  # and an unfinished build of a killed process
    (killed / "half.parquet").write_bytes(b"PAR1")
    with caplog.at_level("WARNING"):
        assert assert_old_or_new(repo) == "0.2.0"
    said = [r.getMessage() for r in caplog.records]
    assert "newsclaims: corpus/: finished the swap of an interrupted build (the new corpus/ is in place)" in said
    assert f"newsclaims: corpus/: removed {killed.name}, the unfinished work of an interrupted build" in said
    assert "newsclaims: corpus/: removed .corpus-old, the previous corpus/ of a swap that was interrupted" in said


def test_recovery_puts_the_old_corpus_back(repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = repo / "corpus"
    corpus.rename(swap.old_name(corpus))
    with caplog.at_level("WARNING"):
        assert assert_old_or_new(repo) == "0.1.0"
    assert [r.getMessage() for r in caplog.records] == [
        "newsclaims: corpus/: put back the previous corpus/ (a build was interrupted before the new one was in)"
    ]


def test_build_recovers_and_says_so(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = repo / "corpus"
    stale = swap.work_folder(corpus)
    assert main(["build", "--root", str(repo)]) == 0
    err = capsys.readouterr().err
    assert err == f"newsclaims build: corpus/: removed {stale.name}, the unfinished work of an interrupted build\n"
    assert swap.leftovers(corpus) == []


def test_unrecoverable_leftovers_are_problems(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A leftover that cannot be removed (a read-only repository) is reported, not passed over."""
    stale = swap.work_folder(repo / "corpus")

    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(stale))

    monkeypatch.setattr(shutil, "rmtree", read_only)
    problems = validate(repo)
    located = [p for p in problems if p.code == "NC100"]
    assert len(located) == 1 and located[0].path == "corpus"
    assert "cannot recover what an interrupted build left" in located[0].message
    assert "Read-only file system" in located[0].message


def test_a_missing_corpus_with_only_a_killed_build_is_said(repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing to put back: the killed build is removed and said; corpus/ is simply not built."""
    corpus = repo / "corpus"
    swap._remove(corpus)
    killed = swap.work_folder(corpus)
    with caplog.at_level("WARNING"):
        validate(repo)
    assert not os.path.lexists(killed)
    assert [r.getMessage() for r in caplog.records] == [
        f"newsclaims: corpus/: removed {killed.name}, the unfinished work of an interrupted build"
    ]


def build_process(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*NEWSCLAIMS, "build", "--root", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow  # real builds, killed and rerun: `make test` runs it, `make test-fast` does not
def test_kill_9_at_a_random_moment_leaves_old_or_new(repo: Path) -> None:
    """Real builds killed with SIGKILL at random moments over a build's duration (the seed is in
    the failure message): each time the old corpus or the new one, complete."""
    start = time.monotonic()
    first = build_process(repo)
    first.communicate(timeout=TIMEOUT)
    duration = time.monotonic() - start
    assert first.returncode == 0
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    seen = set()
    for _ in range(4):
        set_version(repo, "0.1.0")
        build(repo)  # the old corpus again
        set_version(repo, "0.2.0")
        proc = build_process(repo)
        time.sleep(rng.uniform(0.3 * duration, 1.1 * duration))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT)
        try:
            seen.add(assert_old_or_new(repo))
        except AssertionError as e:
            raise AssertionError(f"random seed {seed}: {e}") from e
    assert seen <= {"0.1.0", "0.2.0"}


# --- 4. full disks and read-only repositories ---------------------------------------------


FULL = OSError(errno.ENOSPC, "No space left on device")


def enospc(*args: Any, **kwargs: Any) -> None:
    raise FULL


def test_build_on_a_full_disk(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(repo)
    monkeypatch.setattr("newsclaims.corpus.build._ParquetSink._flush", enospc)
    assert main(["build", "--root", str(repo)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "newsclaims build: failed, corpus/ left as it was: No space left on device\n"
    assert tree(repo) == before  # the old corpus, and no temporary folder left


def test_build_on_a_full_disk_while_flushing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(repo)
    monkeypatch.setattr(os, "fsync", enospc)
    assert main(["build", "--root", str(repo)]) == 2
    assert capsys.readouterr().err == "newsclaims build: failed, corpus/ left as it was: No space left on device\n"
    assert tree(repo) == before


def test_build_on_a_read_only_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / swap.LOCK_NAME).unlink()
    before = tree(repo)
    real_open = os.open

    def read_only_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", read_only_open)
        assert main(["build", "--root", str(repo)]) == 2
    err = capsys.readouterr().err
    assert err == f"newsclaims build: failed, corpus/ left as it was: {repo / swap.LOCK_NAME}: Read-only file system\n"
    assert tree(repo) == before


def test_seeds_add_on_a_full_disk(
    mini: MiniRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A new page about the port.\n", encoding="utf-8")
    before = tree(mini.root)
    monkeypatch.setattr(os, "fsync", enospc)
    code = main(
        ["seeds", "add", str(page), "--outlet", "O", "--title", "T", "--published", "2026-01-01", "--story", "s"]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == "newsclaims seeds: failed: No space left on device\n"
    assert tree(mini.root) == before  # no page, no temporary file, the manifest as it was


def test_seeds_add_when_the_manifest_cannot_be_written(
    mini: MiniRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page is written, then the manifest fails: the page is taken back."""
    page = tmp_path / "page.txt"
    page.write_text("A new page about the port.\n", encoding="utf-8")
    before = tree(mini.root)
    monkeypatch.setattr(os, "fsync", failing_after(1, os.fsync, FULL))
    code = main(
        ["seeds", "add", str(page), "--outlet", "O", "--title", "T", "--published", "2026-01-01", "--story", "s"]
    )
    assert code == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert tree(mini.root) == before


def test_schema_on_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import REPO_ROOT

    schema_dir = tmp_path / "schema"
    assert main(["schema", "--dir", str(schema_dir)]) == 0
    capsys.readouterr()
    written = tree(schema_dir)
    for name in written:
        (schema_dir / name).write_text("old\n", encoding="utf-8")
    before = tree(schema_dir)
    monkeypatch.setattr(os, "fsync", failing_after(2, os.fsync, FULL))
    assert main(["schema", "--dir", str(schema_dir)]) == 2
    assert capsys.readouterr().err == "newsclaims schema: failed: No space left on device\n"
    after = tree(schema_dir)
    # Each file is whole: the old text or the new one, never half; no temporary file is left.
    assert set(after) == set(before)
    assert all(after[n] in (before[n], written[n]) for n in after)
    assert REPO_ROOT.exists()


def test_synth_on_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Path, "write_bytes", enospc)
    assert main(["synth", "3", "--out", str(tmp_path / "synth")]) == 2
    assert capsys.readouterr().err == "newsclaims synth: failed: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_release_on_a_full_disk(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_version(repo, "0.1.0")
    before = tree(repo)
    monkeypatch.setattr("newsclaims.core.swap.make_temp_folder", enospc)
    code = main(["release", "0.3.0", "--note", "a page", "--no-tag", "--root", str(repo)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "No space left on device" in err
    assert tree(repo) == before


def test_an_os_error_anywhere_is_one_line_and_exit_2(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unreadable(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "annotations/entities.json")

    monkeypatch.setattr("newsclaims.cli.check.validate", unreadable)
    assert main(["validate", str(repo)]) == 2
    assert capsys.readouterr().err == "newsclaims validate: failed: annotations/entities.json: Permission denied\n"
    monkeypatch.setenv("NEWSCLAIMS_TRACEBACK", "1")
    with pytest.raises(PermissionError):  # a real bug stays visible where it is asked for
        main(["validate", str(repo)])


# --- 5. the corpus checks locate what they cannot read ------------------------------------


def test_a_corrupt_parquet_is_a_located_problem(repo: Path) -> None:
    build(repo)
    path = repo / "corpus" / "data" / "documents" / "test-00000.parquet"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    problems = validate(repo)
    located = [(p.code, p.path, p.field) for p in problems if p.path == "corpus/data/documents/test-00000.parquet"]
    assert ("NC100", "corpus/data/documents/test-00000.parquet", "-") in located
    assert ("NC605", "corpus/data/documents/test-00000.parquet", "sha256") in located
    nc100 = next(p for p in problems if p.code == "NC100")
    assert nc100.message.startswith("cannot read the parquet file (")


def test_a_missing_changelog_is_a_located_problem(repo: Path) -> None:
    (repo / "CHANGELOG.md").unlink()
    problems = validate(repo)
    assert [(p.code, p.path, p.record, p.field, p.message) for p in problems if p.code == "NC606"] == [
        ("NC606", "CHANGELOG.md", "-", "corpus", "missing: no '## corpus X.Y.Z — fingerprint …' entry")
    ]


def test_a_changelog_that_is_not_utf8_is_a_located_problem(repo: Path) -> None:
    (repo / "CHANGELOG.md").write_bytes(b"## corpus 0.2.0 \xff\n")
    problems = validate(repo)
    assert [(p.code, p.path) for p in problems if p.path == "CHANGELOG.md"] == [("NC100", "CHANGELOG.md")]


def test_a_corpus_that_is_a_file_is_a_problem(repo: Path) -> None:
    swap._remove(repo / "corpus")
    (repo / "corpus").write_text("not a folder\n", encoding="utf-8")
    problems = validate(repo)
    assert [(p.code, p.path, p.message) for p in problems] == [
        ("NC100", "corpus", "not a folder: run `newsclaims build` (or `make corpus`) and commit corpus/")
    ]


# --- 6. concurrent runs -------------------------------------------------------------------


def test_a_second_build_is_refused_while_one_runs(repo: Path) -> None:
    """A real process asks while another (this test) holds the lock: refused at once, nothing touched."""
    before = tree(repo)
    with swap.exclusive(repo):
        done = subprocess.run(
            [*NEWSCLAIMS, "build", "--root", str(repo)], capture_output=True, text=True, timeout=TIMEOUT
        )
    assert done.returncode == 1
    assert done.stderr == (
        f"newsclaims build: refused: another newsclaims build, release or validate is using {repo} "
        f"(it holds {swap.LOCK_NAME}); the build did nothing: run it again once that one has finished\n"
    )
    assert tree(repo) == before


@pytest.mark.slow
def test_two_builds_at_once(repo: Path) -> None:
    """Two real builds started together: each ends built or refused, never both refused, and the
    corpus is the new one, complete."""
    procs = [build_process(repo) for _ in range(2)]
    outs = [p.communicate(timeout=TIMEOUT) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 1]), outs
    for p, (_, err) in zip(procs, outs, strict=True):
        if p.returncode == 1:
            assert b"another newsclaims build, release or validate is using" in err
    assert assert_old_or_new(repo) == "0.2.0"


def test_validate_waits_for_a_running_build(repo: Path) -> None:
    """A full validate started while a build holds the lock reads corpus/ only once the build
    has finished: never a swap half-way."""
    with swap.exclusive(repo):
        proc = subprocess.Popen(
            [*NEWSCLAIMS, "validate", str(repo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        with pytest.raises(subprocess.TimeoutExpired):
            proc.communicate(timeout=5)  # the inputs are checked, then it waits for the lock
        build_in_lock = swap.work_folder(repo / "corpus")
        write_corpus(repo, build_in_lock)
        swap.swap_in(build_in_lock, repo / "corpus")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, err  # NC606 only: the new corpus, complete, read after the swap
    assert [line.split(": ")[1].split(" ")[0] for line in out.splitlines()] == ["NC606"]


def test_many_files_are_written_together_and_a_failure_leaves_each_old_or_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsclaims.core import jsonio

    files = [(tmp_path / "a" / f"{i}.json", f"new {i}\n".encode()) for i in range(5)]
    for path, _ in files:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"old\n")
    real = os.replace
    calls = 0

    def replace_then_fail(src: str, dst: Path) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(jsonio.os, "replace", replace_then_fail)
    with pytest.raises(OSError):
        jsonio.write_many_atomic(files, root=tmp_path)
    contents = [path.read_bytes() for path, _ in files]
    assert contents == [b"new 0\n", b"new 1\n", b"old\n", b"old\n", b"old\n"]  # each old or new, whole
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"{i}.json" for i in range(5)]  # no temp left
    monkeypatch.setattr(jsonio.os, "replace", real)
    jsonio.write_many_atomic(files, root=tmp_path)
    assert [path.read_bytes() for path, _ in files] == [data for _, data in files]
    with pytest.raises(OutsideRepository):
        jsonio.write_many_atomic([(tmp_path.parent / "escaped.json", b"x")], root=tmp_path)
    assert not (tmp_path.parent / "escaped.json").exists()
