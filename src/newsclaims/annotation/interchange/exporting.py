"""``newsclaims export brat``: the gold, or a round's annotator files, as a brat collection.

``OUT/<doc_id>.txt`` is the seed's bytes as they are (brat's offsets count its line ends as
they are, and the same bytes re-import as the same document), ``OUT/<doc_id>.ann`` the
annotations; a round's files go to ``OUT/<annotator>/``, each with its text beside it.
``OUT/annotation.conf`` declares every type (brat opens the collection with it) and
``OUT/mapping.json`` is the mapping written with, which ``import brat`` reads them back with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from newsclaims.annotation.interchange.conf import annotation_conf
from newsclaims.annotation.interchange.convert import ExportError, Lost, gold_to_ann
from newsclaims.annotation.interchange.mapping import BratMapping
from newsclaims.core.files import read_bytes
from newsclaims.core.jsonio import dumps, write_bytes_atomic, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import GoldFile
from newsclaims.core.paths import OutsideRepository, inside_repository

LAYERS = ("mentions", "noise", "claims")


class ExportRefused(ValueError):
    """Nothing, or not all, could be written; the message says why."""


@dataclass(frozen=True)
class Exported:
    documents: int
    files: int


def only_layers(gold: GoldFile, layers: Collection[str]) -> GoldFile:
    """``gold`` with the layers not asked for emptied (claims take their attributions along)."""
    update: dict[str, object] = {}
    if "mentions" not in layers:
        update["mentions"] = []
        update["attributions"] = [
            a.model_copy(update={"source": a.source.model_copy(update={"mention_id": None})}) if a.source else a
            for a in gold.attributions
        ]
    if "noise" not in layers:
        update["noise"] = []
    if "claims" not in layers:
        update["claims"], update["attributions"] = [], []
    return gold.model_copy(update=update)


def cannot_carry(lost: dict[Lost, list[str]], present: Collection[str]) -> str:
    """Every thing the mapping cannot carry, one line each with where, and the --layers that can go
    (of the ``present`` ones: those asked for that have records)."""
    lines = ["the mapping cannot carry all of it, and an export loses nothing; nothing was written:"]
    for x, where in sorted(lost.items()):
        shown = ", ".join(where[:3]) + (", …" if len(where) > 3 else "")
        lines.append(f"  {x.what} ({len(where)} file(s): {shown})")
    carried = [layer for layer in LAYERS if layer in present and layer not in {x.layer for x in lost}]
    if carried:
        lines.append(f"  fix the mapping, or export only what it carries: --layers {','.join(carried)}")
    else:
        lines.append("  fix the mapping (docs/brat.md, The mapping file)")
    return "\n".join(lines)


def export_brat(
    root: Path,
    out_dir: Path,
    mapping: BratMapping,
    *,
    round_name: str | None = None,
    layers: Collection[str] | None = None,
) -> Exported:
    from newsclaims.annotation.rounds.round import Round, RoundError, annotator_files
    from newsclaims.validation.repository import Repository
    from newsclaims.validation.sources import InvalidInputs, load_sources

    chosen = set(layers or LAYERS)
    unknown = sorted(chosen - set(LAYERS))
    if unknown:
        raise ExportRefused(f"--layers: {', '.join(unknown)}: expected some of {', '.join(LAYERS)}")
    try:
        inside_repository(root, out_dir)
    except OutsideRepository as e:
        raise ExportRefused(str(e)) from None
    # (folder, doc_id) -> the file to write there
    todo: dict[tuple[str, str], GoldFile] = {}
    if round_name is None:
        try:
            src = load_sources(root)
        except InvalidInputs as e:
            raise ExportRefused(f"the repository does not validate ({e}); run newsclaims validate") from None
        todo = {("", doc_id): gold for doc_id, gold in src.gold.items()}
        manifest = {d: doc.entry for d, doc in src.documents.items()}
    else:
        try:
            files = annotator_files(Round(root, round_name))
        except RoundError as e:
            raise ExportRefused(str(e)) from None
        todo = {(who, doc_id): gold for doc_id, by_who in files.items() for who, gold in by_who.items()}
        repo = Repository.load(root)
        manifest = {e.doc_id: e for e in (repo.manifest.documents if repo.manifest else [])}
    seeds = Layout(root).seeds
    anns: dict[tuple[str, str], tuple[bytes, str]] = {}
    lost: dict[Lost, list[str]] = defaultdict(list)  # what the mapping cannot carry -> the files that have it
    for (who, doc_id), gold in sorted(todo.items()):
        entry = manifest.get(doc_id)
        if entry is None:
            raise ExportRefused(f"{doc_id}: not in seeds/manifest.json")
        data = read_bytes(seeds / entry.file)
        try:
            anns[(who, doc_id)] = (data, gold_to_ann(only_layers(gold, chosen), data.decode("utf-8"), mapping))
        except ExportError as e:
            for x in e.lost:
                lost[x].append(f"{who}/{doc_id}" if who else doc_id)
    if lost:
        present = {
            layer
            for gold in todo.values()
            for layer, records in (("mentions", gold.mentions), ("noise", gold.noise), ("claims", gold.claims))
            if records and layer in chosen
        }
        raise ExportRefused(cannot_carry(lost, present))
    for (who, doc_id), (data, ann) in anns.items():
        folder = out_dir / who if who else out_dir
        write_bytes_atomic(folder / f"{doc_id}.txt", data, root=root)
        write_text_atomic(folder / f"{doc_id}.ann", ann, root=root)
    write_text_atomic(out_dir / "annotation.conf", annotation_conf(mapping), root=root)
    write_text_atomic(out_dir / "mapping.json", dumps(mapping.model_dump(mode="json")), root=root)
    return Exported(len({d for _, d in anns}), len(anns))
