"""``newsclaims schema``: write or check every generated file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from newsclaims.cli.common import Subcommands, repository_root


def cmd_schema(args: argparse.Namespace) -> int:
    from newsclaims.docs import generated as schemagen

    schema_dir = Path(args.dir) if args.dir else repository_root(None) / "schema"

    def shown(name: str) -> str:
        # Names are relative to schema/ ("../DATASHEET.md" for the datasheet at the root): show plain paths.
        return os.path.normpath(schema_dir / name)

    if args.check:
        stale = schemagen.drift(schema_dir)
        for name in stale:
            print(f"{shown(name)}: out of date with the code or the data; run `newsclaims schema`", file=sys.stderr)
        return 1 if stale else 0
    changed = schemagen.write(schema_dir)
    print(f"schema: {len(changed)} file(s) written" + (f": {', '.join(map(shown, changed))}" if changed else ""))
    return 0


def register(sub: Subcommands) -> None:
    s = sub.add_parser(
        "schema", help="write schema/ (JSON Schema, SCHEMA.md) and the generated blocks of GUIDELINES.md, DATASHEET.md"
    )
    s.add_argument("--check", action="store_true", help="only check that every generated file is up to date")
    s.add_argument("--dir", help="folder to write into (default: schema/ of this repository)")
    s.set_defaults(func=cmd_schema)
