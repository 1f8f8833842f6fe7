"""The per-document work of ``validate`` and ``build`` on a distributed engine (docs/engines.md).

The driver (this process) reads the manifest and the registries, runs every rule that needs
more than one document and writes the corpus; the engine's workers read each document's
files and check it, or make its rows. Ray Data is the engine (``raydata.py``); Apache Spark
is named only to say so. Nothing here imports the engine until one is started, so that
``newsclaims validate`` without ``--engine`` never pays for it (tests/test_install.py).

    with started("ray") as engine:            # a local Ray on 127.0.0.1, or $RAY_ADDRESS's cluster
        problems = newsclaims.validate(root, engine=engine)
        release = newsclaims.engines.building.build_on(engine, root)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from newsclaims.core.extras import require
from newsclaims.engines.base import Engine, EngineFailed, UnsupportedEngine

# What --engine accepts: the engine newsclaims runs on, then those it only names (UnsupportedEngine).
ENGINES = ("ray", "spark")
SUPPORTED = {"ray": "ray"}  # engine -> the extra that installs it


@contextmanager
def started(name: str, address: str | None = None, workers: int | None = None) -> Iterator[Engine]:
    """The engine ``name``, started for the block and stopped after (or joined, and left running).

    ``address``: a running cluster to join (Ray: ``auto``, ``ray://HOST:10001``, ``HOST:6379``);
    without it, ``$RAY_ADDRESS`` when set, else a local one on 127.0.0.1 with ``workers`` CPUs
    (default: every CPU). An engine already running in this process is joined and left running.
    Raises ``MissingExtra`` when its extra is not installed, ``UnsupportedEngine`` for a name
    newsclaims does not run on, ``EngineFailed`` when it cannot start or be reached.
    """
    extra = SUPPORTED.get(name)
    if extra is None:
        raise UnsupportedEngine(name, "ray")
    require(extra, "ray", "pyarrow")
    from newsclaims.engines.raydata import running

    with running(address, workers) as engine:
        yield engine


__all__ = ["ENGINES", "Engine", "EngineFailed", "UnsupportedEngine", "started"]
