"""``newsclaims round …``: annotation rounds, from files or with a running Label Studio."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from newsclaims.cli.common import Subcommands, repository_root
from newsclaims.core.extras import require


def cmd_round(args: argparse.Namespace) -> int:
    """Exit 0 done, 1 refused (bad input, or problems in an import), 2 a file or the server failed."""
    from newsclaims.annotation.rounds.round import RoundError, ServerError, UnreadableRoundFile

    handlers = {
        "create": _round_create,
        "import": _round_import,
        "pull": _round_import,
        "push": _round_push,
        "agreement": _round_agreement,
        "adjudicate": _round_adjudicate,
    }
    try:
        return handlers[args.round_command](args, repository_root(args.root))
    except (RoundError, OSError) as e:
        print(f"newsclaims round {args.round_command}: {e}", file=sys.stderr)
        return 2 if isinstance(e, OSError | ServerError | UnreadableRoundFile) else 1


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
        from newsclaims.annotation.rounds.round import MAX_EXPORT, Round, read_round_file

        Round(root, args.name)  # the name, checked before the export is even read
        report = import_export(root, args.name, read_round_file(Path(args.export), limit=MAX_EXPORT), args.force)
    else:
        require("labelstudio", "label_studio_sdk")
        from newsclaims.annotation.rounds.server import connect, pull

        report = pull(root, args.name, connect(), args.force)
    for issue in report.issues:
        print(issue)
    print(
        f"imported {report.imported} annotation file(s) from {report.annotations} annotation(s) in "
        f"{report.tasks} task(s); {report.cancelled} cancelled or skipped, {report.drafts} draft(s), "
        f"{report.refused_tasks} task(s) refused; export kept as {report.export}"
    )
    return 1 if any(not i.warning for i in report.issues) else 0


def _round_push(args: argparse.Namespace, root: Path) -> int:
    require("labelstudio", "label_studio_sdk")
    from newsclaims.annotation.rounds.server import connect, push

    pushed = push(root, args.name, connect())
    users = ", ".join(f"{who} ({account})" for who, account in pushed.accounts.items())
    print(
        f"pushed round {args.name} to Label Studio project {pushed.project}: {pushed.tasks} task(s), "
        f"each served to {pushed.maximum_annotations} annotator(s): {users}"
    )
    return 0


def _round_agreement(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.rounds.report import round_agreement

    agreement = round_agreement(root, args.name)
    pairs = len(agreement.pairs)
    print(f"wrote agreement.json and agreement.md for round {args.name} ({pairs} annotator pair(s))")
    return 0


def _round_adjudicate(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.rounds.adjudication import adjudicate, read_round_decisions

    if args.push or args.pull is not None:
        return _round_review(args, root)
    strategy = args.strategy or "majority"
    decisions = read_round_decisions(Path(args.decisions)) if args.decisions else None
    result = adjudicate(root, args.name, strategy, decisions)
    for doc_id, d in result.documents.items():
        kept_conflicts = len(d.conflicts) - len(d.dropped)
        print(
            f"{doc_id}: {d.kept} unit(s) kept; {len(d.conflicts)} not marked by every annotator: "
            f"{kept_conflicts} kept, {len(d.dropped)} dropped by {strategy}"
        )
    dropped = sum(len(d.dropped) for d in result.documents.values())
    even = any(d.annotators % 2 == 0 for d in result.documents.values())
    if strategy == "majority" and dropped and even:
        print(
            f"warning: majority of an even number of annotators keeps only what more than half marked; "
            f"{dropped} unit(s) were dropped (listed under 'dropped' in adjudication.json): review them, "
            "or use --strategy union, prefer:NAME, --decisions, or --push (a review in Label Studio)",
            file=sys.stderr,
        )
    print(f"adjudicated round {args.name} ({strategy}): wrote {', '.join(result.written) or 'nothing'}")
    print("every conflict, kept or dropped, is listed in adjudication.json")
    return 0


def _round_review(args: argparse.Namespace, root: Path) -> int:
    """``--push``: a review project in Label Studio; ``--pull [EXPORT]``: the review into gold."""
    from newsclaims.annotation.rounds.review import apply_review
    from newsclaims.annotation.rounds.round import MAX_EXPORT, Round, RoundError, read_round_file

    if args.decisions:
        raise RoundError("--decisions is for adjudication from files; a review in Label Studio decides itself")
    if args.push and args.pull is not None:
        raise RoundError("--push creates the review project, --pull applies it: give one of them")
    if args.pull:  # a downloaded review export: no server needed
        Round(root, args.name)  # the name, checked before the export is even read
        pulled = apply_review(root, args.name, read_round_file(Path(args.pull), limit=MAX_EXPORT))
    else:
        require("labelstudio", "label_studio_sdk")
        from newsclaims.annotation.rounds.review import pull_review, push_review
        from newsclaims.annotation.rounds.server import connect

        if args.push:
            strategy = args.strategy or "union"
            pushed = push_review(root, args.name, connect(), strategy)
            print(
                f"pushed the review of round {args.name} to Label Studio project {pushed.project}: "
                f"{pushed.tasks} task(s), each with every annotator's version as a prediction, "
                f"pre-filled with {strategy}"
            )
            print(f"when the reviewer has submitted every task: newsclaims round adjudicate {args.name} --pull")
            return 0
        pulled = pull_review(root, args.name, connect())
    for issue in pulled.issues:
        print(issue)
    result = pulled.result
    if result is not None:
        for doc_id, d in result.documents.items():
            left_out = len(d.dropped)
            print(f"{doc_id}: reviewed by {d.reviewer}: {d.kept} unit(s) kept, {left_out} of the annotators' left out")
    written = ", ".join(result.written) if result is not None and result.written else "nothing"
    print(f"adjudicated round {args.name} (review): wrote {written}; review export kept as {pulled.export}")
    return 1 if any(not i.warning for i in pulled.issues) else 0


def register(sub: Subcommands) -> None:
    rounds = sub.add_parser("round", help="annotation rounds with Label Studio").add_subparsers(
        dest="round_command", required=True
    )
    rc = rounds.add_parser("create", help="write annotations/rounds/NAME/ with config, tasks and predictions")
    rc.add_argument("name")
    rc.add_argument("--pass", dest="pass_", required=True, choices=["noise", "entities", "claims"])
    rc.add_argument("--docs", required=True, help="comma-separated doc_ids")
    rc.add_argument(
        "--annotators",
        required=True,
        help="comma-separated annotator names, each =<Label Studio user id> or =<email> (ann1=2,ann2=bea@newsroom.org)",
    )
    rc.add_argument("--predictions", default="none", choices=["gold", "rules", "none"])
    ri = rounds.add_parser("import", help="keep a Label Studio JSON export verbatim and convert it per annotator")
    ri.add_argument("name")
    ri.add_argument("export")
    force = "import an annotation even where it is older than (or by another user than) what its annotator file holds"
    ri.add_argument("--force", action="store_true", help=force)
    ra = rounds.add_parser("agreement", help="write agreement.json and agreement.md")
    ra.add_argument("name")
    rj = rounds.add_parser("adjudicate", help="merge the annotators into gold")
    rj.add_argument("name")
    rj.add_argument(
        "--strategy",
        help="majority (more than half of the annotators; the default), union (anything anyone marked), "
        "or prefer:<annotator>; with --push, what pre-fills the review (default union)",
    )
    rj.add_argument("--decisions", help="hand-edited JSON: {doc_id: {accept: [unit keys], reject: [unit keys]}}")
    rj.add_argument(
        "--push",
        action="store_true",
        help="create a Label Studio review project: each annotator's version is a prediction named by them",
    )
    rj.add_argument(
        "--pull",
        nargs="?",
        const="",
        metavar="EXPORT",
        help="apply the submitted reviews to gold: downloaded from Label Studio, or from a review EXPORT file",
    )
    rp = rounds.add_parser("push", help="create a Label Studio project with the round's config and tasks")
    rp.add_argument("name")
    rl = rounds.add_parser("pull", help="download the project's export and import it")
    rl.add_argument("name")
    rl.add_argument("--force", action="store_true", help=force)
    for round_parser in (rc, ri, ra, rj, rp, rl):
        round_parser.add_argument("--root", help="repository folder (default: the one here)")
        round_parser.set_defaults(func=cmd_round)
