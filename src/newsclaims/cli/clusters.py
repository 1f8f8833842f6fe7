"""``newsclaims clusters …``: claim clusters proposed, decided and applied, never edited by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsclaims.cli.common import Subcommands, repository_root

if TYPE_CHECKING:
    from newsclaims.annotation.clusters import Applied


def cmd_clusters(args: argparse.Namespace) -> int:
    from newsclaims.annotation.clusters import ClusterError

    handlers = {
        "propose": _propose,
        "apply": _apply,
        "assign": _assign,
        "create": _create,
        "list": _list,
    }
    try:
        return handlers[args.clusters_command](args, repository_root(args.root))
    except ClusterError as e:
        print(f"newsclaims clusters {args.clusters_command}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"newsclaims clusters {args.clusters_command}: {e}", file=sys.stderr)
        return 2


def _propose(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.clusters import decisions_dumps, propose, write_decisions

    decisions = propose(root, args.doc or (), top=args.top, min_score=args.min_score)
    if args.out:
        write_decisions(Path(args.out), decisions)
    else:
        sys.stdout.write(decisions_dumps(decisions))
    where = args.out or "standard output"
    print(
        f"proposed candidates for {len(decisions.claims)} unclustered claim(s), written to {where}; "
        'fill in each "decision", then run `newsclaims clusters apply`',
        file=sys.stderr,
    )
    return 0


def _report(applied: Applied) -> None:
    parts = [f"{len(applied.assigned)} claim(s) assigned", f"{len(applied.created)} cluster(s) created"]
    if applied.unchanged:
        parts.append(f"{len(applied.unchanged)} already so")
    if applied.left:
        parts.append(f"{len(applied.left)} left without a cluster")
    if applied.undecided:
        parts.append(f"{len(applied.undecided)} undecided (skipped)")
    print(", ".join(parts))
    print(f"wrote {', '.join(applied.written)}" if applied.written else "nothing to change: no file written")


def _apply(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.clusters import apply_decisions, read_decisions

    path = Path(args.decisions)
    decisions = read_decisions(path)
    _report(apply_decisions(root, decisions, label=args.decisions))
    return 0


def _assign(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.clusters import assign

    _report(assign(root, args.doc_id, args.claim_id, args.cluster_id, replace=args.replace))
    return 0


def _create(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.clusters import create

    _report(create(root, args.cluster_id, args.story, args.statement, args.note))
    return 0


def _list(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.clusters import list_clusters

    listing = list_clusters(root, args.story)
    for item in listing:
        c = item.cluster
        print(f"{c.cluster_id}\t{c.story_id}\t{len(item.members)} member(s)\t{c.statement}")
        if args.members:
            for m in item.members:
                print(f"  {m.ref}\t{m.text}")
    print(f"{len(listing)} cluster(s)", file=sys.stderr)
    return 0


def register(sub: Subcommands) -> None:
    clusters = sub.add_parser("clusters", help="claim clusters: propose, apply, assign, create, list").add_subparsers(
        dest="clusters_command", required=True
    )
    p = clusters.add_parser("propose", help="candidate clusters for every claim without one, as a decisions file")
    p.add_argument("--doc", action="extend", nargs="+", metavar="DOC_ID", help="only the claims of these documents")
    p.add_argument("--out", metavar="FILE", help="write the decisions file here (default: standard output)")
    p.add_argument("--top", type=int, default=5, help="candidates per claim, at most (default 5)")
    p.add_argument("--min-score", type=float, default=0.05, help="leave out candidates below this (default 0.05)")
    a = clusters.add_parser("apply", help="apply a decisions file: all of it, or nothing")
    a.add_argument("decisions", metavar="DECISIONS.json")
    s = clusters.add_parser("assign", help="put one claim into an existing cluster of its story")
    s.add_argument("doc_id")
    s.add_argument("claim_id")
    s.add_argument("cluster_id")
    s.add_argument("--replace", action="store_true", help="even if the claim is in another cluster")
    c = clusters.add_parser("create", help="add a cluster to annotations/clusters.json")
    c.add_argument("cluster_id")
    c.add_argument("--story", required=True, help="the story of every member's document")
    c.add_argument("--statement", required=True, help="a canonical, neutral wording of the claim")
    c.add_argument("--note", help="why these claims are one cluster, where not obvious")
    li = clusters.add_parser("list", help="every cluster with its number of members")
    li.add_argument("--story", help="only the clusters of this story")
    li.add_argument("--members", action="store_true", help="list each cluster's claims too")
    for cluster_parser in (p, a, s, c, li):
        cluster_parser.add_argument("--root", help="repository folder (default: the one here)")
        cluster_parser.set_defaults(func=cmd_clusters)
