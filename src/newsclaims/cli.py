"""The ``newsclaims`` command: a thin layer over the library API."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from newsclaims.api import validate
from newsclaims.core.extras import MissingExtra, require
from newsclaims.core.layout import find_root
from newsclaims.core.problems import RULES, exit_code, format_json, format_text

# Each command imports what only it needs: `newsclaims validate` runs in every CI job, and must
# not pay for build's and rounds' imports (datasets, pyarrow, spaCy, label-studio-sdk), which a
# core install does not even have (tests/test_install.py).


def _root(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    root = find_root(Path.cwd())
    if root is None:
        raise SystemExit("newsclaims: no repository here (no seeds/manifest.json in this folder or above); pass --root")
    return root


def cmd_validate(args: argparse.Namespace) -> int:
    problems = validate(*args.paths, corpus=not args.inputs_only, jobs=args.jobs)
    out = format_json(problems) if args.format == "json" else format_text(problems)
    sys.stdout.write(out)
    code = exit_code(problems)
    if args.format == "text":
        summary = "no problems found" if code == 0 else f"{len(problems)} problem(s) found"
        print(f"newsclaims validate: {summary}", file=sys.stderr)
    return code


def cmd_rules(args: argparse.Namespace) -> int:
    if args.format == "json":
        print(json.dumps([{"code": r.code, "doc": r.doc} for r in RULES.values()], indent=2))
    else:
        for r in RULES.values():
            print(f"{r.code}  {r.doc}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from newsclaims.docs import generated as schemagen

    schema_dir = Path(args.dir) if args.dir else _root(None) / "schema"

    def shown(name: str) -> str:
        # Names are relative to schema/ ("../DATASHEET.md" for the datasheet at the root): show plain paths.
        return os.path.normpath(schema_dir / name)

    if args.check:
        stale = schemagen.drift(schema_dir)
        for name in stale:
            print(f"{shown(name)}: out of date with the code or the data; run `newsclaims schema`", file=sys.stderr)
        return 1 if stale else 0
    changed = schemagen.write(schema_dir)
    print(f"schema: {len(changed)} file(s) written" + (f": {', '.join(map(shown, changed))}" if changed else ""))
    return 0


def cmd_seeds_add(args: argparse.Namespace) -> int:
    from newsclaims.annotation.seeds import SeedError, add_seed

    try:
        entry = add_seed(
            _root(args.root),
            Path(args.file),
            outlet=args.outlet,
            title=args.title,
            published=args.published,
            story_id=args.story,
            url=args.url,
            language=args.language,
            notes=args.notes,
        )
    except SeedError as e:
        print(f"newsclaims seeds add: refused: {e}", file=sys.stderr)
        return 1
    print(f"added seeds/{entry.file} to seeds/manifest.json as doc_id {entry.doc_id}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    require("corpus", "datasets", "pyarrow", "spacy")
    from newsclaims.corpus.build import BuildError, build

    root = _root(args.root)
    try:
        release = build(root, Path(args.out) if args.out else None, jobs=args.jobs)
    except BuildError as e:
        sys.stdout.write(format_text(e.problems))
        print(f"newsclaims build: {e}", file=sys.stderr)
        return 1
    rows = sum(n for per_split in release.counts.values() for n in per_split.values())
    print(
        f"built corpus {release.version}: {len(release.files)} data files, {rows} rows, "
        f"fingerprint {release.fingerprint[:16]}"
    )
    return 0


def cmd_round(args: argparse.Namespace) -> int:
    from newsclaims.annotation.rounds.round import RoundError

    handlers = {
        "create": _round_create,
        "import": _round_import,
        "pull": _round_import,
        "push": _round_push,
        "agreement": _round_agreement,
        "adjudicate": _round_adjudicate,
    }
    try:
        return handlers[args.round_command](args, _root(args.root))
    except (RoundError, OSError) as e:
        print(f"newsclaims round {args.round_command}: {e}", file=sys.stderr)
        return 2 if isinstance(e, OSError) else 1


def _round_create(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.rounds.round import create_round

    rnd = create_round(
        root,
        args.name,
        args.pass_,
        [d for d in args.docs.split(",") if d],
        [a for a in args.annotators.split(",") if a],
        args.predictions,
        datetime.date.today(),
    )
    print(f"created round {args.name} in {rnd.folder} ({args.pass_} pass, {args.predictions} predictions)")
    return 0


def _round_import(args: argparse.Namespace, root: Path) -> int:
    """``round import NAME EXPORT`` and ``round pull NAME`` (which downloads the export first)."""
    if args.round_command == "import":
        from newsclaims.annotation.rounds.importing import import_export

        report = import_export(root, args.name, Path(args.export).read_bytes())
    else:
        require("labelstudio", "label_studio_sdk")
        from newsclaims.annotation.rounds.server import connect, pull

        report = pull(root, args.name, connect())
    for issue in report.issues:
        print(issue)
    print(
        f"imported {report.imported} annotation file(s) from {report.annotations} annotation(s) in "
        f"{report.tasks} task(s); {report.cancelled} cancelled or skipped, "
        f"{report.refused_tasks} task(s) refused; export kept as {report.export}"
    )
    return 1 if any(not i.warning for i in report.issues) else 0


def _round_push(args: argparse.Namespace, root: Path) -> int:
    require("labelstudio", "label_studio_sdk")
    from newsclaims.annotation.rounds.server import connect, push

    project = push(root, args.name, connect())
    print(f"pushed round {args.name} to Label Studio project {project}")
    return 0


def _round_agreement(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.rounds.report import round_agreement

    agreement = round_agreement(root, args.name)
    pairs = len(agreement.pairs)
    print(f"wrote agreement.json and agreement.md for round {args.name} ({pairs} annotator pair(s))")
    return 0


def _round_adjudicate(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.rounds.adjudication import adjudicate

    decisions = json.loads(Path(args.decisions).read_text(encoding="utf-8")) if args.decisions else None
    result = adjudicate(root, args.name, args.strategy, decisions)
    open_conflicts = sum(len(d.conflicts) for d in result.documents.values())
    print(f"adjudicated round {args.name} ({args.strategy}): wrote {', '.join(result.written) or 'nothing'}")
    print(f"{open_conflicts} conflict(s) settled by the strategy, listed in adjudication.json")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from newsclaims.synth import synthesize

    done = synthesize(args.n, Path(args.out), seed=args.seed, errors=args.errors)
    print(
        f"wrote {done['documents']} synthetic documents to {args.out}; "
        f"{done['injected']} injected errors (injected.json)"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsclaims", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check files or a whole repository against every rule")
    v.add_argument("paths", nargs="*", help="repository folders or files (default: the repository here)")
    v.add_argument("--format", choices=["text", "json"], default="text")
    v.add_argument("--jobs", type=int, default=1, help="processes for the per-document checks (default 1)")
    v.add_argument(
        "--inputs-only",
        action="store_true",
        help="skip the corpus rules NC6xx (they rebuild the corpus: minutes at 10^5 documents)",
    )
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("rules", help="list every validation rule with its code")
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(func=cmd_rules)

    s = sub.add_parser(
        "schema", help="write schema/ (JSON Schema, SCHEMA.md) and the generated blocks of GUIDELINES.md, DATASHEET.md"
    )
    s.add_argument("--check", action="store_true", help="only check that every generated file is up to date")
    s.add_argument("--dir", help="folder to write into (default: schema/ of this repository)")
    s.set_defaults(func=cmd_schema)

    b = sub.add_parser("build", help="build corpus/ (parquet per config, card, checksums) from a valid repository")
    b.add_argument("--root", help="repository folder (default: the one here)")
    b.add_argument("--out", help="corpus folder (default: corpus/ of the repository)")
    b.add_argument("--jobs", type=int, default=1, help="processes for validation and rows (same bytes; default 1)")
    b.set_defaults(func=cmd_build)

    rounds = sub.add_parser("round", help="annotation rounds with Label Studio").add_subparsers(
        dest="round_command", required=True
    )
    rc = rounds.add_parser("create", help="write annotations/rounds/NAME/ with config, tasks and predictions")
    rc.add_argument("name")
    rc.add_argument("--pass", dest="pass_", required=True, choices=["noise", "entities", "claims"])
    rc.add_argument("--docs", required=True, help="comma-separated doc_ids")
    rc.add_argument(
        "--annotators", required=True, help="comma-separated annotator names, each optionally =<Label Studio user id>"
    )
    rc.add_argument("--predictions", default="none", choices=["gold", "rules", "none"])
    ri = rounds.add_parser("import", help="keep a Label Studio JSON export verbatim and convert it per annotator")
    ri.add_argument("name")
    ri.add_argument("export")
    ra = rounds.add_parser("agreement", help="write agreement.json and agreement.md")
    ra.add_argument("name")
    rj = rounds.add_parser("adjudicate", help="merge the annotators into gold")
    rj.add_argument("name")
    rj.add_argument("--strategy", default="majority", help="majority, or prefer:<annotator>")
    rj.add_argument("--decisions", help="hand-edited JSON: {doc_id: {accept: [unit keys], reject: [unit keys]}}")
    rp = rounds.add_parser("push", help="create a Label Studio project with the round's config and tasks")
    rp.add_argument("name")
    rl = rounds.add_parser("pull", help="download the project's export and import it")
    rl.add_argument("name")
    for round_parser in (rc, ri, ra, rj, rp, rl):
        round_parser.add_argument("--root", help="repository folder (default: the one here)")
        round_parser.set_defaults(func=cmd_round)

    sy = sub.add_parser("synth", help="write a deterministic synthetic repository (for benchmarks and tests)")
    sy.add_argument("n", type=int, help="number of documents")
    sy.add_argument("--out", required=True, help="folder to write (replaced whole)")
    sy.add_argument("--seed", type=int, default=0)
    sy.add_argument(
        "--errors", type=int, default=0, help="documents to break per rule family (listed in injected.json)"
    )
    sy.set_defaults(func=cmd_synth)

    seeds = sub.add_parser("seeds", help="manage the raw pages").add_subparsers(dest="seeds_command", required=True)
    a = seeds.add_parser("add", help="copy a page into seeds/ verbatim and add its manifest entry")
    a.add_argument("file")
    a.add_argument("--outlet", required=True)
    a.add_argument("--title", required=True)
    a.add_argument("--published", required=True, help="YYYY-MM-DD")
    a.add_argument("--story", required=True, help="story id (documents on the same story share it)")
    a.add_argument("--url")
    a.add_argument("--language", default="en")
    a.add_argument("--notes")
    a.add_argument("--root", help="repository folder (default: the one here)")
    a.set_defaults(func=cmd_seeds_add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # Piping into `head` must end quietly, not with a BrokenPipeError traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except MissingExtra as e:
        print(f"newsclaims {args.command}: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
