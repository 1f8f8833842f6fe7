"""``scripts/bench.py --incremental`` end to end on a tiny repository (its times are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

pytestmark = pytest.mark.benchmark


def test_incremental_case_runs_and_makes_what_it_says(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "bench.py"), "--incremental", "30", "--out", str(out),
         "--work", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads((out / "incremental.json").read_text(encoding="utf-8"))["rows"]

    def last_line(step: str) -> str:
        code, lines = row[step]["exit_and_last_line"]
        return f"{code} {lines[0]}"

    assert "rows of all 30 document(s) made" in last_line("build_from_scratch")
    assert "rows of 0 of 30 document(s) made" in last_line("build_nothing_changed")
    assert "rows of 1 of 30 document(s) made" in last_line("build_one_page_changed")
    assert last_line("validate_inputs_only").startswith("0 ")
    assert f":{row['changed']}:documents: NC601 " in last_line("validate_one_page_changed")
    assert "| 30 | validate_one_page_changed |" in (out / "incremental.md").read_text(encoding="utf-8")
