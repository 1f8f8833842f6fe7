"""Ray Data as the engine: a dataset of items, a task per batch on Ray's workers, the
answers streamed back to the driver in order.

Why these choices (docs/engines.md says more):

- Tasks, with the state every batch needs (the index of the repository, the entity
  registry) sent once through the object store and made once per worker process
  (``_map_batch``), as ``core/workers.py`` makes it once per forked process. Not an actor
  pool: Ray keeps its worker processes (and their imports: pyarrow, spaCy) from one run to
  the next, while an actor pool starts new processes for every run, seconds each.
- ``preserve_order``: the build writes rows in doc_id order into fixed-size row groups, so
  the chunks must come back in the order they were sent, whatever worker finished first.
- The items are split into blocks of a few batches each: a block is Ray Data's unit of
  scheduling, and one block per batch would cost a round-trip per 64 documents.
- A local engine listens on 127.0.0.1 only: Ray binds its servers to the node's address,
  and on a single machine the node's address is loopback only when told so
  (``LOOPBACK_ONLY``), as Ray does by itself on macOS and Windows.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pyarrow as pa

from newsclaims.engines.base import BatchFunction, EngineFailed

S = TypeVar("S")

# Read by Ray when it is imported (ray_constants.ENABLE_RAY_CLUSTER): "0" makes a single
# machine's Ray use 127.0.0.1 as its address, as on macOS and Windows.
LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# Batches per block of items (see the module's docstring).
BLOCK_BATCHES = 4
# How long an address given for a cluster has to answer (``_probed``).
CONNECT_SECONDS = 5.0


# The batch function of the latest shared state this worker process was sent: (its key, the function).
_made: tuple[str, BatchFunction] | None = None


def _map_batch(batch: pa.Table, setup: Callable[[Any], BatchFunction], shared: list[Any]) -> pa.Table:
    """A Ray task: one batch (a table of one binary column, ``item``) to its answer.

    The shared state comes as a reference in a list, put in the object store once by the driver
    (Ray leaves a nested reference alone): a worker process fetches it and makes the batch
    function the first time it sees it, and keeps that for the next batches. Tasks, not actors:
    Ray keeps its worker processes from one run to the next, an actor pool starts new ones
    (seconds each, with the imports) for every run.
    """
    import ray

    global _made
    key = f"{setup.__module__}.{setup.__qualname__}:{shared[0].hex()}"
    if _made is None or _made[0] != key:
        _made = (key, setup(ray.get(shared[0])))
    answer = _made[1](batch.column("item").to_pylist())
    return pa.table({"answer": pa.array([answer], pa.large_binary())})


@dataclass(frozen=True)
class RayEngine:
    """A Ray cluster this process is connected to (``running``)."""

    workers: int
    name: str = "ray"

    def map_batches(
        self, items: Sequence[bytes], setup: Callable[[S], BatchFunction], shared: S, batch_size: int
    ) -> Iterator[bytes]:
        import ray
        import ray.data

        if not items:
            return
        # Blocks of a few batches; smaller ones for a small run, so that every worker has some.
        per_block = max(1, min(batch_size * BLOCK_BATCHES, -(-len(items) // (2 * self.workers))))
        batch_size = min(batch_size, per_block)
        blocks = [
            pa.table({"item": pa.array(items[i : i + per_block], pa.large_binary())})
            for i in range(0, len(items), per_block)
        ]
        answers = ray.data.from_arrow(blocks).map_batches(
            _map_batch,  # type: ignore[arg-type]  # fn_args give its other two parameters
            fn_args=(setup, [ray.put(shared)]),
            batch_size=batch_size,
            batch_format="pyarrow",
        )
        try:
            for table in answers.iter_batches(batch_size=None, batch_format="pyarrow"):
                yield from cast(pa.Table, table).column("answer").to_pylist()
        except Exception as e:  # a worker's exception, a worker lost, the cluster gone: one line
            raise EngineFailed(f"the Ray engine failed: {_reason(e)}") from e


# A line of a traceback that names an exception: ``module.Name: message``.
_RAISED = re.compile(r"([A-Za-z_][\w.]*(?:Error|Exception)): (.+)")


def _reason(e: BaseException) -> str:
    """What went wrong, in one line: the innermost cause of an engine's exception. A worker's
    exception reaches the driver as the text of its traceback inside Ray's own (the object is
    not sent back), so the first exception named there that is not Ray's is the one."""
    chain = [e]
    while True:
        inner = getattr(chain[-1], "cause", None) or chain[-1].__cause__
        if not isinstance(inner, BaseException) or inner in chain:
            break
        chain.append(inner)
    for outer in chain:
        for line in str(outer).splitlines():
            raised = _RAISED.fullmatch(line.strip())
            if raised and not raised.group(1).startswith("ray."):
                return f"{raised.group(1).rsplit('.', 1)[-1]}: {raised.group(2)}"
    lines = [line.strip() for line in str(chain[-1]).splitlines() if line.strip()]
    return f"{type(chain[-1]).__name__}: {lines[-1] if lines else ''}"


def _loopback_only() -> None:
    """Ray on this machine at 127.0.0.1: the switch, for the processes Ray starts (which read it
    when they import Ray) and for this one, which may have imported Ray already."""
    os.environ[LOOPBACK_ONLY] = "0"
    if "ray" in sys.modules:
        constants = importlib.import_module("ray._private.ray_constants")
        constants.ENABLE_RAY_CLUSTER = False  # type: ignore[attr-defined]  # untyped module of Ray


def _loopback(address: str) -> bool:
    host = address.removeprefix("ray://").rpartition(":")[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def _probed(address: str) -> str:
    """Refuse in one line, after ``CONNECT_SECONDS``, an address where nothing answers: Ray
    itself would try again and again for minutes. ``auto`` (the cluster this machine is a
    node of) is Ray's to find."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host:
        return address
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS):
            pass
    except (OSError, ValueError) as e:
        reason = (e.strerror if isinstance(e, OSError) else None) or str(e) or type(e).__name__
        raise EngineFailed(f"no Ray cluster answers at {address}: {reason}") from e
    return address


@contextmanager
def running(address: str | None = None, workers: int | None = None) -> Iterator[RayEngine]:
    """A Ray engine for the block: joined when this process has one, or at ``address`` (or
    ``$RAY_ADDRESS``), else started on 127.0.0.1 with ``workers`` CPUs and stopped after."""
    target = address or os.environ.get("RAY_ADDRESS") or None
    if target is None or _loopback(target):
        # Also when joining a cluster on 127.0.0.1: Ray would otherwise turn that address into
        # the machine's network address, where a local engine does not listen.
        _loopback_only()
    import ray
    import ray.data

    owned = not ray.is_initialized()
    if owned:
        quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
        try:
            if target is None:
                ray.init(address="local", num_cpus=workers or os.cpu_count(), include_dashboard=False, **quiet)
            else:
                ray.init(address=_probed(target), **quiet)
        except EngineFailed:
            raise
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise EngineFailed(f"could not {'start' if target is None else 'join'} Ray: {_reason(e)}") from e
        # Ray Data's progress lines, notices and errors (with their traceback) would fill a
        # command's output, which says what failed in one line: its log file keeps them all.
        for handler in logging.getLogger("ray.data").handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                handler.setLevel(logging.CRITICAL + 1)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    try:
        cpus = ray.cluster_resources().get("CPU", 1)  # type: ignore[no-untyped-call]  # ray leaves it untyped
        yield RayEngine(max(1, int(cpus)))
    finally:
        if owned:
            ray.shutdown()
