"""A real, offline Label Studio server for the live tests (imported by tests; not a test file).

The server runs from ``.venv-labelstudio`` (``make labelstudio``; its own venv because
label-studio 1.23.2 pins pyarrow<25), bound to 127.0.0.1 on a free port, with the offline
settings measured in docs/label-studio-notes.md. A migrated template data dir (an admin and an
annotator, each with a known legacy token) is built once and cached in pytest's cache folder,
keyed by the label-studio version, so later sessions start a server in about 3 s instead of 25 s.

Use the session fixture ``label_studio`` by loading this module as a plugin::

    if TYPE_CHECKING:
        from labelstudio_server import LabelStudioServer

    pytest_plugins = ["labelstudio_server"]

    def test_x(label_studio: LabelStudioServer) -> None:
        client = label_studio.client(label_studio.admin_token)

More users, each with a token of its own, come from ``label_studio.signup(email, password)``
(through the organisation's invite link, as a person would sign up).

Without ``.venv-labelstudio`` the fixture skips, saying why.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from label_studio_sdk import LabelStudio

# The test suite never reaches the internet (as in conftest.py).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

REPO_ROOT = Path(__file__).resolve().parents[1]
LS_VENV = REPO_ROOT / ".venv-labelstudio"
LS_BIN = LS_VENV / "bin" / "label-studio"
HOST = "127.0.0.1"

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "adminpass123"
ADMIN_TOKEN = "test-admin-token-0123456789"
ANNOTATOR_EMAIL = "annotator@example.com"
ANNOTATOR_PASSWORD = "annpass12345"
ANNOTATOR_TOKEN = "test-annotator-token-0123456789"

TEMPLATE_TIMEOUT = 600.0  # s for both `label-studio init` runs (about 25 s measured: migrations)
READY_TIMEOUT = 180.0  # s until /health answers (about 3 s measured from a copied template)
STOP_TIMEOUT = 15.0  # s between SIGTERM and SIGKILL
_DONE = "template-ok.json"
_LISTENING = re.compile(r"Starting development server at http://127\.0\.0\.1:(\d+)/")

# Only these variables of the caller's environment reach the server: label-studio also reads
# generic names (USERNAME+PASSWORD create a user at every start; HOST, PORT, DEBUG, ...), and an
# API key of the caller's has no business there.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


def offline_env(data_dir: Path) -> dict[str, str]:
    """The server's whole environment (docs/label-studio-notes.md, section 2)."""
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),  # sqlite db, media, export, .env (SECRET_KEY)
        DJANGO_DB="sqlite",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",  # else GET pypi.org at import
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        LABEL_STUDIO_SENTRY_DSN="",  # empty: sentry_sdk.init() is skipped (default DSN is sentry.io)
        LABEL_STUDIO_FRONTEND_SENTRY_DSN="",
        LABEL_STUDIO_FEATURE_FLAGS_OFFLINE="true",  # bundled flags, no LaunchDarkly
        LABEL_STUDIO_CONVERTER_DOWNLOAD_RESOURCES="false",
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",  # the org created at init accepts "Token <key>"
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LABEL_STUDIO_LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        NO_PROXY=f"{HOST},localhost",
        no_proxy=f"{HOST},localhost",
        PYTHONUNBUFFERED="1",  # the "Starting development server at" line reaches the log at once
    )
    return env


@dataclass(frozen=True)
class LabelStudioUser:
    """A user of the test server, signed up with a password, and its own API token."""

    id: int
    email: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class LabelStudioServer:
    """A running server: where it is, who may use it, and where its files are."""

    url: str
    admin_token: str = field(repr=False)
    annotator_token: str = field(repr=False)
    admin_id: int
    annotator_id: int
    pid: int
    data_dir: Path
    log_file: Path
    template: Path  # the migrated data dir that data_dir was copied from (do not start a server on it)

    def client(self, token: str) -> LabelStudio:
        """An SDK client for ``token`` that talks to this server only."""
        return sdk_client(self.url, token)

    def signup(self, email: str, password: str) -> LabelStudioUser:
        """A new user of the organisation, signed up through the invite link, with its own token.

        ``users.create`` of the SDK makes users that cannot log in and have no token to read
        (docs/label-studio-notes.md, section 3): this goes the way a person does."""
        invite: Any = self.client(self.admin_token).organizations.invites.get_invite_link()
        with httpx.Client(base_url=self.url, trust_env=False, timeout=60.0, follow_redirects=True) as web:
            web.get(invite.invite_url).raise_for_status()  # sets the csrftoken cookie
            form = {"csrfmiddlewaretoken": web.cookies.get("csrftoken") or "", "email": email, "password": password}
            web.post(invite.invite_url, data=form, headers={"Referer": self.url + invite.invite_url}).raise_for_status()
            who = web.get("/api/current-user/whoami")
            token = web.get("/api/current-user/token")
            if who.status_code != 200 or token.status_code != 200:
                raise RuntimeError(f"signing up {email} failed: whoami {who.status_code}, token {token.status_code}")
            return LabelStudioUser(id=int(who.json()["id"]), email=email, token=str(token.json()["token"]))


def sdk_client(url: str, token: str) -> LabelStudio:
    """An SDK client; proxy variables are ignored, so nothing but ``url`` (loopback) is contacted."""
    http = httpx.Client(trust_env=False, timeout=60.0, follow_redirects=True)
    return LabelStudio(base_url=url, api_key=token, httpx_client=http)


def installed_version() -> str | None:
    """The label-studio version in ``.venv-labelstudio``, or None when it is not installed."""
    if not LS_BIN.is_file() or not os.access(LS_BIN, os.X_OK):
        return None
    for info in sorted(LS_VENV.glob("lib/python*/site-packages/label_studio-*.dist-info")):
        return info.name.removeprefix("label_studio-").removesuffix(".dist-info")
    return None


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(log_file: Path, lines: int = 40) -> str:
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _template_spec(version: str) -> dict[str, str]:
    return {
        "label_studio": version,
        "admin": ADMIN_EMAIL,
        "admin_token": ADMIN_TOKEN,
        "annotator": ANNOTATOR_EMAIL,
        "annotator_token": ANNOTATOR_TOKEN,
    }


def build_template(target: Path, version: str) -> Path:
    """Migrate a data dir with the admin and the annotator into ``target``, unless it is there.

    Built in a sibling folder and renamed into place when complete, so a failed or interrupted
    build never leaves a half-made template behind.
    """
    spec = _template_spec(version)
    if (target / _DONE).is_file() and json.loads((target / _DONE).read_text(encoding="utf-8")) == spec:
        return target
    shutil.rmtree(target, ignore_errors=True)
    work = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log_file = work / "init.log"
    users = [
        (ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, ["--enable-legacy-api-token"]),
        (ANNOTATOR_EMAIL, ANNOTATOR_PASSWORD, ANNOTATOR_TOKEN, []),
    ]
    deadline = time.monotonic() + TEMPLATE_TIMEOUT
    try:
        with log_file.open("ab") as log:
            for email, password, token, extra in users:
                cmd = [str(LS_BIN), "init", "--data-dir", str(work), "--username", email, "--password", password]
                cmd += ["--user-token", token, *extra]
                done = subprocess.run(
                    cmd,
                    env=offline_env(work),
                    cwd=work,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=max(1.0, deadline - time.monotonic()),
                    check=False,
                )
                if done.returncode != 0:
                    raise RuntimeError(
                        f"label-studio init for {email} exited with {done.returncode}:\n{log_tail(log_file)}"
                    )
        if not (work / "label_studio.sqlite3").is_file():
            raise RuntimeError(f"label-studio init made no database in {work}:\n{log_tail(log_file)}")
        (work / _DONE).write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
        try:
            work.rename(target)
        except OSError:  # another session finished first: use its template
            if not (target / _DONE).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _health(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    try:
        with opener.open(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's pid, SIGKILL if it is still there after STOP_TIMEOUT; then check it is gone."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
    assert process.poll() is not None, f"label-studio pid {process.pid} is still running"
    with contextlib.suppress(ProcessLookupError):  # reaped: the pid must be free
        os.kill(process.pid, 0)
        raise AssertionError(f"label-studio pid {process.pid} is still running")


def start(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server on a free loopback port; return it and its URL once /health answers 200.

    The caller owns the process and stops it with ``stop`` (also when this raises after starting).
    """
    log_file = data_dir / "labelstudio.log"
    cmd = [str(LS_BIN), "start", "--no-browser", "--internal-host", HOST, "--port", str(free_port())]
    cmd += ["--data-dir", str(data_dir)]
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            cmd, env=offline_env(data_dir), cwd=data_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    t0 = time.monotonic()
    url = None
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"label-studio exited with {process.returncode} during start-up; log tail:\n{log_tail(log_file)}"
                )
            if time.monotonic() - t0 > READY_TIMEOUT:
                raise RuntimeError(
                    f"label-studio not ready after {READY_TIMEOUT:.0f} s; log tail:\n{log_tail(log_file)}"
                )
            if url is None:
                # label-studio moves to port+1 without a word when the port was taken meanwhile:
                # ask only the port that this process says it listens on, never someone else's.
                match = _LISTENING.search(log_file.read_text(encoding="utf-8", errors="replace"))
                if match:
                    url = f"http://{HOST}:{match.group(1)}"
            if url is not None and _health(url):
                return process, url
            time.sleep(0.2)
    except BaseException:
        stop(process)
        raise


def _user_id(url: str, token: str) -> int:
    whoami: Any = sdk_client(url, token).users.whoami()
    return int(whoami.id)


@pytest.fixture(scope="session")
def label_studio(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    """A Label Studio server with a fresh copy of the template data dir, for the whole session."""
    version = installed_version()
    if version is None:
        pytest.skip(f"Label Studio is not installed: no {LS_BIN.relative_to(REPO_ROOT)} (run `make labelstudio`)")
    key = hashlib.sha256(json.dumps(_template_spec(version), sort_keys=True).encode()).hexdigest()[:12]
    name = f"labelstudio-template-{version}-{key}"
    cache = getattr(pytestconfig, "cache", None)  # None with -p no:cacheprovider
    cache_root = cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)
    template = build_template(cache_root / "data", version)

    data_dir = tmp_path_factory.mktemp("labelstudio-data")
    shutil.copytree(template, data_dir, dirs_exist_ok=True)  # with .env: the SECRET_KEY of the tokens
    (data_dir / _DONE).unlink()
    (data_dir / "init.log").unlink(missing_ok=True)

    process, url = start(data_dir)
    try:
        server = LabelStudioServer(
            url=url,
            admin_token=ADMIN_TOKEN,
            annotator_token=ANNOTATOR_TOKEN,
            admin_id=_user_id(url, ADMIN_TOKEN),
            annotator_id=_user_id(url, ANNOTATOR_TOKEN),
            pid=process.pid,
            data_dir=data_dir,
            log_file=data_dir / "labelstudio.log",
            template=template,
        )
        yield server
    finally:
        stop(process)
