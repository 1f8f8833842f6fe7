"""Reading a file of the repository: its bytes, or one clear reason why not."""

from __future__ import annotations

import os
from pathlib import Path


class Unreadable(Exception):
    """The file cannot be read at all: missing, not UTF-8, or not JSON."""


def read_bytes(path: str | Path) -> bytes:
    try:
        return _read_all(path)
    except FileNotFoundError as e:
        raise Unreadable("file does not exist") from e
    except IsADirectoryError as e:
        raise Unreadable("is a folder, expected a JSON file") from e
    except OSError as e:
        raise Unreadable(f"cannot be read: {e.strerror}") from e


def _read_all(path: str | Path) -> bytes:
    # Plain os calls: a corpus is 10^5 small files, each read whole at once, so a buffered file
    # object per file is overhead with nothing to buffer. A read shorter than asked is the end
    # of a regular file; anything else (a pipe, a file still growing) is read on until the end.
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return data
        chunks = [data]
        while more := os.read(fd, 1 << 16):
            chunks.append(more)
        return b"".join(chunks)
    finally:
        os.close(fd)
