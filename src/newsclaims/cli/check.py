"""``newsclaims validate`` and ``newsclaims rules``: the validator, for people and CI."""

from __future__ import annotations

import argparse
import json
import sys

from newsclaims.api import validate
from newsclaims.cli.common import Subcommands, add_engine_options, engine_of
from newsclaims.core.problems import RULES, exit_code, format_json, format_text


def cmd_validate(args: argparse.Namespace) -> int:
    with engine_of(args) as engine:
        problems = validate(
            *args.paths, corpus=not args.inputs_only, jobs=args.jobs, rebuild=args.rebuild, engine=engine
        )
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


def register(sub: Subcommands) -> None:
    v = sub.add_parser("validate", help="check files or a whole repository against every rule")
    v.add_argument("paths", nargs="*", help="repository folders or files (default: the repository here)")
    v.add_argument("--format", choices=["text", "json"], default="text")
    v.add_argument("--jobs", type=int, default=1, help="processes for the per-document checks (default 1)")
    v.add_argument(
        "--inputs-only",
        action="store_true",
        help="skip the corpus rules NC6xx",
    )
    v.add_argument(
        "--rebuild",
        action="store_true",
        help="NC601 by a build from scratch, byte for byte, not from corpus/inputs.json (what release --tag does)",
    )
    add_engine_options(v)
    v.set_defaults(func=cmd_validate)
    r = sub.add_parser("rules", help="list every validation rule with its code")
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(func=cmd_rules)
