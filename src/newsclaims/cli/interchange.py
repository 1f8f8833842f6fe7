"""``newsclaims import brat`` and ``newsclaims export brat|conll|spacy``: other tools' formats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsclaims.cli.common import Subcommands, repository_root

if TYPE_CHECKING:
    from newsclaims.annotation.interchange.mapping import MappingError


def mapping_refused(command: str, e: MappingError, consequence: str) -> int:
    """A mapping that cannot be read (2), or one located line per problem of an invalid one (1)."""
    if e.unreadable:
        print(f"newsclaims {command}: cannot read the mapping: {e}", file=sys.stderr)
        return 2
    problems = str(e).splitlines()
    for line in problems:
        print(line, file=sys.stderr)
    print(
        f"newsclaims {command}: refused: the mapping has {len(problems)} problem(s), above; {consequence}",
        file=sys.stderr,
    )
    return 1


def cmd_import_brat(args: argparse.Namespace) -> int:
    from newsclaims.annotation.interchange.importing import ImportRefused, import_brat
    from newsclaims.annotation.interchange.mapping import MappingError, read_mapping

    try:
        mapping = read_mapping(Path(args.mapping))
    except MappingError as e:
        return mapping_refused("import brat", e, "nothing was imported")
    root = repository_root(args.root)
    try:
        result = import_brat(
            root,
            Path(args.ann_dir),
            Path(args.text_dir) if args.text_dir else None,
            mapping,
            args.round,
            args.story,
            annotator_pattern=args.annotator_pattern,
            pass_=args.pass_,
            split=args.split,
        )
    except ImportRefused as e:
        print(f"newsclaims import brat: refused: {e}", file=sys.stderr)
        return 1
    for issue in result.issues:
        print(issue)
    if result.new_story_split is not None:
        print(
            f"story {args.story} is new: its pages are in the {result.new_story_split} split "
            f"(annotations/splits.json); move it with `newsclaims splits set {args.story} SPLIT`"
        )
    for doc_id, story in sorted(result.other_story.items()):
        print(f"{doc_id}: its text was already a seed, of story {story}: it stays there (not --story {args.story})")
    errors = sum(not i.warning for i in result.issues)
    left = ", ".join(f"{n} {layer}" for layer, n in sorted(result.left_out.items()))
    print(
        f"round {result.round} ({result.pass_} pass): {result.imported} of {result.files} .ann file(s) imported, "
        f"{len(result.seeds_added)} new seed(s), {len(result.written)} annotator file(s) written, "
        f"{errors} error(s), {len(result.issues) - errors} warning(s)"
        + (f"; left out as not of this pass: {left}" if left else "")
    )
    return 1 if errors else 0


def cmd_export_brat(args: argparse.Namespace) -> int:
    from newsclaims.annotation.interchange.exporting import ExportRefused, export_brat
    from newsclaims.annotation.interchange.mapping import MappingError, default_mapping, read_mapping

    try:
        mapping = read_mapping(Path(args.mapping)) if args.mapping else default_mapping()
    except MappingError as e:
        return mapping_refused("export brat", e, "nothing was written")
    layers = args.layers.split(",") if args.layers else None
    try:
        written = export_brat(
            repository_root(args.root), Path(args.out_dir), mapping, round_name=args.round, layers=layers
        )
    except ExportRefused as e:
        print(f"newsclaims export brat: refused: {e}", file=sys.stderr)
        return 1
    print(f"wrote {written.documents} document(s), {written.files} .ann file(s) and annotation.conf to {args.out_dir}")
    return 0


def cmd_export_tokens(args: argparse.Namespace) -> int:
    from newsclaims.core.extras import require

    require("corpus", "spacy")
    from newsclaims.corpus.interchange import ExportRefused, export_conll, export_spacy

    root = repository_root(args.root)
    try:
        if args.export_command == "conll":
            count = export_conll(root, Path(args.out))
        else:
            count = export_spacy(root, Path(args.out))
    except ExportRefused as e:
        print(f"newsclaims export {args.export_command}: refused: {e}", file=sys.stderr)
        return 1
    print(f"wrote {count} document(s) to {args.out}")
    return 0


def register(sub: Subcommands) -> None:
    imp = sub.add_parser("import", help="import annotations made with another tool").add_subparsers(
        dest="import_command", required=True
    )
    b = imp.add_parser("brat", help="brat standoff (.ann + .txt) into seeds and a round's annotator files")
    b.add_argument("ann_dir", metavar="ANN_DIR", help="folder of .ann files (one annotator's annotation each)")
    b.add_argument(
        "--text-dir",
        help="folder of the texts, <doc>.txt (default, and where TEXT_DIR has none: the .txt beside each .ann)",
    )
    b.add_argument("--mapping", required=True, help="what each brat type becomes (JSON or TOML; docs/brat.md)")
    b.add_argument("--round", required=True, help="the round the annotator files go to")
    b.add_argument("--story", required=True, help="story id of the texts that become new seeds")
    b.add_argument(
        "--annotator-pattern",
        help="regex with named groups doc and annotator, matched against each .ann file name "
        "(default: the annotator is the parent folder's name, the doc the file's stem)",
    )
    b.add_argument(
        "--pass",
        dest="pass_",
        default="auto",
        choices=("auto", "noise", "entities", "claims", "all"),
        help="the round's pass: auto takes the one pass the mapping covers, or all (measured, not adjudicated)",
    )
    b.add_argument(
        "--split",
        choices=["train", "validation", "test"],
        help="split of --story when this import declares it (default: test); a story already declared keeps its own",
    )
    b.add_argument("--root", help="repository folder (default: the one here)")
    b.set_defaults(func=cmd_import_brat)

    exp = sub.add_parser("export", help="write the gold (or a round) for other tools").add_subparsers(
        dest="export_command", required=True
    )
    e = exp.add_parser("brat", help="brat standoff with annotation.conf (and the mapping that reads it back)")
    e.add_argument("out_dir", metavar="OUT_DIR", help="folder to write, inside the repository")
    e.add_argument("--round", help="export this round's annotator files (one folder per annotator) instead of gold")
    e.add_argument("--layers", help="comma-separated: mentions,noise,claims (default: all)")
    e.add_argument("--mapping", help="the mapping to write with (default: docs/brat.md's event layout)")
    e.add_argument("--root", help="repository folder (default: the one here)")
    e.set_defaults(func=cmd_export_brat)
    for name, what in (
        ("conll", "the tokens as CoNLL-2003-style columns (token, entity BIO, noise BIO, attribution role BIO)"),
        ("spacy", "a spaCy DocBin: entity spans, noise and attribution roles as span groups"),
    ):
        t = exp.add_parser(name, help=what)
        t.add_argument("out", metavar="OUT", help="file to write, inside the repository")
        t.add_argument("--root", help="repository folder (default: the one here)")
        t.set_defaults(func=cmd_export_tokens)
