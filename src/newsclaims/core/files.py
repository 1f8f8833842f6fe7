"""Reading a file of the repository: its bytes, or one clear reason why not.

Only regular files are read. A FIFO, a socket or a device (``/dev/zero``, or a seed symlinked
to it) is refused as soon as it is opened, and it is opened without blocking
(``O_NONBLOCK``): a FIFO with no writer would otherwise hang the open itself, and a device
would be read for ever. A file larger than ``MAX_FILE_BYTES`` is refused before any byte of
it is read. What is read of a JSON file is then up to ``core.jsonread``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

# The largest file newsclaims reads: far above any page, annotation file or a manifest of 10^6
# pages, far below what would exhaust a machine's memory.
MAX_FILE_BYTES = 1 << 30


class Unreadable(Exception):
    """The file cannot be read at all: missing, not a regular file, too large, not UTF-8, not JSON."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, expected a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file: only regular files are read"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file: only regular files are read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file: only regular files are read"
    return "is not a regular file: only regular files are read"


def open_regular(path: str | Path, limit: int = MAX_FILE_BYTES) -> tuple[int, int]:
    """An open descriptor of the regular file at ``path`` and its size; else ``Unreadable``.

    The caller closes the descriptor. Symlinks are followed, and what they lead to is checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as e:
        raise Unreadable("file does not exist") from e
    except IsADirectoryError as e:
        raise Unreadable("is a folder, expected a file") from e
    except OSError as e:
        raise Unreadable(f"cannot be read: {e.strerror}") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(_kind(info.st_mode))
        if info.st_size > limit:
            raise Unreadable(f"is {info.st_size} bytes, more than the {limit} bytes newsclaims reads of one file")
        # O_NONBLOCK stays set: it means nothing for a regular file's reads, and clearing it
        # would cost two more system calls per file of a 10^5-file corpus.
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def open_binary(path: str | Path, limit: int = MAX_FILE_BYTES) -> BinaryIO:
    """The regular file at ``path`` as a binary file object (for readers that stream); else ``Unreadable``."""
    fd, _ = open_regular(path, limit)
    return os.fdopen(fd, "rb")


def read_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``limit``); else ``Unreadable`` saying why."""
    fd, size = open_regular(path, limit)
    # Plain os calls: a corpus is 10^5 small files, each read whole at once, so a buffered file
    # object per file is overhead with nothing to buffer. A read shorter than asked is the end
    # of the file; a file still growing is read on, up to the limit.
    try:
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return data
        chunks = [data]
        total = len(data)
        while more := os.read(fd, 1 << 16):
            chunks.append(more)
            total += len(more)
            if total > limit:
                raise Unreadable(f"grew beyond the {limit} bytes newsclaims reads of one file while being read")
        return b"".join(chunks)
    except OSError as e:
        raise Unreadable(f"cannot be read: {e.strerror}") from e
    finally:
        os.close(fd)


def read_text(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """The regular file at ``path`` as UTF-8 text; else ``Unreadable`` saying why."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Unreadable(f"not UTF-8 (byte {e.start})") from e
