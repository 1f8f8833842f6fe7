"""``newsclaims seeds …``: adding pages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsclaims.cli.common import Subcommands, repository_root


def cmd_seeds_add(args: argparse.Namespace) -> int:
    from newsclaims.annotation.seeds import SeedError, add_seed
    from newsclaims.annotation.splits import SplitError, split_of
    from newsclaims.core.layout import Layout

    root = repository_root(args.root)
    try:
        declared = split_of(Layout(root), args.story)
    except SplitError as e:
        print(f"newsclaims seeds add: refused: {e}", file=sys.stderr)
        return 1
    try:
        entry = add_seed(
            root,
            Path(args.file),
            outlet=args.outlet,
            title=args.title,
            published=args.published,
            story_id=args.story,
            url=args.url,
            language=args.language,
            notes=args.notes,
            split=args.split,
        )
    except SeedError as e:
        print(f"newsclaims seeds add: refused: {e}", file=sys.stderr)
        return 1
    if declared is None:
        now = split_of(Layout(root), entry.story_id)
        print(
            f"story {entry.story_id} is new: its pages are in the {now.value if now else '?'} split "
            f"(annotations/splits.json); move it with `newsclaims splits set {entry.story_id} SPLIT`"
        )
    # Last, and the doc_id its last word: scripts take it from there.
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
    a.add_argument(
        "--split",
        choices=["train", "validation", "test"],
        help="split of a new story (default: test); a story already declared keeps its own",
    )
    a.add_argument("--url")
    a.add_argument("--language", default="en")
    a.add_argument("--notes")
    a.add_argument("--root", help="repository folder (default: the one here)")
    a.set_defaults(func=cmd_seeds_add)
