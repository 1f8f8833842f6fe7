"""Benchmark: parsing floor, validate, build and load_dataset on synthetic corpora of growing size.

    .venv/bin/python scripts/bench.py                 # 2k, 20k and 100k documents
    .venv/bin/python scripts/bench.py --sizes 2000    # a quick run

Each measurement runs in a fresh process (its peak memory is its own); the figures go to
benchmarks/results.md and benchmarks/results.json, with the machine they were taken on.
This is a script, not a test: the tests only check that it runs on a tiny corpus.
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What validate imports and compiles once per process (the checkers of the schemas of the
# gold files and of the manifest's and registries' records): the startup of the command,
# timed apart as "setup" and not in its docs/s, as the floor's import of orjson is not in
# the floor's.
VALIDATE_SETUP = """
from newsclaims import validate
import newsclaims.validation.stream
from newsclaims.schema.shape import checker
checker("gold")
for kind, layer in (("manifest", "documents"), ("entities", "entities"), ("clusters", "clusters")):
    checker(kind, layer)
"""
FLOOR_SETUP = """
import orjson
GOLD, SEEDS = os.path.join(REPO, "annotations", "gold"), os.path.join(REPO, "seeds")
def read(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, os.fstat(fd).st_size + 1)
    finally:
        os.close(fd)
"""
# Steps cheap enough to repeat: each is run REPEAT times in fresh processes and the fastest
# run is kept (this machine's timings vary by up to 40% between runs of the same code). They
# run in rounds, each step once a round, not REPEAT times in a row: a slow minute of this
# shared machine then costs every step a run instead of all the runs of one step (in a run
# of five in a row at 10^5 pages, the floor's own speed-up in 2 processes went from 1.03x to
# 1.68x, and validate's 2-process runs, next in line, were all slow).
REPEATED = (
    "floor",
    "floor_2_jobs",
    "floor_pathlib",
    "floor_command",
    "validate",
    "validate_2_jobs",
    "validate_command",
    "validate_command_default",
    "load_dataset",
)
# The floor as a command: a fresh interpreter that imports orjson and does the floor's work,
# so that a whole command (start-up and imports included) is compared with the same kind of thing.
FLOOR_COMMAND = (
    "import os, sys\nREPO = sys.argv[1]\n"
    + FLOOR_SETUP
    + """
for folder, suffix in ((GOLD, ".json"), (SEEDS, ".txt")):
    for name in sorted(n for n in os.listdir(folder) if n.endswith(suffix)):
        data = read(os.path.join(folder, name))
        orjson.loads(data) if suffix == ".json" else data.decode("utf-8")
orjson.loads(read(os.path.join(SEEDS, "manifest.json")))
"""
)

# One step per child process; each prints {"seconds": …, "setup_seconds": …, "peak_mb": …, "extra": …}.
STEPS = {
    # step: (setup, not timed: imports; measured body)
    # The floor reads files the way validate does (plain os calls, folders listed as names).
    # floor_pathlib is the floor as first written (glob, Path.read_bytes): a third slower at
    # 2·10^4 documents, so a ratio to it flatters validate; it stays for comparison only.
    "floor": (
        FLOOR_SETUP,
        """
for folder, suffix in ((GOLD, ".json"), (SEEDS, ".txt")):
    for name in sorted(n for n in os.listdir(folder) if n.endswith(suffix)):
        data = read(os.path.join(folder, name))
        orjson.loads(data) if suffix == ".json" else data.decode("utf-8")
orjson.loads(read(os.path.join(SEEDS, "manifest.json")))
""",
    ),
    # The floor over 2 processes (every other file each): how far this machine's two cores
    # scale work with no coordination at all, the ceiling for validate_2_jobs' speed-up.
    "floor_2_jobs": (
        FLOOR_SETUP,
        """
files = [(os.path.join(folder, n), suffix == ".json") for folder, suffix in ((GOLD, ".json"), (SEEDS, ".txt"))
         for n in sorted(n for n in os.listdir(folder) if n.endswith(suffix))]
pid = os.fork()
for path, is_json in files[(1 if pid == 0 else 0)::2]:
    data = read(path)
    orjson.loads(data) if is_json else data.decode("utf-8")
if pid == 0:
    os._exit(0)
orjson.loads(read(os.path.join(SEEDS, "manifest.json")))
os.waitpid(pid, 0)
""",
    ),
    "floor_pathlib": (
        "import orjson\nfrom pathlib import Path",
        """
root = Path(REPO)
for p in sorted((root / "annotations/gold").glob("*.json")):
    orjson.loads(p.read_bytes())
for p in sorted((root / "seeds").glob("*.txt")):
    p.read_bytes().decode("utf-8")
orjson.loads((root / "seeds/manifest.json").read_bytes())
""",
    ),
    "validate": (VALIDATE_SETUP, "extra = len(validate(REPO, corpus=False))"),
    "validate_2_jobs": (VALIDATE_SETUP, "extra = len(validate(REPO, corpus=False, jobs=2))"),
    # The command as a CI job runs it, interpreter start-up and imports included: what a
    # team waits for, and where an import of the build stack once cost 1.7 s and 175 MB.
    "validate_command": (
        f"import subprocess\nEXE = {str(Path(sys.executable).parent / 'newsclaims')!r}",
        """
done = subprocess.run([EXE, "validate", "--inputs-only", REPO], capture_output=True, text=True)
extra = len(done.stdout.splitlines())
""",
    ),
    # The default command (no flag) on a repository without corpus/: what a CI job of a team that
    # does not commit the corpus runs; it must import nothing of the build stack.
    "validate_command_default": (
        f"import subprocess\nEXE = {str(Path(sys.executable).parent / 'newsclaims')!r}",
        """
done = subprocess.run([EXE, "validate", REPO], capture_output=True, text=True)
extra = len(done.stdout.splitlines())
""",
    ),
    "floor_command": (
        f"import subprocess, sys\nFLOOR = {FLOOR_COMMAND!r}",
        """
subprocess.run([sys.executable, "-c", FLOOR, REPO], check=True)
""",
    ),
    "build": (
        "from pathlib import Path\nfrom newsclaims.corpus.build import build",
        # From scratch: the row cache would make the second build (2 jobs) a cached one.
        "extra = sum(sum(c.values()) for c in build(Path(REPO), Path(OUT), cache=False).counts.values())",
    ),
    "build_2_jobs": (
        "from pathlib import Path\nfrom newsclaims.corpus.build import build",
        "built = build(Path(REPO), Path(OUT + '-2'), jobs=2, cache=False)\n"
        "extra = sum(sum(c.values()) for c in built.counts.values())",
    ),
    "load_dataset": (
        "from datasets import load_dataset",
        'extra = sum(len(load_dataset(OUT, n, split="test")) for n in ("documents", "mentions", "claims"))',
    ),
}

CHILD = """
import json, resource, time, os
REPO, OUT = {repo!r}, {out!r}
extra = None
t = time.perf_counter()
{setup}
setup_seconds = time.perf_counter() - t
t = time.perf_counter()
{body}
seconds = time.perf_counter() - t
# Linux keeps ru_maxrss across fork and exec: a child would report the bench's own peak (the
# bench synthesises the corpora) whenever that is higher. VmHWM belongs to this process alone.
try:
    peak_mb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# The peak of the step's largest process: a command's, or a forked worker's (its resident pages
# include those it shares with this process). The children's ru_maxrss starts from this
# process's size when it forked them, which is below the peak of any step that forks.
peak_mb = max(peak_mb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
print(json.dumps({{"seconds": seconds, "setup_seconds": setup_seconds, "peak_mb": peak_mb, "extra": extra}}))
"""


def child(step: str, repo: Path, out: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the process that runs ``step``."""
    setup, body = STEPS[step]
    code = CHILD.format(repo=str(repo), out=str(out), setup=setup, body=body)
    return [sys.executable, "-c", code], {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def run_step(step: str, repo: Path, out: Path) -> dict[str, float]:
    command, env = child(step, repo, out)
    # A fresh HF_HOME per run: a repeated load_dataset would otherwise read the Arrow cache
    # the first run wrote, and time a cache hit instead of a load.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix="hf-") as hf:
        done = subprocess.run(command, capture_output=True, text=True, env={**env, "HF_HOME": hf}, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def instructions(step: str, repo: Path, out: Path) -> int:
    """The instructions a step's process executes, counted by valgrind's callgrind.

    A count, not a time: it does not depend on what else the machine is doing, and runs of
    the same code differ by about 1% (the hash seed is fixed; allocation patterns are not).
    So it tells whether the work per document grows with the corpus where wall-clock
    throughput on a shared machine drifts by tens of percent between runs.
    """
    command, env = child(step, repo, out)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix="cg-") as tmp:
        counts = Path(tmp) / "callgrind.out"
        callgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counts}", *command]
        subprocess.run(callgrind, capture_output=True, env={**env, "PYTHONHASHSEED": "0"}, check=True)
        for line in counts.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"callgrind wrote no total for {step}")


def work_per_document(sizes: list[int], work: Path, errors: int) -> list[dict[str, int]]:
    """validate's instruction count on the injected-error corpus of each size (written if missing)."""
    counted = []
    for n in sizes:
        broken = synthesized(work, "broken", n, errors)
        counted.append({"documents": n, "instructions": instructions("validate", broken, work / f"corpus-{n}")})
    return counted


def synthesized(work: Path, name: str, n: int, errors: int = 0) -> Path:
    """``work/<name>-<n>``, the synthetic corpus of ``n`` documents seeded by ``n`` (so the same
    pages for every step and size) with ``errors`` injected per rule family; written if missing."""
    from newsclaims.synth import synthesize

    folder = work / f"{name}-{n}"
    if not folder.exists():
        synthesize(n, folder, seed=n, errors=errors)
    return folder


def megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def machine() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "processor": platform.processor() or platform.machine(),
        "screen": "compiled" if screen_compiled() else "not compiled: every file through the Python rules",
    }


def screen_compiled() -> bool:
    from newsclaims.validation.screen import COMPILED

    return COMPILED


def best_of(runs: list[dict[str, float]]) -> dict[str, object]:
    fastest = min(runs, key=lambda r: r["seconds"])
    best: dict[str, object] = {**fastest}
    best["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return best


def measure(broken: Path, clean: Path, out: Path, repeat: int) -> dict[str, list[dict[str, float]]]:
    """Every run of every step: the steps run once first (build: load_dataset reads what it
    writes), then ``repeat`` rounds of the others."""

    # The floor and validate read the copy with injected errors; build (which refuses a
    # repository with errors) and load_dataset use the same corpus without them.
    def run(step: str) -> dict[str, float]:
        return run_step(step, broken if step.startswith(("floor", "validate")) else clean, out)

    # An installed package has its bytecode (pip compiles a wheel's modules); an editable one run
    # with PYTHONDONTWRITEBYTECODE set, as on the shared machine, has none, and every fresh
    # process of a step would compile newsclaims from source first. Compile it once, untimed.
    compileall.compile_dir(ROOT / "src" / "newsclaims", quiet=1)
    runs = {step: [run(step)] for step in STEPS if step not in REPEATED}
    # The files were just written, or read by build: flush them and read them once untimed,
    # so that every step (the floor first) reads from the same warm page cache.
    os.sync()
    run("floor")
    for _ in range(repeat):
        for step in REPEATED:
            runs.setdefault(step, []).append(run(step))
    return runs


def bench(sizes: list[int], work: Path, errors: int, repeat: int = 3) -> dict[str, object]:
    rows = []
    for n in sizes:
        t = time.perf_counter()
        broken = synthesized(work, "broken", n, errors)
        synth_s = time.perf_counter() - t
        clean, out = synthesized(work, "clean", n), work / f"corpus-{n}"
        size = megabytes(broken)
        row: dict[str, object] = {"documents": n, "input_mb": round(size, 1), "synth_seconds": round(synth_s, 2)}
        runs = measure(broken, clean, out, repeat)
        for step in STEPS:
            r = best_of(runs[step])
            seconds: float = r["seconds"]  # type: ignore[assignment]
            peak: float = r["peak_mb"]  # type: ignore[assignment]
            setup: float = r["setup_seconds"]  # type: ignore[assignment]
            row[step] = {
                "seconds": round(seconds, 3),
                "docs_per_s": round(n / seconds),
                "mb_per_s": round(size / seconds, 1),
                "peak_mb": round(peak),
                "extra": r["extra"],
                "setup_seconds": round(setup, 3),
                "all_seconds": r["all_seconds"],
            }
        injected = len(json.loads((broken / "injected.json").read_text()))
        row["injected_errors"] = injected
        row["validate_over_floor"] = round(row["validate"]["seconds"] / row["floor"]["seconds"], 2)  # type: ignore[index]
        row["validate_over_floor_pathlib"] = round(row["validate"]["seconds"] / row["floor_pathlib"]["seconds"], 2)  # type: ignore[index]
        rows.append(row)
    return {"machine": machine(), "repeat": repeat, "rows": rows}


TARGET_DOCS_PER_S = 12_000
TARGET_OVER_FLOOR = 2.0
TARGET_SPEEDUP = 1.7
TARGET_COMMAND_OVER_FLOOR = 2.0  # issue #17: the whole command, start-up included


def verdict(value: float, target: float, unit: str, higher: bool = True) -> str:
    if (value >= target) if higher else (value <= target):
        return f"meets the {'≥' if higher else '≤'} {target:g}{unit} target"
    return (
        f"misses the {'≥' if higher else '≤'} {target:g}{unit} target by {max(value, target) / min(value, target):.2f}x"
    )


def markdown(result: dict[str, object]) -> str:
    rows: list[dict[str, object]] = result["rows"]  # type: ignore[assignment]
    m: dict[str, str] = result["machine"]  # type: ignore[assignment]
    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench.py`; do not edit. Synthetic corpora from `newsclaims synth` (about 3 KB per page).",
        f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, {m['platform']}; "
        f"validator screen (`newsclaims.validation._clean`): {m.get('screen', 'not recorded')}.",
        "",
        f"Each step runs in a fresh process. {', '.join(REPEATED)} run {result['repeat']} times, in rounds "
        "(each step once a round), and the fastest is kept (all runs: results.json); build runs once, first. "
        "Imports and the schema compile are timed apart (setup s) and not in docs/s. Peak MB is the step's "
        "largest process (with --jobs, a worker's resident pages include those it shares with the parent).",
        "floor: every gold file read and parsed with orjson, every seed read and decoded, the manifest parsed, "
        "files read with plain os calls as validate reads them; floor_pathlib: the same with glob and "
        "Path.read_bytes, as the floor was first measured (slower, so a ratio to it flatters validate). "
        "floor_2_jobs: the floor with every other file read in a forked process. "
        "validate_command: `newsclaims validate --inputs-only` as a CI job runs it, start-up included; "
        "validate_command_default: `newsclaims validate` with no flag (the repository has no corpus/); "
        "floor_command: the floor as a command, a fresh interpreter with its start-up and orjson's import.",
        "",
        "| documents | MB | step | seconds | docs/s | MB/s | peak MB | setup s |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for step in STEPS:
            s: dict[str, float] = row[step]  # type: ignore[assignment]
            lines.append(
                f"| {row['documents']} | {row['input_mb']} | {step} | {s['seconds']} | {s['docs_per_s']} "
                f"| {s['mb_per_s']} | {s['peak_mb']} | {s['setup_seconds']} |"
            )
    lines += ["", "## Targets (issue #6)", ""]
    for row in rows:
        v: dict[str, float] = row["validate"]  # type: ignore[assignment]
        v2: dict[str, float] = row["validate_2_jobs"]  # type: ignore[assignment]
        b1: dict[str, float] = row["build"]  # type: ignore[assignment]
        b2: dict[str, float] = row["build_2_jobs"]  # type: ignore[assignment]
        found = v["extra"] == row["injected_errors"]
        over: float = row["validate_over_floor"]  # type: ignore[assignment]
        v_up, b_up = v["seconds"] / v2["seconds"], b1["seconds"] / b2["seconds"]
        f_up = row["floor"]["seconds"] / row["floor_2_jobs"]["seconds"]  # type: ignore[index]
        lines += [
            f"- **{row['documents']} documents**",
            f"  - validate, one process: {v['docs_per_s']} docs/s "
            f"({verdict(v['docs_per_s'], TARGET_DOCS_PER_S, ' docs/s')}); "
            f"{over}x the parsing floor ({verdict(over, TARGET_OVER_FLOOR, 'x', higher=False)}; "
            f"{row['validate_over_floor_pathlib']}x the pathlib floor); "
            f"peak {v['peak_mb']} MB.",
            f"  - validate, 2 processes: {v2['docs_per_s']} docs/s, speed-up {v_up:.2f}x "
            f"({verdict(v_up, TARGET_SPEEDUP, 'x')}); the parsing floor's own speed-up in 2 processes "
            f"(no coordination at all): {f_up:.2f}x.",
            f"  - injected errors: {row['injected_errors']}, problems reported: {v['extra']} "
            f"({'all found, nothing else' if found else 'MISMATCH'}).",
            f"  - build: {b1['docs_per_s']} docs/s in one process, {b2['docs_per_s']} in 2 "
            f"(speed-up {b_up:.2f}x, {verdict(b_up, TARGET_SPEEDUP, 'x')}); "
            f"peak {b1['peak_mb']} MB.",
        ]
    lines += ["", "## Targets (issue #17: the whole command)", ""]
    for row in rows:
        floor, floor_cmd = row["floor"]["seconds"], row["floor_command"]["seconds"]  # type: ignore[index]
        for step in ("validate_command", "validate_command_default"):
            cmd: dict[str, float] = row[step]  # type: ignore[assignment]
            over_floor, over_cmd = cmd["seconds"] / floor, cmd["seconds"] / floor_cmd
            lines.append(
                f"- {row['documents']} documents, `{step}`: {cmd['seconds']} s, {over_floor:.2f}x the parsing floor "
                f"({verdict(over_floor, TARGET_COMMAND_OVER_FLOOR, 'x', higher=False)}), {over_cmd:.2f}x the floor "
                f"as a command; peak {cmd['peak_mb']} MB."
            )
    if len(rows) > 1:
        first, last = rows[0]["validate"], rows[-1]["validate"]
        drift = last["docs_per_s"] / first["docs_per_s"] - 1  # type: ignore[index]
        lines.append(
            f"- **Linearity**: validate throughput at {rows[-1]['documents']} documents differs by {drift:+.0%} from "
            f"that at {rows[0]['documents']} ({'meets' if abs(drift) <= 0.15 else 'misses'} the 15% target); "
            f"validate peak memory {', '.join(str(r['validate']['peak_mb']) for r in rows)} MB."  # type: ignore[index]
        )
        docs = int(rows[-1]["documents"]) - int(rows[0]["documents"])  # type: ignore[call-overload]
        per_doc = (float(last["peak_mb"]) - float(first["peak_mb"])) * 1024 / docs  # type: ignore[index]
        lines.append(
            f"- **Memory**: validate's peak grows by {per_doc:.2f} KB per document from {rows[0]['documents']} to "
            f"{rows[-1]['documents']} documents: the index the cross-document rules need (ids, seed file names and "
            "checksums, a flag per gold file); the annotation data streams through one document at a time. So the "
            "target (a constant plus one document) is missed by that index, which NC502-NC507 need: they compare "
            "every document with every other."
        )
    counted: list[dict[str, int]] = result.get("instructions", [])  # type: ignore[assignment]
    if len(counted) >= 2:
        # Per document between consecutive sizes: the fixed cost (imports, schema compile) cancels.
        pairs = list(itertools.pairwise(counted))
        marginal = [(b["instructions"] - a["instructions"]) / (b["documents"] - a["documents"]) for a, b in pairs]
        steps = "; ".join(
            f"{a['documents']} → {b['documents']}: {m / 1e6:.3f}M" for (a, b), m in zip(pairs, marginal, strict=True)
        )
        growth = f"; the last is {marginal[-1] / marginal[0] - 1:+.1%} on the first" if len(marginal) > 1 else ""
        lines.append(
            f"- **Work per document** (validate, instructions counted by callgrind, which do not depend on the "
            f"machine's load): {steps}{growth}."
        )
    return "\n".join(lines) + "\n"


# -- the brat import (issue #21): a case of its own, written to benchmarks/brat.md and .json ----------

COMMAND_STEP = """
import subprocess
ARGS = {args!r}
""".strip()
COMMAND_BODY = (
    "done = subprocess.run(ARGS, capture_output=True, text=True)\n"
    "extra = [done.returncode, done.stdout.splitlines()[-1:] or done.stderr.splitlines()[-1:]]"
)


def run_command(step: str, command: list[str], repo: Path, work: Path) -> dict[str, object]:
    """``command`` as a user runs it, in a fresh process: its time, its peak memory (the
    command's own: the child's), its exit code and last line of output."""
    STEPS[step] = (COMMAND_STEP.format(args=command), COMMAND_BODY)
    r = run_step(step, repo, work / "unused")
    return {"seconds": round(r["seconds"], 2), "peak_mb": round(r["peak_mb"]), "exit_and_last_line": r["extra"]}


def brat_corpus(work: Path, n: int, extra_annotators: int = 2, every: int = 5) -> tuple[Path, Path]:
    """A synthetic repository of ``n`` pages exported as brat (annotator ``a1`` for every page,
    ``a2``.. for every ``every``-th page, each dropping one mention and relabelling one noise
    span), and an empty repository (the registries only) to import it into."""
    import random
    import shutil

    from newsclaims.annotation.interchange.exporting import export_brat
    from newsclaims.annotation.interchange.mapping import default_mapping
    from newsclaims.synth import synthesize

    source = work / f"brat-source-{n}"
    synthesize(n, source, seed=n)
    mapping = default_mapping()
    export_brat(source, source / "brat" / "a1", mapping)
    rng = random.Random(n)
    anns = sorted((source / "brat" / "a1").glob("*.ann"))
    for k in range(2, 2 + extra_annotators):
        folder = source / "brat" / f"a{k}"
        folder.mkdir()
        for ann in anns[::every]:
            lines = ann.read_text(encoding="utf-8").splitlines(keepends=True)
            used = {part.split(":")[1] for line in lines if line.startswith("E") for part in line.split()[1:]}
            mentions = [
                line.split("\t")[0]
                for line in lines
                if line.startswith("T")
                and "\tNoise-" not in line
                and line.split("\t")[0] not in used
                and line.split("\t")[1].split(" ")[0] not in ("Source", "Cue", "Content", "Attribution")
            ]
            if mentions:  # one mention left out, with its N and # lines
                gone = rng.choice(mentions)
                lines = [
                    line for line in lines if line.split("\t")[0] != gone and gone not in line.split("\t")[1].split()
                ]
            noise = [i for i, line in enumerate(lines) if "\tNoise-" in line]
            if noise:  # one noise span relabelled
                i = rng.choice(noise)
                tid, rest = lines[i].split("\t", 1)
                lines[i] = f"{tid}\tNoise-other {rest.split(' ', 1)[1]}"
            (folder / ann.name).write_text("".join(lines), encoding="utf-8")
    target = work / f"brat-target-{n}"
    (target / "seeds").mkdir(parents=True)
    (target / "annotations" / "gold").mkdir(parents=True)
    (target / "seeds" / "manifest.json").write_text('{"schema_version": "1.1", "documents": []}\n', encoding="utf-8")
    for name in ("entities.json", "clusters.json"):
        shutil.copy(source / "annotations" / name, target / "annotations" / name)
    (source / "brat" / "mapping.json").write_text(json.dumps(mapping.model_dump(mode="json")), encoding="utf-8")
    return source, target


def bench_brat(n: int, work: Path) -> dict[str, object]:
    """Import ~n brat documents in one command (time, peak memory of that process), then validate
    the repository and run round agreement on the round, each as a command."""
    exe = str(Path(sys.executable).parent / "newsclaims")
    source, target = brat_corpus(work, n)
    brat = source / "brat"
    files = len(list(brat.rglob("*.ann")))
    commands = {
        "import": [
            exe,
            "import",
            "brat",
            str(brat),
            "--text-dir",
            str(brat / "a1"),
            "--mapping",
            str(brat / "mapping.json"),
            "--round",
            "brat",
            "--story",
            "imported",
            "--root",
            str(target),
        ],
        "validate": [exe, "validate", "--inputs-only", str(target)],
        "agreement": [exe, "round", "agreement", "brat", "--root", str(target)],
    }
    # The same import again: it must change nothing (and says so); timed apart, second.
    commands = {"import": commands["import"], "import_again": commands["import"], **commands}
    row: dict[str, object] = {"documents": n, "ann_files": files}
    for step, command in commands.items():
        row[step] = run_command(f"brat_{step}", command, target, work)
    return {"machine": machine(), "row": row}


def brat_markdown(result: dict[str, object]) -> str:
    row: dict[str, object] = result["row"]  # type: ignore[assignment]
    m: dict[str, str] = result["machine"]  # type: ignore[assignment]
    lines = [
        "# Benchmark: brat import (issue #21)",
        "",
        "Written by `scripts/bench.py --brat N`; do not edit. A synthetic repository (`newsclaims synth`) exported "
        "as brat (annotator a1 on every page; a2 and a3 on every fifth, each leaving out one mention and "
        "relabelling one noise span), imported into an empty repository in one command; then a second import "
        "of the same folder, `validate --inputs-only` and `round agreement`. Each is a command in a fresh process; "
        "peak MB is that command's. One run each, on a machine shared with other work: the times are indicative.",
        f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, {m['platform']}.",
        "",
        f"{row['documents']} documents, {row['ann_files']} .ann files.",
        "",
        "| step | seconds | peak MB | exit, last line |",
        "|---|---:|---:|---|",
    ]
    for step in ("import", "import_again", "validate", "agreement"):
        s: dict[str, object] = row[step]  # type: ignore[assignment]
        lines.append(f"| {step} | {s['seconds']} | {s['peak_mb']} | {s['exit_and_last_line']} |")
    return "\n".join(lines) + "\n"


# The second floor of round import: the files an import writes (the kept export, the annotator
# files, imports.json and the report), written again by a plain loop in a fresh process as the
# import writes them (each under a temporary name, one sync, each renamed into place), into a
# fresh folder. What no import can go below on this disk, whatever its Python.
WRITE_FLOOR = """
import os, sys
src, dst = sys.argv[1], sys.argv[2]
files = []
for top, _, names in os.walk(src):
    for name in names:
        rel = os.path.relpath(os.path.join(top, name), src)
        if rel.startswith(("annotators" + os.sep, "exports" + os.sep)) or rel in ("imports.json", "import-report.json"):
            with open(os.path.join(src, rel), "rb") as f:
                files.append((os.path.join(dst, rel), f.read()))
written = []
for path, data in files:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "xb") as f:
        f.write(data)
    written.append(path)
os.sync()
for path in written:
    os.replace(path + ".tmp", path)
print(len(written), "files")
"""


def bench_rounds(round_size: int, repo_size: int, work: Path) -> dict[str, object]:
    """A round of ``round_size`` pages in a synthetic repository of ``repo_size``: each round
    command as a user runs it (a fresh process, start-up included), and the floor an import is
    held to, a plain ``json.load`` of the export in a fresh process, in the same run; then the
    same files written by a plain loop (``WRITE_FLOOR``). Each step starts after a ``sync``
    (not timed), so that none pays for the writes of the step before."""
    exe = str(Path(sys.executable).parent / "newsclaims")
    repo = synthesized(work, "rounds", repo_size)
    manifest = json.loads((repo / "seeds" / "manifest.json").read_text(encoding="utf-8"))
    docs = ",".join(d["doc_id"] for d in manifest["documents"][:round_size])
    export = work / f"export-{round_size}.json"
    root = ["--root", str(repo)]
    create = [exe, "round", "create", "big", "--pass", "claims"]
    commands = {
        "create": [*create, "--docs", docs, "--annotators", "ann1=1,ann2=2", "--predictions", "gold", *root],
        "floor_parse_export": [sys.executable, "-c", f"import json; json.load(open({str(export)!r}, 'rb'))"],
        "import": [exe, "round", "import", "big", str(export), *root],
        "floor_write_files": [
            sys.executable,
            "-c",
            WRITE_FLOOR,
            str(repo / "annotations" / "rounds" / "big"),
            str(work / "write-floor"),
        ],
        "agreement": [exe, "round", "agreement", "big", *root],
        "adjudicate": [exe, "round", "adjudicate", "big", "--strategy", "union", *root],
    }
    row: dict[str, object] = {"round": round_size, "repository": repo_size}
    compileall.compile_dir(ROOT / "src" / "newsclaims", quiet=1)  # bytecode, as installed: see measure()
    for step, command in commands.items():
        if step == "floor_parse_export":  # the export two annotators would send back: both accepted the predictions
            tasks = json.loads((repo / "annotations" / "rounds" / "big" / "tasks.json").read_text(encoding="utf-8"))
            sent = [
                {
                    "id": tid,
                    "data": task["data"],
                    "annotations": [
                        {"id": 10 * tid + user, "completed_by": user, "result": task["predictions"][0]["result"]}
                        for user in (1, 2)
                    ],
                }
                for tid, task in enumerate(tasks, 1)
            ]
            export.write_text(json.dumps(sent), encoding="utf-8")
            row["export_mb"] = round(export.stat().st_size / 1e6, 1)
        os.sync()  # the writes of the step before (synth, create, the export) are not this step's
        row[step] = run_command(f"round_{step}", command, repo, work)
    return {"machine": machine(), "row": row}


def rounds_markdown(result: dict[str, object]) -> str:
    row: dict[str, object] = result["row"]  # type: ignore[assignment]
    m: dict[str, str] = result["machine"]  # type: ignore[assignment]
    steps: dict[str, dict[str, object]] = {k: v for k, v in row.items() if isinstance(v, dict)}
    floor = float(steps["floor_parse_export"]["seconds"])  # type: ignore[arg-type]
    writes = float(steps["floor_write_files"]["seconds"]) if "floor_write_files" in steps else float("nan")  # type: ignore[arg-type]
    lines = [
        "# Benchmark: round commands at corpus scale (issue #22, item 5)",
        "",
        "Written by `scripts/bench.py --rounds ROUND,REPOSITORY`; do not edit. A claims round of the first ROUND "
        "pages of a synthetic repository (`newsclaims synth`) of REPOSITORY pages, gold predictions, two annotators "
        "who both accept them. Each step is a command in a fresh process, start-up included; peak MB is that "
        "command's. The floor is `json.load` of the export in a fresh process, measured in the same run; the "
        "second floor adds `floor_write_files`, the files the import wrote (kept export, annotator files, "
        "imports.json, report) written again by a plain loop in a fresh process as the import writes them "
        "(temporary name, one sync, rename). Each step starts after a `sync`, not timed. One run each, on a "
        "machine shared with other work: the times are indicative.",
        f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, {m['platform']}.",
        "",
        f"A round of {row['round']} pages in a repository of {row['repository']}; export {row['export_mb']} MB.",
        "",
        "| step | seconds | x floor | x parse + writes | peak MB | exit, last line |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for step, s in steps.items():
        seconds = float(s["seconds"])  # type: ignore[arg-type]
        ratio = seconds / floor if floor else float("nan")
        both = seconds / (floor + writes) if floor + writes else float("nan")
        lines.append(
            f"| {step} | {s['seconds']} | {ratio:.2f} | {both:.2f} | {s['peak_mb']} | {s['exit_and_last_line']} |"
        )
    return "\n".join(lines) + "\n"


def write_case(out: Path, stem: str, result: dict[str, object], text: str) -> None:
    """A case's figures as ``out/<stem>.json`` and its report as ``out/<stem>.md`` (also printed)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(text, encoding="utf-8")
    print(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="2000,20000,100000")
    ap.add_argument("--errors", type=int, default=2, help="documents broken per rule family")
    ap.add_argument("--out", default=str(ROOT / "benchmarks"), help="folder for results.md and results.json")
    ap.add_argument("--work", help="scratch folder, made if missing (default: a temporary one)")
    ap.add_argument("--repeat", type=int, default=3, help=f"runs of each of {', '.join(REPEATED)}; the fastest is kept")
    ap.add_argument(
        "--instructions",
        default="",
        help="sizes at which to count validate's instructions with callgrind, after the timings, e.g. "
        "200,2000,20000 (about 20 minutes; 10^5 documents would take hours)",
    )
    ap.add_argument(
        "--brat", type=int, help="instead: the brat import case on this many documents (benchmarks/brat.md)"
    )
    ap.add_argument(
        "--rounds",
        help="instead: round commands, ROUND,REPOSITORY pages (e.g. 2000,20000) (benchmarks/rounds.md)",
    )
    ap.add_argument(
        "--incremental",
        help="instead: the incremental build and the corpus check at these sizes, e.g. 20000,100000 "
        "(benchmarks/incremental.md)",
    )
    ap.add_argument(
        "--build",
        help="instead: where build spends its time, pages/s per config, at these sizes, e.g. 2000,20000 "
        "(benchmarks/build.md; the code is scripts/bench_build.py)",
    )
    ap.add_argument(
        "--label",
        default="current",
        help="--build: NAME of this run in benchmarks/build.json, or NAME=SRC,NAME=SRC to compare code trees",
    )
    ap.add_argument(
        "--engine",
        help="instead: validate and build locally and on Ray Data at these sizes, e.g. 2000,20000 "
        "(benchmarks/engine.md; the code is scripts/bench_engine.py)",
    )
    args = ap.parse_args()
    if args.work:
        Path(args.work).mkdir(parents=True, exist_ok=True)
    if args.engine:
        from bench_engine import bench_engine, engine_markdown

        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            sizes = [int(n) for n in args.engine.split(",")]
            engine = bench_engine(sizes, Path(tmp), synthesized, run_step, run_command, args.repeat)
        engine["machine"] = machine()
        write_case(Path(args.out), "engine", engine, engine_markdown(engine))
        return 0
    if args.build:
        from bench_build import bench_build, record

        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            built = bench_build(
                [int(n) for n in args.build.split(",")], Path(tmp), synthesized, run_step, args.label, args.repeat
            )
        print(record(Path(args.out), built, machine()))
        return 0
    if args.incremental:
        from bench_incremental import bench_incremental, incremental_markdown

        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            incremental = bench_incremental([int(n) for n in args.incremental.split(",")], Path(tmp))
        write_case(Path(args.out), "incremental", incremental, incremental_markdown(incremental))
        return 0
    if args.rounds:
        round_size, repo_size = (int(x) for x in args.rounds.split(","))
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            rounds_result = bench_rounds(round_size, repo_size, Path(tmp))
        write_case(Path(args.out), "rounds", rounds_result, rounds_markdown(rounds_result))
        return 0
    if args.brat:
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            brat_result = bench_brat(args.brat, Path(tmp))
        write_case(Path(args.out), "brat", brat_result, brat_markdown(brat_result))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        result = bench(sizes, Path(tmp), args.errors, args.repeat)
        if args.instructions:
            counted = [int(n) for n in args.instructions.split(",")]
            result["instructions"] = work_per_document(counted, Path(tmp), args.errors)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
