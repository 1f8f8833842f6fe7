"""``newsclaims release X.Y.Z``: a new corpus version, from valid inputs to a checked release.

A release is the only way a data change reaches users, so it is done in one step that
either completes or leaves the repository as it found it:

1. refuse, changing nothing, when the version is not ``X.Y.Z`` or not greater than every
   corpus version of CHANGELOG.md, when the note is empty or holds a Markdown heading,
   when the git tag ``corpus-vX.Y.Z`` exists, when the inputs have problems, or when the
   data is the same as the newest entry's (same fingerprint; ``allow_same`` releases it
   again: the fingerprint covers the data files only, so a corrected card, Croissant file
   or schema version is a release with the same data);
2. build the corpus into a temporary folder for its fingerprint (a first release writes its
   entry before, since the build reads the version from it);
3. write the entry ``## corpus X.Y.Z — fingerprint <16 hex>`` with the note above the
   newest corpus entry of CHANGELOG.md (where ``corpus_version`` and NC606 read it);
4. build again, so that the card, ``release.json`` and ``croissant.json`` carry the new
   version, and swap the new ``corpus/`` in;
5. regenerate every generated text (``newsclaims schema``: schema/, the generated blocks of
   the guidelines and the datasheet, which quote the version; the pre-annotator's report,
   whose held-out figures count every page with gold);
6. run the full validation, NC6xx included.

If any step that writes fails (or is interrupted), CHANGELOG.md, ``corpus/`` and the
generated files are put back byte for byte before the error is raised.

Nothing is committed for the user, and so nothing is tagged in the same run: a tag made
now would name the commit *before* the release, whose ``corpus/`` is the old one, and a
``revision=`` of that tag would load the old data. The release says what to commit;
``tag_release`` then tags the commit that holds it (``newsclaims release X.Y.Z --tag``),
after checking that the release files are committed and that the repository validates.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsclaims.core import swap
from newsclaims.core.jsonio import write_bytes_atomic
from newsclaims.core.paths import inside_repository
from newsclaims.core.problems import Problem
from newsclaims.corpus.build import write_corpus
from newsclaims.corpus.cache import RowCache
from newsclaims.corpus.checks import FINGERPRINT, check_corpus
from newsclaims.corpus.release import VERSION_HEADING
from newsclaims.docs.generated import generated_files
from newsclaims.validation.check import check_inputs

VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
TAG_PREFIX = "corpus-v"
CHANGELOG = "CHANGELOG.md"
# What a release is made from and of: all of it must be committed before the commit is tagged.
RELEASE_PATHS = ("CHANGELOG.md", "corpus", "seeds", "annotations")
# A note line that would start a section of CHANGELOG.md (and could pass for a corpus entry).
HEADING = re.compile(r"^#{1,2}(\s|$)")


class ReleaseRefused(Exception):
    """The release was refused before anything changed; ``problems`` are the inputs' problems, if any."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class ReleaseFailed(Exception):
    """A step failed after the first write; every file was put back as it was."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class Released:
    """What ``release`` did."""

    version: str
    previous: str | None  # the newest corpus version before, None for a first release
    fingerprint: str
    counts: dict[str, dict[str, int]]  # config -> split -> rows
    written: tuple[str, ...]  # repository-relative paths that changed (``corpus/`` as one)
    tag: str | None  # the tag to make once the release is committed; None without git or with no_tag

    @property
    def documents(self) -> int:
        return sum(self.counts.get("documents", {}).values())

    def commit_paths(self) -> list[str]:
        """What to commit: what the release wrote, and the inputs it was built from."""
        return list(dict.fromkeys([*self.written, "seeds", "annotations"]))


@dataclass(frozen=True)
class Tagged:
    """What ``tag_release`` did: the tag and the commit it names."""

    tag: str
    commit: str


def tag_name(version: str) -> str:
    return f"{TAG_PREFIX}{version}"


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION.fullmatch(text)
    if match is None:
        raise ReleaseRefused(f"version {text!r} is not X.Y.Z (three whole numbers, such as 0.2.0)")
    return int(match[1]), int(match[2]), int(match[3])


def _read_changelog(root: Path) -> str | None:
    """CHANGELOG.md as text, line ends as they are (None when there is none)."""
    path = root / CHANGELOG
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as e:
        raise ReleaseRefused(f"{CHANGELOG} is not UTF-8 (byte {e.start})") from e


def _versions(changelog: str | None) -> list[str]:
    """The corpus versions of CHANGELOG.md, newest entry first."""
    return [m.group(1) for m in VERSION_HEADING.finditer(changelog or "")]


def _recorded_fingerprint(changelog: str) -> str | None:
    """The fingerprint the newest corpus entry records (as NC606 reads it)."""
    heading = VERSION_HEADING.search(changelog)
    if heading is None:
        return None
    end = changelog.find("\n", heading.start())
    found = FINGERPRINT.search(changelog[heading.start() : end if end >= 0 else len(changelog)])
    return found.group(1) if found else None


def _check_note(note: str) -> str:
    lines = [line.rstrip() for line in note.strip().splitlines()]
    if not lines:
        raise ReleaseRefused("the note is empty: say what changed in the data (--note TEXT)")
    heading = next((line for line in lines if HEADING.match(line)), None)
    if heading is not None:
        raise ReleaseRefused(f"the note holds a Markdown heading ({heading!r}), which would break {CHANGELOG}")
    return "\n".join(lines)


def with_entry(changelog: str | None, version: str, fingerprint: str, note: str) -> str:
    """CHANGELOG.md with the new corpus entry above the newest one (after "Unreleased" when it is the first)."""
    newline = "\r\n" if changelog and "\r\n" in changelog else "\n"
    entry = f"## corpus {version} — fingerprint {fingerprint[:16]}\n\n{note}\n\n".replace("\n", newline)
    if changelog is None:
        return f"# Changelog{newline}{newline}{entry}".rstrip() + newline
    newest = VERSION_HEADING.search(changelog)
    if newest is None:
        # No corpus entry yet: the first section that is not "Unreleased", or the end.
        other = re.search(r"^## (?!Unreleased)", changelog, re.MULTILINE)
        if other is None:
            return f"{changelog.rstrip()}{newline}{newline}{entry}".rstrip() + newline
        newest = other
    return changelog[: newest.start()] + entry + changelog[newest.start() :]


# --- git ---------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The repository is the one at root: variables a hook may have set must not point elsewhere.
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=False)


def in_git_work_tree(root: Path) -> bool:
    try:
        done = _git(root, "rev-parse", "--is-inside-work-tree")
    except FileNotFoundError:  # no git installed
        return False
    return done.returncode == 0 and done.stdout.strip() == "true"


def tag_exists(root: Path, tag: str) -> bool:
    return _git(root, "rev-parse", "-q", "--verify", f"refs/tags/{tag}").returncode == 0


# --- undoing -----------------------------------------------------------------------------


@dataclass
class _Undo:
    """Files as they were before the release wrote them, put back in reverse order on failure."""

    root: Path
    steps: list[Callable[[], None]] = field(default_factory=list)
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    def write(self, path: Path, data: bytes) -> None:
        """Replace ``path`` atomically, remembering what it was (or that it was not there)."""
        old = path.read_bytes() if path.exists() else None
        self.steps.append(
            lambda: write_bytes_atomic(path, old, root=self.root) if old is not None else path.unlink(missing_ok=True)
        )
        write_bytes_atomic(path, data, root=self.root)

    def swap_folder(self, new: Path, target: Path) -> None:
        """Put the complete folder ``new`` in place of ``target`` (``core/swap.py``), keeping the old
        one until the end."""
        old = swap.swap_in(new, target, keep_old=True)
        self.steps.append(lambda: swap.put_back(target, old))
        if old is not None:
            self.cleanup.append(lambda: shutil.rmtree(old, ignore_errors=True))

    def rollback(self) -> None:
        for step in reversed(self.steps):
            step()
        self.steps.clear()

    def done(self) -> None:
        for step in self.cleanup:
            step()


# --- the release -------------------------------------------------------------------------


def _problems_or_refuse(root: Path, jobs: int) -> None:
    problems = check_inputs(root, jobs=jobs).problems
    if problems:
        raise ReleaseRefused(
            f"the inputs have {len(problems)} problem(s), listed above: fix them (`newsclaims validate`)", problems
        )


def release(
    root: Path, version: str, note: str, *, tag: bool = True, allow_same: bool = False, jobs: int = 1
) -> Released:
    """Release the repository at ``root`` as corpus ``version`` (see the module's docstring).

    Raises ``ReleaseRefused`` (nothing changed) or ``ReleaseFailed`` (everything put back).
    """
    wanted = parse_version(version)
    text = _check_note(note)
    changelog = _read_changelog(root)
    known = _versions(changelog)
    previous = known[0] if known else None
    highest = max(known, key=parse_version, default=None)
    if highest is not None and wanted <= parse_version(highest):
        raise ReleaseRefused(f"version {version} is not greater than corpus {highest}, the highest in {CHANGELOG}")
    git = tag and in_git_work_tree(root)
    if git and tag_exists(root, tag_name(version)):
        raise ReleaseRefused(f"the git tag {tag_name(version)} exists already: choose another version")
    _problems_or_refuse(root, jobs)

    corpus = inside_repository(root, root / "corpus")
    with swap.exclusive(root, "release"):
        for line in swap.recover(corpus):
            print(f"newsclaims release: {line}", file=sys.stderr)
        return _release_locked(root, corpus, version, text, changelog, previous, git, allow_same, jobs)


def _prenotate_report(root: Path) -> dict[str, str]:
    """The pre-annotator's report, where the repository keeps one: its held-out figures count
    every page with gold, so a release that adds gold changes them."""
    from newsclaims.annotation.prenotate.evaluation import IN_SAMPLE, measurement, report_files

    if not (root / IN_SAMPLE).is_dir():
        return {}
    files = report_files(measurement(root))
    return files if all((root / rel).is_file() for rel in files) else {}


def _release_locked(
    root: Path,
    corpus: Path,
    version: str,
    text: str,
    changelog: str | None,
    previous: str | None,
    git: bool,
    allow_same: bool,
    jobs: int,
) -> Released:
    changelog_path = root / CHANGELOG
    recorded = _recorded_fingerprint(changelog or "")
    undo = _Undo(root)
    scratch = swap.work_folder(corpus, "release")
    try:
        try:
            if previous is None:
                # A first release: the build reads its version from an entry, so the entry goes in
                # first, its fingerprint filled in once the probe build has given it.
                undo.write(changelog_path, with_entry(changelog, version, "0" * 64, text).encode("utf-8"))
            # The second build takes every document's rows from the cache the first one filled.
            cache = RowCache.of(root)
            probe = write_corpus(root, scratch / "probe", jobs, cache).release
            if recorded is not None and probe.fingerprint.startswith(recorded) and not allow_same:
                raise ReleaseRefused(
                    f"the data did not change since corpus {previous} (fingerprint {recorded}): nothing to release "
                    "(--allow-same releases the same data again, e.g. for a corrected card)"
                )
            undo.write(changelog_path, with_entry(changelog, version, probe.fingerprint, text).encode("utf-8"))
            built = write_corpus(root, scratch / "corpus", jobs, cache).release
            if (built.version, built.fingerprint) != (version, probe.fingerprint):
                raise ReleaseFailed(
                    f"the second build gave corpus {built.version}, fingerprint {built.fingerprint[:16]}, "
                    f"not {version}, {probe.fingerprint[:16]}: did an input change during the release?"
                )
            undo.swap_folder(scratch / "corpus", corpus)
            written = [CHANGELOG, "corpus/"]
            schema_dir = root / "schema"
            generated = generated_files(schema_dir) if schema_dir.is_dir() else {}  # a data-only repository has none
            for name, content in generated.items():
                path = schema_dir / name
                data = content.encode("utf-8")
                if not path.exists() or path.read_bytes() != data:
                    undo.write(path, data)
                    written.append(os.path.normpath(f"schema/{name}"))
            for rel, content in _prenotate_report(root).items():
                data = content.encode("utf-8")
                if (root / rel).read_bytes() != data:
                    undo.write(root / rel, data)
                    written.append(rel)
            problems = check_inputs(root, jobs=jobs).problems
            problems = problems or check_corpus(root, jobs, locked=True)
            if problems:
                raise ReleaseFailed(f"the released repository does not validate ({len(problems)} problem(s))", problems)
        except BaseException as e:
            undo.rollback()
            if isinstance(e, ReleaseRefused | ReleaseFailed | KeyboardInterrupt | SystemExit):
                raise
            raise ReleaseFailed(f"{type(e).__name__}: {e}") from e
        undo.done()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Released(
        version=version,
        previous=previous,
        fingerprint=built.fingerprint,
        counts=built.counts,
        written=tuple(written),
        tag=tag_name(version) if git else None,
    )


def tag_release(root: Path, version: str, jobs: int = 1) -> Tagged:
    """Tag the commit (HEAD) that holds release ``version``; refuses (``ReleaseRefused``) unless
    the newest CHANGELOG entry is that version, everything the release is made of is committed,
    and the repository validates (NC6xx included)."""
    parse_version(version)
    tag = tag_name(version)
    if not in_git_work_tree(root):
        raise ReleaseRefused("not a git work tree: there is nothing to tag")
    if tag_exists(root, tag):
        raise ReleaseRefused(f"the git tag {tag} exists already")
    known = _versions(_read_changelog(root))
    if not known or known[0] != version:
        newest = f"is {known[0]}" if known else "does not exist"
        raise ReleaseRefused(
            f"the newest corpus entry of {CHANGELOG} {newest}, not {version}: "
            f"run `newsclaims release {version} --note …` first"
        )
    paths = [p for p in RELEASE_PATHS if (root / p).exists()]
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    if status.returncode != 0:
        raise ReleaseRefused(f"git status failed: {status.stderr.strip()}")
    pending = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if pending:
        shown = ", ".join(pending[:5]) + (f" and {len(pending) - 5} more" if len(pending) > 5 else "")
        raise ReleaseRefused(f"not committed: {shown}; commit the release, then tag it")
    _problems_or_refuse(root, jobs)
    # What gets tagged is compared with a build from scratch, not only with its inputs record.
    problems = check_corpus(root, jobs, rebuild=True)
    if problems:
        raise ReleaseRefused(
            f"the committed release does not validate ({len(problems)} problem(s), listed above)", problems
        )
    made = _git(root, "tag", tag)
    if made.returncode != 0:
        raise ReleaseRefused(f"git tag {tag} failed: {made.stderr.strip()}")
    head = _git(root, "rev-parse", "HEAD").stdout.strip()
    return Tagged(tag, head)
