"""What an engine offers the rest of newsclaims, and how it fails.

An engine runs a pure function over batches of items (each item and each answer bytes, so
that nothing but pickles and files crosses between the driver and the workers), with some
state made once per worker, and gives the answers back in the order of the items. The
validation and the build (``checking.py``, ``rows.py``) are written against this, not
against Ray, so that another engine is one module (``raydata.py`` is the one there is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

S = TypeVar("S")

# A batch of items -> one answer for the whole batch.
BatchFunction = Callable[[list[bytes]], bytes]


class Engine(Protocol):
    """A started engine (``newsclaims.engines.started``)."""

    @property
    def name(self) -> str: ...

    @property
    def workers(self) -> int:
        """How many batches it runs at once."""
        ...

    def map_batches(
        self, items: Sequence[bytes], setup: Callable[[S], BatchFunction], shared: S, batch_size: int
    ) -> Iterator[bytes]:
        """``setup(shared)`` once in each worker, then that function on consecutive batches of at
        most ``batch_size`` items; one answer per batch, in the order of the items.

        ``setup`` must be a module-level function (workers import it by name) and ``shared``
        picklable: it travels to each worker once, not with every batch."""
        ...


class EngineFailed(RuntimeError):
    """The engine could not be started or reached, or a worker failed; the message is one line."""


class UnsupportedEngine(EngineFailed):
    """An engine name newsclaims knows of but does not run on (``ENGINES`` lists what it runs on)."""

    def __init__(self, name: str, extra: str) -> None:
        super().__init__(
            f"--engine {name} is not supported (newsclaims runs on Ray Data, docs/engines.md): "
            f"use --engine {extra}, which needs pip install 'newsclaims[{extra}]'"
        )
