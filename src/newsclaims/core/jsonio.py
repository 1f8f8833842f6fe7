"""Reading and writing JSON files the same way everywhere, so rewrites are byte-stable.

Every rewrite is atomic (a temporary file in the same folder, flushed to disk, renamed over
the old one), gets the mode a plain ``open`` would give under the current umask, and, when
the caller passes the repository's ``root``, is refused with ``OutsideRepository`` before
anything is written if it would land outside it (see ``core/paths.py``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from newsclaims.core.paths import file_mode, inside_repository

if TYPE_CHECKING:  # only the annotation: jsonio is on validate's path, which never imports pydantic
    from pydantic import BaseModel


def dumps(data: Any, *, floats: bool = True) -> str:
    """Two-space indent, UTF-8 kept as is, one trailing newline: the bytes of
    ``json.dumps(data, indent=2, ensure_ascii=False) + "\n"``, which defines the format.

    orjson writes the same bytes about 20 times faster (the stdlib encoder is pure Python as
    soon as it indents: 8 s for a 2,000-page round's tasks), except for what it cannot write
    (integers past 64 bits, keys that are not strings: it raises) and for floats below 1e-4,
    which it spells ``0.00001`` and ``1e-7`` where ``repr`` spells ``1e-05`` and ``1e-07``.
    Where its output holds anything that could be such a float, the stdlib writes it instead.
    ``tests/test_jsonio.py`` checks the two agree on random data.

    ``floats=False``: the caller built ``data`` itself and it holds no float at all, so the
    search of the output for one (a regex over every byte written) is skipped."""
    try:
        fast = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    except TypeError:
        fast = None
    if fast is not None and (not floats or _SMALL_FLOAT.search(fast) is None):
        return fast.decode("utf-8") + "\n"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# A number as orjson writes a float below 1e-4 (``0.0000…``, ``…e-N``): rare in text, and where
# it is only text the stdlib is merely slower.
_SMALL_FLOAT = re.compile(rb"\d\.0000|\de-\d")


def model_dumps(model: BaseModel) -> str:
    return dumps(model.model_dump(mode="json"))


def write_bytes_atomic(path: Path, data: bytes, *, root: Path | None = None) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) sees the old file or the new
    one, never half of one; a full disk leaves the old file as it was.

    ``root``: the repository the write must stay inside (symlinks resolved); give it whenever
    any part of ``path`` comes from user input. ``None`` only for writes the caller has
    placed itself (``synth --out``, a test).
    """
    if root is not None:
        inside_repository(root, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), file_mode())  # mkstemp's 0600 would stay on the renamed file
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_many_atomic(files: Sequence[tuple[Path, bytes]], *, root: Path | None = None) -> None:
    """``write_bytes_atomic`` of many files at the cost of one flush: each is written under its
    temporary name, then one ``os.sync()`` puts them all on disk, then each is renamed into
    place. A crash leaves every file old or new, never half of one, as one at a time would.

    Why: a flush per file forces a journal commit per file (a round import of 2,000 pages
    writes 4,000 files: seconds of ``fsync``); one ``sync`` commits them together. It flushes
    the other dirty files of the machine too, which a batch can afford and a single file not.
    """
    if root is not None:  # every place checked before anything is written
        for path, _ in files:
            inside_repository(root, path)
    written: list[tuple[str, Path]] = []  # (temporary name, final name)
    renamed = 0
    made: set[Path] = set()  # folders made or found already: one mkdir per folder, not per file
    mode = file_mode()
    try:
        for path, data in files:
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            tmp, fd = _temporary(path, mode)
            written.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        os.sync()
        for tmp, path in written:
            os.replace(tmp, path)
            renamed += 1
    except BaseException:
        for tmp, _ in written[renamed:]:
            Path(tmp).unlink(missing_ok=True)
        raise


def _temporary(path: Path, mode: int) -> tuple[str, int]:
    """A new temporary file beside ``path`` (its name, an open descriptor) with ``mode``.

    Its name is derived from ``path`` and this process, so no random names are drawn (what
    ``mkstemp`` spends its time on besides the ``open``); ``O_EXCL`` and ``O_NOFOLLOW`` make
    it a new file, never one left behind nor a symlink planted there, and a name that is
    taken falls back to ``mkstemp``. ``open`` applies the umask, which ``mode`` already
    holds, so no ``fchmod`` is needed either."""
    tmp = os.path.join(path.parent, f".{path.name}.{os.getpid()}.tmp")
    try:
        return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except FileExistsError:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, mode)  # mkstemp's 0600 would stay on the renamed file
        return tmp, fd


def write_text_atomic(path: Path, text: str, *, root: Path | None = None) -> None:
    """``write_bytes_atomic`` of ``text`` as UTF-8, ``\\n`` line ends kept as they are."""
    write_bytes_atomic(path, text.encode("utf-8"), root=root)


def write_json(path: Path, data: Any, *, root: Path | None = None) -> None:
    write_text_atomic(path, dumps(data), root=root)
