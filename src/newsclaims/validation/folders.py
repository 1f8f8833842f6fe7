"""The repository's folders as the layout says (docs/architecture.md §2), and every round.json.

The other checks read the files they expect where they expect them, and a wrong layout
would otherwise go unseen: ``annotations/gold`` that is a file lists no gold file, a stray
file in ``annotations/rounds/`` or a folder where an annotator's file belongs is skipped by
the listings, and no check read ``round.json``. Names starting with a dot (``.gitkeep``,
an editor's or a writer's temporary file) are not the layout's business and are passed over.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.layout import Layout, display
from newsclaims.core.patterns import NAME_PATTERN
from newsclaims.core.problems import Problem, problem
from newsclaims.schema.rounds import round_problems
from newsclaims.schema.shape import read_tree

# What a round folder holds by name, and of which kind (annotation/rounds/round.py lists them);
# other names are left alone, for round steps yet to come.
ROUND_FILES = (
    "round.json",
    "config.xml",
    "tasks.json",
    "import-report.json",
    "agreement.json",
    "agreement.md",
    "adjudication.json",
    "README.md",
)
ROUND_FOLDERS = ("annotators", "exports")


def _entries(folder: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(folder) if not n.startswith("."))
    except OSError:
        return []


def _not_a_folder(path: Path, what: str) -> list[Problem]:
    """NC510 when ``path`` exists and is not a folder (symlinks followed)."""
    if os.path.lexists(path) and not path.is_dir():
        return [problem("NC510", display(path), "", "", f"is a file, expected a folder ({what})")]
    return []


def _links_out(root: Path, folders: list[Path]) -> list[Problem]:
    """NC510 for every input that is a symlink resolving outside the repository (a folder of
    inputs, or an entry of one): what the repository builds into a published corpus must be in
    it, not whatever a link points at (a page symlinked to ``/etc/passwd`` would otherwise be
    read, validated and built). ``scandir`` says which entries are links without a system call
    per file; only those are resolved."""
    home = os.path.realpath(root)
    out: list[Problem] = []

    def outside(path: str) -> bool:
        real = os.path.realpath(path)
        return real != home and not real.startswith(home + os.sep)

    for folder in folders:
        if os.path.islink(folder) and outside(str(folder)):
            out.append(problem("NC510", display(folder), "", "", _LINK_OUT.format(os.path.realpath(folder))))
            continue
        try:
            with os.scandir(folder) as entries:
                links = sorted(e.path for e in entries if e.is_symlink())
        except OSError:
            continue
        out += [
            problem("NC510", display(Path(link)), "", "", _LINK_OUT.format(os.path.realpath(link)))
            for link in links
            if outside(link)
        ]
    return out


_LINK_OUT = "a symlink to {} outside the repository: newsclaims reads its inputs from the repository only"


def layout_problems(root: Path) -> list[Problem]:
    """Every problem of the folders of the repository at ``root``, and of each round.json."""
    lay = Layout(root)
    out = _links_out(root, [lay.seeds, lay.annotations, lay.gold])
    out += _not_a_folder(lay.annotations, "annotations/: gold files, registries and rounds")
    out += _not_a_folder(lay.gold, "annotations/gold/: one <doc_id>.json per document")
    out += _not_a_folder(lay.rounds, "annotations/rounds/: one folder per round")
    if not lay.rounds.is_dir():
        return out
    for name in _entries(lay.rounds):
        path = lay.rounds / name
        if not path.is_dir():
            out.append(
                problem(
                    "NC510",
                    display(path),
                    "",
                    "",
                    "a stray file: annotations/rounds/ holds only round folders (newsclaims round create)",
                )
            )
            continue
        out += _round(path)
    return out


def _round(folder: Path) -> list[Problem]:
    out: list[Problem] = []
    if not re.match(NAME_PATTERN, folder.name):
        out.append(
            problem(
                "NC105",
                display(folder),
                "",
                "",
                f"{folder.name!r} is not a valid round name: expected lower-case letters, digits, '_' or '-'",
            )
        )
    for name in ROUND_FILES:
        if (folder / name).is_dir():
            out.append(problem("NC510", display(folder / name), "", "", "is a folder, expected a file"))
    for name in ROUND_FOLDERS:
        out += _not_a_folder(folder / name, f"{name}/ of a round")
    out += _manifest(folder)
    annotators = folder / "annotators"
    for who in _entries(annotators) if annotators.is_dir() else []:
        path = annotators / who
        if not path.is_dir():
            out.append(problem("NC510", display(path), "", "", "a stray file: expected a folder per annotator"))
            continue
        if not re.match(NAME_PATTERN, who):
            out.append(
                problem(
                    "NC105",
                    display(path),
                    "",
                    "",
                    f"{who!r} is not a valid annotator name: expected lower-case letters, digits, '_' or '-'",
                )
            )
        out += [
            problem("NC510", display(path / n), "", "", "a stray entry: expected <doc_id>.json files only")
            for n in _entries(path)
            if not n.endswith(".json")
        ]
    return out


def _manifest(folder: Path) -> list[Problem]:
    path = folder / "round.json"
    label = display(path)
    if not os.path.lexists(path):
        return [problem("NC510", display(folder), "", "", "a round folder without round.json")]
    try:
        data = read_bytes(path)
    except Unreadable as e:
        return [problem("NC100", label, "", "", str(e))]
    raw, found = read_tree(label, data)
    return found or round_problems(label, folder.name, raw)
