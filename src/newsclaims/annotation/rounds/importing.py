"""``round import``: a Label Studio export kept verbatim, then converted into annotator files.

Who made an annotation is decided by the round's accounts alone (``round.json``: each
annotator's Label Studio user id and email): ``completed_by`` is a user id in the default
export and a user object (id, email, ...) in a snapshot export, and both are matched the same
way, by id and by email. A name is never made up from an email, and two different users never
become one annotator. Whatever is not imported is a line of the report, and stays in the kept
export: an unknown user (NC709), a second task for a document (NC710), a second annotation by
the same user on a task (NC711), a draft (NC712), a cancelled annotation (NC713).

An import never loses work silently. ``imports.json`` in the round folder records, for each
annotator file, the annotation it was made from (id, task, ``updated_at``, user, export). An
annotation older than that one (or with no ``updated_at`` where the file's had one), or made by
another user, does not overwrite the file: it is a line (NC717) saying what it would change,
unless ``force`` (then a warning, NC718). An export of another Label Studio project than the
round's, or whose results use none of the round's config's controls (another pass), is refused
as a whole: nothing is written but the export itself, kept verbatim. The round's lock
(``Round.lock``) is held throughout, so two imports never interleave their files.
"""

from __future__ import annotations

import datetime
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from newsclaims.annotation.labelstudio.config import Pass, labeling_config
from newsclaims.annotation.labelstudio.convert import Issue, convert
from newsclaims.annotation.rounds.round import (
    Account,
    Round,
    RoundError,
    RoundManifest,
    _name,
    parse_json,
    read_round_file,
)
from newsclaims.core.collector import collector_paused
from newsclaims.core.documents import Document, sha256_hex
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonio import dumps, write_many_atomic, write_text_atomic
from newsclaims.core.layout import display
from newsclaims.core.models import GoldFile
from newsclaims.validation.index import Index, Listed
from newsclaims.validation.rules import Registries, check_seed


@dataclass
class ImportReport:
    export: str
    tasks: int = 0
    annotations: int = 0
    imported: int = 0
    cancelled: int = 0
    drafts: int = 0
    refused_tasks: int = 0
    written: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "export": self.export,
            "tasks": self.tasks,
            "annotations": self.annotations,
            "imported": self.imported,
            "cancelled": self.cancelled,
            "drafts": self.drafts,
            "refused_tasks": self.refused_tasks,
            "written": self.written,
            "errors": [str(i) for i in self.issues if not i.warning],
            "warnings": [str(i) for i in self.issues if i.warning],
        }


@dataclass(frozen=True)
class User:
    """Who made an annotation, as the export says it: a user id, an email, or both."""

    id: int | None
    email: str | None

    def __str__(self) -> str:
        return f"user {Account(id=self.id, email=self.email)}"

    @property
    def key(self) -> object:
        return self.id if self.id is not None else (self.email or "").casefold()


def export_user(completed_by: object) -> User | None:
    """``completed_by`` of either export kind; None when it names nobody."""
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return User(completed_by, None)
    if isinstance(completed_by, dict):
        uid, email = completed_by.get("id"), completed_by.get("email")
        user = User(
            uid if isinstance(uid, int) and not isinstance(uid, bool) else None,
            email if isinstance(email, str) and email else None,
        )
        return user if user.id is not None or user.email is not None else None
    return None


class Annotators:
    """The round's annotators, found by Label Studio user id and by email."""

    def __init__(self, accounts: dict[str, Account]) -> None:
        self.accounts = accounts
        self.by_id = {a.id: who for who, a in accounts.items() if a.id is not None}
        # Emails match whatever their case; two users differing only by case are caught below.
        self.by_email = {a.email.casefold(): who for who, a in accounts.items() if a.email is not None}

    def name(self, user: User) -> tuple[str | None, str]:
        """The annotator that ``user`` is, or None and why not."""
        found = {self.by_id.get(user.id) if user.id is not None else None}
        found |= {self.by_email.get(user.email.casefold()) if user.email is not None else None}
        found.discard(None)
        if not found:
            known = ", ".join(f"{who} ({a})" for who, a in sorted(self.accounts.items())) or "none"
            hint = ""
            by_email_only = sorted(who for who, a in self.accounts.items() if a.id is None)
            if user.email is None and by_email_only:
                # The default JSON export names a user by id only: an account known by its email
                # alone cannot be matched in it.
                hint = (
                    f"; {', '.join(by_email_only)} known by email only: export a snapshot (users with their "
                    "emails), or create the round with each annotator's Label Studio user id (NAME=ID)"
                )
            return None, f"{user} is not an annotator of this round (the round's accounts: {known}){hint}"
        if len(found) > 1:
            return None, f"{user} matches annotators {' and '.join(sorted(map(str, found)))}: not taken as either"
        who = str(found.pop())
        account = self.accounts[who]
        # The same id with another email (or the reverse) is another user, or another server.
        emails = (account.email and account.email.casefold(), user.email and user.email.casefold())
        for what, mine, theirs in (("id", account.id, user.id), ("email", *emails)):
            if mine is not None and theirs is not None and mine != theirs:
                return None, f"{user} matches {who} ({account}) but its {what} differs"
        return who, ""


@dataclass(frozen=True)
class _Candidate:
    who: str
    user: User
    order: tuple[str, str]
    annotation: dict[str, Any]
    task: str
    doc_id: str


def label_of(value: object) -> str:
    """An id from the export as it may appear in a report line (one line, short)."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else "-"
    return text if text.isprintable() and len(text) <= 40 else "-"


def keep_export(rnd: Round, export: bytes) -> Path:
    """Store ``export`` byte for byte as ``exports/<sha256 prefix>.json`` (once), before anything reads it."""
    name = f"{sha256_hex(export)[:16]}.json"
    stored = rnd.target("exports", name)
    if not stored.exists():
        rnd.target("exports").mkdir(parents=True, exist_ok=True)
        tmp = rnd.target("exports", f".{name}.tmp")
        tmp.write_bytes(export)
        tmp.replace(stored)
    return rnd.folder / "exports" / name


LEDGER = "imports.json"


class Held(BaseModel):
    """What one annotator file holds: the annotation it was imported from (``imports.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    annotation: str
    task: str
    updated_at: str | None = None
    user: Account
    export: str
    # sha256 of the file as the import wrote it: a file changed since (by `newsclaims entities`, by
    # hand, or a write that a crash cut short) is not overwritten without --force either.
    sha256: str | None = None


_LEDGER = TypeAdapter(dict[str, Held])


def read_ledger(rnd: Round) -> dict[str, Held]:
    """``imports.json``: annotator file (``annotators/<who>/<doc_id>.json``) -> what it holds."""
    path = rnd.folder / LEDGER
    if not path.exists() and not path.is_symlink():
        return {}  # a round imported before the ledger: its files are guarded from their next import on
    shown = path.relative_to(rnd.root).as_posix()
    raw = read_round_file(path, shown)
    parse_json(raw, shown)
    try:
        return _LEDGER.validate_json(raw)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(map(str, err["loc"])) or "-"
        raise RoundError(f"{shown}: {where}: {err['msg']} (it records what each annotator file holds)") from None


def round_controls(rnd: Round, kind: Pass) -> set[str]:
    """The control names of the round's ``config.xml`` (as sent), the ``from_name`` of every result."""
    try:
        root = ET.fromstring(read_round_file(rnd.folder / "config.xml"))
    except (RoundError, ET.ParseError):
        root = ET.fromstring(labeling_config(kind))  # what create_round wrote, had it been kept
    return {e.attrib["name"] for e in root.iter() if "toName" in e.attrib and "name" in e.attrib}


def _used_controls(annotation: object) -> set[str]:
    results = annotation.get("result") if isinstance(annotation, dict) else None
    return {
        r["from_name"]
        for r in (results if isinstance(results, list) else [])
        if isinstance(r, dict) and r.get("type") != "relation" and isinstance(r.get("from_name"), str)
    }


def _refuse_other_project_or_pass(
    tasks: list[Any], manifest: RoundManifest, controls: set[str], kept: Path
) -> dict[int, set[str]]:
    """An export of another project, or of another pass, is refused whole: it would overwrite good files.

    Returns the controls each annotation uses (by ``id()`` of the annotation, which the parsed
    export keeps alive), so that the import does not collect them a second time."""
    project = manifest.label_studio.project if manifest.label_studio is not None else None
    if project is not None:
        others = sorted(
            {
                t["project"]
                for t in tasks
                if isinstance(t, dict) and type(t.get("project")) is int and t["project"] != project
            }
        )
        if others:
            theirs = ", ".join(map(str, others[:5]))
            raise RoundError(
                f"the export holds tasks of Label Studio project {theirs}, not this round's project {project}: "
                f"nothing imported (the export is kept as {kept})"
            )
    used: set[str] = set()
    by_annotation: dict[int, set[str]] = {}
    for task in tasks:
        annotations = task.get("annotations") if isinstance(task, dict) else None
        for ann in annotations if isinstance(annotations, list) else []:
            by_annotation[id(ann)] = mine = _used_controls(ann)
            used |= mine
    if used and not used & controls:
        shown = ", ".join(repr(label_of(u)) for u in sorted(used)[:5])
        raise RoundError(
            f"the export's results use the controls {shown}, none of this round's config "
            f"({', '.join(sorted(controls))}): an export of another pass? nothing imported "
            f"(the export is kept as {kept})"
        )
    return by_annotation


def _when(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=datetime.UTC)


def _updated_at(annotation: dict[str, Any]) -> str | None:
    value = annotation.get("updated_at")
    return value if isinstance(value, str) and value else None


def _overwrites(c: _Candidate, held: Held | None, file: str, current: bytes, new: bytes) -> str:
    """Why ``c`` (``new`` once converted) must not replace ``current``, what ``file`` holds ("" when it may)."""
    if held is None or new == current:  # a file of before the ledger, or nothing would change
        return ""
    mine, theirs = held.user, c.user
    if (mine.id is not None and theirs.id is not None and mine.id != theirs.id) or (
        mine.email and theirs.email and mine.email.casefold() != theirs.email.casefold()
    ):
        return (
            f"it is {theirs}'s, but {file} holds annotation {held.annotation} of user {mine} "
            "(were the round's accounts changed?)"
        )
    if held.sha256 is not None and sha256_hex(current) != held.sha256:
        return (
            f"{file} was changed after annotation {held.annotation} was imported into it "
            "(by newsclaims entities, or by hand)"
        )
    new_time, old_time = _when(_updated_at(c.annotation)), _when(held.updated_at)
    if old_time is None:
        return ""
    if new_time is None:
        return f"it has no updated_at; {file} holds annotation {held.annotation} updated {held.updated_at}"
    if new_time < old_time:
        return (
            f"it was updated {_updated_at(c.annotation)}, before annotation {held.annotation} "
            f"(updated {held.updated_at}) that {file} holds"
        )
    return ""


def _change(old: GoldFile | None, new: GoldFile) -> str:
    """What replacing ``old`` by ``new`` would do, layer by layer, in a few words."""
    from newsclaims.annotation.agreement import layer_units

    if old is None:
        return "replace a file that cannot be read"
    before, after = layer_units(old), layer_units(new)
    said = []
    for layer in ("noise", "mentions", "claims", "attribution_triple"):
        a, b = Counter(before.get(layer, [])), Counter(after.get(layer, []))
        removed, added = sum((a - b).values()), sum((b - a).values())
        if removed or added:
            name = "attributions" if layer == "attribution_triple" else layer
            said.append(f"{name} -{removed} +{added} of {sum(a.values())}")
    if said:
        return "change " + ", ".join(said)
    return "change no span (notes, links or choices at most)" if old != new else "change nothing"


def _held_file(path: Path) -> GoldFile | None:
    try:
        return GoldFile.model_validate_json(read_round_file(path))
    except (RoundError, ValidationError):
        return None


def round_pages(root: Path, doc_ids: set[str]) -> tuple[dict[str, Document[Listed]], Registries]:
    """The round's documents, each read and checked as validate reads a seed (``check_seed``), and
    what their references resolve against; no other page is read.

    Through the validator's index (``Index``: the manifest and the registries as the few fields
    the rules read), not ``Repository``, which makes a pydantic object of every entry of the
    manifest and of the registries for a round that needs a few of them. A seed that cannot be
    read is no document: its tasks are refused (NC701), as any unknown page's."""
    index = Index.load(root)
    seeds, documents = index.layout.seeds, {}
    label, seeds_label = display(index.layout.manifest), display(seeds)
    for entry in index.entries or ():
        if entry.doc_id not in doc_ids or entry.doc_id in documents:  # a doc_id listed twice: its first entry
            continue
        try:
            data = read_bytes(seeds / entry.file)
        except Unreadable:
            continue
        doc = check_seed(label, entry, data, seeds_label)[1]
        if doc is not None:
            documents[entry.doc_id] = doc
    return documents, index.registries(documents, {e.doc_id for e in index.entries or ()})


def import_export(root: Path, name: str, export: bytes, force: bool = False) -> ImportReport:
    """Store the export verbatim, then convert each annotation into its annotator's file.

    ``force``: an annotation older than (or by another user than) what its annotator file holds
    replaces it all the same, with a warning line; without it, such an annotation is refused."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    kind = rnd.kind
    # Nothing made here holds a cycle, and the collector would rescan the parsed export (millions
    # of objects) again and again while the annotations are converted.
    with collector_paused(), rnd.lock():
        return _import(rnd, manifest, kind, export, force)


def _import(rnd: Round, manifest: RoundManifest, kind: Pass, export: bytes, force: bool) -> ImportReport:
    stored = keep_export(rnd, export)
    report = ImportReport(export=stored.relative_to(rnd.folder).as_posix())
    tasks = parse_json(export, f"the export (kept as {stored})")
    if not isinstance(tasks, list):
        raise RoundError(f"the export is not a list of tasks; it is kept as {stored}")
    controls = round_controls(rnd, kind)
    used_by = _refuse_other_project_or_pass(tasks, manifest, controls, stored)
    ledger = read_ledger(rnd)
    documents, reg = round_pages(rnd.root, set(manifest.documents))
    annotators = Annotators(manifest.all_accounts())
    issues = report.issues
    first_task: dict[str, str] = {}  # doc_id -> the task that holds it
    candidates: list[_Candidate] = []
    for task in tasks:
        report.tasks += 1
        tid = label_of(task.get("id")) if isinstance(task, dict) else "-"
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        doc = documents.get(doc_id) if isinstance(doc_id, str) else None
        if not isinstance(task, dict) or doc is None or not isinstance(data, dict):
            report.refused_tasks += 1
            issues.append(Issue(tid, "-", "-", "NC701", f"doc_id {doc_id!r:.60}: unknown document"))
            continue
        if data.get("text_sha256") != doc.text_sha256:
            report.refused_tasks += 1
            message = f"doc_id {doc_id!r}: text_sha256 differs from the document's: re-create the task"
            issues.append(Issue(tid, "-", "-", "NC701", message))
            continue
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            issues.append(Issue(tid, "-", "-", "NC702", f"annotations is not a list: {annotations!r:.40}"))
            annotations = []
        drafts = task.get("drafts") or []
        for draft in drafts if isinstance(drafts, list) else [drafts]:
            report.drafts += 1
            issues.append(_draft_issue(tid, draft))
        if doc.doc_id in first_task:
            report.refused_tasks += 1
            report.annotations += len(annotations)
            held = f"document {doc.doc_id} is task {first_task[doc.doc_id]}'s already: this task is not imported"
            for ann in annotations:
                aid = label_of(ann.get("id")) if isinstance(ann, dict) else "-"
                issues.append(Issue(tid, aid, "-", "NC710", held))
            if not annotations:
                issues.append(Issue(tid, "-", "-", "NC710", held + " (it has no annotation)"))
            continue
        first_task[doc.doc_id] = tid
        for ann in annotations:
            report.annotations += 1
            aid = label_of(ann.get("id")) if isinstance(ann, dict) else "-"
            if not isinstance(ann, dict):
                issues.append(Issue(tid, aid, "-", "NC702", f"annotation is not an object: {ann!r:.40}"))
                continue
            user = export_user(ann.get("completed_by"))
            if ann.get("was_cancelled"):
                report.cancelled += 1
                issues.append(Issue(tid, aid, "-", "NC713", f"cancelled (skipped) by {user or 'an unnamed user'}"))
                continue
            if user is None:
                message = f"cannot tell who made it: completed_by is {ann.get('completed_by')!r:.40}"
                issues.append(Issue(tid, aid, "-", "NC709", message))
                continue
            who, why = annotators.name(user)
            if who is None:
                issues.append(Issue(tid, aid, "-", "NC709", why))
                continue
            used = used_by[id(ann)]
            if used and not used & controls:  # another pass's work would leave this pass's layer empty
                shown = ", ".join(repr(label_of(u)) for u in sorted(used)[:5])
                message = f"its results use {shown}, none a control of this round's config: not imported"
                issues.append(Issue(tid, aid, "-", "NC703", message))
                continue
            order = (str(ann.get("updated_at") or ""), aid.zfill(12))
            candidates.append(_Candidate(who, user, order, ann, tid, doc.doc_id))
    # Two different users for one annotator (an account known by email only, say): neither is taken.
    users_of: dict[str, set[object]] = defaultdict(set)
    for c in candidates:
        users_of[c.who].add(c.user.key)
    chosen: dict[tuple[str, str], _Candidate] = {}
    for c in candidates:
        aid = label_of(c.annotation.get("id"))
        if len(users_of[c.who]) > 1:
            message = f"{c.user} and {len(users_of[c.who]) - 1} other user(s) all match {c.who}: none is taken"
            issues.append(Issue(c.task, aid, "-", "NC709", message))
            continue
        # One file per annotator and document: the most recently updated annotation.
        key = (c.who, c.doc_id)
        if key not in chosen or c.order > chosen[key].order:
            chosen[key] = c
    for c in candidates:
        kept = chosen.get((c.who, c.doc_id))
        if kept is not None and kept is not c:
            message = f"{c.who} annotated this task again: annotation {label_of(kept.annotation.get('id'))} is imported"
            issues.append(Issue(c.task, label_of(c.annotation.get("id")), "-", "NC711", message))
    to_write: list[tuple[str, str, bytes]] = []  # (annotator, doc_id, the file's bytes)
    folder = rnd.folder
    listings: dict[str, dict[str, bool]] = {}  # annotator -> the names in their folder: is it a symlink
    for (who, doc_id), c in sorted(chosen.items()):
        aid = label_of(c.annotation.get("id"))
        out = convert(
            kind,
            c.annotation.get("result"),
            documents[doc_id],
            reg,
            task=c.task,
            annotation=aid,
            annotator=who,
            round_name=rnd.name,
        )
        file = f"annotators/{who}/{doc_id}.json"  # both names checked: the round's accounts, the manifest's ids
        path = folder / file
        written = dumps(out.record, floats=False).encode("utf-8")  # offsets, texts, ids: no float
        if who not in listings:
            listings[who] = _listing(folder / "annotators" / who)
        current = read_round_file(path, file) if f"{doc_id}.json" in listings[who] and path.exists() else None
        why = _overwrites(c, ledger.get(file), file, current, written) if current is not None else ""
        if why:
            change = _change(_held_file(path), out.gold)
            if not force:
                message = f"{why}: importing it would {change}; not imported (--force imports it)"
                issues.append(Issue(c.task, aid, "-", "NC717", message))
                continue
            issues.append(Issue(c.task, aid, "-", "NC718", f"{why}: imported all the same (--force): {change}"))
        issues += out.issues
        made_by = Account(id=c.user.id, email=c.user.email)
        updated_at = _updated_at(c.annotation)
        sha = sha256_hex(written)
        ledger[file] = Held(
            annotation=aid, task=c.task, updated_at=updated_at, user=made_by, export=report.export, sha256=sha
        )
        to_write.append((who, doc_id, written))
    targets = _annotator_targets(rnd, [(who, doc_id) for who, doc_id, _ in to_write], listings)
    write_many_atomic([(target, data) for target, (*_, data) in zip(targets, to_write, strict=True)])
    for who, doc_id, _ in to_write:
        report.imported += 1
        report.written.append(f"annotators/{who}/{doc_id}.json")
    if to_write:
        # After the files: a crash in between leaves a file whose sha256 the ledger does not know,
        # which the next import treats as changed (refused unless it writes the same bytes).
        write_text_atomic(rnd.target(LEDGER), dumps(_LEDGER.dump_python(dict(sorted(ledger.items())), mode="json")))
    issues.sort()
    write_text_atomic(rnd.target("import-report.json"), dumps(report.as_dict()))
    return report


def _listing(folder: Path) -> dict[str, bool]:
    """The names in an annotator's folder (``{}`` if there is none yet), each with whether it is
    a symlink: one listing, not a ``stat`` or two for each of thousands of files."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name: entry.is_symlink() for entry in entries}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def _annotator_targets(rnd: Round, files: list[tuple[str, str]], listings: dict[str, dict[str, bool]]) -> list[Path]:
    """Where each (annotator, doc_id) file is written, every one checked inside the repository
    (``Round.target``) before anything is written; ``listings``: each annotator folder's names
    (``_listing``).

    Each annotator's folder is resolved once, not once per file (a ``realpath`` of every folder
    on the way, thousands of times); a file is then its resolved folder plus its name, which is
    what ``Round.target`` returns for it, unless the file is a symlink: that one is checked on
    its own, where it points included."""
    folders: dict[str, Path] = {}
    out = []
    for who, doc_id in files:
        if who not in folders:
            folders[who] = rnd.target("annotators", _name(who, "annotator"))
        name = f"{_name(doc_id, 'doc_id')}.json"
        symlink = listings.get(who, {}).get(name, False)
        out.append(rnd.target("annotators", who, name) if symlink else folders[who] / name)
    return out


def _draft_issue(task: str, draft: object) -> Issue:
    """A draft as the default export gives it (an id) or a snapshot does (an object with its user)."""
    if not isinstance(draft, dict):
        return Issue(task, f"draft {label_of(draft)}", "-", "NC712", "saved in Label Studio but never submitted")
    # A snapshot's draft names its user as "email" and "First Last email, id" (created_username).
    made_by = re.search(r", (\d+)$", str(draft.get("created_username") or ""))
    email = draft.get("user")
    user = export_user({"id": int(made_by[1]) if made_by else None, "email": email if "@" in str(email) else None})
    by = f" by {user}" if user else ""
    of = draft.get("annotation")
    what = f"changes to annotation {label_of(of)}" if of is not None else "an annotation"
    return Issue(task, f"draft {label_of(draft.get('id'))}", "-", "NC712", f"{what}{by}, saved but never submitted")
