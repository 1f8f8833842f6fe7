"""DATASHEET.md: every section of "Datasheets for Datasets", and numbers that are the data's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from newsclaims.core.layout import Layout
from newsclaims.docs import generated as schemagen
from newsclaims.docs.stats import datasheet_stats

DATASHEET = REPO_ROOT / "DATASHEET.md"
SECTIONS = [
    "Motivation",
    "Composition",
    "Collection Process",
    "Preprocessing/Cleaning/Labeling",
    "Uses",
    "Distribution",
    "Maintenance",
]


def block(text: str, name: str) -> str:
    match = re.search(rf"<!-- BEGIN GENERATED: {name} -->\n(.*?)<!-- END GENERATED: {name} -->", text, re.DOTALL)
    assert match is not None, f"no generated block {name!r}"
    return match.group(1).strip()


def test_every_section_of_the_paper_is_there_in_order() -> None:
    headings = re.findall(r"^## (.+)$", DATASHEET.read_text(encoding="utf-8"), re.MULTILINE)
    assert [h for h in headings if h in SECTIONS] == SECTIONS


def test_every_section_answers_its_questions() -> None:
    text = DATASHEET.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for section in sections:
        title = section.splitlines()[0]
        if title not in SECTIONS:
            continue
        questions = re.split(r"^### ", section, flags=re.MULTILINE)[1:]
        assert questions, title
        for q in questions:
            heading, _, body = q.partition("\n")
            assert heading.rstrip().endswith("?"), heading
            answer = "\n".join(line for line in body.splitlines() if line and not line.startswith("*"))
            assert answer.strip(), f"{title}: no answer to {heading!r}"
        assert questions[-1].startswith("Any other comments?"), title


def test_stats_block_is_what_the_data_gives_now() -> None:
    text = DATASHEET.read_text(encoding="utf-8")
    assert block(text, "datasheet-stats") == datasheet_stats(Layout(REPO_ROOT)).strip(), "run `newsclaims schema`"


def test_the_datasheet_is_a_checked_generated_file() -> None:
    assert "../DATASHEET.md" in schemagen.generated_files(REPO_ROOT / "schema")
    assert "../DATASHEET.md" not in schemagen.drift(REPO_ROOT / "schema")


@pytest.fixture
def copy_of_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("seeds", "annotations", "schema", "corpus"):
        shutil.copytree(REPO_ROOT / name, root / name)
    shutil.copy(DATASHEET, root / "DATASHEET.md")
    return root


def test_a_typed_number_in_the_stats_block_is_reported(copy_of_repo: Path) -> None:
    schema_dir = copy_of_repo / "schema"
    assert schemagen.drift(schema_dir) == []
    path = copy_of_repo / "DATASHEET.md"
    text = path.read_text(encoding="utf-8")
    stats = block(text, "datasheet-stats")
    typed = re.sub(r"\| entity mentions \| (\d+) \|", lambda m: f"| entity mentions | {int(m[1]) + 1} |", stats)
    assert typed != stats
    path.write_text(text.replace(stats, typed), encoding="utf-8")
    assert schemagen.drift(schema_dir) == ["../DATASHEET.md"]
    assert schemagen.write(schema_dir) == ["../DATASHEET.md"]
    assert path.read_text(encoding="utf-8") == text


def test_stats_say_when_no_corpus_is_built(copy_of_repo: Path) -> None:
    shutil.rmtree(copy_of_repo / "corpus")
    stats = datasheet_stats(Layout(copy_of_repo))
    assert "No corpus has been built yet" in stats and "Rows per corpus config" not in stats
