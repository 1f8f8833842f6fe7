"""A function run in a forked copy of this process, its result sent back through a pipe.

``multiprocessing.Pool`` costs a validation of 10^3 documents a tenth of its time: its
worker starts about 7 ms after the pool is made (handler threads, queues, a pickled task)
and closing the pool takes 5 ms more. A fork starts its child in 1-4 ms, and the child
needs nothing sent to it: it has a copy of everything the parent had made, the work
included. Only the answer travels, pickled, once. POSIX only, like the "fork" context.
"""

from __future__ import annotations

import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class WorkerFailed(RuntimeError):
    """A forked worker raised, or ended without an answer (killed, out of memory)."""


class Forked(Generic[T]):
    """``work()`` started in a child process; ``result()`` waits for what it returned."""

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: it must never return into the parent's code
            os.close(read)
            status = 1
            try:
                try:
                    answer = pickle.dumps((True, work()), pickle.HIGHEST_PROTOCOL)
                    status = 0
                except BaseException:  # sent as text: an exception may not pickle
                    answer = pickle.dumps((False, traceback.format_exc()), pickle.HIGHEST_PROTOCOL)
                # Closed before exiting: the parent reads to the end of the pipe, and an exit
                # closes the pipe only after unmapping the child's memory, milliseconds later.
                with os.fdopen(write, "wb") as out:
                    out.write(answer)
            finally:
                os._exit(status)
        os.close(write)
        self.pid: int | None = pid
        self._read: int | None = read

    def result(self) -> T:
        """What ``work()`` returned; WorkerFailed with the child's traceback if it raised."""
        assert self._read is not None, "result() is asked for once"
        read, self._read = self._read, None
        with os.fdopen(read, "rb") as answer:
            data = answer.read()
        status = self._reap()
        if not data:
            raise WorkerFailed(f"worker process ended without an answer ({_describe(status)})")
        ok, value = pickle.loads(data)
        if not ok:
            raise WorkerFailed(f"worker process raised:\n{value}")
        return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Kill the child if it still runs (the parent gave up on it), and reap it."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)  # never reaped yet, so the pid is still the child's
            self._reap()
        if self._read is not None:
            os.close(self._read)
            self._read = None

    def _reap(self) -> int:
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
