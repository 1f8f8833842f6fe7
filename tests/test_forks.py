"""Work in a forked child: its answer, its failures, and no child left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from newsclaims.validation.workers import Forked, WorkerFailed


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped already: not a zombie left to this process
    return False


def test_the_answer_comes_from_the_child() -> None:
    parent = os.getpid()
    data = {"made": "before the fork"}
    worker = Forked(lambda: (os.getpid(), data["made"]))
    pid = worker.pid
    assert pid is not None
    child, seen = worker.result()
    assert child == pid != parent and seen == "before the fork"
    assert _gone(pid)


def test_the_childs_exception_reaches_the_parent_with_its_traceback() -> None:
    def work() -> None:
        raise ValueError("record 7 is odd")

    worker = Forked(work)
    pid = worker.pid
    assert pid is not None
    with pytest.raises(WorkerFailed, match=r"(?s)worker process raised:.*ValueError: record 7 is odd"):
        worker.result()
    assert _gone(pid)


def test_an_answer_that_does_not_pickle_is_a_failure_not_a_hang() -> None:
    worker = Forked(lambda: lambda: None)  # a lambda does not pickle
    with pytest.raises(WorkerFailed, match=r"(?s)worker process raised:.*(PicklingError|AttributeError)"):
        worker.result()


@pytest.mark.parametrize(
    ("end", "said"),
    [(lambda: os._exit(3), "exit status 3"), (lambda: os.kill(os.getpid(), signal.SIGKILL), "killed by SIGKILL")],
)
def test_a_child_that_dies_without_an_answer_is_named(end: Any, said: str) -> None:
    worker = Forked(end)
    with pytest.raises(WorkerFailed, match=f"ended without an answer \\({said}\\)"):
        worker.result()


def test_stop_kills_a_child_still_working_and_reaps_it() -> None:
    worker = Forked(lambda: time.sleep(60))
    pid = worker.pid
    assert pid is not None
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 10 and _gone(pid)
    worker.stop()  # twice is harmless


def test_a_failing_worker_fails_validate_and_leaves_no_child(tmp_path: Path, monkeypatch: Any) -> None:
    import newsclaims.validation.stream as stream
    from newsclaims.synth import synthesize
    from newsclaims.validation import check as validate

    synthesize(30, tmp_path / "repo", seed=3)
    parent, real = os.getpid(), stream.check_units

    def check_units(*args: Any) -> Any:
        if os.getpid() != parent:
            raise MemoryError("the worker ran out")
        return real(*args)

    pids: list[int] = []

    class Recorded(Forked[Any]):
        def __init__(self, work: Any) -> None:
            super().__init__(work)
            assert self.pid is not None
            pids.append(self.pid)

    monkeypatch.setattr(stream, "check_units", check_units)
    monkeypatch.setattr(stream, "Forked", Recorded)
    with pytest.raises(WorkerFailed, match="MemoryError: the worker ran out"):
        validate(tmp_path / "repo", corpus=False, jobs=3)
    assert len(pids) == 2 and all(map(_gone, pids))  # neither worker is left, running or not
