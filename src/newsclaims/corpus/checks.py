"""The corpus rules NC6xx: the committed ``corpus/`` is what a fresh build gives, and says so.

``datasets`` trusts whatever parquet it is handed (it even accepts ClassLabel
integers out of range), so these checks read the files themselves.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from datasets import ClassLabel, Features, List

from newsclaims.core import swap
from newsclaims.core.files import Unreadable, read_bytes, read_text
from newsclaims.core.jsonread import loads
from newsclaims.core.layout import display
from newsclaims.core.problems import Problem, problem
from newsclaims.corpus.derived import mismatched_names, mismatched_uids, siblings, uid_paths
from newsclaims.corpus.features import CONFIGS, arrow_schema, twin_name
from newsclaims.corpus.fingerprints import INPUTS_FILE, Inputs, built_with, fingerprints_of, shared_fingerprints
from newsclaims.corpus.release import VERSION_HEADING, corpus_version, data_fingerprint, sha256_file
from newsclaims.corpus.shards import split_of
from newsclaims.validation.repository import Repository
from newsclaims.validation.sources import story_splits

FINGERPRINT = re.compile(r"fingerprint ([0-9a-f]{16,64})")
log = logging.getLogger(__name__)
BUILD_HINT = "run `newsclaims build` (or `make corpus`) and commit corpus/"


def _digests(folder: Path) -> dict[str, str]:
    # Hashes, not contents: a corpus of 10^5 documents does not fit twice in memory.
    out = {}
    for name in sorted(_files_in(folder)):
        try:
            out[name] = sha256_file(folder / name)
        except Unreadable as e:
            out[name] = f"unreadable: {e}"  # never a build's sha256: the file is reported stale
    return out


class Digests:
    """sha256 of files, each read once per check (check_files and check_unchanged both need them)."""

    def __init__(self) -> None:
        self._seen: dict[Path, str] = {}

    def of(self, path: Path) -> str:
        """The sha256 of ``path``; ``Unreadable`` when it is not a regular file."""
        if path not in self._seen:
            self._seen[path] = sha256_file(path)
        return self._seen[path]


def check_rebuilt(root: Path, corpus: Path, jobs: int = 1) -> tuple[list[Problem], str | None]:
    """NC601, the full check: byte-equal to a build from scratch (made with ``jobs`` processes, no
    cache). Returns the fresh build's fingerprint for NC606."""
    # Imported here: the build needs spaCy, which the default check never loads.
    from newsclaims.corpus.build import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        release = write_corpus(root, Path(tmp), jobs).release
        fresh = _digests(Path(tmp))
    committed = _digests(corpus)
    out = []
    for name in sorted(set(fresh) | set(committed)):
        if fresh.get(name) != committed.get(name):
            state = (
                "missing" if name not in committed else "not produced by the build" if name not in fresh else "stale"
            )
            out.append(problem("NC601", display(corpus / name), "", "file", f"{state}: {BUILD_HINT}"))
    return out, release.fingerprint


def _recorded_inputs(corpus: Path) -> tuple[Inputs | None, list[Problem]]:
    path = corpus / INPUTS_FILE
    if not os.path.lexists(path):
        return None, [problem("NC601", display(path), "", "file", f"missing: {BUILD_HINT}")]
    try:
        return Inputs.from_json(loads(read_bytes(path))), []
    except (Unreadable, OSError, ValueError) as e:
        return None, [
            problem("NC601", display(path), "", "file", f"not an inputs record of this version ({e}): {BUILD_HINT}")
        ]


def check_unchanged(
    root: Path, corpus: Path, recorded: Inputs, digests: Digests
) -> tuple[list[Problem], str | None] | None:
    """NC601 without a build: the inputs are those ``recorded`` (``corpus/inputs.json``), and every
    file of ``corpus/`` is one the build wrote (by its sha256). Returns the data's fingerprint for
    NC606, or None when the corpus was built with other versions of the distributions that
    make its bytes (then only a build can tell: ``check_rebuilt``).

    Reads the manifest, the registries and each gold file (a document's seed is pinned by its
    manifest entry), never a seed; tokenises nothing. It trusts inputs.json to say what the
    build read: ``validate --rebuild`` (and every ``release``) compares with a real build."""
    installed = built_with()
    if recorded.built_with != installed:
        changed = ", ".join(
            f"{name} {recorded.built_with.get(name, '?')} -> {installed[name]}"
            for name in sorted(installed)
            if recorded.built_with.get(name) != installed[name]
        )
        log.warning("newsclaims: corpus/ was built with other versions (%s): comparing with a fresh build", changed)
        return None
    label = display(corpus / INPUTS_FILE)
    out = []
    version = corpus_version(root)
    if recorded.version != version:
        out.append(
            problem(
                "NC601",
                label,
                "",
                "version",
                f"built as corpus {recorded.version}, CHANGELOG.md says {version}: {BUILD_HINT}",
            )
        )
    for name, digest in sorted(shared_fingerprints(root).items()):
        if recorded.shared.get(name) != digest:
            out.append(problem("NC601", label, "", f"shared.{name}", f"{name} changed since the build: {BUILD_HINT}"))
    repo = Repository.load(root, read_seeds=False)
    assert repo.manifest is not None
    now = fingerprints_of(root, repo.manifest.documents, story_splits(repo))
    for doc_id in sorted(set(now) | set(recorded.documents)):
        if doc_id not in recorded.documents:
            state = "added since the build"
        elif doc_id not in now:
            state = "in the corpus but no longer in the manifest"
        elif now[doc_id] != recorded.documents[doc_id]:
            state = "its manifest entry, gold file or split changed since the build"
        else:
            continue
        out.append(problem("NC601", label, doc_id, "documents", f"{state}: {BUILD_HINT}"))
    release = loads(read_bytes(corpus / "release.json"))  # readable: check_files said so before
    written = {**recorded.files, **release["files"]}  # what the build wrote (but inputs.json) -> sha256
    expected = {INPUTS_FILE, *written}
    on_disk = _files_in(corpus)
    for name in sorted(on_disk | expected):
        if name not in on_disk:
            out.append(problem("NC601", display(corpus / name), "", "file", f"missing: {BUILD_HINT}"))
        elif name not in expected:
            out.append(problem("NC601", display(corpus / name), "", "file", f"not produced by the build: {BUILD_HINT}"))
        elif name in written:
            try:
                stale = digests.of(corpus / name) != written[name]
            except Unreadable as e:
                out.append(problem("NC100", display(corpus / name), "", "", f"{e}: {BUILD_HINT}"))
                continue
            if stale:
                out.append(problem("NC601", display(corpus / name), "", "file", f"stale: {BUILD_HINT}"))
    return out, data_fingerprint(release["files"])


def _files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def _class_label_paths(features: Features) -> list[tuple[list[str], ClassLabel]]:
    """Every ClassLabel column, as a path of field names through structs and lists."""
    out: list[tuple[list[str], ClassLabel]] = []

    def walk(feature: Any, path: list[str]) -> None:
        if isinstance(feature, ClassLabel):
            out.append((path, feature))
        elif isinstance(feature, List):
            walk(feature.feature, path)
        elif isinstance(feature, dict):
            for name, sub in feature.items():
                walk(sub, [*path, name])

    for name, feature in features.items():
        walk(feature, [name])
    return out


def _column(table: pa.Table, path: list[str]) -> pa.Array:
    """The flat values under a path of struct fields, lists flattened on the way."""
    array: Any = table.column(path[0]).combine_chunks()
    for name in path[1:]:
        while pa.types.is_list(array.type):
            array = array.flatten()
        array = pc.struct_field(array, name)
    while pa.types.is_list(array.type):
        array = array.flatten()
    return array


def check_derived(label: str, table: pa.Table, features: Features) -> list[Problem]:
    """NC607: every corpus-wide id is ``<doc_id>/<record_id>`` of its record."""
    out = []
    for col in uid_paths(features):
        bad = mismatched_uids(table, col, siblings(features, col))
        if bad:
            out.append(problem("NC607", label, "", ".".join(col), f"{bad} value(s) differ from <doc_id>/<record id>"))
    return out


def check_files(corpus: Path, trusted: Collection[str] = (), digests: Digests | None = None) -> list[Problem]:
    """NC602-NC605, NC607, NC608 on the files as they are.

    The values of a data file in ``trusted`` that has the sha256 release.json lists are not
    read (NC603, NC607, NC608): by the build's record, the file is what the build wrote. Its
    schema and row count (the parquet footer) are checked all the same."""
    digests = digests or Digests()
    out: list[Problem] = []
    release_path = corpus / "release.json"
    try:
        release = loads(read_bytes(release_path))
        listed: dict[str, str] = release["files"]
        counts: dict[str, dict[str, int]] = release["counts"]
        if not isinstance(listed, dict) or not isinstance(counts, dict):
            raise TypeError("'files' and 'counts' must be objects")
    except (Unreadable, OSError, ValueError, KeyError, TypeError) as e:
        return [
            problem("NC100", display(release_path), "", "", f"cannot read the release manifest ({e}): {BUILD_HINT}")
        ]
    on_disk = {p.relative_to(corpus).as_posix() for p in corpus.glob("data/**/*.parquet")}
    for rel in sorted(on_disk - set(listed)):
        out.append(problem("NC605", display(corpus / rel), "", "file", "data file not listed in release.json"))
    rows_in: dict[tuple[str, str], int] = {}  # (config, split) -> rows of its files
    for rel, digest in sorted(listed.items()):
        path = corpus / rel
        if not path.exists():
            out.append(problem("NC605", display(release_path), rel, "files", "listed data file does not exist"))
            continue
        try:
            as_listed = digests.of(path) == digest
        except Unreadable as e:
            out.append(problem("NC100", display(path), "", "", f"{e}: {BUILD_HINT}"))
            continue
        if not as_listed:
            out.append(problem("NC605", display(path), "", "sha256", "sha256 differs from release.json"))
        named = split_of(rel)
        if named is None:
            said = "not a data file name: expected data/<config>/<split>-NNNNN.parquet"
            out.append(problem("NC602", display(path), "", "path", said))
            continue
        config, split = named
        features = CONFIGS.get(config)
        if features is None:
            out.append(problem("NC602", display(path), "", "config", f"unknown config {config!r}"))
            continue
        table: pa.Table | None = None
        try:
            if as_listed and rel in trusted:
                footer = pq.ParquetFile(path)
                schema, num_rows = footer.schema_arrow, footer.metadata.num_rows
            else:
                table = pq.read_table(path)
                schema, num_rows = table.schema, table.num_rows
        except (OSError, pa.ArrowException) as e:
            out.append(problem("NC100", display(path), "", "", f"cannot read the parquet file ({e}): {BUILD_HINT}"))
            continue
        declared = arrow_schema(config)
        # Types field by field, and the embedded `datasets` features (schema metadata).
        if not schema.equals(declared) or schema.metadata != declared.metadata:
            out.append(
                problem("NC602", display(path), "", "schema", "parquet schema differs from the declared features")
            )
            continue
        rows_in[config, split] = rows_in.get((config, split), 0) + num_rows
        if table is not None:
            out += _check_values(display(path), table, features)
    for (config, split), num_rows in sorted(rows_in.items()):
        if counts.get(config, {}).get(split) != num_rows:
            said = f"its files have {num_rows} rows"
            out.append(problem("NC604", display(release_path), config, f"counts.{split}", said))
    out += _check_card(corpus, release)
    return out


def _check_values(label: str, table: pa.Table, features: Features) -> list[Problem]:
    """NC603, NC608 and NC607 on the values of one data file."""
    out = []
    for col, class_label in _class_label_paths(features):
        values = _column(table, col)
        bad = pc.sum(pc.or_(pc.less(values, 0), pc.greater_equal(values, class_label.num_classes))).as_py()
        if bad:
            allowed = f"0..{class_label.num_classes - 1} ({', '.join(class_label.names)})"
            out.append(problem("NC603", label, "", ".".join(col), f"{bad} value(s) outside {allowed}"))
            continue
        twin = [*col[:-1], twin_name(col[-1])]
        wrong = mismatched_names(table, col, twin, class_label.names)
        if wrong:
            said = f"{wrong} value(s) differ from the names of {col[-1]}"
            out.append(problem("NC608", label, "", ".".join(twin), said))
    return out + check_derived(label, table, features)


def _check_card(corpus: Path, release: dict[str, Any]) -> list[Problem]:
    card = corpus / "README.md"
    label = display(card)
    try:
        text = read_text(card)
        meta = yaml.safe_load(text.split("---\n", 2)[1])
    except (Unreadable, OSError, IndexError, yaml.YAMLError) as e:
        return [problem("NC100", label, "", "", f"cannot read the card's YAML ({e}): {BUILD_HINT}")]
    out = []
    for key in ("version", "fingerprint"):
        if meta.get(key) != release.get(key):
            out.append(
                problem("NC604", label, "", key, f"{meta.get(key)!r} differs from release.json's {release.get(key)!r}")
            )
    for info in meta.get("dataset_info", []):
        config = info.get("config_name")
        for split in info.get("splits", []):
            expected = release["counts"].get(config, {}).get(split.get("name"))
            if split.get("num_examples") != expected:
                out.append(
                    problem(
                        "NC604",
                        label,
                        str(config),
                        f"splits.{split.get('name')}.num_examples",
                        f"{split.get('num_examples')} differs from the {expected} rows of the file",
                    )
                )
    return out


def _read_changelog(root: Path) -> tuple[str | None, list[Problem]]:
    """CHANGELOG.md's text, or the problem that it is missing (NC606: no version) or unreadable (NC100)."""
    changelog = root / "CHANGELOG.md"
    if not os.path.lexists(changelog):
        found = problem(
            "NC606", display(changelog), "", "corpus", "missing: no '## corpus X.Y.Z — fingerprint …' entry"
        )
        return None, [found]
    try:
        return read_text(changelog), []
    except Unreadable as e:
        found = problem("NC100", display(changelog), "", "", f"cannot read the changelog ({e})")
    return None, [found]


def check_version(root: Path, fresh_fingerprint: str) -> list[Problem]:
    """NC606: the newest CHANGELOG corpus entry records the fingerprint of the data."""
    changelog = root / "CHANGELOG.md"
    text, unreadable = _read_changelog(root)
    if text is None:
        return unreadable
    heading = VERSION_HEADING.search(text)
    if heading is None:
        return [problem("NC606", display(changelog), "", "corpus", "no '## corpus X.Y.Z — fingerprint …' entry")]
    end = text.find("\n", heading.start())
    line = text[heading.start() : end if end >= 0 else len(text)]
    recorded = FINGERPRINT.search(line)
    if recorded is None or not fresh_fingerprint.startswith(recorded.group(1)):
        return [
            problem(
                "NC606",
                display(changelog),
                f"corpus {heading.group(1)}",
                "fingerprint",
                f"the data's fingerprint is {fresh_fingerprint[:16]}, the entry records "
                f"{recorded.group(1) if recorded else 'none'}: if the data changed, release a new version "
                f"(`newsclaims release X.Y.Z --note '...'` writes the entry "
                f"'## corpus X.Y.Z — fingerprint {fresh_fingerprint[:16]}')",
            )
        ]
    return []


def check_corpus(root: Path, jobs: int = 1, *, locked: bool = False, rebuild: bool = False) -> list[Problem]:
    """Every NC6xx rule; call only on a repository whose inputs validate (the build needs them).

    NC601 compares the inputs with those ``corpus/inputs.json`` records (``check_unchanged``);
    ``rebuild`` compares ``corpus/`` byte for byte with a build from scratch instead
    (``check_rebuilt``: slower, and it also catches a change of the code that makes rows).

    Holds the repository lock shared while it reads (a build running meanwhile is waited
    for), after recovering what a killed build left (said on stderr through ``logging``);
    what could not be recovered is a problem. ``locked``: the caller holds the lock already
    (a release checking what it wrote), so neither is done here.
    """
    corpus = root / "corpus"
    if locked:  # the caller's own work folders are next to corpus/: not leftovers
        return _check_locked(root, corpus, jobs, rebuild, leftovers=False)
    try:
        with swap.reading(root, corpus) as recovered:
            for line in recovered:
                log.warning("newsclaims: %s", line)
            return _check_locked(root, corpus, jobs, rebuild)
    except swap.RecoveryFailed as e:
        return [problem("NC100", display(corpus), "", "", e.strerror or str(e))]


def _as_built(corpus: Path, recorded: Inputs | None, digests: Digests) -> set[str]:
    """The data files release.json lists, when release.json is the one the build recorded in
    inputs.json: a file with the sha256 listed there is then byte for byte what the build wrote."""
    if recorded is None:
        return set()
    try:
        if recorded.files.get("release.json") != digests.of(corpus / "release.json"):
            return set()
        listed = loads(read_bytes(corpus / "release.json"))["files"]
        return set(listed) if isinstance(listed, dict) else set()
    except (Unreadable, OSError, ValueError, KeyError, TypeError):
        return set()  # whatever is wrong is said by the checks, which then read every file


def _check_locked(root: Path, corpus: Path, jobs: int, rebuild: bool, leftovers: bool = True) -> list[Problem]:
    stale = [
        problem("NC601", display(path), "", "file", f"left by an interrupted build and not recovered: {BUILD_HINT}")
        for path in (swap.leftovers(corpus) if leftovers else [])
    ]
    if os.path.lexists(corpus) and not corpus.is_dir():
        return [*stale, problem("NC100", display(corpus), "", "", f"not a folder: {BUILD_HINT}")]
    if not corpus.is_dir():
        return stale  # not built yet: nothing to be stale
    digests = Digests()
    # inputs.json is read once: it decides which data files are taken as built, then NC601.
    recorded, unrecorded = (None, []) if rebuild else _recorded_inputs(corpus)
    files_problems = check_files(corpus, _as_built(corpus, recorded, digests), digests)
    out = stale + files_problems
    text, unreadable = _read_changelog(root)
    if text is None or VERSION_HEADING.search(text) is None:
        # The build takes its version from the changelog: without one there is no fresh build to compare.
        return out + (unreadable or check_version(root, ""))
    release_unreadable = any(p.code == "NC100" and p.path == display(corpus / "release.json") for p in files_problems)
    checked: tuple[list[Problem], str | None] | None = None
    if not rebuild and not release_unreadable:
        checked = check_unchanged(root, corpus, recorded, digests) if recorded is not None else (unrecorded, None)
    fresh_problems, fingerprint = checked if checked is not None else check_rebuilt(root, corpus, jobs)
    out += fresh_problems
    if fingerprint is not None:
        out += check_version(root, fingerprint)
    return out
