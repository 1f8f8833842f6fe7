"""``round import``: a Label Studio export kept verbatim, then converted into annotator files.

Who made an annotation is decided by the round's accounts alone (``round.json``: each
annotator's Label Studio user id and email): ``completed_by`` is a user id in the default
export and a user object (id, email, ...) in a snapshot export, and both are matched the same
way, by id and by email. A name is never made up from an email, and two different users never
become one annotator. Whatever is not imported is a line of the report, and stays in the kept
export: an unknown user (NC709), a second task for a document (NC710), a second annotation by
the same user on a task (NC711), a draft (NC712), a cancelled annotation (NC713).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.annotation.labelstudio.convert import Issue, convert
from newsclaims.annotation.rounds.round import Account, Round, RoundError
from newsclaims.core.documents import sha256_hex
from newsclaims.core.jsonio import dumps, model_dumps, write_text_atomic
from newsclaims.validation.repository import Repository


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
            return None, f"{user} is not an annotator of this round (the round's accounts: {known})"
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
    stored = rnd.folder / "exports" / f"{sha256_hex(export)[:16]}.json"
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_suffix(".tmp")
        tmp.write_bytes(export)
        tmp.replace(stored)
    return stored


def import_export(root: Path, name: str, export: bytes) -> ImportReport:
    """Store the export verbatim, then convert each annotation into its annotator's file."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    kind = rnd.kind
    stored = keep_export(rnd, export)
    report = ImportReport(export=stored.relative_to(rnd.folder).as_posix())
    try:
        tasks = json.loads(export)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RoundError(f"the export is not JSON ({e}); it is kept as {stored}") from e
    if not isinstance(tasks, list):
        raise RoundError(f"the export is not a list of tasks; it is kept as {stored}")
    repo = Repository.load(root)
    documents, reg = repo.documents or {}, repo.registries
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
    for (who, doc_id), c in sorted(chosen.items()):
        out = convert(
            kind,
            c.annotation.get("result"),
            documents[doc_id],
            reg,
            task=c.task,
            annotation=label_of(c.annotation.get("id")),
            annotator=who,
            round_name=name,
        )
        issues += out.issues
        path = rnd.annotator_file(who, doc_id)
        write_text_atomic(path, model_dumps(out.gold))
        report.imported += 1
        report.written.append(path.relative_to(rnd.folder).as_posix())
    issues.sort()
    write_text_atomic(rnd.folder / "import-report.json", dumps(report.as_dict()))
    return report


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
