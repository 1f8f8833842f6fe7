"""``newsclaims release X.Y.Z``: a new corpus version (``--note``), then its git tag (``--tag``)."""

from __future__ import annotations

import argparse
import shlex
import sys

from newsclaims.cli.common import Subcommands, repository_root
from newsclaims.core.extras import require
from newsclaims.core.problems import format_text


def cmd_release(args: argparse.Namespace) -> int:
    """Exit 0 released (or tagged), 1 refused with nothing changed, 2 a step failed and everything was put back."""
    require("corpus", "datasets", "pyarrow", "spacy")
    from newsclaims.release import ReleaseFailed, ReleaseRefused, release, tag_release

    root = repository_root(args.root)
    try:
        if args.tag:
            if args.note is not None or args.allow_same or args.no_tag:
                print("newsclaims release: refused: --tag takes no --note, --allow-same or --no-tag", file=sys.stderr)
                return 1
            tagged = tag_release(root, args.version, jobs=args.jobs)
            print(f"tagged {tagged.commit[:12]} as {tagged.tag}; publish it with `git push origin {tagged.tag}`")
            return 0
        if args.note is None:
            print("newsclaims release: refused: --note TEXT is required (what changed in the data)", file=sys.stderr)
            return 1
        done = release(root, args.version, args.note, tag=not args.no_tag, allow_same=args.allow_same, jobs=args.jobs)
    except (ReleaseRefused, ReleaseFailed) as e:
        sys.stdout.write(format_text(e.problems))
        failed = isinstance(e, ReleaseFailed)
        what = f"failed, every file put back as it was: {e}" if failed else f"refused: {e}"
        print(f"newsclaims release: {what}", file=sys.stderr)
        return 2 if failed else 1
    except OSError as e:  # before the first write (reading CHANGELOG.md), or while checking a tag
        print(f"newsclaims release: failed: {e}", file=sys.stderr)
        return 2
    since = f" (after {done.previous})" if done.previous else ""
    files = sum(len(per_split) for per_split in done.counts.values())
    print(
        f"released corpus {done.version}{since}: {done.documents} document(s) in {files} data files, "
        f"fingerprint {done.fingerprint[:16]}; validate: no problems found"
    )
    print(f"written: {', '.join(done.written)}")
    paths = " ".join(shlex.quote(p.rstrip("/")) for p in done.commit_paths() if (root / p).exists())
    print(f"to commit: git add {paths} && git commit -m {shlex.quote(f'corpus {done.version}')}")
    if done.tag:
        print(f"then tag that commit: newsclaims release {done.version} --tag")
    return 0


def register(sub: Subcommands) -> None:
    r = sub.add_parser(
        "release",
        help="release a new corpus version: CHANGELOG entry, rebuilt corpus/, generated docs, full validation",
        description="Without --tag: validate the inputs, rebuild corpus/, write the CHANGELOG entry "
        "'## corpus X.Y.Z — fingerprint …' with the note, regenerate the generated docs and validate everything "
        "(all or nothing; nothing is committed). With --tag, once that is committed: tag the commit corpus-vX.Y.Z.",
    )
    r.add_argument("version", help="X.Y.Z, greater than every corpus version in CHANGELOG.md")
    r.add_argument("--note", help="what changed in the data (the CHANGELOG entry's text)")
    r.add_argument(
        "--allow-same",
        action="store_true",
        help="release even if the data files are those of the newest version (e.g. a corrected card)",
    )
    r.add_argument("--no-tag", action="store_true", help="no git tag is planned (skip the check that it is free)")
    r.add_argument(
        "--tag",
        action="store_true",
        help="tag the commit that holds release X.Y.Z as corpus-vX.Y.Z (after `release X.Y.Z --note` and a commit)",
    )
    r.add_argument("--jobs", type=int, default=1, help="processes for validation and builds (same bytes; default 1)")
    r.add_argument("--root", help="repository folder (default: the one here)")
    r.set_defaults(func=cmd_release)
