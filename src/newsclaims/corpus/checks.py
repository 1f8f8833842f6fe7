"""The corpus rules NC6xx: the committed ``corpus/`` is what a fresh build gives, and says so.

``datasets`` trusts whatever parquet it is handed (it even accepts ClassLabel
integers out of range), so these checks read the files themselves.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from datasets import ClassLabel, Features, List

from newsclaims.core.layout import display
from newsclaims.core.problems import Problem, problem
from newsclaims.corpus.build import write_corpus
from newsclaims.corpus.features import CONFIGS
from newsclaims.corpus.release import VERSION_HEADING, sha256_file

FINGERPRINT = re.compile(r"fingerprint ([0-9a-f]{16,64})")
BUILD_HINT = "run `newsclaims build` (or `make corpus`) and commit corpus/"


def _digests(folder: Path) -> dict[str, str]:
    # Hashes, not contents: a corpus of 10^5 documents does not fit twice in memory.
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def check_fresh(root: Path, corpus: Path, jobs: int = 1) -> tuple[list[Problem], str | None]:
    """NC601: byte-equal to a fresh build (made with ``jobs`` processes). Returns its fingerprint for NC606."""
    with tempfile.TemporaryDirectory() as tmp:
        release = write_corpus(root, Path(tmp), jobs)
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


def check_files(corpus: Path) -> list[Problem]:
    """NC602-NC605 on the files as they are."""
    out: list[Problem] = []
    release_path = corpus / "release.json"
    try:
        release = json.loads(release_path.read_text(encoding="utf-8"))
        listed: dict[str, str] = release["files"]
        counts: dict[str, dict[str, int]] = release["counts"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return [
            problem("NC100", display(release_path), "", "", f"cannot read the release manifest ({e}): {BUILD_HINT}")
        ]
    on_disk = {p.relative_to(corpus).as_posix() for p in corpus.glob("data/**/*.parquet")}
    for rel in sorted(on_disk - set(listed)):
        out.append(problem("NC605", display(corpus / rel), "", "file", "data file not listed in release.json"))
    for rel, digest in sorted(listed.items()):
        path = corpus / rel
        if not path.exists():
            out.append(problem("NC605", display(release_path), rel, "files", "listed data file does not exist"))
            continue
        if sha256_file(path) != digest:
            out.append(problem("NC605", display(path), "", "sha256", "sha256 differs from release.json"))
        config = rel.split("/")[1]
        features = CONFIGS.get(config)
        if features is None:
            out.append(problem("NC602", display(path), "", "config", f"unknown config {config!r}"))
            continue
        table = pq.read_table(path)
        declared = features.arrow_schema
        # Types field by field, and the embedded `datasets` features (schema metadata).
        if not table.schema.equals(declared) or table.schema.metadata != declared.metadata:
            out.append(
                problem("NC602", display(path), "", "schema", "parquet schema differs from the declared features")
            )
            continue
        for col, label in _class_label_paths(features):
            values = _column(table, col)
            bad = pc.sum(pc.or_(pc.less(values, 0), pc.greater_equal(values, label.num_classes))).as_py()
            if bad:
                out.append(
                    problem(
                        "NC603",
                        display(path),
                        "",
                        ".".join(col),
                        f"{bad} value(s) outside 0..{label.num_classes - 1} ({', '.join(label.names)})",
                    )
                )
        split = Path(rel).stem
        if counts.get(config, {}).get(split) != table.num_rows:
            out.append(
                problem("NC604", display(release_path), config, f"counts.{split}", f"file has {table.num_rows} rows")
            )
    out += _check_card(corpus, release)
    return out


def _check_card(corpus: Path, release: dict[str, Any]) -> list[Problem]:
    card = corpus / "README.md"
    label = display(card)
    try:
        text = card.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("---\n", 2)[1])
    except (OSError, IndexError, yaml.YAMLError) as e:
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


def check_version(root: Path, fresh_fingerprint: str) -> list[Problem]:
    """NC606: the newest CHANGELOG corpus entry records the fingerprint of the data."""
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    heading = VERSION_HEADING.search(text)
    if heading is None:
        return [problem("NC606", display(changelog), "", "corpus", "no '## corpus X.Y.Z — fingerprint …' entry")]
    line = text[heading.start() : text.index("\n", heading.start())]
    recorded = FINGERPRINT.search(line)
    if recorded is None or not fresh_fingerprint.startswith(recorded.group(1)):
        return [
            problem(
                "NC606",
                display(changelog),
                f"corpus {heading.group(1)}",
                "fingerprint",
                f"the data's fingerprint is {fresh_fingerprint[:16]}, the entry records "
                f"{recorded.group(1) if recorded else 'none'}: if the data changed, add a new version entry "
                f"'## corpus X.Y.Z — fingerprint {fresh_fingerprint[:16]}' saying what changed",
            )
        ]
    return []


def check_corpus(root: Path, jobs: int = 1) -> list[Problem]:
    """Every NC6xx rule; call only on a repository whose inputs validate (the build needs them)."""
    corpus = root / "corpus"
    if not corpus.is_dir():
        return []  # not built yet: nothing to be stale
    out = check_files(corpus)
    fresh_problems, fingerprint = check_fresh(root, corpus, jobs)
    out += fresh_problems
    if fingerprint is not None:
        out += check_version(root, fingerprint)
    return out
