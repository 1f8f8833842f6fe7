"""``newsclaims synth``: a deterministic synthetic repository."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsclaims.cli.common import Subcommands


def cmd_synth(args: argparse.Namespace) -> int:
    from newsclaims.synth import synthesize

    done = synthesize(args.n, Path(args.out), seed=args.seed, errors=args.errors)
    print(
        f"wrote {done['documents']} synthetic documents to {args.out}; "
        f"{done['injected']} injected errors (injected.json)"
    )
    return 0


def register(sub: Subcommands) -> None:
    sy = sub.add_parser("synth", help="write a deterministic synthetic repository (for benchmarks and tests)")
    sy.add_argument("n", type=int, help="number of documents")
    sy.add_argument("--out", required=True, help="folder to write (replaced whole)")
    sy.add_argument("--seed", type=int, default=0)
    sy.add_argument(
        "--errors", type=int, default=0, help="documents to break per rule family (listed in injected.json)"
    )
    sy.set_defaults(func=cmd_synth)
