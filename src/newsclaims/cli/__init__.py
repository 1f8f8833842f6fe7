"""The ``newsclaims`` command: a thin layer over the library API, one module per command group.

Each command imports what only it needs: `newsclaims validate` runs in every CI job, and must
not pay for build's and rounds' imports (datasets, pyarrow, spaCy, label-studio-sdk), which a
core install does not even have (tests/test_install.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from newsclaims.cli import build, check, clusters, release, rounds, schema, seeds, synth
from newsclaims.core.extras import MissingExtra

# In the order `newsclaims --help` lists them.
COMMAND_GROUPS = (check, schema, seeds, build, release, rounds, clusters, synth)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclaims", description="News pages as a dataset of entities, claims, attributions and page noise."
    )
    sub = p.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # Piping into `head` must end quietly, not with a BrokenPipeError traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except MissingExtra as e:
        print(f"newsclaims {args.command}: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
