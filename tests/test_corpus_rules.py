"""NC6xx: every corpus rule broken on purpose on a copy of this repository."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO_ROOT

from newsclaims import validate
from newsclaims.corpus.build import PARQUET_OPTIONS
from newsclaims.corpus.checks import FINGERPRINT
from newsclaims.corpus.features import CONFIGS
from newsclaims.corpus.release import VERSION_HEADING, corpus_version


def released(root: Path) -> None:
    """Make the newest CHANGELOG corpus entry of the copy record the fingerprint of its built corpus.

    That is what a release leaves behind. Whether the repository itself has been released (its own
    entry names its data's fingerprint) is the concern of ``tests/test_cli.py`` (the repository
    validates); here every case is to see the problems of its own break and nothing else, before and
    after a page is added. A stale corpus is left stale: the built fingerprint is then not the data's,
    and NC601 and NC606 are both reported.
    """
    fingerprint = json.loads((root / "corpus/release.json").read_text(encoding="utf-8"))["fingerprint"]
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    heading = VERSION_HEADING.search(text)
    assert heading is not None, "CHANGELOG.md has no corpus entry"
    end = text.index("\n", heading.start())
    line = FINGERPRINT.sub(f"fingerprint {fingerprint[:16]}", text[heading.start() : end], count=1)
    changelog.write_text(text[: heading.start()] + line + text[end:], encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    for part in ("seeds", "annotations", "corpus", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    released(root)
    monkeypatch.chdir(root)
    return root


VERSION = corpus_version(REPO_ROOT)  # the corpus version of the repository, whatever it is now


def rewrite_parquet(root: Path, config: str, change: Callable[[list[dict]], list[dict]], schema: pa.Schema) -> None:  # type: ignore[type-arg]
    path = root / f"corpus/data/{config}/test-00000.parquet"
    rows = change(pq.read_table(path).to_pylist())
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, **PARQUET_OPTIONS)


def edit_card(root: Path) -> None:
    card = root / "corpus/README.md"
    major, minor, patch = VERSION.split(".")
    assert f"version: {VERSION}" in card.read_text()
    card.write_text(card.read_text().replace(f"version: {VERSION}", f"version: {major}.{minor}.{int(patch) + 1}", 1))


def out_of_range(root: Path) -> None:
    def bad(rows: list[dict]) -> list[dict]:  # type: ignore[type-arg]
        rows[0]["category"] = 99
        return rows

    rewrite_parquet(root, "noise_spans", bad, CONFIGS["noise_spans"].arrow_schema)


def wrong_schema(root: Path) -> None:
    schema = CONFIGS["entities"].arrow_schema
    widened = schema.set(schema.get_field_index("mention_count"), pa.field("mention_count", pa.int64()))
    rewrite_parquet(root, "entities", lambda rows: rows, widened)


def change_data_keep_version(root: Path) -> None:
    """A data change, rebuilt, with the CHANGELOG still naming the old version."""
    from newsclaims.corpus.build import build

    gold = next(p for p in sorted((root / "annotations/gold").glob("*.json")) if json.loads(p.read_text())["claims"])
    data = json.loads(gold.read_text())
    data["claims"][0]["checkworthy"] = not data["claims"][0]["checkworthy"]
    gold.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    build(root)


def wrong_uid(root: Path) -> None:
    def bad(rows: list[dict]) -> list[dict]:  # type: ignore[type-arg]
        rows[0]["claim_uid"] = "elsewhere/" + rows[0]["claim_id"]
        return rows

    rewrite_parquet(root, "claims", bad, CONFIGS["claims"].arrow_schema)


def wrong_name(root: Path) -> None:
    def bad(rows: list[dict]) -> list[dict]:  # type: ignore[type-arg]
        names = CONFIGS["noise_spans"]["category"].names
        rows[0]["category_name"] = names[(rows[0]["category"] + 1) % len(names)]
        return rows

    rewrite_parquet(root, "noise_spans", bad, CONFIGS["noise_spans"].arrow_schema)


NOISE = "corpus/data/noise_spans/test-00000.parquet"
CLAIMS = "corpus/data/claims/test-00000.parquet"
ENTITIES = "corpus/data/entities/test-00000.parquet"
CASES: dict[str, tuple[Callable[[Path], None], set[tuple[str, str, str, str]]]] = {
    "NC601": (
        lambda r: (r / "corpus/README.md").open("a").write("\nhand edit\n"),
        {("NC601", "corpus/README.md", "-", "file")},
    ),
    "NC602": (
        wrong_schema,
        {("NC602", ENTITIES, "-", "schema"), ("NC605", ENTITIES, "-", "sha256"), ("NC601", ENTITIES, "-", "file")},
    ),
    "NC603": (
        out_of_range,
        {("NC603", NOISE, "-", "category"), ("NC605", NOISE, "-", "sha256"), ("NC601", NOISE, "-", "file")},
    ),
    "NC604": (edit_card, {("NC604", "corpus/README.md", "-", "version"), ("NC601", "corpus/README.md", "-", "file")}),
    "NC605": (
        lambda r: (r / NOISE).unlink(),
        {
            ("NC605", "corpus/release.json", "data/noise_spans/test-00000.parquet", "files"),
            ("NC601", NOISE, "-", "file"),
        },
    ),
    "NC607": (
        wrong_uid,
        {("NC607", CLAIMS, "-", "claim_uid"), ("NC605", CLAIMS, "-", "sha256"), ("NC601", CLAIMS, "-", "file")},
    ),
    "NC608": (
        wrong_name,
        {("NC608", NOISE, "-", "category_name"), ("NC605", NOISE, "-", "sha256"), ("NC601", NOISE, "-", "file")},
    ),
    "NC606": (change_data_keep_version, {("NC606", "CHANGELOG.md", f"corpus {VERSION}", "fingerprint")}),
}


def found(root: Path, rebuild: bool = False) -> set[tuple[str, str, str, str]]:
    return {(p.code, p.path, p.record, p.field) for p in validate(root, rebuild=rebuild)}


@pytest.mark.parametrize("rebuild", [False, True], ids=["inputs-record", "rebuild"])
def test_copy_is_clean(repo: Path, rebuild: bool) -> None:
    """A released copy of the repository has no NC6xx problem: its corpus is the build of its data."""
    assert found(repo, rebuild) == set()


# NC601 is decided two ways (corpus/checks.py): from corpus/inputs.json, or by a build from
# scratch (--rebuild). Every break of a corpus file is found the same way by both.
@pytest.mark.parametrize("rebuild", [False, True], ids=["inputs-record", "rebuild"])
@pytest.mark.parametrize("case", list(CASES))
def test_corpus_rule_broken_on_purpose(repo: Path, case: str, rebuild: bool) -> None:
    change, expected = CASES[case]
    change(repo)
    assert found(repo, rebuild) == expected


def test_out_of_range_label_is_otherwise_a_well_formed_file(repo: Path) -> None:
    # Why NC603 exists: nothing else about the file is wrong; its features still say ClassLabel.
    out_of_range(repo)
    table = pq.read_table(repo / NOISE)
    assert table.column("category")[0].as_py() == 99
    assert json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]["category"]["_type"] == "ClassLabel"


def test_no_corpus_is_not_a_problem(repo: Path) -> None:
    shutil.rmtree(repo / "corpus")
    assert found(repo) == set()


def test_cli_can_leave_the_corpus_rules_for_later(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # At scale NC601 is a full rebuild: a CI can check the inputs on every push, the corpus nightly.
    from newsclaims.cli import main

    edit_card(repo)
    assert main(["validate", str(repo)]) == 1 and "NC604" in capsys.readouterr().out
    assert main(["validate", str(repo), "--inputs-only"]) == 0
    assert main(["validate", str(repo), "--inputs-only", "--jobs", "2"]) == 0
