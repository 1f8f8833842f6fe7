"""Validation problems and the catalogue of rules they are reported under."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import NamedTuple


class Rule(NamedTuple):
    code: str
    doc: str
    # A problem under a fatal rule means the input could not be read at all (exit 2).
    fatal: bool = False


def _catalogue(*rules: Rule) -> dict[str, Rule]:
    return {r.code: r for r in rules}


RULES: dict[str, Rule] = _catalogue(
    # NC1xx record shape: what the JSON Schema in schema/ says too.
    Rule(
        "NC100",
        "The file could not be read: missing, not a regular file, too large, not UTF-8, not JSON, "
        "nested too deep, or a lone surrogate in a string.",
        fatal=True,
    ),
    Rule("NC101", "A required field is missing."),
    Rule("NC102", "A field has the wrong type or an invalid value."),
    Rule("NC103", "A label is not in the vocabulary."),
    Rule("NC104", "A field is not part of the schema."),
    Rule("NC105", "An id or name does not match the strict name pattern (no paths, lower case)."),
    Rule("NC106", "The schema_version is not one this release reads."),
    Rule("NC107", "A key is written twice in one JSON object (a reader would keep only the last value)."),
    # NC2xx spans.
    Rule("NC201", "A span is empty or inverted (start must be below end)."),
    Rule("NC202", "A span ends beyond the end of the document text."),
    Rule("NC203", "A span's text differs from the document text at its offsets."),
    Rule("NC204", "A span starts or ends with whitespace."),
    Rule("NC205", "A claim's fragments are not in text order or overlap each other."),
    # NC3xx references.
    Rule("NC301", "A record id is used twice in one document."),
    Rule("NC302", "An id is used twice in a registry (entities.json, clusters.json)."),
    Rule("NC303", "A mention refers to an entity that is not in entities.json."),
    Rule("NC304", "A mention's label differs from its entity's label."),
    Rule("NC305", "A claim refers to a cluster that is not in clusters.json."),
    Rule("NC306", "A claim is in a cluster of another story than its document's."),
    Rule("NC307", "An attribution refers to a claim that is not in its document."),
    Rule("NC308", "An attribution's source refers to a mention that is not in its document."),
    Rule("NC309", "An attribution's source mention lies outside its source span."),
    Rule("NC310", "An attribution's parent is not an attribution of its document."),
    Rule("NC311", "Attribution parents form a cycle."),
    Rule("NC312", "A mention of a gold file is not linked to an entity (entity_id is null)."),
    Rule(
        "NC313",
        "An attribution's source entity differs from the entity of its source mention, or the source is "
        "both linked to an entity and marked unnamed.",
    ),
    Rule("NC314", "An attribution's source refers to an entity that is not in entities.json."),
    # NC4xx layers.
    Rule("NC401", "Two noise spans overlap."),
    Rule("NC402", "A content annotation (mention, claim, source, cue) overlaps a noise span."),
    Rule("NC403", "An attribution's cue overlaps its content."),
    Rule("NC404", "An attribution's source overlaps its content."),
    Rule("NC405", "Two mentions cross: they overlap without one containing the other."),
    Rule("NC406", "Two mentions cover exactly the same span."),
    # NC5xx documents.
    Rule("NC501", "An annotation file's text_sha256 differs from its document's text."),
    Rule("NC502", "A seed file has no entry in seeds/manifest.json."),
    Rule("NC503", "A manifest entry names a seed file that does not exist."),
    Rule("NC504", "A seed file's bytes differ from the sha256 in the manifest."),
    Rule("NC505", "A doc_id or file is listed twice in the manifest."),
    Rule("NC506", "Two manifest entries have the same bytes (the same page twice)."),
    Rule("NC507", "An annotation file is for a doc_id that is not in the manifest."),
    Rule("NC508", "An annotation file's name differs from its doc_id."),
    Rule("NC509", "A seed file is not valid UTF-8 text."),
    Rule("NC510", "The repository layout is broken: a file where a folder belongs or back, or a stray entry."),
    Rule("NC511", "A story is listed more than once in annotations/splits.json (a story is in one split)."),
    Rule("NC512", "A document's story has no split in annotations/splits.json."),
    Rule("NC513", "annotations/splits.json names a story that no document of the manifest has."),
    # NC6xx corpus: checked when every input validates (the check rebuilds).
    Rule("NC601", "corpus/ differs from a fresh build of the repository (stale)."),
    Rule("NC602", "A parquet file's schema differs from the declared features."),
    Rule("NC603", "A ClassLabel value is outside the range of its label names."),
    Rule("NC604", "The card or release.json disagrees with the files (rows, version, fingerprint)."),
    Rule("NC605", "A data file's sha256 differs from release.json, or a file is missing or unlisted."),
    Rule("NC606", "The data changed without a new corpus version in CHANGELOG.md."),
    Rule("NC607", "A corpus-wide id (a *_uid column) differs from <doc_id>/<record id> of its record."),
    Rule("NC608", "A label's name column (stance_name, ner_tag_names) differs from the names of its ClassLabel."),
)


# C0 and C1 controls, DEL and the Unicode line and paragraph separators, as Python escapes them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {c: repr(chr(c))[1:-1] for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule, located: file, record id, field."""

    path: str
    record: str
    field: str
    code: str
    message: str

    def __str__(self) -> str:
        # One problem, one line: a newline or other control character in a file name, an id or
        # a message is shown escaped, never written out to split the line.
        line = f"{self.path}:{self.record}:{self.field}: {self.code} {self.message}"
        return line.translate(_ESCAPES) if _CONTROL.search(line) else line

    @property
    def fatal(self) -> bool:
        return RULES[self.code].fatal


def problem(code: str, path: str, record: str, field: str, message: str) -> Problem:
    if code not in RULES:  # a typo in a code must fail loudly, never print a bogus code
        raise KeyError(f"unknown rule code {code}")
    return Problem(path, record or "-", field or "-", code, message)


def format_text(problems: list[Problem]) -> str:
    return "".join(f"{p}\n" for p in problems)


def format_json(problems: list[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False) + "\n"


def exit_code(problems: list[Problem]) -> int:
    """0 clean, 1 problems found, 2 some input could not be read at all."""
    if any(p.fatal for p in problems):
        return 2
    return 1 if problems else 0
