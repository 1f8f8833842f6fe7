"""The benchmark script runs end to end on a tiny corpus (its figures are not asserted: not a timed test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT


def test_bench_runs_on_a_tiny_corpus_and_finds_every_injected_error(tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "bench.py"
    done = subprocess.run(
        [sys.executable, str(script), "--sizes", "25", "--errors", "1", "--repeat", "2", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "results.json").read_text())
    (row,) = result["rows"]
    assert row["documents"] == 25 and row["injected_errors"] == 5
    assert row["validate"]["extra"] == 5  # every injected error reported, nothing else
    # The command prints the same five, one line each; its peak is its own, not this step's
    # few MB (the command imports pydantic, numpy and jsonschema-rs).
    assert row["validate_command"]["extra"] == 5
    assert row["validate_command"]["peak_mb"] > 2 * row["floor"]["peak_mb"]
    assert row["load_dataset"]["extra"] > 25
    assert "| 25 |" in (tmp_path / "results.md").read_text()
    # Repeated steps keep their fastest run and list every run; build runs once.
    assert len(row["validate"]["all_seconds"]) == 2 and row["validate"]["seconds"] == min(
        row["validate"]["all_seconds"]
    )
    assert len(row["build"]["all_seconds"]) == 1 and row["validate"]["setup_seconds"] > 0


def test_a_step_reports_its_own_peak_memory_not_the_bench_process_peak(tmp_path: Path) -> None:
    # Linux carries ru_maxrss across fork and exec: the floor of a 10^5-page run once reported
    # the 349 MB the bench itself had reached while writing the corpora.
    import importlib.util

    from newsclaims.synth import synthesize

    spec = importlib.util.spec_from_file_location("bench", REPO_ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    synthesize(5, tmp_path / "repo", seed=2)
    ballast = bytearray(400 * 2**20)
    ballast[:: 1 << 12] = b"\x01" * len(range(0, len(ballast), 1 << 12))  # resident, not just reserved
    step = bench.run_step("floor", tmp_path / "repo", tmp_path / "out")
    assert 0 < step["peak_mb"] < 200, step
    del ballast
