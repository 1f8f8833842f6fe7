"""scripts/bench.py --brat runs end to end on a tiny brat corpus (its figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

pytestmark = pytest.mark.benchmark


def test_bench_brat_imports_validates_and_measures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "bench.py"), "--brat", "12", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    row = json.loads((tmp_path / "brat.json").read_text())["row"]
    assert row["documents"] == 12 and row["ann_files"] == 12 + 2 * 3  # a2 and a3 on every fifth page
    for step in ("import", "import_again", "validate", "agreement"):
        assert row[step]["exit_and_last_line"][0] == 0, row[step]
    assert "12 new seed(s)" in row["import"]["exit_and_last_line"][1][0]
    assert "0 new seed(s), 0 annotator file(s) written" in row["import_again"]["exit_and_last_line"][1][0]
    assert "| import |" in (tmp_path / "brat.md").read_text()
