"""``round push`` and ``round pull``: a round's files to and from a running Label Studio.

The server's URL and API key come only from ``LABEL_STUDIO_URL`` and
``LABEL_STUDIO_API_KEY``: never from files, never printed. ``LABEL_STUDIO_TIMEOUT`` (seconds,
default ``DEFAULT_TIMEOUT``) bounds every wait for the server. Anything that goes wrong on the
way (no connection, no answer in time, an HTTP error, a redirect, a body that is not what Label
Studio sends) is one ``ServerError`` line: the URL without credentials or query, the status and a
short reason, with the key blanked out even where the server echoed it back. What the server
returns goes through the same ``import_export`` as a downloaded export file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.core.parse_error import ParsingError

from newsclaims.annotation.rounds.importing import ImportReport, import_export
from newsclaims.annotation.rounds.round import (
    Account,
    LabelStudioLink,
    Round,
    RoundError,
    ServerError,
    parse_json,
    read_round_file,
)
from newsclaims.core.files import Unreadable
from newsclaims.core.jsonio import dumps, write_text_atomic
from newsclaims.core.jsonread import loads

DEFAULT_TIMEOUT = 15.0  # seconds; LABEL_STUDIO_TIMEOUT overrides it
# httpcore logs the headers of every answer at DEBUG level: a server may echo the key in them.
_HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")
_REASONS = {
    401: "the API key was refused (check LABEL_STUDIO_API_KEY)",
    403: "the API key may not do this",
    404: "no such page (is LABEL_STUDIO_URL the server's address, and the project still there?)",
}


def _shown(url: httpx.URL) -> str:
    """A URL as it may be printed: no user, password, query or fragment."""
    return str(url.copy_with(username=None, password=None, query=None, fragment=None))


class Server:
    """An SDK client plus what is needed to turn any failure of it into one line."""

    def __init__(self, url: str, key: str, timeout: float) -> None:
        self.base = httpx.URL(url)
        self.timeout = timeout
        self._key = key
        self._last: httpx.Response | None = None
        _REDACTING.keys.add(key)
        for logger in _HTTP_LOGGERS:
            logging.getLogger(logger).addFilter(_REDACTING)  # once: the same filter is not added twice
        http = httpx.Client(timeout=timeout, follow_redirects=False, event_hooks={"response": [self._seen]})
        self.client = LabelStudio(  # type: ignore[no-untyped-call]
            base_url=url, api_key=key, httpx_client=http, timeout=timeout, max_retries=0
        )

    def __repr__(self) -> str:
        return f"Server({_shown(self.base)!r}, timeout={self.timeout:g})"

    def import_or_delete(self, project: int, tasks: list[Any]) -> None:
        """Import ``tasks`` into the project just made, or delete it again: a push is all or nothing."""
        try:
            with self.talking() as client:
                client.projects.import_tasks(id=project, request=tasks, return_task_ids=True)
        except ServerError as e:
            gone = "deleted again"
            try:
                with self.talking() as client:
                    client.projects.delete(id=project)
            except ServerError:
                gone = "left on the server: delete it there"
            raise ServerError(f"{e} (the tasks were not imported; project {project} was {gone})") from None

    def _seen(self, response: httpx.Response) -> None:
        self._last = response

    def redact(self, text: str) -> str:
        return redact(text, {self._key})

    def _line(self, url: httpx.URL | None, status: str, reason: str) -> ServerError:
        where = _shown(url if url is not None else self.base)
        return ServerError(self.redact(f"Label Studio at {where}: {status}{': ' if status else ''}{reason}"))

    def failed(self, reason: str) -> ServerError:
        """The last answer was not what was expected, for ``reason``."""
        last = self._last
        if last is None:
            return self._line(None, "", reason)
        return self._line(last.request.url, f"HTTP {last.status_code} {last.reason_phrase}".strip(), reason)

    @contextlib.contextmanager
    def talking(self) -> Iterator[LabelStudio]:
        """The client; any failure inside becomes a ``ServerError`` of one line."""
        self._last = None
        try:
            yield self.client
        except httpx.TimeoutException as e:
            reason = f"no answer within {self.timeout:g} s (LABEL_STUDIO_TIMEOUT sets how long to wait)"
            raise self._line(_request_url(e), "timed out", reason) from None
        except httpx.ConnectError as e:
            raise self._line(_request_url(e), "cannot connect", _errno_reason(e)) from None
        except httpx.HTTPError as e:  # a broken answer, a cut connection, a protocol error
            raise self._line(_request_url(e), "no valid HTTP answer", type(e).__name__) from None
        except (ApiError, ParsingError) as e:
            raise self._api_error(e) from None
        except (UnicodeDecodeError, json.JSONDecodeError):  # the SDK decoding a body that is not JSON
            raise self.failed("the answer is not JSON") from None

    def _api_error(self, e: ApiError | ParsingError) -> ServerError:
        last = self._last
        status = e.status_code if e.status_code is not None else (last.status_code if last else None)
        if isinstance(e, ParsingError):
            return self.failed("the answer is not what Label Studio sends")
        if status is not None and 300 <= status < 400:
            location = (e.headers or {}).get("location") or (last.headers.get("location") if last else None)
            try:
                to = _shown(last.request.url.join(location) if last else httpx.URL(location)) if location else ""
            except httpx.InvalidURL:
                to = ""
            to = to or "an address not given"
            return self.failed(f"redirected to {to}, not followed (set LABEL_STUDIO_URL to the server's own address)")
        body = e.body
        if isinstance(body, str) and re.search(r"(?i)<(!doctype|html)", body[:512]):
            said = "the answer is an HTML page, not JSON"
        elif isinstance(body, dict) and isinstance(body.get("detail"), str):
            said = f"server says: {self._cut(body['detail'])}"
        elif isinstance(body, str) and body.strip():
            said = "the answer is not JSON" if status and status < 300 else f"server says: {self._cut(body)}"
        else:
            said = "empty answer" if not body else "unexpected answer"
        reason = _REASONS.get(status or 0, "the server failed (see its log)" if (status or 0) >= 500 else "")
        return self.failed("; ".join(part for part in (reason, said) if part))

    def _cut(self, text: str, limit: int = 120) -> str:
        """What the server said, short: redacted before it is cut, so no piece of the key is left."""
        text = self.redact(text)
        return text if len(text) <= limit else text[: limit - 1] + "…"


class _Redacting(logging.Filter):
    """Takes every key in use out of what the HTTP libraries log, whoever listens to them."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.keys)
        if cleaned != " ".join(message.split()):
            record.msg, record.args = cleaned, ()
        return True


_REDACTING = _Redacting()


def redact(text: str, keys: set[str]) -> str:
    """``text`` on one line, without the keys (as sent, or URL-encoded) or anything after "Token", "Bearer", "Basic"."""
    for key in keys:
        for secret in {key, quote(key, safe="")}:
            if secret:
                text = text.replace(secret, "***")
    text = re.sub(r"(?i)\b(token|bearer|basic)(\s+|=)[^\s\"',;&]+", r"\1\2***", text)
    return " ".join(text.split())


def _request_url(e: httpx.HTTPError) -> httpx.URL | None:
    try:
        return e.request.url
    except RuntimeError:  # raised before a request was built
        return None


def _errno_reason(e: httpx.ConnectError) -> str:
    text = str(e).lower()
    for known in ("connection refused", "name or service not known", "network is unreachable", "no route to host"):
        if known in text:
            return known
    return "the connection failed"


def connect(env: dict[str, str] | None = None) -> Server:
    """The server named by the environment, not contacted yet."""
    env = dict(os.environ) if env is None else env
    url, key = env.get("LABEL_STUDIO_URL", "").strip(), env.get("LABEL_STUDIO_API_KEY", "").strip()
    if not url or not key:
        raise RoundError("set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY to reach a Label Studio server")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise RoundError("LABEL_STUDIO_URL is not a URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RoundError(f"LABEL_STUDIO_URL must be an http:// or https:// address (got {parsed.scheme!r}: ...)")
    if parsed.userinfo:  # it would be sent instead of the key, and shown wherever the URL is
        raise RoundError("LABEL_STUDIO_URL must not hold a user or password: LABEL_STUDIO_API_KEY is the credential")
    raw = env.get("LABEL_STUDIO_TIMEOUT", "").strip()
    try:
        timeout = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not (math.isfinite(timeout) and timeout > 0):
        raise RoundError(f"LABEL_STUDIO_TIMEOUT must be a number of seconds above 0 (got {raw[:20]!r})")
    return Server(url, key, timeout)


def _project(rnd: Round) -> int:
    link = rnd.manifest().label_studio
    project = link.project if link is not None else None
    if project is None:
        raise RoundError(f"round {rnd.name} has not been pushed yet: run `newsclaims round push {rnd.name}`")
    return project


@dataclass(frozen=True)
class Pushed:
    """What ``round push`` made: the project, how many tasks, and the annotators' users."""

    project: int
    tasks: int
    maximum_annotations: int
    accounts: dict[str, Account]


def match_accounts(annotators: list[str], accounts: dict[str, Account], users: list[Account]) -> dict[str, Account]:
    """Each annotator's Label Studio user among the server's ``users``, id and email both filled in.

    Refuses, naming every annotator concerned, when one has no user given, is not a user of the
    server, or would be the same user as another annotator."""
    problems: list[str] = []
    matched: dict[str, Account] = {}
    for who in annotators:
        account = accounts.get(who)
        if account is None:
            problems.append(f"{who} has no Label Studio user (create the round with --annotators {who}=ID or =EMAIL)")
            continue
        found = [
            u
            for u in users
            if (account.id is None or u.id == account.id)
            and (account.email is None or (u.email or "").casefold() == account.email.casefold())
        ]
        if len(found) != 1:
            problems.append(f"{who} ({account}) is {'not a user' if not found else 'several users'} of this server")
            continue
        matched[who] = found[0]
    for who, account in matched.items():
        others = [o for o, a in matched.items() if a.id == account.id and o != who]
        if others and who < others[0]:
            problems.append(f"{who} and {others[0]} are the same Label Studio user ({account})")
    if problems:
        raise RoundError("; ".join(problems))
    return matched


def server_users(server: Server) -> list[Account]:
    """Every user the key can see (id and email), checked to be what Label Studio sends."""
    with server.talking() as client:
        answer = client.users.list()
    users = []
    for user in answer if isinstance(answer, list) else [None]:
        uid, email = getattr(user, "id", None), getattr(user, "email", None)
        if not isinstance(uid, int) or not isinstance(email, str | None):
            raise server.failed("the list of users is not what Label Studio sends")
        users.append(Account(id=uid, email=email or None))
    return users


def push(root: Path, name: str, server: Server) -> Pushed:
    """Create a project with the round's config and import its tasks (with predictions).

    The project serves every task to every annotator of the round: ``maximum_annotations`` is the
    number of annotators and the overlap covers all tasks (``overlap_cohort_percentage=100``).
    Each annotator must be a user of the server; ``round.json`` then records the project and the
    users' ids and emails."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    if manifest.label_studio is not None and manifest.label_studio.project is not None:
        raise RoundError(f"round {name} was pushed already (project {manifest.label_studio.project})")
    config_file, tasks_file = rnd.folder / "config.xml", rnd.folder / "tasks.json"
    try:
        config = read_round_file(config_file).decode("utf-8")
    except UnicodeDecodeError as e:
        raise RoundError(f"{config_file}: not UTF-8 (byte {e.start})") from None
    tasks = parse_json(read_round_file(tasks_file), str(tasks_file))
    if not isinstance(tasks, list):
        raise RoundError(f"{tasks_file}: expected a list of tasks")
    accounts = match_accounts(manifest.annotators, manifest.all_accounts(), server_users(server))
    overlap = len(manifest.annotators)
    with server.talking() as client:
        project = client.projects.create(
            title=f"newsclaims {name} ({manifest.pass_})",
            label_config=config,
            maximum_annotations=overlap,
            overlap_cohort_percentage=100,
        )
    project_id = getattr(project, "id", None)
    if not isinstance(project_id, int):
        raise server.failed("the new project has no id")
    if getattr(project, "maximum_annotations", None) != overlap:
        raise server.failed(f"project {project_id} did not take {overlap} annotations a task: delete it, push again")
    server.import_or_delete(project_id, tasks)
    link = LabelStudioLink(project=project_id)
    pushed = manifest.model_copy(update={"label_studio": link, "accounts": {**manifest.accounts, **accounts}})
    with rnd.lock():
        write_text_atomic(rnd.target("round.json"), dumps(pushed.as_dict()))
    return Pushed(project_id, len(tasks), overlap, accounts)


def pull(root: Path, name: str, server: Server, force: bool = False) -> ImportReport:
    """Download the project's JSON export (every task) and import it like a downloaded file."""
    rnd = Round(root, name)
    project = _project(rnd)
    return import_export(root, name, download_export(server, project), force)


def download_export(server: Server, project: int) -> bytes:
    """The project's JSON export (every task), as the server sent it, once it is seen to be a list."""
    with server.talking() as client:
        chunks = client.projects.exports.download_sync(id=project, export_type="JSON", download_all_tasks=True)
        export = b"".join(chunks)
    try:
        tasks = loads(export)
    except Unreadable:
        html = re.search(rb"(?i)<(!doctype|html)", export[:512])
        raise server.failed("the export is an HTML page, not JSON" if html else "the export is not JSON") from None
    if not isinstance(tasks, list):
        raise server.failed("the export is not a list of tasks")
    return export
