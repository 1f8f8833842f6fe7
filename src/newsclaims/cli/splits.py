"""``newsclaims splits …``: which split each story is in (annotations/splits.json)."""

from __future__ import annotations

import argparse
import sys

from newsclaims.cli.common import Subcommands, repository_root


def cmd_splits_set(args: argparse.Namespace) -> int:
    from newsclaims.annotation.splits import SplitError, set_split

    try:
        change = set_split(repository_root(args.root), args.story, args.split)
    except SplitError as e:
        print(f"newsclaims splits set: refused: {e}", file=sys.stderr)
        return 1
    if not change.changed:
        print(f"story {args.story}: already in {args.split}; nothing changed")
        return 0
    was = f"was {change.before.value}" if change.before is not None else "was in none"
    print(f"story {args.story}: {args.split} ({was}); rebuild the corpus and release it (`newsclaims release`)")
    return 0


def cmd_splits_remove(args: argparse.Namespace) -> int:
    from newsclaims.annotation.splits import SplitError, remove_split

    try:
        before = remove_split(repository_root(args.root), args.story)
    except SplitError as e:
        print(f"newsclaims splits remove: refused: {e}", file=sys.stderr)
        return 1
    print(f"story {args.story}: removed (was {before.value})")
    return 0


def cmd_splits_list(args: argparse.Namespace) -> int:
    from newsclaims.annotation.splits import SplitError, read_splits
    from newsclaims.core.layout import Layout

    try:
        splits = read_splits(Layout(repository_root(args.root))).splits
    except SplitError as e:
        print(f"newsclaims splits list: {e}", file=sys.stderr)
        return 1
    for s in splits:
        print(f"{s.story_id}\t{s.split.value}")
    return 0


def register(sub: Subcommands) -> None:
    splits = sub.add_parser("splits", help="which split (train, validation, test) each story is in").add_subparsers(
        dest="splits_command", required=True
    )
    s = splits.add_parser("set", help="put every page of a story in a split (annotations/splits.json)")
    s.add_argument("story")
    s.add_argument("split", choices=["train", "validation", "test"])
    s.add_argument("--root", help="repository folder (default: the one here)")
    s.set_defaults(func=cmd_splits_set)
    r = splits.add_parser("remove", help="drop a story that no page has any more (refused while it has pages)")
    r.add_argument("story")
    r.add_argument("--root", help="repository folder (default: the one here)")
    r.set_defaults(func=cmd_splits_remove)
    ls = splits.add_parser("list", help="every story and its split")
    ls.add_argument("--root", help="repository folder (default: the one here)")
    ls.set_defaults(func=cmd_splits_list)
