"""The benchmark script runs end to end on a tiny corpus (its figures are not asserted: not a timed test)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT


def _bench_module() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench", REPO_ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


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
    assert row["validate_command_default"]["extra"] == 5  # no corpus/: the same problems, no build stack
    assert row["floor_command"]["seconds"] > 0
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
    from newsclaims.synth import synthesize

    bench = _bench_module()
    synthesize(5, tmp_path / "repo", seed=2)
    ballast = bytearray(400 * 2**20)
    ballast[:: 1 << 12] = b"\x01" * len(range(0, len(ballast), 1 << 12))  # resident, not just reserved
    step = bench.run_step("floor", tmp_path / "repo", tmp_path / "out")
    assert 0 < step["peak_mb"] < 200, step
    del ballast


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (apt: valgrind)")
def test_instructions_grow_with_the_documents_read(tmp_path: Path) -> None:
    from newsclaims.synth import synthesize

    bench = _bench_module()
    counted = []
    for n in (2, 40):
        synthesize(n, tmp_path / f"repo-{n}", seed=1)
        counted.append(bench.instructions("floor", tmp_path / f"repo-{n}", tmp_path / "out"))
    # 38 pages more to read and parse: well over the ~1% two runs of the same code differ by.
    assert 1.02 * counted[0] < counted[1], counted


def test_work_per_document_is_reported_between_consecutive_sizes() -> None:
    bench = _bench_module()
    result = {
        "machine": {"cpus": "2", "processor": "x", "python": "3.11", "platform": "p"},
        "repeat": 1,
        "rows": [],
        "instructions": [
            {"documents": 100, "instructions": 1_000_000_000},
            {"documents": 1100, "instructions": 2_000_000_000},
            {"documents": 11100, "instructions": 12_500_000_000},
        ],
    }
    (line,) = [x for x in bench.markdown(result).splitlines() if x.startswith("- **Work per document**")]
    assert "100 → 1100: 1.000M; 1100 → 11100: 1.050M; the last is +5.0% on the first." in line


def test_the_rounds_case_runs_every_round_command_to_success(tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "bench.py"
    done = subprocess.run(
        [sys.executable, str(script), "--rounds", "6,30", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    row = json.loads((tmp_path / "rounds.json").read_text())["row"]
    assert (row["round"], row["repository"]) == (6, 30)
    for step in ("create", "floor_parse_export", "import", "floor_write_files", "agreement", "adjudicate"):
        assert row[step]["exit_and_last_line"][0] == 0, (step, row[step])
    assert "imported 12 annotation file(s)" in row["import"]["exit_and_last_line"][1][0]
    # the write floor writes what the import wrote: 12 annotator files, the export, imports.json, the report
    assert row["floor_write_files"]["exit_and_last_line"][1] == ["15 files"]
    assert "| import |" in (tmp_path / "rounds.md").read_text()
