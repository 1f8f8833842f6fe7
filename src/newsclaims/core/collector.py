"""The garbage collector paused for work that makes many objects and no reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside the block; as it was before, after it.

    Why: the collector runs every few hundred new objects and, every so often, scans every
    object alive, so a command that loads a repository (manifest entries, registries, parsed
    files: millions of objects) and then makes rows or reports rescans them again and again,
    for nothing when the work makes no cycles. Reference counting still frees each object when
    its last reference goes; only cycles would stay, which is why each user of this says why
    its work makes none (and ``tests/test_collector.py`` checks the build's)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
