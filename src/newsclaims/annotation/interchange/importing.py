"""``newsclaims import brat``: a folder of ``.ann`` files into seeds and a round's annotator files.

Every ``.ann`` is one annotator's annotation of one text. Each text becomes a seed through
``seeds.add_seed`` (the same bytes as a seed already there: that seed's doc_id), each file an
annotator file of the round (``annotators/<who>/<doc_id>.json``), so ``round agreement`` and
``round adjudicate`` read it as they read a Label Studio import. A round's ``pass`` is what
adjudication works by, and brat files carry every layer at once: ``--pass auto`` (the default)
takes the one pass the mapping covers, or ``all`` when it covers several (measured, not
adjudicated); ``--pass noise|entities|claims`` keeps that pass's layers only, so one brat
folder can be imported as three rounds and each adjudicated. Files are rewritten only when
their bytes change, so a second import of the same folder leaves the tree as it was.
"""

from __future__ import annotations

import datetime
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsclaims.annotation.interchange.convert import ann_to_gold
from newsclaims.annotation.interchange.mapping import BratMapping
from newsclaims.annotation.interchange.problems import Issue
from newsclaims.annotation.interchange.standoff import parse_ann
from newsclaims.annotation.seeds import SeedError, add_seed, read_manifest
from newsclaims.annotation.splits import SplitError, split_for_new_page, split_of
from newsclaims.core.documents import decode_text, sha256_hex, text_sha256
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonio import dumps, model_dumps, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import SCHEMA_VERSION, GoldFile
from newsclaims.core.patterns import NAME_PATTERN
from newsclaims.validation.repository import Repository
from newsclaims.validation.rules import Registries, check_gold

PASS_CHOICES = ("auto", "noise", "entities", "claims", "all")
REPORT = "brat-import.json"
# How many times records breaking a rule are dropped and the file checked again: dropping a
# claim drops its attributions, which cannot break a further rule, so two rounds settle it.
_CHECK_ROUNDS = 4


class ImportRefused(ValueError):
    """The import cannot start (a bad name, pattern or round); nothing was changed."""


@dataclass(frozen=True)
class AnnSource:
    """One ``.ann`` file: whose, of which text."""

    path: Path
    shown: str  # relative to ANN_DIR, as issues name it
    doc: str
    annotator: str


@dataclass
class BratImport:
    round: str
    pass_: str
    files: int = 0
    imported: int = 0
    seeds_added: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)  # layer -> records another pass holds
    new_story_split: str | None = None  # the split --story was declared in, when this import declared it
    other_story: dict[str, str] = field(default_factory=dict)  # doc_id -> its story, when not --story
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """``brat-import.json``: what the last import found (no date, so a rerun changes nothing)."""
        return {
            "pass": self.pass_,
            "files": self.files,
            "imported": self.imported,
            "left_out_by_pass": dict(sorted(self.left_out.items())),
            "errors": [str(i) for i in self.issues if not i.warning],
            "warnings": [str(i) for i in self.issues if i.warning],
        }


def _name(value: str, what: str) -> str:
    if not re.match(NAME_PATTERN, value):
        raise ImportRefused(f"{what} {value!r} is not a valid name: lower-case letters, digits, '_' or '-'")
    return value


def find_ann_files(ann_dir: Path, pattern: str | None) -> tuple[list[AnnSource], list[Issue]]:
    """Every ``*.ann`` under ``ann_dir`` with its doc and annotator, and the files that fit neither."""
    if not ann_dir.is_dir():
        raise ImportRefused(f"{ann_dir}: not a folder")
    regex = None
    if pattern is not None:
        try:
            regex = re.compile(pattern)
        except re.error as e:
            raise ImportRefused(f"--annotator-pattern {pattern}: not a regular expression ({e})") from None
        if not {"doc", "annotator"} <= set(regex.groupindex):
            raise ImportRefused(
                f"--annotator-pattern {pattern}: needs the named groups (?P<doc>…) and (?P<annotator>…)"
            )
    found: list[AnnSource] = []
    issues: list[Issue] = []
    for path in sorted(ann_dir.rglob("*.ann")):
        shown = path.relative_to(ann_dir).as_posix()
        if regex is not None:
            m = regex.fullmatch(path.name)
            if m is None:
                issues.append(Issue(shown, 0, "NC809", "the file name does not match --annotator-pattern"))
                continue
            doc, who = m.group("doc"), m.group("annotator")
        else:
            doc, who = path.stem, path.parent.name
        if not re.match(NAME_PATTERN, who):
            issues.append(
                Issue(shown, 0, "NC809", f"annotator {who!r} is not a name (lower-case letters, digits, '_', '-')")
            )
            continue
        if not doc or "/" in doc or doc in (".", ".."):
            issues.append(Issue(shown, 0, "NC809", f"document {doc!r} is not a file name"))
            continue
        found.append(AnnSource(path, shown, doc, who))
    return found, issues


def auto_pass(mapping: BratMapping) -> str:
    covered = [
        kind
        for kind, used in (
            ("noise", mapping.noise),
            ("entities", mapping.mentions),
            ("claims", mapping.roles or mapping.events or mapping.relations),
        )
        if used
    ]
    return covered[0] if len(covered) == 1 else "all"


def keep_pass(gold: GoldFile, pass_: str) -> tuple[GoldFile, Counter[str]]:
    """Only the layers of ``pass_`` (every layer for "all"), and how many records were left out."""
    if pass_ == "all":
        return gold, Counter()
    keep = {"noise": {"noise"}, "entities": {"mentions"}, "claims": {"claims", "attributions"}}[pass_]
    left = Counter({layer: len(getattr(gold, layer)) for layer in ("mentions", "noise", "claims", "attributions")})
    update: dict[str, object] = {layer: [] for layer in left if layer not in keep}
    if pass_ == "claims":  # the mentions are not in this round: a source cannot link one
        update["attributions"] = [
            a.model_copy(update={"source": a.source.model_copy(update={"mention_id": None})}) if a.source else a
            for a in gold.attributions
        ]
    return gold.model_copy(update=update), Counter({k: v for k, v in left.items() if k not in keep and v})


def drop_breaking(gold: GoldFile, label: str, registries: Registries) -> tuple[GoldFile, list[tuple[str, str]]]:
    """``gold`` without the records that break a validation rule: (record id, problem) of each."""
    dropped: list[tuple[str, str]] = []
    for _ in range(_CHECK_ROUNDS):
        problems = check_gold(label, gold, registries)
        bad = {p.record for p in problems if p.record != "-"}
        if not problems:
            break
        dropped += [(p.record, f"{p.code} {p.field}: {p.message}") for p in problems]
        if not bad:
            break
        claims = [c for c in gold.claims if c.claim_id not in bad]
        kept_claims = {c.claim_id for c in claims}
        attributions = [a for a in gold.attributions if a.attribution_id not in bad and a.claim_id in kept_claims]
        kept_attrs = {a.attribution_id for a in attributions}
        mentions = [m for m in gold.mentions if m.mention_id not in bad]
        kept_mentions = {m.mention_id for m in mentions}
        attributions = [
            a.model_copy(
                update={
                    "parent_id": a.parent_id if a.parent_id in kept_attrs else None,
                    "source": a.source.model_copy(update={"mention_id": None})
                    if a.source and a.source.mention_id not in kept_mentions
                    else a.source,
                }
            )
            for a in attributions
        ]
        gold = gold.model_copy(
            update={
                "mentions": mentions,
                "noise": [n for n in gold.noise if n.noise_id not in bad],
                "claims": claims,
                "attributions": attributions,
            }
        )
    return gold, dropped


def _write_if_changed(root: Path, path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        if path.is_file() and not path.is_symlink() and read_bytes(path) == data:
            return False
    except Unreadable:
        pass
    write_text_atomic(path, text, root=root)
    return True


def import_brat(
    root: Path,
    ann_dir: Path,
    text_dir: Path | None,
    mapping: BratMapping,
    round_name: str,
    story: str,
    *,
    annotator_pattern: str | None = None,
    pass_: str = "auto",
    split: str | None = None,
    today: datetime.date | None = None,
) -> BratImport:
    """Import every ``.ann`` under ``ann_dir``; what could not be imported is an issue of the result."""
    from newsclaims.annotation.rounds.round import Round, RoundError, RoundManifest

    _name(round_name, "round")
    _name(story, "story")
    try:
        declared, _ = split_for_new_page(Layout(root), story, split)
    except SplitError as e:
        raise ImportRefused(str(e)) from None
    if pass_ not in PASS_CHOICES:
        raise ImportRefused(f"pass {pass_!r}: expected one of {', '.join(PASS_CHOICES)}")
    kind = auto_pass(mapping) if pass_ == "auto" else pass_
    sources, issues = find_ann_files(ann_dir, annotator_pattern)
    result = BratImport(round_name, kind, files=len(sources) + len(issues), issues=issues)
    rnd = Round(root, round_name)
    existing = None
    if (rnd.folder / "round.json").exists():
        try:
            existing = rnd.manifest()
        except RoundError as e:
            raise ImportRefused(str(e)) from None
        if existing.pass_ != kind:
            raise ImportRefused(f"round {round_name} is a round of the {existing.pass_} pass, not {kind}")

    # The texts, each read once: TEXT_DIR/<doc>.txt, else the .txt beside the .ann (an export of
    # a round puts each annotator's texts in its folder); then the seeds.
    text_of: dict[AnnSource, Path] = {}
    texts: dict[Path, bytes | str] = {}  # the bytes, or why there are none
    for src in sources:
        beside = src.path.with_suffix(".txt")
        candidates = list(dict.fromkeys([text_dir / f"{src.doc}.txt", beside] if text_dir else [beside]))
        path = next((p for p in candidates if p.exists()), None)
        if path is None:  # a key of this .ann's own (never read): its reason names its own folder
            path = src.path.with_suffix(".missing")
            shown = f"neither {candidates[0]} nor {candidates[1]}" if len(candidates) > 1 else str(candidates[0])
            texts[path] = f"no text: {shown} exists"
        text_of[src] = path
        if path in texts:
            continue
        try:
            data = read_bytes(path)
            data.decode("utf-8")
            texts[path] = data
        except Unreadable as e:
            texts[path] = f"its text {path}: {e}"
        except UnicodeDecodeError as e:
            texts[path] = f"its text {path}: not UTF-8 (byte {e.start})"
    by_sha = {e.sha256: e for e in read_manifest(Layout(root)).documents}
    doc_ids: dict[Path, str] = {}
    for path, text_bytes in sorted(texts.items()):
        if isinstance(text_bytes, str):
            continue
        known = by_sha.get(sha256_hex(text_bytes))
        if known is not None:
            doc_ids[path] = known.doc_id
            if known.story_id != story:
                result.other_story[known.doc_id] = known.story_id
            continue
        try:
            entry = add_seed(
                root,
                path,
                outlet=None,
                title=path.stem,
                published=None,
                story_id=story,
                notes=f"imported from brat standoff ({path.name}) with `newsclaims import brat`",
                split=split,
            )
        except SeedError as e:
            texts[path] = f"its text was refused as a seed: {e}"
            continue
        by_sha[entry.sha256] = entry
        doc_ids[path] = entry.doc_id
        result.seeds_added.append(entry.doc_id)
    if result.seeds_added and declared is None:
        now = split_of(Layout(root), story)
        result.new_story_split = now.value if now else None

    repo = Repository.load(root)
    registries = repo.registries  # built once: it indexes every document
    entities = {e.entity_id: e.label.value for e in (repo.entities or {}).values()}
    files: dict[tuple[str, str], str] = {}  # (annotator, doc_id) -> the .ann it came from
    outputs: dict[tuple[str, str], str] = {}  # (annotator, doc_id) -> the annotator file's text
    for src in sources:
        text_bytes = texts[text_of[src]]
        if isinstance(text_bytes, str):  # said for every .ann of that text, each on its own line
            result.issues.append(Issue(src.shown, 0, "NC809", text_bytes))
            continue
        try:
            content = read_bytes(src.path).decode("utf-8")
        except (Unreadable, UnicodeDecodeError) as e:
            result.issues.append(Issue(src.shown, 0, "NC809", f"cannot be read: {e}"))
            continue
        doc_id = doc_ids[text_of[src]]
        raw = text_bytes.decode("utf-8")
        key = (src.annotator, doc_id)
        if key in files:
            result.issues.append(
                Issue(src.shown, 0, "NC809", f"{files[key]} is {src.annotator}'s annotation of the same text already")
            )
            continue
        converted = ann_to_gold(
            parse_ann(content, src.shown),
            raw,
            mapping,
            file=src.shown,
            doc_id=doc_id,
            text_sha256=text_sha256(decode_text(text_bytes)),
            annotator=src.annotator,
            round_name=round_name,
            known_entities=entities,
        )
        result.issues += converted.issues
        gold, left = keep_pass(converted.gold, kind)
        result.left_out += left
        # Named as the file will be, so that the rules treat it as a round's (unlinked mentions allowed).
        label = f"annotations/rounds/{round_name}/annotators/{src.annotator}/{doc_id}.json"
        gold, dropped = drop_breaking(gold, label, registries)
        for record, why in dropped:
            result.issues.append(Issue(src.shown, converted.lines.get(record, 0), "NC807", f"{record}: {why}"))
        files[key] = src.shown
        result.imported += 1
        outputs[key] = model_dumps(gold)

    if not files and existing is None:
        result.issues.sort()
        return result
    documents = sorted({d for _, d in files} | set(existing.documents if existing else []))
    annotators = sorted({w for w, _ in files} | set(existing.annotators if existing else []))
    manifest = (
        existing.model_copy(update={"documents": documents, "annotators": annotators})
        if existing is not None
        else RoundManifest(
            schema_version=SCHEMA_VERSION,
            name=round_name,
            pass_=kind,  # type: ignore[arg-type]  # one of RoundPass, checked above
            documents=documents,
            annotators=annotators,
            predictions="none",
            created=(today or datetime.date.today()).isoformat(),
        )
    )
    data_out = manifest.as_dict()
    if existing is None:
        data_out["imported_from"] = "brat standoff (newsclaims import brat)"
    result.issues.sort()
    rnd.target().mkdir(parents=True, exist_ok=True)
    # Written under the round's lock, as round import writes: two imports never interleave.
    with rnd.lock():
        for (who, doc_id), text in sorted(outputs.items()):
            target = rnd.target("annotators", who, f"{doc_id}.json")
            if _write_if_changed(root, target, text):
                result.written.append(target.relative_to(os.path.realpath(root)).as_posix())
        _write_if_changed(root, rnd.target("round.json"), dumps(data_out))
        _write_if_changed(root, rnd.target(REPORT), dumps(result.as_dict()))
    result.issues.sort()
    return result
