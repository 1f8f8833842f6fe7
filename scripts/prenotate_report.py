"""Measure the rule-based pre-annotator against gold files and write its report.

    .venv/bin/python scripts/prenotate_report.py [--root PATH] [--check]

Runs ``newsclaims.annotation.prenotate.rules`` on every annotated page and writes
``annotations/label_studio/prenotate-report.md`` and ``.json`` (no timestamps: the same
data and rules always give the same bytes), with two sets of figures apart: in-sample, the
pages the rules were written from (the fixed copy in ``tests/fixtures/prenotate/in_sample``),
and held-out, every other annotated page (``tests/fixtures/prenotate/held_out`` and every
repository page with a gold file whose text is not a fixture page's). Run it again after a
page gets a gold file. With ``--check`` nothing is written and the exit code is 1 when a
committed file differs from a fresh run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsclaims.annotation.prenotate.evaluation import measurement, report_files
from newsclaims.core.jsonio import write_text_atomic
from newsclaims.validation.sources import InvalidInputs

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this repository)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the report is stale")
    args = parser.parse_args(argv)
    try:
        result = measurement(args.root)
    except InvalidInputs as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    stale = []
    for rel, content in report_files(result).items():
        path = args.root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        stale.append(rel)
        if not args.check:
            write_text_atomic(path, content)
            print(f"wrote {rel}")
    if args.check and stale:
        print("stale: " + ", ".join(stale) + " (run scripts/prenotate_report.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
