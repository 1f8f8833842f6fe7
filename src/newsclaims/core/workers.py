"""Work spread over processes: the one mechanism of validate and build.

A ``concurrent.futures.ProcessPoolExecutor`` with the "fork" start method. A worker starts
as a copy of this process, so what every task reads (an index of the corpus, the
registries, the list of documents) is handed to the workers once through ``initializer``
and inherited, never pickled; only each task's small argument and its answer travel.
The executor also gives what a hand-made fork would have to write again: a worker's
exception re-raised here with its traceback, a worker that dies turned into an error
instead of a hang, and every worker reaped when the block ends. POSIX only, like "fork".
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerFailed(RuntimeError):
    """A worker process ended without an answer (killed, out of memory, ``os._exit``)."""


@contextmanager
def forked_pool(
    jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[ProcessPoolExecutor]:
    """``jobs`` forked worker processes, each running ``initializer(*initargs)`` first.

    On leaving the block, work not started is cancelled and every worker is waited for; a
    worker that died makes the block raise ``WorkerFailed``; an exception raised by a task
    comes back as itself (its traceback in ``__cause__``).
    """
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=initializer,
        initargs=initargs,
    )
    try:
        yield pool
    except BrokenProcessPool as e:
        raise WorkerFailed(f"a worker process ended without an answer ({e})") from e
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def map_in_window(pool: Executor, fn: Callable[[T], R], items: Iterable[T], window: int) -> Iterator[R]:
    """``pool.map(fn, items)``, answers in order, with at most ``window`` items handed to the
    pool and not yet taken back by the caller.

    ``Executor.map`` submits every item at once and keeps every answer until it is read: when
    the workers answer faster than the caller uses the answers (a build's driver writing
    parquet behind many workers), the answers pile up, and memory grows with the corpus. Here
    the next item is submitted only when the caller takes an answer, and ``items`` is read as
    it goes, so it may be a generator."""
    pending: deque[Future[R]] = deque()
    for item in items:
        if len(pending) >= window:
            yield pending.popleft().result()
        pending.append(pool.submit(fn, item))
    while pending:
        yield pending.popleft().result()
