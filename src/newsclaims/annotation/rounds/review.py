"""``round adjudicate NAME --push`` / ``--pull``: adjudication by a person, in Label Studio.

``--push`` creates a review project next to the round's project: the same labeling config,
one task per document that annotators' files exist for, and on each task every annotator's
version as a prediction named by the annotator (``model_version``), plus the merge a strategy
proposes (``model_version`` ``strategy:<name>``), which pre-fills the reviewer's annotation.
The reviewer corrects it (any other version can be copied from the predictions panel) and
submits. ``--pull`` downloads the project's export, keeps it byte for byte in the round's
``exports/`` folder, and puts each reviewed document's pass layer into gold, as ``round
adjudicate`` does: ``adjudication.json`` says ``"strategy": "review"``, who reviewed each
document, and what the annotators marked that the reviewer left out.

A document is adjudicated only by exactly one submitted review that converts without an
error: a task without one, with two, or with a region that cannot be imported is a report line,
and its gold file is left as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.annotation.labelstudio.config import gold_to_results
from newsclaims.annotation.labelstudio.convert import Issue, convert
from newsclaims.annotation.rounds.adjudication import (
    AdjudicationResult,
    DocumentDecision,
    adjudicate_in_memory,
    gold_problems,
    merge_into_gold,
    units_of,
    write_adjudication,
)
from newsclaims.annotation.rounds.importing import User, export_user, keep_export, label_of
from newsclaims.annotation.rounds.round import LabelStudioLink, Round, RoundError, annotator_files, task_data
from newsclaims.annotation.rounds.server import Server, download_export, server_users
from newsclaims.core.jsonio import dumps, write_text_atomic
from newsclaims.core.models import GoldFile
from newsclaims.validation.repository import Repository

REVIEW = "review"


@dataclass(frozen=True)
class ReviewPushed:
    """What ``round adjudicate --push`` made: the review project and its tasks."""

    project: int
    tasks: int
    strategy: str


@dataclass
class ReviewPulled:
    """What ``round adjudicate --pull`` did: the adjudication, and every task it did not apply."""

    result: AdjudicationResult | None
    export: str
    tasks: int = 0
    issues: list[Issue] = field(default_factory=list)


def review_tasks(root: Path, name: str, strategy: str) -> list[object]:
    """The review project's tasks: per document, the strategy's merge and each annotator's version."""
    rnd = Round(root, name)
    kind = rnd.kind
    files = annotator_files(rnd)
    if not files:
        raise RoundError(f"round {name} has no annotator files yet: import or pull the annotations first")
    repo = Repository.load(root, only=set(rnd.manifest().documents))
    proposed = adjudicate_in_memory(rnd, repo, strategy)
    tasks: list[object] = []
    for doc_id, by_who in sorted(files.items()):
        doc = (repo.documents or {})[doc_id]
        predictions = [{"model_version": f"strategy:{strategy}", "result": gold_to_results(proposed[doc_id], kind)}]
        predictions += [
            {"model_version": who, "result": gold_to_results(gold, kind)} for who, gold in sorted(by_who.items())
        ]
        tasks.append({"data": task_data(doc.doc_id, doc.text, doc.text_sha256), "predictions": predictions})
    return tasks


def push_review(root: Path, name: str, server: Server, strategy: str = "union") -> ReviewPushed:
    """Create the review project and import its tasks; ``round.json`` records it."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    link = manifest.label_studio or LabelStudioLink()
    if link.review is not None:
        raise RoundError(f"round {name} has a review project already (project {link.review}): pull it")
    tasks = review_tasks(root, name, strategy)
    config = (rnd.folder / "config.xml").read_text(encoding="utf-8")
    with server.talking() as client:
        project = client.projects.create(
            title=f"newsclaims {name} review ({manifest.pass_})",
            label_config=config,
            maximum_annotations=1,
            show_collab_predictions=True,  # the strategy's merge pre-fills the reviewer's annotation
            model_version=f"strategy:{strategy}",
        )
    project_id = getattr(project, "id", None)
    if not isinstance(project_id, int):
        raise server.failed("the new project has no id")
    server.import_or_delete(project_id, tasks)
    linked = manifest.model_copy(update={"label_studio": link.model_copy(update={"review": project_id})})
    with rnd.lock():
        write_text_atomic(rnd.target("round.json"), dumps(linked.as_dict()), root=root)
    return ReviewPushed(project_id, len(tasks), strategy)


def pull_review(root: Path, name: str, server: Server) -> ReviewPulled:
    """Download the review project's export and apply it (see ``apply_review``)."""
    rnd = Round(root, name)
    link = rnd.manifest().label_studio
    if link is None or link.review is None:
        raise RoundError(f"round {name} has no review project: run `newsclaims round adjudicate {name} --push`")
    export = download_export(server, link.review)
    # The default export names a user by id alone: the server says whose email that is.
    emails = {user.id: user.email for user in server_users(server) if user.id is not None and user.email}
    return apply_review(root, name, export, emails)


def apply_review(root: Path, name: str, export: bytes, emails: Mapping[int, str] | None = None) -> ReviewPulled:
    """Keep the review export verbatim, then put each document's single submitted review into gold.
    ``emails`` (user id -> email) names a reviewer whom the export gives by id alone."""
    rnd = Round(root, name)
    kind = rnd.kind
    stored = keep_export(rnd, export)
    pulled = ReviewPulled(result=None, export=stored.relative_to(rnd.folder).as_posix())
    try:
        tasks = json.loads(export)
    except ValueError as e:
        raise RoundError(f"the review export is not JSON ({e}); it is kept as {stored}") from e
    if not isinstance(tasks, list):
        raise RoundError(f"the review export is not a list of tasks; it is kept as {stored}")
    files = annotator_files(rnd)
    repo = Repository.load(root, only=set(rnd.manifest().documents))
    registries = repo.registries
    documents = repo.documents or {}
    outcome: dict[str, DocumentDecision] = {}
    merged: dict[str, GoldFile] = {}
    seen: dict[str, str] = {}  # doc_id -> the task that holds it
    for task in tasks:
        pulled.tasks += 1
        tid = label_of(task.get("id")) if isinstance(task, dict) else "-"
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        if not isinstance(task, dict) or not isinstance(doc_id, str) or doc_id not in files:
            why = "not a document of this round's annotator files"
            pulled.issues.append(Issue(tid, "-", "-", "NC701", f"doc_id {doc_id!r:.60}: {why}: task not applied"))
            continue
        if doc_id in seen:
            message = f"document {doc_id} is task {seen[doc_id]}'s already: this task is not applied"
            pulled.issues.append(Issue(tid, "-", "-", "NC710", message))
            continue
        seen[doc_id] = tid
        doc = documents[doc_id]
        if isinstance(data, dict) and data.get("text_sha256") != doc.text_sha256:
            message = f"doc_id {doc_id!r}: text_sha256 differs from the document's: task not applied"
            pulled.issues.append(Issue(tid, "-", "-", "NC701", message))
            continue
        review = _the_review(task, tid, pulled.issues)
        if review is None:
            continue
        aid = label_of(review.get("id"))
        reviewer = export_user(review.get("completed_by"))
        known = (emails or {}).get(reviewer.id) if reviewer is not None and reviewer.id is not None else None
        if reviewer is not None and reviewer.email is None and known is not None:
            reviewer = User(reviewer.id, known)
        out = convert(
            kind,
            review.get("result"),
            doc,
            registries,
            task=tid,
            annotation=aid,
            annotator=REVIEW,
            round_name=name,
        )
        pulled.issues += out.issues
        if any(not issue.warning for issue in out.issues):
            # An import leaves out a region it cannot read; a review must not: gold would lose it.
            message = "the review has regions that cannot be imported (above): the document's gold is left as it was"
            pulled.issues.append(Issue(tid, aid, "-", "NC708", message))
            continue
        chosen = units_of(kind, out.gold)
        marked = {key for gold in files[doc_id].values() for key in units_of(kind, gold)}
        gold = merge_into_gold(repo, name, kind, doc_id, list(chosen.values()), sorted(files[doc_id]))
        problems = gold_problems(registries, gold)
        outcome[doc_id] = DocumentDecision(
            kept=len(chosen),
            conflicts=(),
            problems=problems,
            dropped=tuple(sorted(marked - set(chosen))),
            annotators=len(files[doc_id]),
            reviewer=str(reviewer) if reviewer is not None else "an unnamed user",
        )
        if not problems:
            merged[doc_id] = gold
    pulled.issues.sort()
    if outcome:
        pulled.result = write_adjudication(root, rnd, AdjudicationResult(name, kind, REVIEW, outcome, ()), merged)
    return pulled


def _the_review(task: dict[str, Any], tid: str, issues: list[Issue]) -> dict[str, Any] | None:
    """The task's one submitted, not cancelled annotation; else None, with the report line saying why."""
    annotations = task.get("annotations")
    submitted = []
    for ann in annotations if isinstance(annotations, list) else []:
        aid = label_of(ann.get("id")) if isinstance(ann, dict) else "-"
        if not isinstance(ann, dict):
            issues.append(Issue(tid, aid, "-", "NC702", f"annotation is not an object: {ann!r:.40}"))
        elif ann.get("was_cancelled"):
            issues.append(Issue(tid, aid, "-", "NC713", "cancelled (skipped) in review"))
        else:
            submitted.append(ann)
    drafts = task.get("drafts")
    for draft in drafts if isinstance(drafts, list) else []:
        did = label_of(draft.get("id")) if isinstance(draft, dict) else label_of(draft)
        issues.append(Issue(tid, f"draft {did}", "-", "NC712", "a review saved but never submitted"))
    if len(submitted) == 1:
        return submitted[0]
    if not submitted:
        issues.append(Issue(tid, "-", "-", "NC716", "no submitted review yet: the document is not adjudicated"))
        return None
    ids = ", ".join(label_of(a.get("id")) for a in submitted)
    message = f"{len(submitted)} submitted reviews ({ids}): none applied; keep one in Label Studio and pull again"
    issues.append(Issue(tid, "-", "-", "NC715", message))
    return None
