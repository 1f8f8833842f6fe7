"""Where a write may land: inside the repository, symlinks included, with the modes the umask asks.

Every command that writes a path derived from user input (a round name, a doc id, a file
name, an output folder) checks it here *before* writing anything::

    from newsclaims.core.paths import inside_repository
    target = inside_repository(root, root / "annotations" / "rounds" / name)  # OutsideRepository if not

and the atomic writers of ``core/jsonio.py`` do the same check when given ``root=``::

    write_json(target / "round.json", data, root=root)
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


class OutsideRepository(Exception):
    """A write would land outside the repository (a ``..``, an absolute name, or a symlink
    pointing out); nothing was written. Commands report it as a refusal (exit 1)."""

    def __init__(self, root: Path, path: Path, where: Path) -> None:
        super().__init__(f"{path}: refused to write outside the repository {root} (it resolves to {where})")
        self.root, self.path, self.where = root, path, where


def _within(base: str, path: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def inside_repository(root: Path, path: Path) -> Path:
    """``path`` resolved (symlinks included), or ``OutsideRepository`` when writing it would
    touch anything outside ``root``.

    Two places are checked, because a rename replaces the name while a plain open follows a
    symlink: where the name itself lives (its folder resolved, plus the name), and where it
    points when it is a symlink (resolved as far as it exists). Neither has to exist yet.
    """
    base = os.path.realpath(root)
    name = path.name
    lives = os.path.join(os.path.realpath(path.parent), name) if name not in ("", ".", "..") else os.path.realpath(path)
    points = os.path.realpath(path)
    for where in (lives, points):
        if not _within(base, where):
            raise OutsideRepository(root, path, Path(where))
    return Path(lives)


_UMASK = re.compile(r"^Umask:\s*([0-7]+)$", re.MULTILINE)


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            found = _UMASK.search(f.read())
        if found:
            return int(found.group(1), 8)
    except OSError:
        pass
    # Elsewhere the only way is to set it and put it back (no threads write files meanwhile).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file: what rewritten files get too."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """The mode ``mkdir`` would give a new folder."""
    return 0o777 & ~current_umask()


def make_temp_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder in ``parent`` with the mode of a plain ``mkdir`` (``mkdtemp``
    alone gives 0700, which the folder would keep once renamed into its place)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(folder, folder_mode())
    return folder


def fsync_folder(folder: Path) -> None:
    """Make the names in ``folder`` (a rename into it, say) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Every file and folder under ``folder`` on disk, before it is renamed into place."""
    for here, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(here, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_folder(Path(here))
