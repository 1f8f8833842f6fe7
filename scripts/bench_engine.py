"""Benchmark case ``--engine SIZES``: validate and build, locally and on Ray Data (``--engine ray``).

    .venv/bin/python scripts/bench.py --engine 2000,20000

For each size, on the clean synthetic repository of that size (``newsclaims.synth``, seeded by
the size, as every case of bench.py), each command as a user runs it, in a fresh process:

- floor: bench.py's parsing floor as a command (read every seed and gold file, parse the JSON);
- validate: ``newsclaims validate --inputs-only``, locally, then on the engine;
- build: ``newsclaims build --no-cache`` (every row made, none cached, as on the engine), then
  on the engine;
- the engine commands join a local Ray engine the bench starts once (2 CPUs on this machine,
  127.0.0.1) and stops at the end, so that their figures leave out the engine's start-up,
  which is measured apart: a command that starts a local engine and stops it, doing nothing,
  and ``validate --engine ray`` without an address (what a user who types it waits for);
- breakdown: the engine build in one process with the driver's parts timed: loading the
  manifest and registries, writing the parquet files (the sinks), and the rest, which is
  waiting for the workers' rows (and the card); its memory at three points and its peak are
  the driver's; and validate in one process, the engine's part timed apart from the driver's.

The engine build's files are compared with the local build's, byte for byte. One run of each
build, the fastest of ``--repeat`` runs (3) of each other command, on a machine shared with other work:
the load average before and after is recorded with the figures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE = ".newsclaims-cache"  # build's rows cache in the repository (corpus/cache.py)

# A local engine kept running for the joined commands: prints its address, stops at end of input.
SERVER = """
import sys
from newsclaims.engines import started
import ray
with started("ray"):
    print(ray.get_runtime_context().gcs_address, flush=True)
    sys.stdin.read()
"""
START_STOP = "from newsclaims.engines import started\nwith started('ray'):\n    pass\n"

# The engine build in one process, its driver's parts timed (prints one JSON line).
BREAKDOWN = """
import json, sys, time
from pathlib import Path
import newsclaims.corpus.build as build
from newsclaims.engines import started
from newsclaims.engines.building import write_corpus_on

REPO, OUT, ADDRESS = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
spent = {"write": 0.0, "load": 0.0}
marks = {}
Sink, load, registry_rows = build._ParquetSink, build.Repository.load, build.registry_rows


def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024


class TimedSink(Sink):
    def add(self, table):
        t = time.perf_counter()
        super().add(table)
        spent["write"] += time.perf_counter() - t

    def close(self):
        t = time.perf_counter()
        super().close()
        spent["write"] += time.perf_counter() - t


def timed_load(*args, **kwargs):
    t = time.perf_counter()
    try:
        return load(*args, **kwargs)
    finally:
        spent["load"] += time.perf_counter() - t
        marks["rss_after_load_mb"] = rss()


def marked_registry_rows(*args):
    # Called once every chunk is in: what the driver holds then (links, fingerprints, summary).
    marks["rss_after_rows_mb"] = rss()
    return registry_rows(*args)


# The driver's half of the engine build is corpus.build.write_corpus: its writer, its loading
# of the manifest and registries, and its registry rows, timed where they are looked up.
build._ParquetSink = TimedSink
build.Repository.load = timed_load
build.registry_rows = marked_registry_rows
with started("ray", ADDRESS) as engine:
    marks["rss_joined_mb"] = rss()
    t = time.perf_counter()
    write_corpus_on(engine, REPO, OUT)
    total = time.perf_counter() - t
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
print(json.dumps({
    "seconds": total,
    "load_seconds": spent["load"],
    "write_seconds": spent["write"],
    "rows_and_rest_seconds": total - spent["load"] - spent["write"],
    "driver_peak_mb": peak,
    **marks,
}))
"""

# Validate on the engine in one process, the runner (the engine's part, the units pickled and
# the answers merged) timed apart from the driver's own part (index, listing, duplicates).
VALIDATE_BREAKDOWN = """
import json, sys, time
from pathlib import Path
import newsclaims.engines.checking as checking
from newsclaims import validate
from newsclaims.engines import started

REPO, ADDRESS = Path(sys.argv[1]), sys.argv[2]
spent = {"runner": 0.0}
unit_runner = checking.unit_runner


def timed_unit_runner(engine):
    run = unit_runner(engine)

    def timed(*args):
        t = time.perf_counter()
        try:
            return run(*args)
        finally:
            spent["runner"] += time.perf_counter() - t

    return timed


checking.unit_runner = timed_unit_runner
with started("ray", ADDRESS) as engine:
    t = time.perf_counter()
    found = validate(REPO, corpus=False, engine=engine)
    total = time.perf_counter() - t
print(json.dumps({"seconds": total, "runner_seconds": spent["runner"], "driver_seconds": total - spent["runner"],
                  "problems": len(found)}))
"""


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def engine_server() -> Iterator[str]:
    """A local Ray engine in a child process of this bench, for the block: its address."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        address = server.stdout.readline().strip()
        if not address:
            raise RuntimeError("the engine server did not start")
        # Ray's token authentication, on by default: a process joining the engine must say so
        # (the token is Ray's, in ~/.ray/auth_token, which the engine wrote when it started).
        os.environ["RAY_AUTH_MODE"] = "token"
        yield address
    finally:
        os.environ.pop("RAY_AUTH_MODE", None)
        assert server.stdin is not None
        server.stdin.close()  # it leaves its `with` block: ray.shutdown()
        server.wait(timeout=120)


def no_cache(exe: str) -> list[str]:
    """``--no-cache`` where build has a row cache: every row made, none written."""
    usage = subprocess.run([exe, "build", "--help"], capture_output=True, text=True).stdout
    return ["--no-cache"] if "--no-cache" in usage else []


def _data(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def bench_engine(
    sizes: list[int],
    work: Path,
    synthesized: Callable[[Path, str, int], Path],
    run_step: Callable[[str, Path, Path], dict[str, float]],
    run_command: Callable[[str, list[str], Path, Path], dict[str, object]],
    repeat: int = 3,
) -> dict[str, Any]:
    exe = str(Path(sys.executable).parent / "newsclaims")
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average_before": load_average(),
        "repeat": repeat,
    }
    python = [sys.executable, "-c"]

    def best(step: str, command: list[str], repo: Path) -> dict[str, object]:
        runs = [run_command(step, command, repo, work) for _ in range(repeat)]
        return min(runs, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]

    rows = []
    result["workers"] = os.cpu_count()  # the local engine's: one per CPU
    with engine_server() as address:
        joined = ["--engine", "ray", "--engine-address", address]
        result["engine_start_stop"] = best("engine_start_stop", [*python, START_STOP], work)
        for n in sizes:
            repo = synthesized(work, "clean", n)
            row: dict[str, Any] = {"documents": n}
            row["floor"] = round(
                min(run_step("floor_command", repo, work / "unused")["seconds"] for _ in range(repeat)), 3
            )
            validate = [exe, "validate", "--inputs-only", str(repo)]
            row["validate_local"] = best("validate_local", validate, repo)
            row["validate_engine"] = best("validate_engine", [*validate, *joined], repo)
            row["validate_engine_started"] = run_command(
                "validate_engine_started", [*validate, "--engine", "ray"], repo, work
            )
            local_out, engine_out = work / f"local-{n}", work / f"engine-{n}"
            shutil.rmtree(repo / CACHE, ignore_errors=True)  # every row made
            build = [exe, "build", "--root", str(repo)]
            # Like the engine's build, the local one neither reads nor writes the row cache.
            local = [*build, "--out", str(local_out), *no_cache(exe)]
            row["build_local"] = run_command("build_local", local, repo, work)
            shutil.rmtree(repo / CACHE, ignore_errors=True)
            row["build_engine"] = run_command("build_engine", [*build, "--out", str(engine_out), *joined], repo, work)
            row["same_bytes"] = _data(local_out) == _data(engine_out)
            if row["build_engine"]["exit_and_last_line"][0] != 0:  # type: ignore[index]
                raise RuntimeError(f"the engine build failed: {row['build_engine']}")
            breakdown_out = work / f"breakdown-{n}"
            done = subprocess.run(
                [*python, BREAKDOWN, str(repo), str(breakdown_out), address],
                capture_output=True,
                text=True,
                check=True,
            )
            row["breakdown"] = {k: round(v, 2) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}
            runs = []
            for _ in range(repeat):
                done = subprocess.run(
                    [*python, VALIDATE_BREAKDOWN, str(repo), address], capture_output=True, text=True, check=True
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            fastest = min(runs, key=lambda r: float(r["seconds"]))
            row["validate_breakdown"] = {k: round(v, 3) for k, v in fastest.items()}
            for folder in (local_out, engine_out, breakdown_out):
                shutil.rmtree(folder, ignore_errors=True)
            rows.append(row)
    result["rows"] = rows
    result["load_average_after"] = load_average()
    return result


def rates(result: dict[str, Any]) -> dict[str, float]:
    """Per-page costs and fixed costs, from the two largest sizes (docs/engines.md's model):
    seconds per page (or MB per page) between them, and what is left at the smaller size."""
    small, large = sorted(result["rows"], key=lambda r: r["documents"])[-2:]
    pages = large["documents"] - small["documents"]

    def slope(get: Callable[[dict[str, Any]], float]) -> float:
        return (get(large) - get(small)) / pages

    workers = float(result.get("workers", 2))
    runner = slope(lambda r: float(r["validate_breakdown"]["runner_seconds"]))
    rows = slope(lambda r: float(r["breakdown"]["rows_and_rest_seconds"]))
    command = slope(lambda r: _s(r["validate_engine"]))
    build = slope(lambda r: _s(r["build_engine"]))
    return {
        "workers": workers,
        # validate: the workers' check (both busy), the driver's own part
        "check_per_page_per_worker": runner * workers,
        "validate_driver_per_page": float(large["validate_breakdown"]["driver_seconds"]) / large["documents"],
        "validate_fixed": _s(small["validate_engine"]) - command * small["documents"],
        # build: the workers' rows, the driver's loading and writing
        "rows_per_page_per_worker": rows * workers,
        "load_per_page": float(large["breakdown"]["load_seconds"]) / large["documents"],
        "write_per_page": float(large["breakdown"]["write_seconds"]) / large["documents"],
        "build_fixed": _s(small["build_engine"]) - build * small["documents"],
        "start_stop": _s(result["engine_start_stop"]),
        # the driver's memory
        "mb_joined": float(large["breakdown"]["rss_joined_mb"]),
        "mb_per_page_loaded": slope(lambda r: float(r["breakdown"]["rss_after_load_mb"])),
        "mb_per_page_chunks": slope(
            lambda r: float(r["breakdown"]["rss_after_rows_mb"]) - float(r["breakdown"]["rss_after_load_mb"])
        ),
    }


def estimate(r: dict[str, float], pages: float, workers: float) -> dict[str, float]:
    """Seconds of validate and build, and the driver's MB, at ``pages`` on ``workers``."""
    validate = r["validate_fixed"] + pages * (r["validate_driver_per_page"] + r["check_per_page_per_worker"] / workers)
    rows = max(pages * r["rows_per_page_per_worker"] / workers, pages * r["write_per_page"])
    build = r["build_fixed"] + validate + pages * r["load_per_page"] + rows
    memory = r["mb_joined"] + pages * (r["mb_per_page_loaded"] + r["mb_per_page_chunks"])
    return {"validate": validate, "build": build, "driver_mb": memory}


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _s(step: dict[str, Any]) -> float:
    return float(step["seconds"])


def engine_markdown(result: dict[str, Any]) -> str:
    m: dict[str, str] = result["machine"]
    start = result["engine_start_stop"]
    lines = [
        "# Benchmark: validate and build on Ray Data (issue #22, item 4)",
        "",
        "Written by `scripts/bench.py --engine SIZES` (the code is scripts/bench_engine.py); do not edit. "
        "Clean synthetic repositories (`newsclaims synth`, seeded by the size). Each step is a command in a fresh "
        "process, start-up included; `x floor` is its time over the parsing floor as a command (read and parse "
        "every seed and gold file) measured in the same run. The engine commands join a local Ray engine started "
        "once by the bench (127.0.0.1, one worker per CPU); starting and stopping one is measured apart. Validate "
        f"and the floor: the fastest of {result.get('repeat', 3)} runs; builds: one run, the local one with "
        "`--no-cache` (every row made, none cached, as on the engine). peak MB is the command's own process (the "
        "driver), not Ray's workers.",
        f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, {m['platform']}; shared with other "
        f"work (load average {result['load_average_before']} before, {result['load_average_after']} after): the "
        "times are indicative.",
        "",
        f"Starting and stopping a local engine, doing nothing (a command): {start['seconds']} s.",
        "",
        "| pages | step | seconds | x floor | pages/s | peak MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        n, floor = row["documents"], row["floor"]
        lines.append(f"| {n:,} | floor (command) | {floor} | 1.0 | {n / floor:,.0f} | |")
        for step in (
            "validate_local",
            "validate_engine",
            "validate_engine_started",
            "build_local",
            "build_engine",
        ):
            s = row[step]
            lines.append(
                f"| {n:,} | {step} | {s['seconds']} | {_s(s) / floor:.1f} | {n / _s(s):,.0f} | {s['peak_mb']} |"
            )
    lines += [
        "",
        "`validate_engine_started` is `validate --inputs-only --engine ray` with no address: it starts a local "
        "engine and stops it, as a user typing it waits for.",
        "",
        "## The engine build, its driver's parts",
        "",
        "The engine build in one process joined to the same engine: the driver's time loading the manifest and "
        "registries, writing the parquet files (the local build's sinks: Arrow to zstd parquet), and the rest "
        "(waiting for the workers' rows, the registry rows, the card); its peak memory.",
        "",
        "| pages | total s | load s | write s | rows and rest s | driver peak MB | same bytes as local |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in result["rows"]:
        b = row["breakdown"]
        lines.append(
            f"| {row['documents']:,} | {b['seconds']} | {b['load_seconds']} | {b['write_seconds']} | "
            f"{b['rows_and_rest_seconds']} | {b['driver_peak_mb']:.0f} | {'yes' if row['same_bytes'] else 'NO'} |"
        )
    lines += [
        "",
        "The driver's resident memory (MB) at three points of that build: joined to the engine (Ray and the "
        "build's modules imported), the manifest and registries loaded, every chunk written (the links to the "
        "registries, the fingerprints and the card's summary held, before the registry rows).",
        "",
        "| pages | joined | loaded | all chunks in | peak |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        b = row["breakdown"]
        lines.append(
            f"| {row['documents']:,} | {b['rss_joined_mb']:.0f} | {b['rss_after_load_mb']:.0f} | "
            f"{b['rss_after_rows_mb']:.0f} | {b['driver_peak_mb']:.0f} |"
        )
    lines += [
        "",
        "## Validate on the engine, the driver's part",
        "",
        f"`validate(root, engine=...)` in one process joined to the engine (the fastest of {result.get('repeat', 3)}): "
        "the runner (the units "
        "pickled, checked on the workers, the answers merged) and the rest, the driver's own part (the index of "
        "the manifest and registries, the listing of `seeds/`, the duplicate-bytes merge).",
        "",
        "| pages | total s | runner s | driver s | problems |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        v = row["validate_breakdown"]
        lines.append(
            f"| {row['documents']:,} | {v['seconds']} | {v['runner_seconds']} | {v['driver_seconds']} | "
            f"{v['problems']:.0f} |"
        )
    if len(result["rows"]) < 2:  # the per-page costs are slopes between two sizes
        return "\n".join(lines) + "\n"
    r = rates(result)
    lines += [
        "",
        "## Per-page costs, and what they give at 10^6 and 10^8 pages",
        "",
        "Between the two largest sizes (docs/engines.md explains the model): the workers' cost per page per worker "
        f"({r['workers']:.0f} workers here, both busy), the driver's per page, the fixed costs of a command joining "
        "the engine, and the driver's memory per page. The estimate assumes workers as fast as these, a shared "
        "filesystem as fast as this disk, and a driver that holds what it holds here.",
        "",
        "| | value |",
        "|---|---:|",
        f"| validate: check, per page per worker | {r['check_per_page_per_worker'] * 1e6:.0f} µs |",
        f"| validate: driver's own part, per page | {r['validate_driver_per_page'] * 1e6:.1f} µs |",
        f"| validate: fixed (joining, the job's workers started) | {r['validate_fixed']:.1f} s |",
        f"| build: rows, per page per worker | {r['rows_per_page_per_worker'] * 1e3:.2f} ms |",
        f"| build: driver loading the manifest and registries, per page | {r['load_per_page'] * 1e6:.0f} µs |",
        f"| build: driver writing parquet, per page | {r['write_per_page'] * 1e3:.2f} ms |",
        f"| build: fixed | {r['build_fixed']:.1f} s |",
        f"| starting and stopping a local engine | {r['start_stop']:.1f} s |",
        f"| driver memory: joined | {r['mb_joined']:.0f} MB |",
        f"| driver memory: manifest and registries, per page | {r['mb_per_page_loaded'] * 1024:.1f} KB |",
        f"| driver memory: what the chunks leave, per page | {r['mb_per_page_chunks'] * 1024:.1f} KB |",
        "",
        "| pages | workers | validate | build | driver memory |",
        "|---:|---:|---:|---:|---:|",
    ]
    for pages in (1e6, 1e8):
        for workers in (2, 16, 64):
            e = estimate(r, pages, workers)
            lines.append(
                f"| 10^{len(str(int(pages))) - 1} | {workers} | {_duration(e['validate'])} | "
                f"{_duration(e['build'])} | {e['driver_mb'] / 1024:,.1f} GB |"
            )
    return "\n".join(lines) + "\n"
