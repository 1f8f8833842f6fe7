"""The incremental build and the corpus check after a one-page change (issue #22, items 1 and 2).

Run through ``scripts/bench.py --incremental SIZES``; figures go to benchmarks/incremental.md
and .json. Every step is a ``newsclaims`` command in a fresh process, start-up included, one
run each, in this order on one synthetic repository per size:

- build --no-cache: a build from scratch (pages/s of the build alone);
- build: the same, filling the row cache;
- build again, nothing changed: every document from the cache;
- one page changed (a claim's check-worthiness flipped in one gold file), build: the
  incremental rebuild;
- validate --inputs-only, the floor of the corpus check; validate with the corpus current;
  the page changed back, validate again: NC601 names that one document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bench


def flip_one_page(repo: Path) -> str:
    """Flip the check-worthiness of the first claim of the first gold file that has one; its doc_id."""
    for path in sorted((repo / "annotations" / "gold").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["claims"]:
            data["claims"][0]["checkworthy"] = not data["claims"][0]["checkworthy"]
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            return path.stem
    raise RuntimeError(f"{repo}: no gold file with a claim")


def bench_incremental(sizes: list[int], work: Path) -> dict[str, object]:
    exe = str(Path(sys.executable).parent / "newsclaims")
    rows = []
    for n in sizes:
        repo = bench.synthesized(work, "incremental", n)
        root = ["--root", str(repo)]
        row: dict[str, object] = {"documents": n}

        def run(step: str, command: list[str], *, repo: Path = repo, row: dict[str, object] = row) -> None:
            row[step] = bench.run_command(f"incremental_{step}", command, repo, work)
            print(f"{row['documents']}: {step} {row[step]}", file=sys.stderr)

        run("build_from_scratch", [exe, "build", "--no-cache", *root])
        run("build_filling_cache", [exe, "build", *root])
        run("build_nothing_changed", [exe, "build", *root])
        row["changed"] = flip_one_page(repo)
        run("build_one_page_changed", [exe, "build", *root])
        run("validate_inputs_only", [exe, "validate", "--inputs-only", str(repo)])
        run("validate_corpus_current", [exe, "validate", str(repo)])
        flip_one_page(repo)
        run("validate_one_page_changed", [exe, "validate", str(repo)])
        rows.append(row)
    return {"machine": bench.machine(), "rows": rows}


def _seconds(row: dict[str, object], step: str) -> float:
    return float(row[step]["seconds"])  # type: ignore[index]


def incremental_markdown(result: dict[str, object]) -> str:
    m: dict[str, str] = result["machine"]  # type: ignore[assignment]
    rows: list[dict[str, object]] = result["rows"]  # type: ignore[assignment]
    lines = [
        "# Benchmark: incremental build and the corpus check (issue #22, items 1 and 2)",
        "",
        "Written by `scripts/bench.py --incremental SIZES`; do not edit. One synthetic repository per size "
        "(`newsclaims synth`, every page annotated). Each step is a `newsclaims` command in a fresh process, "
        'start-up included, one run each, in the order of the table; peak MB is the command\'s. "One page changed" '
        "flips one claim's check-worthiness in one gold file. The floor of the corpus check is "
        "`validate --inputs-only` of the same repository in the same run. A synthetic CHANGELOG records no "
        "fingerprint, so a current corpus still has its NC606 line (exit 1). One process (`--jobs 1`) throughout, "
        "on a machine shared with other work (the other core busy with other benchmarks in the published run): "
        "the times are indicative.",
        f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, {m['platform']}.",
        "",
        "| pages | step | seconds | pages/s | x floor | peak MB | exit, last line |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        n = int(row["documents"])  # type: ignore[call-overload]
        floor = _seconds(row, "validate_inputs_only")
        for step, s in row.items():
            if not isinstance(s, dict):
                continue
            seconds = float(s["seconds"])
            ratio = f"{seconds / floor:.2f}" if step.startswith("validate") else ""
            last = str(s["exit_and_last_line"]).replace("|", "\\|")
            lines.append(f"| {n} | {step} | {seconds} | {n / seconds:.0f} | {ratio} | {s['peak_mb']} | {last} |")
    return "\n".join(lines) + "\n"
