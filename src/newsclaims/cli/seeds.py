"""``newsclaims seeds …``: adding pages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsclaims.cli.common import Subcommands, repository_root


def cmd_seeds_add(args: argparse.Namespace) -> int:
    from newsclaims.annotation.seeds import SeedError, add_seed

    try:
        entry = add_seed(
            repository_root(args.root),
            Path(args.file),
            outlet=args.outlet,
            title=args.title,
            published=args.published,
            story_id=args.story,
            url=args.url,
            language=args.language,
            notes=args.notes,
        )
    except SeedError as e:
        print(f"newsclaims seeds add: refused: {e}", file=sys.stderr)
        return 1
    print(f"added seeds/{entry.file} to seeds/manifest.json as doc_id {entry.doc_id}")
    return 0


def register(sub: Subcommands) -> None:
    seeds = sub.add_parser("seeds", help="manage the raw pages").add_subparsers(dest="seeds_command", required=True)
    a = seeds.add_parser("add", help="copy a page into seeds/ verbatim and add its manifest entry")
    a.add_argument("file")
    a.add_argument("--outlet", required=True)
    a.add_argument("--title", required=True)
    a.add_argument("--published", required=True, help="YYYY-MM-DD")
    a.add_argument("--story", required=True, help="story id (documents on the same story share it)")
    a.add_argument("--url")
    a.add_argument("--language", default="en")
    a.add_argument("--notes")
    a.add_argument("--root", help="repository folder (default: the one here)")
    a.set_defaults(func=cmd_seeds_add)
