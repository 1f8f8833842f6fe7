"""Benchmark case ``--build SIZES``: where ``newsclaims build`` spends its time, pages/s per config.

    .venv/bin/python scripts/bench.py --build 2000,20000                          # this tree
    .venv/bin/python scripts/bench.py --build 2000,20000 --label before=/tmp/old/src,after=src

``--label`` names the run in benchmarks/build.json; ``NAME=SRC,NAME=SRC`` runs several code
trees (each a ``src/`` folder, e.g. ``git archive OLD src`` unpacked, imported through
PYTHONPATH) in the same run, one measurement of each in turn, so that a before and an after
see the same machine: on a shared machine, the speed of the same code drifts by tens of
percent within minutes. For each size, on the synthetic repository of that size
(``newsclaims.synth``, seeded by the size, as every case of bench.py), each measurement in a
fresh process:

- floor: bench.py's parsing floor (read every seed and gold file, parse the JSON with orjson);
- command: ``newsclaims build --jobs 1`` as a user runs it, start-up and validation included
  (with ``--no-cache`` where build has it; otherwise its cache is removed first), its wall
  time, its CPU time and its peak memory. The floor and the command run ``--repeat`` times
  (the trees taking turns), and the fastest run of each is kept;
- rows: the rows of each config, made by calling the row functions of ``corpus/tables.py`` and
  ``corpus/tokens.py`` directly on the parsed documents, 64 documents at a time as the build
  reads them; then the rows of all configs as the build makes them (``document_rows``), each
  config's rows to Arrow and to parquet with the build's options, and the registries. These
  are CPU times of the process (``time.process_time``), which other work on the machine
  disturbs far less than wall time;
- profile (at the largest size only): the command under cProfile, its time cut into what it
  does (validation, reading and parsing, each config's rows, Arrow, parquet, card), and the
  time inside the garbage collector, timed apart with ``gc.callbacks``.

Each config is timed as if it were built alone: the ``documents`` rows include making their
nested mentions, claims, attributions and noise, which the build shares with those configs.
The rows are timed with the garbage collector off, so that a collection is not charged to
whichever config happens to allocate when it runs; the profile says what the collector costs.

A run with the same label as one in benchmarks/build.json replaces it; benchmarks/build.md is
written from every label there.
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

ROOT = Path(__file__).resolve().parents[1]
CACHE = ".newsclaims-cache"  # build's rows cache in the repository (corpus/cache.py)
# Steps of the rows process that repeat others' work (left out of the shares).
REPEATS = ("tokens: sentence_rows only", "all configs (document_rows)")


# ----------------------------------------------------------------------------------------------
# Children: ``python scripts/bench_build.py rows REPO OUT``, ``... profile REPO OUT`` and
# ``... command JSON-ARGS``, each printing one JSON line.


def rows_child(repo: Path, out: Path) -> dict[str, Any]:
    import gc
    from collections import defaultdict

    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsclaims.core.documents import Document, decode_text
    from newsclaims.core.files import read_bytes
    from newsclaims.core.layout import Layout
    from newsclaims.core.models import GoldFile
    from newsclaims.corpus import tables
    from newsclaims.corpus.build import CHUNK, DEFAULT_ROW_GROUP_ROWS, PARQUET_OPTIONS, ROW_GROUP_ROWS
    from newsclaims.corpus.features import CONFIGS
    from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS, sentence_rows
    from newsclaims.schema.shape import parse_model
    from newsclaims.validation.repository import Repository
    from newsclaims.validation.sources import story_splits

    Row = dict[str, Any]
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)

    def timed(name: str, make: Callable[[], list[Row]]) -> None:
        t = time.process_time()
        rows = make()
        seconds[name] += time.process_time() - t
        counts[name] += len(rows)

    # What each config costs alone: tables.document_rows, cut per config.
    def layer_rows(doc_id: str, gold: GoldFile | None, name: str) -> list[Row]:
        if gold is None:
            return []
        by = tables._by_position
        if name == "mentions":
            return by([tables.mention_row(doc_id, m) for m in gold.mentions], "mention_id")
        if name == "claims":
            return by([tables.claim_row(doc_id, c) for c in gold.claims], "claim_id")
        if name == "attributions":
            return sorted(
                (tables.attribution_row(doc_id, a, entities) for a in gold.attributions),
                key=lambda r: r["attribution_id"],
            )
        return by([tables.noise_row(doc_id, n) for n in gold.noise], "noise_id")

    def layers(doc_id: str, gold: GoldFile | None) -> dict[str, list[Row]]:
        return {name: layer_rows(doc_id, gold, name) for name in ("mentions", "claims", "attributions", "noise")}

    def documents(doc: Document[Any], gold: GoldFile | None, split: str) -> list[Row]:
        e = doc.entry
        return [
            {
                "doc_id": doc.doc_id,
                "story_id": e.story_id,
                "split": split,
                "annotated": gold is not None,
                "outlet": e.outlet,
                "title": e.title,
                "published": e.published.isoformat() if e.published else None,
                "url": e.url,
                "language": e.language,
                "source_file": f"seeds/{e.file}",
                "text": doc.text,
                "text_sha256": doc.text_sha256,
                **layers(doc.doc_id, gold),
            }
        ]

    def layer(name: str) -> Callable[[Document[Any], GoldFile | None, str], list[Row]]:
        return lambda doc, gold, split: [{"doc_id": doc.doc_id, **r} for r in layer_rows(doc.doc_id, gold, name)]

    def tokens(doc: Document[Any], gold: GoldFile | None, split: str) -> list[Row]:
        return [
            {
                **r,
                "sentence_uid": tables.uid(doc.doc_id, str(r["sentence_id"])),
                "annotated": gold is not None,
                "ner_tag_names": [NER_TAGS[t] for t in r["ner_tags"]],
                "noise_tag_names": [NOISE_TAGS[t] for t in r["noise_tags"]],
            }
            for r in sentence_rows(doc.doc_id, doc.text, gold)
        ]

    makers = {
        "documents": documents,
        "mentions": layer("mentions"),
        "claims": layer("claims"),
        "attributions": layer("attributions"),
        "noise_spans": layer("noise"),
        "tokens": tokens,
        "tokens: sentence_rows only": lambda doc, gold, split: sentence_rows(doc.doc_id, doc.text, gold),
    }

    # The parquet files, as the build's sinks write them: fixed-size row groups per config and split.
    pending: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)
    writers: dict[tuple[str, str], pq.ParquetWriter] = {}

    def write(key: tuple[str, str], table: pa.Table, final: bool = False) -> None:
        group = ROW_GROUP_ROWS.get(key[0], DEFAULT_ROW_GROUP_ROWS)
        if table.num_rows:
            pending[key].append(table)
        while pending[key] and (final or sum(t.num_rows for t in pending[key]) >= group):
            whole = pa.concat_tables(pending[key])
            n = min(group, whole.num_rows)
            head, rest = whole.slice(0, n).combine_chunks(), whole.slice(n)
            pending[key] = [rest] if rest.num_rows else []
            if key not in writers:
                path = out / key[0] / f"{key[1]}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                writers[key] = pq.ParquetWriter(path, CONFIGS[key[0]].arrow_schema, **PARQUET_OPTIONS)
            writers[key].write_table(head, row_group_size=n)

    t = time.process_time()
    lay = Layout(repo)
    loaded = Repository.load(repo, read_seeds=False)
    assert loaded.manifest is not None and loaded.entities is not None and loaded.clusters is not None
    entities, splits = loaded.entities, story_splits(loaded)
    entries = sorted(loaded.manifest.documents, key=lambda e: e.doc_id)
    seconds["manifest and registries"] = time.process_time() - t
    links = tables.Links()
    sentence_rows("warm-up", "Loads the pipeline. Untimed.", None)
    gc.collect()
    gc.freeze()
    gc.disable()

    def chunk(part: list[Any]) -> None:
        t = time.process_time()
        docs = []
        for entry in part:
            doc = Document(entry, decode_text(read_bytes(lay.seeds / entry.file)))
            gold_path = lay.gold / f"{entry.doc_id}.json"
            gold = parse_model(str(gold_path), read_bytes(gold_path), GoldFile)[0] if gold_path.exists() else None
            docs.append((doc, gold, splits[entry.story_id]))
        seconds["read and parse"] += time.process_time() - t
        for config, make in makers.items():
            timed(config, lambda: [r for doc, gold, split in docs for r in make(doc, gold, split)])  # noqa: B023
        built: dict[tuple[str, str], list[Row]] = defaultdict(list)

        def all_configs() -> list[Row]:
            made = []
            for doc, gold, split in docs:
                for config, rows in tables.document_rows(doc, gold, split, links, entities).items():
                    built[config, split].extend(rows)
                    made += rows
            return made

        timed("all configs (document_rows)", all_configs)
        for key, rows in built.items():
            t = time.process_time()
            table = pa.Table.from_pylist(rows, schema=CONFIGS[key[0]].arrow_schema)
            seconds[f"arrow: {key[0]}"] += time.process_time() - t
            t = time.process_time()
            write(key, table)
            seconds[f"parquet: {key[0]}"] += time.process_time() - t

    for i in range(0, len(entries), CHUNK):
        chunk(entries[i : i + CHUNK])
    split_of_doc = {e.doc_id: splits[e.story_id] for e in entries}
    t = time.process_time()
    registries = tables.registry_rows(entities, loaded.clusters, links, split_of_doc, splits)
    tables.unreferenced(entities, loaded.clusters, links, splits)
    seconds["registries"] = time.process_time() - t
    counts["registries"] = sum(len(rows) for by_split in registries.values() for rows in by_split.values())
    for key in list(pending):
        t = time.process_time()
        write(key, CONFIGS[key[0]].arrow_schema.empty_table(), final=True)
        writers[key].close()
        seconds[f"parquet: {key[0]}"] += time.process_time() - t
    return {"documents": len(entries), "seconds": dict(seconds), "rows": dict(counts)}


# Functions whose cumulative time makes each category of the profile: (path suffix, name).
# A category's functions do not call each other, so their times add up; "other" is the rest.
# pyarrow's Cython functions (Table.from_pylist, concat_tables, combine_chunks) are invisible
# to cProfile: their time is the own time of the build's functions that call them.
PROFILE_CATEGORIES: dict[str, list[tuple[str, str]]] = {
    "validation (check_inputs)": [("validation/check.py", "check_inputs")],
    "rows: mentions": [("corpus/tables.py", "mention_row")],
    "rows: claims": [("corpus/tables.py", "claim_row")],
    "rows: attributions": [("corpus/tables.py", "attribution_row")],
    "rows: noise_spans": [("corpus/tables.py", "noise_row")],
    "rows: tokens (sentence_rows)": [("corpus/tokens.py", "sentence_rows")],
    "rows: registries": [("corpus/tables.py", "registry_rows"), ("corpus/tables.py", "unreferenced")],
    "parquet writing (ParquetWriter)": [("parquet/core.py", "write_table"), ("parquet/core.py", "close")],
    "row cache and fingerprints (where build has them)": [
        ("corpus/cache.py", "get"),
        ("corpus/cache.py", "put"),
        ("corpus/cache.py", "keep_only"),
        ("corpus/fingerprints.py", "document_fingerprint"),
    ],
    "card and Croissant": [("corpus/card.py", "dataset_card"), ("corpus/croissant.py", "croissant_metadata")],
    "checksums and sizes of the files": [("corpus/release.py", "sha256_file"), ("corpus/release.py", "arrow_bytes")],
}
# Reading and parsing in the build (validation reads the same files: its reading is in its line).
READING = ("read_bytes", "decode_text", "parse_model", "load", "story_splits")


def profile_child(repo: Path, out: Path) -> dict[str, Any]:
    import cProfile
    import gc
    import pstats

    gc_seconds, started = [0.0], [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            gc_seconds[0] += time.perf_counter() - started[0]

    gc.callbacks.append(on_gc)
    args = build_command(str(Path(sys.executable).parent / "newsclaims"), repo, out)[1:]
    profile = cProfile.Profile()
    t = time.perf_counter()
    profile.enable()
    from newsclaims.cli import main

    code = main(args)
    profile.disable()
    total = time.perf_counter() - t
    stats: Any = pstats.Stats(profile).stats  # (file, line, name) -> (cc, nc, tottime, cumtime, callers)

    def cumulative(suffix: str, name: str) -> float:
        return sum(v[3] for (file, _, func), v in stats.items() if file.endswith(suffix) and func == name)

    shares = {category: sum(cumulative(*f) for f in funcs) for category, funcs in PROFILE_CATEGORIES.items()}
    rows_parts = sum(shares[c] for c in shares if c.startswith("rows: ") and c != "rows: registries")
    # document_rows' own time and comprehensions: the documents rows, the doc_id copies, tag names.
    shares["rows: documents and row assembly"] = cumulative("corpus/tables.py", "document_rows") - rows_parts
    # The build's own reading: calls made from corpus/build.py (edges caller -> callee).
    shares["reading and parsing (in the build)"] = sum(
        edge[3]
        for (file, _, func), v in stats.items()
        if func in READING
        for (caller_file, _, _), edge in v[4].items()
        if caller_file.endswith("corpus/build.py")
    )
    shares["Arrow tables, concatenation (own time of corpus/build.py)"] = sum(
        v[2] for (file, _, _), v in stats.items() if file.endswith("corpus/build.py")
    )
    shares["imports"] = sum(v[3] for (file, _, func), v in stats.items() if func == "_find_and_load")
    shares["other (start-up, swap, what no line above names)"] = total - sum(shares.values())
    top = sorted(stats.items(), key=lambda kv: -kv[1][2])[:15]
    return {
        "exit": code,
        "seconds": total,
        "gc_seconds": gc_seconds[0],
        "shares": shares,
        "top_tottime": [
            {"function": f"{Path(file).name}:{line}({func})", "tottime": v[2], "cumtime": v[3], "calls": v[1]}
            for (file, line, func), v in top
        ],
    }


# ----------------------------------------------------------------------------------------------
# The case, run from bench.py.


def command_child(command: list[str]) -> dict[str, Any]:
    """Run ``command``; its wall time, CPU time and peak memory. This process is small, so the
    peak its child inherits at fork (Linux carries ``ru_maxrss`` across fork and exec) is too."""
    with open(os.devnull, "wb") as devnull:
        t = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=devnull)
        assert proc.stdout is not None
        output = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(usage.ru_maxrss / 1024),
        "exit_and_last_line": [proc.returncode, output.splitlines()[-1:]],
    }


def child(kind: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(Path(__file__)), kind, *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"bench_build {kind} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def trees_of(label: str) -> dict[str, str | None]:
    """``--label``: ``NAME`` (this tree), or ``NAME=SRC,...`` (each a src/ folder to import newsclaims from)."""
    trees: dict[str, str | None] = {}
    for part in label.split(","):
        name, _, src = part.partition("=")
        trees[name] = str(Path(src).resolve()) if src else None
    return trees


@contextmanager
def tree(src: str | None) -> Iterator[None]:
    """The children started inside import newsclaims from ``src`` (through PYTHONPATH), or as installed."""
    before = os.environ.get("PYTHONPATH")
    if src is not None:
        os.environ["PYTHONPATH"] = src
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def source() -> str:
    """Which code the children run: the commit of the tree ``newsclaims`` is imported from, and
    whether its src/ is modified; a tree outside git by its folder."""
    where = subprocess.run(
        [sys.executable, "-c", "import newsclaims; print(newsclaims.__file__)"], capture_output=True, text=True
    )
    src = Path(where.stdout.strip()).resolve().parents[1]
    git = ["git", "-C", str(src)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    if not commit or src != ROOT / "src":
        return f"the tree at {src}"
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True, text=True).stdout.strip()
    return f"commit {commit}" + (" with uncommitted changes in src/" if dirty else "")


def build_command(exe: str, repo: Path, out: Path) -> list[str]:
    """``newsclaims build --jobs 1``, with ``--no-cache`` where build has a rows cache: every row is made."""
    command = [exe, "build", "--jobs", "1", "--root", str(repo), "--out", str(out)]
    usage = subprocess.run([exe, "build", "--help"], capture_output=True, text=True).stdout
    return [*command, "--no-cache"] if "--no-cache" in usage else command


def run_command(n: int, repo: Path, work: Path) -> dict[str, Any]:
    """One run of the build command at one size, with the code of the current ``tree``."""
    shutil.rmtree(repo / CACHE, ignore_errors=True)  # every row made, also where build has no --no-cache
    shutil.rmtree(work / f"corpus-{n}", ignore_errors=True)
    command = build_command(str(Path(sys.executable).parent / "newsclaims"), repo, work / f"corpus-{n}")
    flags = command[2:]  # after `newsclaims build`, but the folders
    options = " ".join(
        a for i, a in enumerate(flags) if "--root" not in (a, flags[i - 1]) and "--out" not in (a, flags[i - 1])
    )
    return {**child("command", json.dumps(command)), "options": options}


def run_rows(n: int, repo: Path, work: Path) -> dict[str, Any]:
    """The rows process at one size, with the code of the current ``tree``."""
    shutil.rmtree(work / f"rows-{n}", ignore_errors=True)
    found = child("rows", str(repo), str(work / f"rows-{n}"))
    return {"cpu_seconds": {k: round(v, 3) for k, v in found["seconds"].items()}, "counts": found["rows"]}


def bench_build(
    sizes: list[int],
    work: Path,
    synthesized: Callable[[Path, str, int], Path],
    run_step: Callable[[str, Path, Path], dict[str, float]],
    label: str,
    repeat: int = 3,
) -> dict[str, dict[str, Any]]:
    """label -> that tree's figures: floor and command (the fastest of ``repeat`` runs) and rows
    at each size, the profile at the largest. The trees take turns at every run."""
    trees = trees_of(label)
    runs: dict[str, dict[str, Any]] = {}
    for name, src in trees.items():
        with tree(src):
            runs[name] = {"source": source(), "date": time.strftime("%Y-%m-%d %H:%M"), "rows": []}
    for n in sizes:
        repo = synthesized(work, "clean", n)
        floors: dict[str, list[float]] = {name: [] for name in trees}
        commands: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for _ in range(repeat):
            for name, src in trees.items():
                with tree(src):
                    floors[name].append(run_step("floor", repo, work / "unused")["seconds"])
                    commands[name].append(run_command(n, repo, work))
        for name, src in trees.items():
            fastest = min(commands[name], key=lambda c: float(c["seconds"]))
            command = {**fastest, "all_seconds": [c["seconds"] for c in commands[name]]}
            with tree(src):
                rows = run_rows(n, repo, work)
            runs[name]["rows"].append(
                {"documents": n, "floor_seconds": round(min(floors[name]), 3), "command": command, "rows": rows}
            )
    n = max(sizes)
    for name, src in trees.items():
        repo = synthesized(work, "clean", n)
        shutil.rmtree(repo / CACHE, ignore_errors=True)
        shutil.rmtree(work / f"profiled-{n}", ignore_errors=True)
        with tree(src):
            runs[name]["profile"] = {**child("profile", str(repo), str(work / f"profiled-{n}")), "documents": n}
    return runs


def pages_per_second(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def build_markdown(runs: dict[str, dict[str, Any]], machine: dict[str, str]) -> str:
    labels = list(runs)
    sizes = sorted({r["documents"] for label in labels for r in runs[label]["rows"]})

    def at(label: str, n: int) -> dict[str, Any] | None:
        return next((r for r in runs[label]["rows"] if r["documents"] == n), None)

    lines = [
        "# Benchmark: where `newsclaims build` spends its time (issue #22, item 3)",
        "",
        "Written by `scripts/bench.py --build SIZES --label LABEL` (code and method: `scripts/bench_build.py`); "
        "do not edit. Synthetic repositories (`newsclaims synth`), each measurement in a fresh process, on a "
        "machine shared with other work; runs of one label in the same invocation took turns at every "
        "measurement. The floor (bench.py's: every seed and gold file read, the JSON parsed with orjson) and the "
        "command are the fastest of `--repeat` runs (every run's wall time is in build.json). The command is "
        "`newsclaims build --jobs 1` as a user runs it (start-up and validation included; where build has no "
        "`--no-cache`, its rows cache is removed first and the "
        "command also writes it). The rows of each config are made by calling the row functions of "
        "`corpus/tables.py` and `corpus/tokens.py` directly on the parsed documents, with the garbage "
        "collector off, and timed in CPU seconds of that process; each config is timed as if built alone "
        "(the `documents` rows include their nested layers); `tokens` includes the columns "
        "`corpus/tables.py` adds to the rows of `sentence_rows`.",
        f"Machine: {machine['cpus']} CPUs, {machine['processor']}, Python {machine['python']}, {machine['platform']}.",
        "",
        "Runs: " + "; ".join(f"**{label}**: {runs[label]['source']}, {runs[label]['date']}" for label in labels),
        "",
        "## The whole command",
        "",
        "| pages | run | options | floor s | wall s | pages/s | x floor | CPU s | pages/CPU s | peak MB |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        for label in labels:
            r = at(label, n)
            if r is None:
                continue
            c, floor = r["command"], r["floor_seconds"]
            lines.append(
                f"| {n:,} | {label} | {c['options']} | {floor} | {c['seconds']} | {pages_per_second(n, c['seconds'])} "
                f"| {c['seconds'] / floor:.0f} | {c['cpu_seconds']} | {pages_per_second(n, c['cpu_seconds'])} "
                f"| {c['peak_mb']} |"
            )
    lines += [
        "",
        "## Per config: rows, then Arrow and parquet (CPU seconds)",
        "",
        "Rows: each config's rows alone. Arrow and parquet: that config's rows (as `document_rows` makes them "
        "for the build) to an Arrow table, then to its parquet files with the build's options. The share is "
        "of the sum of every line but `tokens: sentence_rows only` and `all configs`, which repeat others.",
        "",
    ]
    for n in sizes:
        found = {label: r for label in labels if (r := at(label, n)) is not None}
        header = "| step | " + " | ".join(f"{label}: CPU s | pages/s | share" for label in found) + " |"
        lines += [f"### {n:,} pages", "", header, "|---|" + "---:|---:|---:|" * len(found)]
        steps: list[str] = []
        for r in found.values():
            steps += [s for s in r["rows"]["cpu_seconds"] if s not in steps]
        totals = {
            label: sum(v for k, v in r["rows"]["cpu_seconds"].items() if k not in REPEATS) for label, r in found.items()
        }
        for step in steps:
            cells = []
            for label, r in found.items():
                sec = r["rows"]["cpu_seconds"].get(step)
                share = f"{100 * sec / totals[label]:.0f}%" if sec is not None and step not in REPEATS else ""
                cells.append("- | - |" if sec is None else f"{sec} | {pages_per_second(n, sec)} | {share}")
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Profile of the command (cProfile)", ""]
    for label in labels:
        p = runs[label].get("profile")
        if p is None:
            continue
        total = float(p["seconds"])
        lines += [
            f"### {label}: {p['documents']:,} pages, {total:.1f} s under the profiler "
            f"(the profiler slows Python calls, so shares of call-heavy code are inflated)",
            "",
            "| part | seconds | share |",
            "|---|---:|---:|",
        ]
        for part, sec in sorted(p["shares"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {part} | {sec:.2f} | {100 * sec / total:.0f}% |")
        lines += [
            f"| of all the above: garbage collector | {p['gc_seconds']:.2f} | {100 * p['gc_seconds'] / total:.0f}% |",
            "",
            "Most time of its own (tottime):",
            "",
            "| function | tottime s | cumtime s | calls |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| `{f['function']}` | {f['tottime']:.2f} | {f['cumtime']:.2f} | {f['calls']:,} |"
            for f in p["top_tottime"]
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def record(out: Path, runs: dict[str, dict[str, Any]], machine: dict[str, str]) -> str:
    """Merge ``runs`` (label -> figures) into ``out/build.json``; rewrite ``out/build.md``; return its text."""
    path = out / "build.json"
    saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": {}}
    saved["machine"] = machine
    saved["runs"].update(runs)
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    text = build_markdown(saved["runs"], machine)
    (out / "build.md").write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "command":
        result = command_child(json.loads(sys.argv[2]))
    elif kind == "rows":
        result = rows_child(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        result = profile_child(Path(sys.argv[2]), Path(sys.argv[3]))
    print(json.dumps(result))
