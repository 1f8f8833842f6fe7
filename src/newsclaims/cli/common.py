"""What every command shares: finding the repository, and the type of the subcommand table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from newsclaims.core.layout import find_root

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
