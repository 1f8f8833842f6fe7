"""scripts/bench.py --engine runs end to end on a tiny corpus (its figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

pytestmark = pytest.mark.benchmark


def test_bench_engine_measures_both_paths_and_finds_the_same_bytes(tmp_path: Path) -> None:
    bench = [sys.executable, str(REPO_ROOT / "scripts" / "bench.py")]
    done = subprocess.run(
        [*bench, "--engine", "40", "--repeat", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "engine.json").read_text())
    (row,) = result["rows"]
    assert row["documents"] == 40 and row["same_bytes"] is True
    for step in ("validate_local", "validate_engine", "validate_engine_started", "build_local", "build_engine"):
        assert row[step]["exit_and_last_line"][0] == 0, row[step]
    assert row["validate_breakdown"]["problems"] == 0
    assert "| 40 | build_engine |" in (tmp_path / "engine.md").read_text()
