"""NC8xx: what a brat import (``newsclaims import brat``) reports, one line per problem.

Every problem names the ``.ann`` file and its line (``file:line: NC8xx message``; line 0 is
the file as a whole). An error leaves that annotation out and imports the rest of the file; a
warning imports it. None of these is a validation rule: ``newsclaims validate`` checks what the
import wrote, with its own rules.
"""

from __future__ import annotations

from dataclasses import dataclass

BRAT_RULES = {
    "NC801": "A line of the .ann file is malformed (not ID<TAB>TYPE ..., bad offsets, an unknown id prefix).",
    "NC802": "A text-bound annotation's span is outside the text, empty, or its pieces overlap or are not ordered.",
    "NC803": "A text-bound annotation's text differs from the slice of the text at its offsets.",
    "NC804": "An annotation points at an id the file does not define, or at one left out (its own line says "
    "why), or the file defines an id twice.",
    "NC805": "A brat type, role, attribute or value that the mapping does not map: that annotation is left out.",
    "NC806": "The annotation does not fit its mapped record (a mention or noise span in pieces, an attribution "
    "without content, two sources, a relation between the wrong kinds): left out.",
    "NC807": "The converted record breaks a validation rule: that record is left out.",
    "NC808": "Offsets were read as UTF-16 units (brat on a narrow Python 2 build) because code points did not "
    "fit and UTF-16 did (warning).",
    "NC809": "The .ann file has no text (neither TEXT_DIR/<doc>.txt nor the .txt beside it, or it is not UTF-8 "
    "or refused as a seed; said for every .ann of that text), or its name does not fit --annotator-pattern: "
    "the file is not imported.",
    "NC810": "A role-typed span (source or cue) that no attribution uses: left out (warning).",
    "NC811": "Whitespace at a span's edge was trimmed (warning).",
}
BRAT_WARNINGS = {"NC808", "NC810", "NC811"}


@dataclass(frozen=True, order=True)
class Issue:
    """One located problem of an import: ``file:line: NCxyz message``."""

    file: str
    line: int
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in BRAT_RULES:
            raise ValueError(f"unknown brat import code {self.code}")

    @property
    def warning(self) -> bool:
        return self.code in BRAT_WARNINGS

    def __str__(self) -> str:
        kind = " (warning)" if self.warning else ""
        text = self.message if self.message.isprintable() else repr(self.message)[1:-1]
        return f"{self.file}:{self.line}: {self.code}{kind} {text}"
