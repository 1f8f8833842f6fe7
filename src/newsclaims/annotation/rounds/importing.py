"""``round import``: a Label Studio export kept verbatim, then converted into annotator files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.annotation.labelstudio.convert import Issue, convert
from newsclaims.annotation.rounds.round import Round, RoundError
from newsclaims.core.documents import sha256_hex
from newsclaims.core.jsonio import dumps, model_dumps, write_text_atomic
from newsclaims.core.models import NAME_PATTERN
from newsclaims.validation.repository import Repository


@dataclass
class ImportReport:
    export: str
    tasks: int = 0
    annotations: int = 0
    imported: int = 0
    cancelled: int = 0
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
            "refused_tasks": self.refused_tasks,
            "written": self.written,
            "errors": [str(i) for i in self.issues if not i.warning],
            "warnings": [str(i) for i in self.issues if i.warning],
        }


def _annotator(completed_by: object, users: dict[str, str]) -> str | None:
    if isinstance(completed_by, dict):  # snapshot exports carry the user object
        key = str(completed_by.get("id"))
        if key in users:
            return users[key]
        email = completed_by.get("email")
        local = email.split("@")[0].lower() if isinstance(email, str) else ""
        cleaned = re.sub(r"[^a-z0-9_-]", "-", local).strip("-")
        return cleaned or (f"user{key}" if key.isdigit() else None)
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return users.get(str(completed_by), f"user{completed_by}")
    return None


def import_export(root: Path, name: str, export: bytes) -> ImportReport:
    """Store the export verbatim, then convert each annotation into its annotator's file."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    kind = rnd.kind
    digest = sha256_hex(export)
    stored = rnd.folder / "exports" / f"{digest[:16]}.json"
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_suffix(".tmp")
        tmp.write_bytes(export)
        tmp.replace(stored)
    report = ImportReport(export=stored.relative_to(rnd.folder).as_posix())
    try:
        tasks = json.loads(export)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RoundError(f"the export is not JSON ({e}); it is kept as {stored}") from e
    if not isinstance(tasks, list):
        raise RoundError(f"the export is not a list of tasks; it is kept as {stored}")
    repo = Repository.load(root)
    documents, reg = repo.documents or {}, repo.registries
    latest: dict[tuple[str, str], tuple[tuple[str, str], dict[str, Any], str]] = {}
    for task in tasks:
        report.tasks += 1
        tid = str(task.get("id", "-")) if isinstance(task, dict) else "-"
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        doc = documents.get(doc_id) if isinstance(doc_id, str) else None
        if doc is None or not isinstance(data, dict) or data.get("text_sha256") != doc.text_sha256:
            report.refused_tasks += 1
            why = "unknown document" if doc is None else "text_sha256 differs from the document's: re-create the task"
            report.issues.append(Issue(tid, "-", "-", "NC701", f"doc_id {doc_id!r}: {why}"))
            continue
        for ann in task.get("annotations") or []:
            report.annotations += 1
            aid = str(ann.get("id", "-")) if isinstance(ann, dict) else "-"
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                report.cancelled += isinstance(ann, dict)
                continue
            who = _annotator(ann.get("completed_by"), manifest.users)
            if who is None or not re.match(NAME_PATTERN, who):
                report.issues.append(
                    Issue(tid, aid, "-", "NC702", f"cannot tell who made it: {ann.get('completed_by')!r:.40}")
                )
                continue
            # One file per annotator and document: the most recent annotation wins.
            order = (str(ann.get("updated_at") or ""), aid.zfill(12))
            if (who, doc.doc_id) not in latest or order > latest[(who, doc.doc_id)][0]:
                latest[(who, doc.doc_id)] = (order, ann, tid)
    for (who, doc_id), (_, ann, tid) in sorted(latest.items()):
        out = convert(
            kind,
            ann.get("result"),
            documents[doc_id],
            reg,
            task=tid,
            annotation=str(ann.get("id", "-")),
            annotator=who,
            round_name=name,
        )
        report.issues += out.issues
        path = rnd.annotator_file(who, doc_id)
        write_text_atomic(path, model_dumps(out.gold))
        report.imported += 1
        report.written.append(path.relative_to(rnd.folder).as_posix())
    report.issues.sort()
    write_text_atomic(rnd.folder / "import-report.json", dumps(report.as_dict()))
    return report
