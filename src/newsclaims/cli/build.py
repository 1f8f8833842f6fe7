"""``newsclaims build``: the corpus from a valid repository."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsclaims.cli.common import Subcommands, add_engine_options, engine_of, os_error_line, repository_root
from newsclaims.core.extras import require
from newsclaims.core.problems import format_text


def cmd_build(args: argparse.Namespace) -> int:
    require("corpus", "datasets", "pyarrow", "spacy")
    from newsclaims.core.paths import OutsideRepository
    from newsclaims.core.swap import RepositoryBusy
    from newsclaims.corpus.build import BuildError, build

    root = repository_root(args.root)
    out = Path(args.out) if args.out else None
    try:
        with engine_of(args) as engine:
            if engine is None:
                release = build(root, out, jobs=args.jobs, cache=not args.no_cache)
            else:
                from newsclaims.engines.building import build_on

                release = build_on(engine, root, out)
    except BuildError as e:
        for line in e.recovered:
            print(f"newsclaims build: {line}", file=sys.stderr)
        sys.stdout.write(format_text(e.problems))
        print(f"newsclaims build: {e}", file=sys.stderr)
        return 1
    except (RepositoryBusy, OutsideRepository) as e:
        print(f"newsclaims build: refused: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a full disk, a read-only repository: the old corpus/ is as it was
        print(f"newsclaims build: failed, corpus/ left as it was: {os_error_line(e)}", file=sys.stderr)
        return 2
    for line in release.recovered:
        print(f"newsclaims build: {line}", file=sys.stderr)
    rows = sum(n for per_split in release.counts.values() for n in per_split.values())
    documents = sum(release.counts.get("documents", {}).values())
    made = (
        f"rows of all {documents} document(s) made"
        if release.made == documents
        else f"rows of {release.made} of {documents} document(s) made, the others' from the cache"
    )
    print(
        f"built corpus {release.version}: {len(release.files)} data files, {rows} rows, "
        f"fingerprint {release.fingerprint[:16]}; {made}"
        + (f"; the files of {release.reused} unchanged shard(s) copied" if release.reused else "")
    )
    return 0


def register(sub: Subcommands) -> None:
    b = sub.add_parser("build", help="build corpus/ (parquet per config, card, checksums) from a valid repository")
    b.add_argument("--root", help="repository folder (default: the one here)")
    b.add_argument("--out", help="corpus folder (default: corpus/ of the repository)")
    b.add_argument("--jobs", type=int, default=1, help="processes for validation and rows (same bytes; default 1)")
    add_engine_options(b)
    b.add_argument(
        "--no-cache",
        action="store_true",
        help="make every document's rows, without reading or writing .newsclaims-cache/ (same bytes)",
    )
    b.set_defaults(func=cmd_build)
