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
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any


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
