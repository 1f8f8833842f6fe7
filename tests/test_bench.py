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
    assert row["load_dataset"]["extra"] > 25
    assert "| 25 |" in (tmp_path / "results.md").read_text()
    # Repeated steps keep their fastest run and list every run; build runs once.
    assert len(row["validate"]["all_seconds"]) == 2 and row["validate"]["seconds"] == min(
        row["validate"]["all_seconds"]
    )
    assert len(row["build"]["all_seconds"]) == 1 and row["validate"]["setup_seconds"] > 0
