"""Measure the rule-based pre-annotator against the gold files and write its report.

    .venv/bin/python scripts/prenotate_report.py [--root PATH] [--check]

Runs ``newsclaims.annotation.prenotate.rules`` on every seed page that has a gold file and writes
``annotations/label_studio/prenotate-report.md`` and ``.json`` (no timestamps: the same
data and rules always give the same bytes). With ``--check`` nothing is written and the
exit code is 1 when a committed file differs from a fresh run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsclaims.annotation.prenotate.evaluation import evaluation, report_files
from newsclaims.core.jsonio import write_text_atomic
from newsclaims.validation.sources import InvalidInputs, load_sources

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this repository)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the report is stale")
    args = parser.parse_args(argv)
    try:
        sources = load_sources(args.root)
    except InvalidInputs as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    stale = []
    for rel, content in report_files(evaluation(sources)).items():
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
