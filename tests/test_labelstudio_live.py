"""Against a real Label Studio 1.23.2 server on 127.0.0.1 (skipped without .venv-labelstudio).

A project is created, two tasks imported, one annotation posted by the admin and one with the
annotator's own token, and the JSON export must give both back unchanged: who, where, which label.
And scripts/labelstudio-server.sh starts a server without ever printing its token.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from labelstudio_server import LabelStudioServer

# The `label_studio` fixture; loaded as a plugin so that pytest rewrites its asserts.
pytest_plugins = ["labelstudio_server"]

LABEL_CONFIG = """<View>
  <Style>.lsf-richtext__container{ white-space: pre-wrap; }</Style>
  <Labels name="label" toName="text"><Label value="CLAIM"/><Label value="EVIDENCE"/></Labels>
  <Text name="text" value="$text" granularity="symbol"/>
</View>"""

# An emoji before the spans (one code point, two UTF-16 units) and runs of spaces inside one.
EMOJI_TEXT = "Mayor 😀 said:  the  bridge   cost $5M. Audit shows $9M.\nShare   this"
PLAIN_TEXT = "Kirby said Iran sent 400 drones to Russia on Friday."


def region(text: str, needle: str, label: str, region_id: str) -> dict[str, Any]:
    start = text.index(needle)
    return {
        "id": region_id,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": start + len(needle), "text": needle, "labels": [label]},
    }


def test_round_trip_through_a_real_server(
    label_studio: LabelStudioServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key in the environment must neither be used instead of the given tokens nor be printed.
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "env-api-key-must-not-be-used-or-shown")
    secrets = [label_studio.admin_token, label_studio.annotator_token, os.environ["LABEL_STUDIO_API_KEY"]]
    assert label_studio.url.startswith("http://127.0.0.1:")
    assert label_studio.admin_id != label_studio.annotator_id

    admin = label_studio.client(label_studio.admin_token)
    annotator = label_studio.client(label_studio.annotator_token)
    assert admin.users.whoami().id == label_studio.admin_id
    assert annotator.users.whoami().id == label_studio.annotator_id

    project = admin.projects.create(title="live round trip", label_config=LABEL_CONFIG)
    assert project.id is not None
    try:
        imported = admin.projects.import_tasks(
            id=project.id,
            request=[
                {"data": {"text": EMOJI_TEXT, "doc_id": "emoji"}},
                {"data": {"text": PLAIN_TEXT, "doc_id": "plain"}},
            ],
            return_task_ids=True,
        )
        assert imported.task_count == 2
        emoji_task, plain_task = imported.task_ids

        posted = {
            label_studio.admin_id: [region(EMOJI_TEXT, "the  bridge   cost $5M", "CLAIM", "r-claim")],
            label_studio.annotator_id: [
                region(EMOJI_TEXT, "Audit shows $9M", "EVIDENCE", "r-evid"),
                region(EMOJI_TEXT, "Share   this", "CLAIM", "r-share"),
            ],
        }
        # Code points, not UTF-16 units: the emoji counts one.
        assert posted[label_studio.admin_id][0]["value"]["start"] == 15
        by_admin = admin.annotations.create(id=emoji_task, result=posted[label_studio.admin_id])
        by_annotator = annotator.annotations.create(id=emoji_task, result=posted[label_studio.annotator_id])
        assert by_admin.completed_by == label_studio.admin_id  # the caller, without completed_by
        assert by_annotator.completed_by == label_studio.annotator_id

        exported = json.loads(
            b"".join(admin.projects.exports.download_sync(id=project.id, export_type="JSON", download_all_tasks=True))
        )
        tasks = {task["id"]: task for task in exported}
        assert set(tasks) == {emoji_task, plain_task}  # the unannotated task too
        assert tasks[emoji_task]["data"]["text"] == EMOJI_TEXT
        assert tasks[plain_task]["data"]["text"] == PLAIN_TEXT
        assert tasks[plain_task]["annotations"] == []

        annotations = tasks[emoji_task]["annotations"]
        assert sorted(a["completed_by"] for a in annotations) == sorted(posted)
        for annotation in annotations:
            assert annotation["was_cancelled"] is False
            assert annotation["result"] == posted[annotation["completed_by"]]
            for item in annotation["result"]:
                value = item["value"]
                assert EMOJI_TEXT[value["start"] : value["end"]] == value["text"]

        print(f"exported {len(exported)} tasks and {len(annotations)} annotations from {label_studio!r}")
    finally:
        admin.projects.delete(id=project.id)

    out, err = capsys.readouterr()
    assert "exported 2 tasks and 2 annotations" in out
    for secret in secrets:
        assert secret not in out
        assert secret not in err


def test_the_server_script_writes_the_token_to_a_file_and_never_prints_it(
    label_studio: LabelStudioServer, tmp_path: Path
) -> None:
    from labelstudio_server import ADMIN_TOKEN, ANNOTATOR_TOKEN, free_port, log_tail, sdk_client

    script = Path(__file__).resolve().parents[1] / "scripts" / "labelstudio-server.sh"
    data_dir, token_file = tmp_path / "ls-data", tmp_path / "secrets" / "token"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("LABEL_STUDIO")}
    env.update(LS_TEMPLATE=str(label_studio.template), LS_TOKEN_FILE=str(token_file), NO_PROXY="127.0.0.1")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, timeout=300, check=False)

    printed = [run()]  # the usage text
    port = free_port()
    started = run("start", str(data_dir), str(port))
    printed.append(started)
    try:
        assert started.returncode == 0, started.stderr + log_tail(data_dir / "labelstudio.log")
        assert f"ready at http://127.0.0.1:{port}" in started.stdout and str(token_file) in started.stdout
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text(encoding="utf-8").strip()
        assert token == ADMIN_TOKEN
        assert sdk_client(f"http://127.0.0.1:{port}", token).users.whoami().id == label_studio.admin_id
        pid = int((data_dir / "labelstudio.pid").read_text())
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        written = (data_dir / "labelstudio.log").read_text(encoding="utf-8", errors="replace")
    finally:
        printed.append(run("stop", str(data_dir)))
    for secret in (ADMIN_TOKEN, ANNOTATOR_TOKEN):
        assert secret not in command_line  # `ps` shows it to every user of the machine
        assert secret not in written
        for done in printed:
            assert secret not in done.stdout + done.stderr
