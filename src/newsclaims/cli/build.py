"""``newsclaims build``: the corpus from a valid repository."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsclaims.cli.common import Subcommands, repository_root
from newsclaims.core.extras import require
from newsclaims.core.problems import format_text


def cmd_build(args: argparse.Namespace) -> int:
    require("corpus", "datasets", "pyarrow", "spacy")
    from newsclaims.corpus.build import BuildError, build

    root = repository_root(args.root)
    try:
        release = build(root, Path(args.out) if args.out else None, jobs=args.jobs)
    except BuildError as e:
        sys.stdout.write(format_text(e.problems))
        print(f"newsclaims build: {e}", file=sys.stderr)
        return 1
    rows = sum(n for per_split in release.counts.values() for n in per_split.values())
    print(
        f"built corpus {release.version}: {len(release.files)} data files, {rows} rows, "
        f"fingerprint {release.fingerprint[:16]}"
    )
    return 0


def register(sub: Subcommands) -> None:
    b = sub.add_parser("build", help="build corpus/ (parquet per config, card, checksums) from a valid repository")
    b.add_argument("--root", help="repository folder (default: the one here)")
    b.add_argument("--out", help="corpus folder (default: corpus/ of the repository)")
    b.add_argument("--jobs", type=int, default=1, help="processes for validation and rows (same bytes; default 1)")
    b.set_defaults(func=cmd_build)
