"""Replacing a whole folder (``corpus/``) so that every crash leaves the old one or the new one.

The steps, each a rename on one file system, with the folder made durable in between:

1. the new folder is written under a temporary name (``.corpus-build-XXXX``, or any
   ``.corpus-…`` name) and every file in it is flushed to disk;
2. it is renamed ``.corpus-new``: from now on a complete new folder exists;
3. ``corpus`` is renamed ``.corpus-old``;
4. ``.corpus-new`` is renamed ``corpus``;
5. ``.corpus-old`` is removed.

A process killed anywhere leaves names that say how far it got, and ``recover`` (run by
the next build, release or full validate, under the repository lock) finishes the swap:
``.corpus-new`` is complete, so it goes in; without it, ``.corpus-old`` goes back when
``corpus`` is missing; any other ``.corpus-…`` folder is a killed writer's unfinished work
and is removed. Each thing done is returned, to be said.

Two writers at once are kept apart by an advisory lock (``flock``) on ``.newsclaims.lock``
in the repository: a build or release holds it exclusively for its whole run, and a full
validate holds it shared while it reads ``corpus/``, so it never sees a swap half-way.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsclaims.core.paths import fsync_folder, fsync_tree, make_temp_folder

LOCK_NAME = ".newsclaims.lock"


class RepositoryBusy(Exception):
    """Another newsclaims process holds the repository lock; nothing was done."""


class RecoveryFailed(OSError):
    """What a killed swap left could not be finished or removed (a read-only repository, say)."""


def new_name(target: Path) -> Path:
    return target.with_name(f".{target.name}-new")


def old_name(target: Path) -> Path:
    return target.with_name(f".{target.name}-old")


def work_folder(target: Path, what: str = "build") -> Path:
    """A fresh folder next to ``target`` to write a new version into (``recover`` removes it if
    its writer is killed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return make_temp_folder(target.parent, f".{target.name}-{what}-")


def leftovers(target: Path) -> list[Path]:
    """Every ``.<name>-…`` entry next to ``target``: what a swap in progress, or a killed one, left."""
    prefix = f".{target.name}-"
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return sorted(target.parent / n for n in names if n.startswith(prefix))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def swap_in(new: Path, target: Path, *, keep_old: bool = False) -> Path | None:
    """Put the complete folder ``new`` in place of ``target`` (steps 1-5 above; call it holding
    the repository lock). With ``keep_old`` the previous folder is left at ``.<name>-old`` and
    returned (for a caller that may still put it back); otherwise it is removed."""
    parent = target.parent
    staged, old = new_name(target), old_name(target)
    fsync_tree(new)
    os.rename(new, staged)
    fsync_folder(parent)
    had_old = os.path.lexists(target)
    if had_old:
        os.rename(target, old)
        fsync_folder(parent)
    os.rename(staged, target)
    fsync_folder(parent)
    if not had_old:
        return None
    if keep_old:
        return old
    _remove(old)
    return None


def put_back(target: Path, old: Path | None) -> None:
    """Undo a ``swap_in(…, keep_old=True)``: the previous folder goes back in place of the new."""
    if old is None:
        _remove(target)
        return
    trash = work_folder(target, "discarded")
    os.rename(target, trash / target.name)
    os.rename(old, target)
    fsync_folder(target.parent)
    shutil.rmtree(trash)


def recover(target: Path) -> list[str]:
    """Finish or undo what a killed swap left next to ``target`` (see the module's docstring);
    call it holding the repository lock exclusively. Returns what was done, one line each."""
    done: list[str] = []
    staged, old = new_name(target), old_name(target)
    shown = target.name
    if staged.is_dir():
        if os.path.lexists(target):
            if os.path.lexists(old):
                _remove(old)
            os.rename(target, old)
            fsync_folder(target.parent)
        os.rename(staged, target)
        fsync_folder(target.parent)
        done.append(f"{shown}/: finished the swap of an interrupted build (the new {shown}/ is in place)")
    elif not os.path.lexists(target) and old.is_dir():
        os.rename(old, target)
        fsync_folder(target.parent)
        done.append(f"{shown}/: put back the previous {shown}/ (a build was interrupted before the new one was in)")
    for path in leftovers(target):
        _remove(path)
        if path == old:
            done.append(f"{shown}/: removed {path.name}, the previous {shown}/ of a swap that was interrupted")
        else:
            done.append(f"{shown}/: removed {path.name}, the unfinished work of an interrupted build")
    return done


def _open_lock(root: Path, create: bool) -> int | None:
    flags = os.O_RDWR | os.O_CREAT if create else os.O_RDONLY
    try:
        return os.open(root / LOCK_NAME, flags | os.O_CLOEXEC, 0o666)
    except FileNotFoundError:
        if create:
            raise
        return None


@contextmanager
def exclusive(root: Path, what: str = "build") -> Iterator[None]:
    """The repository lock for a writer (``build``, ``release``): ``RepositoryBusy`` at once if
    another newsclaims process holds it, ``OSError`` if the lock file cannot be made (a
    read-only repository)."""
    fd = _open_lock(root, create=True)
    assert fd is not None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise RepositoryBusy(
                f"another newsclaims build, release or validate is using {root} (it holds {LOCK_NAME}); "
                f"the {what} did nothing: run it again once that one has finished"
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def reading(root: Path, target: Path) -> Iterator[list[str]]:
    """The repository lock for a reader of ``target`` (full validate): first, when no one else
    holds the lock, what a killed swap left is recovered (the list yielded says what was
    done); then the lock is held shared while the reader reads, so no swap happens
    meanwhile. A running build is waited for. On a repository where the lock file cannot be
    made (read-only), nothing can be swapped either: nothing is locked or recovered."""
    try:
        fd = _open_lock(root, create=True)
    except OSError:
        fd = _open_lock(root, create=False) if (root / LOCK_NAME).exists() else None
    if fd is None:
        yield []
        return
    try:
        done: list[str] = []
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
        else:
            try:
                done = recover(target) if leftovers(target) else []
            except OSError as e:
                raise RecoveryFailed(e.errno, f"cannot recover what an interrupted build left ({e})") from e
        fcntl.flock(fd, fcntl.LOCK_SH)  # converts the exclusive lock, or waits for the writer
        yield done
    finally:
        os.close(fd)
