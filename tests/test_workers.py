"""Work in forked worker processes: answers in order, failures named, no worker left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from newsclaims.core.workers import WorkerFailed, forked_pool

_shared: dict[str, str] = {}


def _install(value: str) -> None:
    _shared["made"] = value


def _answer(n: int) -> tuple[int, int, str]:
    return n, os.getpid(), _shared.get("made", "nothing")


def _raise(n: int) -> None:
    raise ValueError(f"record {n} is odd")


def _die(how: str) -> None:
    if how == "exit":
        os._exit(3)
    os.kill(os.getpid(), signal.SIGKILL)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _children() -> set[int]:
    """This process's child processes, zombies included (Linux: /proc/<pid>/task/<tid>/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def test_answers_come_from_workers_in_order_with_what_the_initializer_set() -> None:
    before = _children()
    with forked_pool(2, _install, ("before the fork",)) as pool:
        answers = list(pool.map(_answer, range(20)))
    assert [n for n, _, _ in answers] == list(range(20))
    assert {pid for _, pid, _ in answers} - {os.getpid()} == {pid for _, pid, _ in answers}
    assert {made for _, _, made in answers} == {"before the fork"}
    assert _children() == before  # every worker reaped when the block ends


def test_a_tasks_exception_reaches_the_parent_with_its_traceback() -> None:
    with pytest.raises(ValueError, match="record 3 is odd") as err, forked_pool(2) as pool:
        list(pool.map(_raise, [3]))
    assert "_raise" in str(err.value.__cause__)  # the worker's traceback, as text


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_a_worker_that_dies_without_an_answer_is_a_failure_not_a_hang(how: str) -> None:
    before = _children()
    started = time.monotonic()
    with pytest.raises(WorkerFailed, match="ended without an answer"), forked_pool(2) as pool:
        list(pool.map(_die, [how]))
    assert time.monotonic() - started < 30
    assert _children() == before


def test_leaving_the_block_early_cancels_waiting_work() -> None:
    started = time.monotonic()
    with pytest.raises(KeyError), forked_pool(2) as pool:
        pool.map(_sleep, [0.2] * 200)
        raise KeyError("stop")
    # 200 sleeps of 0.2 s over 2 workers would take 20 s; cancelled, only the running ones finish.
    assert time.monotonic() - started < 10


def test_a_failing_worker_fails_validate_and_leaves_no_child(tmp_path: Path, monkeypatch: Any) -> None:
    import newsclaims.validation.stream as stream
    from newsclaims import validate
    from newsclaims.synth import synthesize

    synthesize(30, tmp_path / "repo", seed=3)
    parent, real = os.getpid(), stream.check_units

    def check_units(*args: Any) -> Any:
        if os.getpid() != parent:
            raise MemoryError("the worker ran out")
        return real(*args)

    monkeypatch.setattr(stream, "check_units", check_units)
    before = _children()
    with pytest.raises(MemoryError, match="the worker ran out"):
        validate(tmp_path / "repo", corpus=False, jobs=3)
    assert _children() == before  # no worker is left, running or not


def _square(n: int) -> int:
    return n * n


def test_a_windowed_map_hands_out_no_more_than_its_window() -> None:
    """Answers in order, and never more than ``window`` items submitted and not yet taken back:
    a slow caller does not make the answers of the whole input wait in memory."""
    from newsclaims.core.workers import map_in_window

    read = 0

    def items() -> Any:
        nonlocal read
        for n in range(40):
            read += 1
            yield n

    taken = 0
    ahead: list[int] = []
    with forked_pool(2) as pool:
        for answer in map_in_window(pool, _square, items(), 3):
            assert answer == taken * taken
            taken += 1
            ahead.append(read - taken)
            time.sleep(0.002)  # a caller slower than the workers
    assert taken == 40
    assert max(ahead) == 3  # the window: with Executor.map, all 40 are read before the first answer
    assert max(ahead) >= 1  # items are handed out ahead of the caller, not one at a time


def test_a_windowed_map_raises_a_tasks_exception() -> None:
    from newsclaims.core.workers import map_in_window

    with pytest.raises(ValueError, match="record 5 is odd"), forked_pool(2) as pool:
        list(map_in_window(pool, _raise, [5], 2))
