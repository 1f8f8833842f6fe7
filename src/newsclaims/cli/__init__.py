"""The ``newsclaims`` command: a thin layer over the library API, one module per command group.

Each command imports what only it needs: `newsclaims validate` runs in every CI job, and must
not pay for build's and rounds' imports (datasets, pyarrow, spaCy, label-studio-sdk), which a
core install does not even have (tests/test_install.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from newsclaims.cli import (
    build,
    check,
    clusters,
    entities,
    interchange,
    release,
    rounds,
    schema,
    seeds,
    splits,
    synth,
)
from newsclaims.cli.common import os_error_line
from newsclaims.core.extras import MissingExtra
from newsclaims.core.paths import OutsideRepository
from newsclaims.core.swap import RepositoryBusy
from newsclaims.engines.base import EngineFailed

# In the order `newsclaims --help` lists them.
COMMAND_GROUPS = (check, schema, seeds, splits, build, release, rounds, entities, clusters, synth, interchange)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclaims", description="News pages as a dataset of entities, claims, attributions and page noise."
    )
    sub = p.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except (MissingExtra, EngineFailed) as e:
        print(f"newsclaims {args.command}: {e}", file=sys.stderr)
        return 2
    except (OutsideRepository, RepositoryBusy) as e:
        print(f"newsclaims {args.command}: refused: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`| head`): end quietly. Only stdout's pipe is handled here, not
        # by making SIGPIPE fatal for the whole process, which would also kill a command whose
        # connection to a server is cut instead of letting it say so.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except OSError as e:
        # The last resort for a full disk, a read-only repository or an unreadable file that a
        # command did not report itself: one line, exit 2. Every write is atomic, so what was
        # there before is intact. NEWSCLAIMS_TRACEBACK=1 shows the traceback (for debugging).
        if os.environ.get("NEWSCLAIMS_TRACEBACK"):
            raise
        print(f"newsclaims {args.command}: failed: {os_error_line(e)}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
