"""``newsclaims entities …``: the entity registry and the links of mentions, never edited by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsclaims.cli.common import Subcommands, repository_root

if TYPE_CHECKING:
    from newsclaims.annotation.entities import Edited


def cmd_entities(args: argparse.Namespace) -> int:
    from newsclaims.annotation.entities import EntityError

    handlers = {
        "list": _list,
        "add": _add,
        "rename": _rename,
        "merge": _merge,
        "link": _link,
        "apply": _apply,
    }
    try:
        return handlers[args.entities_command](args, repository_root(args.root))
    except EntityError as e:
        print(f"newsclaims entities {args.entities_command}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"newsclaims entities {args.entities_command}: {e}", file=sys.stderr)
        return 2


def _report(edited: Edited) -> None:
    parts = []
    for what, items in (
        ("entity(ies) created", edited.created),
        ("entity(ies) removed", edited.removed),
        ("entity(ies) updated", edited.updated),
        ("mention(s) linked", edited.linked),
        ("mention(s) already so", edited.unchanged),
        ("group(s) left unlinked", edited.left),
        ("group(s) undecided (skipped)", edited.undecided),
    ):
        if items:
            parts.append(f"{len(items)} {what}")
    print(", ".join(parts) if parts else "nothing decided")
    print(f"wrote {', '.join(edited.written)}" if edited.written else "nothing to change: no file written")


def _list(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.entities import list_entities

    listing = list_entities(root, args.label)
    for item in listing:
        e = item.entity
        aliases = "; ".join(e.aliases)
        print(f"{e.entity_id}\t{e.label.value}\t{e.name}\t{aliases}\t{e.wikidata or ''}\t{item.mentions} mention(s)")
    print(f"{len(listing)} entity(ies)", file=sys.stderr)
    return 0


def _add(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.entities import add

    edited = add(
        root,
        args.entity_id,
        label=args.label,
        name=args.name,
        aliases=args.alias or (),
        wikidata=args.wikidata,
        note=args.note,
    )
    _report(edited)
    return 0


def _rename(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.entities import rename

    _report(rename(root, args.old, args.new))
    return 0


def _merge(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.entities import merge

    _report(merge(root, args.source, args.into))
    return 0


def _link(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.entities import decide, decisions_dumps, link, write_decisions

    decisions = link(root, round_name=args.round, doc_ids=args.doc or ())
    choices = [c for c in args.decide or () if c != "suggested"]
    decisions = decide(decisions, choices, suggested="suggested" in (args.decide or ()))
    undecided = sum(not g.decision for g in decisions.groups)
    if args.out:
        write_decisions(Path(args.out), decisions)
    else:
        sys.stdout.write(decisions_dumps(decisions))
    mentions = sum(len(g.mentions) for g in decisions.groups)
    print(
        f"{mentions} unlinked mention(s) in {len(decisions.groups)} group(s), written to "
        f"{args.out or 'standard output'}; {undecided} group(s) undecided "
        "(decide them with --decide, or in the file), then run `newsclaims entities apply`",
        file=sys.stderr,
    )
    return 0


def _apply(args: argparse.Namespace, root: Path) -> int:
    from newsclaims.annotation.entities import apply_decisions, read_decisions

    decisions = read_decisions(Path(args.decisions))
    _report(apply_decisions(root, decisions, label=args.decisions))
    return 0


def register(sub: Subcommands) -> None:
    entities = sub.add_parser(
        "entities", help="the entity registry and mention links: list, add, rename, merge, link, apply"
    ).add_subparsers(dest="entities_command", required=True)
    li = entities.add_parser("list", help="every entity (tab-separated) with its number of gold mentions")
    li.add_argument("--label", help="only the entities of this label")
    a = entities.add_parser("add", help="add an entity to annotations/entities.json")
    a.add_argument("entity_id", metavar="ID")
    a.add_argument("--label", required=True, help="its entity label (PERSON, ORG, GPE, …)")
    a.add_argument("--name", required=True, help="its canonical name")
    a.add_argument("--alias", action="append", metavar="ALIAS", help="another name it goes by (repeatable)")
    a.add_argument("--wikidata", metavar="QID", help="its Wikidata QID, only where certain")
    a.add_argument("--note", help="why this entity or QID, where not obvious")
    r = entities.add_parser("rename", help="give an entity a new id, rewriting every mention linked to it")
    r.add_argument("old", metavar="OLD")
    r.add_argument("new", metavar="NEW")
    m = entities.add_parser("merge", help="merge entity FROM into INTO, rewriting every mention of FROM")
    m.add_argument("source", metavar="FROM")
    m.add_argument("into", metavar="INTO")
    k = entities.add_parser("link", help="candidates for unlinked mentions, grouped, as a decisions file")
    which = k.add_mutually_exclusive_group(required=True)
    which.add_argument("--round", metavar="NAME", help="the unlinked mentions of this round's annotator files")
    which.add_argument(
        "--doc", action="extend", nargs="+", metavar="DOC_ID", help="those of these documents' annotation files"
    )
    k.add_argument("--out", metavar="FILE", help="write the decisions file here (default: standard output)")
    k.add_argument(
        "--decide",
        action="append",
        metavar="CHOICE",
        help="fill in decisions: 'suggested' (the best candidate of the group's label, else new), "
        "or KEY=DECISION / LABEL:KEY=DECISION (none, new, link ID); repeatable, later ones win",
    )
    p = entities.add_parser("apply", help="apply a decisions file: all of it, or nothing")
    p.add_argument("decisions", metavar="DECISIONS.json")
    for entity_parser in (li, a, r, m, k, p):
        entity_parser.add_argument("--root", help="repository folder (default: the one here)")
        entity_parser.set_defaults(func=cmd_entities)
