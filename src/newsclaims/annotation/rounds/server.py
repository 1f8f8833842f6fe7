"""``round push`` and ``round pull``: a round's files to and from a running Label Studio.

The server's URL and API key come only from ``LABEL_STUDIO_URL`` and
``LABEL_STUDIO_API_KEY``: never from files, never printed. What the server
returns goes through the same ``import_export`` as a downloaded export file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from newsclaims.annotation.rounds.importing import ImportReport, import_export
from newsclaims.annotation.rounds.round import LabelStudioLink, Round, RoundError
from newsclaims.core.jsonio import dumps, write_text_atomic


def connect(env: dict[str, str] | None = None) -> LabelStudio:
    env = dict(os.environ) if env is None else env
    url, key = env.get("LABEL_STUDIO_URL", ""), env.get("LABEL_STUDIO_API_KEY", "")
    if not url or not key:
        raise RoundError("set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY to reach a Label Studio server")
    return LabelStudio(base_url=url, api_key=key)  # type: ignore[no-untyped-call]


def _project(rnd: Round) -> int:
    link = rnd.manifest().label_studio
    project = link.project if link is not None else None
    if project is None:
        raise RoundError(f"round {rnd.name} has not been pushed yet: run `newsclaims round push {rnd.name}`")
    return project


def push(root: Path, name: str, client: LabelStudio) -> int:
    """Create a project with the round's config and import its tasks (with predictions); returns its id."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    if manifest.label_studio is not None and manifest.label_studio.project is not None:
        raise RoundError(f"round {name} was pushed already (project {manifest.label_studio.project})")
    config = (rnd.folder / "config.xml").read_text(encoding="utf-8")
    tasks: list[dict[str, Any]] = json.loads((rnd.folder / "tasks.json").read_text(encoding="utf-8"))
    project = client.projects.create(title=f"newsclaims {name} ({manifest.pass_})", label_config=config)
    assert project.id is not None
    client.projects.import_tasks(id=project.id, request=tasks, return_task_ids=True)  # type: ignore[arg-type]
    pushed = manifest.model_copy(update={"label_studio": LabelStudioLink(project=project.id)})
    write_text_atomic(rnd.folder / "round.json", dumps(pushed.as_dict()))
    return int(project.id)


def pull(root: Path, name: str, client: LabelStudio) -> ImportReport:
    """Download the project's JSON export (every task) and import it like a downloaded file."""
    rnd = Round(root, name)
    export = b"".join(
        client.projects.exports.download_sync(id=_project(rnd), export_type="JSON", download_all_tasks=True)
    )
    return import_export(root, name, export)
