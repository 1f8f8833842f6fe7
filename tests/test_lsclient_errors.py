"""`round push` and `round pull` against a misbehaving server on 127.0.0.1: one line, exit 2, no key.

Each case is a small HTTP server in a thread that answers every request the same wrong way
(or nothing listening, for a refused connection). The key is echoed back by some of them, in
the body and in a header, as a careless server would: it must appear nowhere in what the
command prints or logs.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from newsclaims.annotation.rounds.round import Round, create_round
from newsclaims.cli import main

KEY = "sk-test-3f9a1c-NEVER-PRINT-ME-0123456789"
HOST = "127.0.0.1"
TIMEOUT = 0.5  # LABEL_STUDIO_TIMEOUT of these tests: seconds
HANG = 10.0  # the longest a hanging answer waits before giving up by itself
_RELEASE = threading.Event()  # set at teardown: a hanging handler stops waiting


def _answer(handler: BaseHTTPRequestHandler, mode: str) -> None:
    auth = handler.headers.get("Authorization", "")
    key = auth.split()[-1] if auth else ""

    def send(status: int, body: bytes, content_type: str, **headers: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    html = b"<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>"
    if mode == "401":  # echoes the Authorization header in the body and in a header
        detail = json.dumps({"detail": f"Invalid token. You sent: {auth}", "key": key}).encode()
        send(401, detail, "application/json", X_Echo=auth)
    elif mode == "403":
        send(403, b'{"detail": "You do not have permission to perform this action."}', "application/json")
    elif mode == "404":
        send(404, html, "text/html")
    elif mode == "500":
        send(500, f"Traceback ... Authorization: {auth}\nKeyError: 'x'".encode(), "text/plain")
    elif mode == "html":
        send(200, html, "text/html")
    elif mode == "garbage":
        send(200, b"\x00\xff\xfe{{{ not json", "application/json")
    elif mode == "wrong-shape":
        send(200, b'{"unexpected": true}', "application/json")
    elif mode == "redirect":
        send(302, b"", "text/html", Location=f"http://{HOST}:9/login/?next=/api/&token={key}")
    elif mode == "hang":
        if not _RELEASE.wait(HANG):  # released: the client is gone, nothing to answer
            send(200, b"[]", "application/json")
    elif mode == "not-http":
        handler.wfile.write(b"SSH-2.0-OpenSSH_9.2 garbage\r\n\r\n")
    elif mode == "cut-upload":  # a server that takes the project, then hangs up on the tasks
        path, method = handler.path.split("?")[0], handler.command
        length = int(handler.headers.get("Content-Length") or 0)
        if path.endswith("/import"):
            handler.close_connection = True  # unread: closing it resets the connection mid-upload
            return
        handler.rfile.read(length)
        if method == "GET" and path == "/api/users/":
            send(200, b'[{"id": 2, "email": "ann@newsroom.org", "username": "ann"}]', "application/json")
        elif method == "POST" and path == "/api/projects/":
            send(201, b'{"id": 5, "title": "r", "maximum_annotations": 1}', "application/json")
        elif method == "DELETE" and path == "/api/projects/5/":
            send(204, b"", "application/json")
        else:
            send(404, b"{}", "application/json")
    else:
        raise AssertionError(mode)


def _serve(mode: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            _answer(self, mode)

        do_POST = do_DELETE = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass  # not on the test's stderr

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def misbehaving() -> Iterator[Callable[[str], str]]:
    """Start a server answering every request in ``mode``; gives its URL ("refused": nobody listens)."""
    servers: list[ThreadingHTTPServer] = []
    _RELEASE.clear()

    def start(mode: str) -> str:
        if mode == "refused":
            with socket.socket() as sock:  # a port that was free a moment ago, and nobody listens on
                sock.bind((HOST, 0))
                port = sock.getsockname()[1]
            return f"http://{HOST}:{port}"
        servers.append(_serve(mode))
        return f"http://{HOST}:{servers[-1].server_address[1]}"

    yield start
    _RELEASE.set()
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository with a round ``r`` (pushed as project 7, for `round pull`)."""
    root = tmp_path / "repo"
    for part in ("seeds", "annotations", "CHANGELOG.md"):
        src = REPO_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    docs = sorted(p.stem for p in (root / "annotations/gold").glob("*.json"))[:1]
    create_round(root, "r", "noise", docs, ["ann1=2"], "none", datetime.date(2026, 11, 22))
    create_round(root, "pulled", "noise", docs, ["ann1=2"], "none", datetime.date(2026, 11, 22))
    data = json.loads((Round(root, "pulled").folder / "round.json").read_text())
    (Round(root, "pulled").folder / "round.json").write_text(json.dumps({**data, "label_studio": {"project": 7}}))
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    monkeypatch.setenv("LABEL_STUDIO_TIMEOUT", str(TIMEOUT))
    return root


COMMANDS = {"push": ["round", "push", "r"], "pull": ["round", "pull", "pulled"]}
PATHS = {"push": "/api/users/", "pull": "/api/projects/7/export"}  # the first request of each

# mode -> what the one line says after "Label Studio at URL: "
CASES = {
    "refused": "cannot connect: connection refused",
    "hang": f"timed out: no answer within {TIMEOUT:g} s (LABEL_STUDIO_TIMEOUT sets how long to wait)",
    "401": "HTTP 401 Unauthorized: the API key was refused (check LABEL_STUDIO_API_KEY); "
    "server says: Invalid token. You sent: Token ***",
    "403": "HTTP 403 Forbidden: the API key may not do this; "
    "server says: You do not have permission to perform this action.",
    "404": "HTTP 404 Not Found: no such page (is LABEL_STUDIO_URL the server's address, and the project still "
    "there?); the answer is an HTML page, not JSON",
    "500": "HTTP 500 Internal Server Error: the server failed (see its log); "
    "server says: Traceback ... Authorization: Token *** KeyError: 'x'",
    "html": "HTTP 200 OK: the answer is an HTML page, not JSON",
    "redirect": f"HTTP 302 Found: redirected to http://{HOST}:9/login/, not followed "
    "(set LABEL_STUDIO_URL to the server's own address)",
    "not-http": "no valid HTTP answer: RemoteProtocolError",
}
# Where the two commands read differently (pull streams the export; push reads users).
SPECIAL = {
    ("garbage", "push"): "HTTP 200 OK: the answer is not JSON",
    ("garbage", "pull"): "HTTP 200 OK: the export is not JSON",
    ("html", "pull"): "HTTP 200 OK: the export is an HTML page, not JSON",
    ("wrong-shape", "push"): "HTTP 200 OK: the list of users is not what Label Studio sends",
    ("wrong-shape", "pull"): "HTTP 200 OK: the export is not a list of tasks",
}


def expected(mode: str, command: str) -> str:
    return SPECIAL.get((mode, command)) or CASES[mode]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("mode", [*CASES, "garbage", "wrong-shape"])
def test_a_server_failure_is_one_line_without_the_key(
    repo: Path,
    misbehaving: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    mode: str,
    command: str,
) -> None:
    url = misbehaving(mode)
    monkeypatch.setenv("LABEL_STUDIO_URL", url)
    caplog.set_level(logging.DEBUG)
    before = (Round(repo, "r").folder / "round.json").read_bytes()
    t0 = time.monotonic()
    code = main([*COMMANDS[command], "--root", str(repo)])
    elapsed = time.monotonic() - t0
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"newsclaims round {command}: Label Studio at {url}{PATHS[command]}: {expected(mode, command)}\n"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert KEY not in out + err + logged
    assert elapsed < TIMEOUT + 5  # no retries, no long wait
    assert (Round(repo, "r").folder / "round.json").read_bytes() == before  # nothing recorded
    assert not (Round(repo, "pulled").folder / "exports").exists()  # no half export kept
    assert not [p for p in repo.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]  # nor in a file


def test_the_default_timeout_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that never answers is given up on after DEFAULT_TIMEOUT, not the SDK's 60 s.
    from newsclaims.annotation.rounds.server import DEFAULT_TIMEOUT, connect

    server = connect({"LABEL_STUDIO_URL": f"http://{HOST}:9", "LABEL_STUDIO_API_KEY": KEY})
    assert server.timeout == DEFAULT_TIMEOUT <= 15
    assert KEY not in repr(server)


def test_the_real_command_prints_one_line_and_no_key(repo: Path, misbehaving: Callable[[str], str]) -> None:
    # The installed command in its own process, as a user runs it: no traceback, no key, exit 2.
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(LABEL_STUDIO_URL=misbehaving("401"), LABEL_STUDIO_API_KEY=KEY, LABEL_STUDIO_TIMEOUT="2")
    command = Path(sys.executable).with_name("newsclaims")
    done = subprocess.run(
        [str(command), "round", "push", "r", "--root", str(repo)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1 and "HTTP 401 Unauthorized" in done.stderr
    assert KEY not in done.stderr and "Traceback" not in done.stderr


def test_a_connection_cut_while_sending_is_one_line_not_a_silent_death(
    repo: Path, misbehaving: Callable[[str], str]
) -> None:
    # A write to a closed connection is reported, never a silent death by SIGPIPE.
    folder = Round(repo, "r").folder
    task = json.loads((folder / "tasks.json").read_text())[0]
    (folder / "tasks.json").write_text(json.dumps([task] * (32 * 2**20 // len(json.dumps(task)) + 1)))
    before = (folder / "round.json").read_bytes()
    url = misbehaving("cut-upload")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(LABEL_STUDIO_URL=url, LABEL_STUDIO_API_KEY=KEY, LABEL_STUDIO_TIMEOUT="10")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("newsclaims")), "round", "push", "r", "--root", str(repo)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    start = f"newsclaims round push: Label Studio at {url}/api/projects/5/import: no valid HTTP answer: "
    assert done.stderr.startswith(start) and done.stderr.count("\n") == 1
    assert done.stderr.endswith("(the tasks were not imported; project 5 was deleted again)\n")
    assert (folder / "round.json").read_bytes() == before


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LABEL_STUDIO_URL": ""}, "set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY"),
        ({"LABEL_STUDIO_URL": "127.0.0.1:8080"}, "LABEL_STUDIO_URL must be an http:// or https:// address"),
        ({"LABEL_STUDIO_URL": "http://admin:pw-in-url@127.0.0.1:9"}, "LABEL_STUDIO_URL must not hold a user or"),
        ({"LABEL_STUDIO_TIMEOUT": "soon"}, "LABEL_STUDIO_TIMEOUT must be a number of seconds above 0 (got 'soon')"),
        ({"LABEL_STUDIO_TIMEOUT": "0"}, "LABEL_STUDIO_TIMEOUT must be a number of seconds above 0"),
        ({"LABEL_STUDIO_TIMEOUT": "nan"}, "LABEL_STUDIO_TIMEOUT must be a number of seconds above 0"),
    ],
)
def test_a_missing_or_bad_setting_is_one_line(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["round", "push", "r", "--root", str(repo)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err
    assert KEY not in err and "pw-in-url" not in err
