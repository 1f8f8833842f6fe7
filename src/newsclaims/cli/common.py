"""What every command shares: finding the repository, and the type of the subcommand table."""

from __future__ import annotations

import argparse
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from newsclaims.core.layout import find_root

if TYPE_CHECKING:
    from newsclaims.engines import Engine

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def repository_root(arg: str | None) -> Path:
    """``--root`` when given, else the repository around the working folder."""
    if arg:
        return Path(arg)
    root = find_root(Path.cwd())
    if root is None:
        raise SystemExit("newsclaims: no repository here (no seeds/manifest.json in this folder or above); pass --root")
    return root


def os_error_line(e: OSError) -> str:
    """An operating system error as one line: the file and the reason, never a traceback."""
    reason = e.strerror or str(e) or type(e).__name__
    names = [str(n) for n in (e.filename, e.filename2) if n is not None]
    return f"{' -> '.join(names)}: {reason}" if names else reason


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """``--engine`` and ``--engine-address`` (docs/engines.md)."""
    from newsclaims.engines import ENGINES

    parser.add_argument(
        "--engine", choices=ENGINES, help="check (and build) the documents on a distributed engine: ray (the ray extra)"
    )
    parser.add_argument(
        "--engine-address",
        metavar="ADDRESS",
        help="the engine's cluster, e.g. ray://HOST:10001 (default: $RAY_ADDRESS, else a local one on 127.0.0.1)",
    )


def engine_of(args: argparse.Namespace) -> AbstractContextManager[Engine | None]:
    """The engine ``--engine`` names, started for a ``with`` block; None without ``--engine``."""
    if not args.engine:
        return nullcontext(None)
    from newsclaims.engines import started

    return started(args.engine, args.engine_address)
