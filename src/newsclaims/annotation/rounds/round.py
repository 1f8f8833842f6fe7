"""Annotation rounds: create the tasks, import what came back, measure agreement, adjudicate.

A round is a folder ``annotations/rounds/<name>/``::

    round.json            pass, documents, annotators, predictions, schema version, created
    config.xml            the pass's labeling config, as sent
    tasks.json            Label Studio import format: one task per document (+ predictions)
    exports/<sha>.json    every export, byte for byte as it came, before any conversion
    import-report.json    what the last import took, left out and why
    imports.json          what each annotator file holds (annotation, updated_at, user, sha256)
    .lock                 the advisory lock round commands hold while they write the round
    annotators/<who>/<doc_id>.json   one gold-schema file per annotator and document
    agreement.json, agreement.md     the agreement report
    adjudication.json     what adjudication decided and the conflicts it could not settle

Every step works from files alone; ``push``/``pull`` (in ``server.py``) move the
same files to and from a running Label Studio.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newsclaims.annotation.labelstudio.config import PASSES, Pass, gold_to_results, labeling_config
from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonio import dumps
from newsclaims.core.jsonread import loads
from newsclaims.core.layout import Layout
from newsclaims.core.models import NAME_PATTERN, SCHEMA_VERSION, Entity, GoldFile
from newsclaims.core.paths import OutsideRepository, inside_repository, make_temp_folder
from newsclaims.validation.sources import InvalidInputs, load_documents

PREDICTIONS = ("gold", "rules", "none")

# A round of every layer at once ("all", as the first double annotation was) can be measured
# but not imported or adjudicated pass by pass.
RoundPass = Literal["noise", "entities", "claims", "all"]
ROUND_PASSES: tuple[RoundPass, ...] = (*PASSES, "all")


class RoundError(ValueError):
    """The round cannot be created or read; nothing was changed."""


class UnreadableRoundFile(RoundError):
    """A file of the round (or an export) could not be read as JSON at all: exit 2, not 1."""


class ServerError(RoundError):
    """Label Studio could not be reached, or answered with an error (one line, no secret in it)."""


def _name(value: str, what: str) -> str:
    if not isinstance(value, str) or not re.match(NAME_PATTERN, value):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:79] + "…"
        raise RoundError(f"{what} {shown} is not a valid name: lower-case letters, digits, '_' or '-'")
    return value


def _printable(text: str) -> str:
    """``text`` on one line: what came from a file may hold newlines."""
    return text if text.isprintable() else json.dumps(text, ensure_ascii=False)[1:-1]


# An email as Label Studio accepts one, loosely: something@something, no spaces.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


class Account(BaseModel):
    """An annotator's Label Studio user: its id, its email, or both (``round push`` fills in both)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: int | None = None
    email: str | None = None

    def __str__(self) -> str:
        return " ".join(part for part in (f"id {self.id}" if self.id is not None else "", self.email or "") if part)


def parse_annotators(entries: list[str]) -> tuple[list[str], dict[str, Account]]:
    """``name``, ``name=ID`` or ``name=EMAIL`` → the names in order and the accounts given.

    Refuses a name given twice and one user given for two names: either would make two people one."""
    names: list[str] = []
    accounts: dict[str, Account] = {}
    for entry in entries:
        who, _, user = (part.strip() for part in entry.partition("="))
        _name(who, "annotator")
        if who in names:
            raise RoundError(f"annotator {who!r} is listed twice")
        names.append(who)
        if not user:
            continue
        if user.isascii() and user.isdigit():
            accounts[who] = Account(id=int(user))
        elif re.match(EMAIL_PATTERN, user):
            accounts[who] = Account(email=user)
        else:
            raise RoundError(
                f"annotator {entry!r}: after '=' give the Label Studio user id (a number) or the user's email"
            )
    seen: dict[object, str] = {}
    for who, account in accounts.items():
        key = account.id if account.id is not None else (account.email or "").casefold()
        if key in seen:
            raise RoundError(f"annotators {seen[key]!r} and {who!r} are given the same Label Studio user ({account})")
        seen[key] = who
    return names, accounts


class LabelStudioLink(BaseModel):
    """Where ``round push`` put the round: the Label Studio project."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    project: int | None = None
    # The review project of ``round adjudicate --push`` (the reviewer's pass over the merge).
    review: int | None = None


class RoundManifest(BaseModel):
    """``round.json`` (``pass`` may be "all": a round of every layer, measured but not adjudicated).

    Keys it does not know are kept: ``as_dict`` gives back the keys the file had, the known ones
    in the order ``create_round`` writes them, so a rewrite (``round push``) loses nothing."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True, populate_by_name=True)

    schema_version: str
    name: str
    pass_: RoundPass = Field(alias="pass")
    documents: list[str]
    annotators: list[str]
    predictions: str
    created: str
    # Annotator name -> Label Studio user (from --annotators name=ID or name=EMAIL; push fills in both).
    accounts: dict[str, Account] = Field(default_factory=dict)
    # Label Studio user id -> annotator name: how rounds recorded users before ``accounts``; still read.
    users: dict[str, str] = Field(default_factory=dict)
    label_studio: LabelStudioLink | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON form, as ``round.json`` holds it."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def all_accounts(self) -> dict[str, Account]:
        """Annotator name -> Label Studio user, from ``accounts`` and the older ``users`` alike."""
        merged = dict(self.accounts)
        for user, who in self.users.items():
            if who not in merged and user.isascii() and user.isdigit():
                merged[who] = Account(id=int(user))
        return merged


# The round files read here are small (round.json, annotator files, imports.json): far below this.
MAX_ROUND_FILE = 64 << 20
# An export may be large (every task's text, every annotation): read whole, so bounded all the same.
MAX_EXPORT = 1 << 30
# How long a round command waits for another one on the same round to end (see ``Round.lock``).
LOCK_WAIT = 60.0


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved, symlinks included, when it stays inside the repository ``root``.

    Checked before every write of the round code (``core.paths.inside_repository``): where the
    name lives (its folder resolved) and, when it is a symlink, where it points."""
    try:
        return inside_repository(root, path)
    except OutsideRepository as e:
        raise RoundError(str(e)) from None


def parse_json(data: bytes, where: str) -> Any:
    """JSON of a round file or an export under the JSON reader policy (``core.jsonread``: duplicate
    keys, nesting deeper than ``MAX_DEPTH``, lone surrogates refused): ``UnreadableRoundFile``."""
    try:
        return loads(data)
    except Unreadable as e:
        raise UnreadableRoundFile(f"{where}: {e}") from None


def read_round_file(path: Path, what: str = "", limit: int = MAX_ROUND_FILE) -> bytes:
    """The bytes of a regular file of the round, or of an export (``core.files``: no FIFO, device or
    folder, opened without blocking; at most ``limit``): else ``UnreadableRoundFile`` naming it."""
    try:
        return read_bytes(path, limit)
    except Unreadable as e:
        raise UnreadableRoundFile(f"{what or path}: {e}") from None


@dataclass(frozen=True)
class Round:
    """A round of the repository at ``root``; its name is checked (a name, never a path) when made."""

    root: Path
    name: str

    def __post_init__(self) -> None:
        _name(self.name, "round")

    @property
    def folder(self) -> Path:
        return Layout(self.root).rounds / self.name

    def target(self, *parts: str) -> Path:
        """A path of the round folder that may be written: inside the repository once resolved."""
        return inside(self.root, self.folder.joinpath(*parts))

    @contextlib.contextmanager
    def lock(self, wait: float = LOCK_WAIT) -> Iterator[None]:
        """Hold the round's advisory lock (``.lock`` in its folder, ``flock``) while writing it.

        Two imports (or an import and an agreement) of one round would otherwise interleave
        their annotator files. The second waits up to ``wait`` seconds, then is refused."""
        path = self.target(".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except FileNotFoundError:
            raise RoundError(f"{self.folder}: no such round (create it with `newsclaims round create`)") from None
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise RoundError(
                            f"round {self.name} is busy: another newsclaims command holds {path} "
                            f"(waited {wait:g} s); try again when it has ended"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def manifest(self) -> RoundManifest:
        path = self.folder / "round.json"
        if not path.exists() and not path.is_symlink():
            raise RoundError(f"{path}: no such round (create it with `newsclaims round create`)")
        data = parse_json(read_round_file(path), str(path))
        if not isinstance(data, dict):
            raise RoundError(f"{path}: expected a JSON object")
        if data.get("pass") not in ROUND_PASSES:
            raise RoundError(f"{path}: pass: unknown pass {data.get('pass')!r:.40}")
        try:
            return RoundManifest.model_validate(data)
        except ValidationError as e:
            wrong = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:3])
            raise RoundError(f"{path}: {_printable(wrong)}") from None

    @property
    def kind(self) -> Pass:
        kind = self.manifest().pass_
        if kind == "all":
            raise RoundError(
                f"round {self.name} annotates every layer at once (pass 'all'): it can be measured "
                "(`newsclaims round agreement`) but not imported from Label Studio or adjudicated; a round of "
                "one pass can (brat: `newsclaims import brat ... --pass noise|entities|claims`)"
            )
        return kind

    def annotator_file(self, who: str, doc_id: str) -> Path:
        return self.folder / "annotators" / _name(who, "annotator") / f"{_name(doc_id, 'doc_id')}.json"


def prediction_for(
    kind: Pass,
    how: str,
    gold: GoldFile | None,
    text: str,
    doc_id: str,
    sha: str,
    entities: Iterable[Entity] = (),
) -> list[dict[str, Any]]:
    """The predictions of one task: the gold file's, the rules' or none.

    The rules guess noise, claims and attributions from the text; for the entities pass they
    offer every name and alias of ``entities`` (the registry) found in the text, with its entity
    id, and dates, money and quantities by pattern (``prenotate.rules.entity_mentions``).
    """
    if how == "none":
        return []
    if how == "gold":
        return [{"model_version": "gold", "result": gold_to_results(gold, kind)}] if gold else []
    from newsclaims.annotation.prenotate.rules import prenotate, prenotate_entities  # the rule-based pre-annotator

    guessed = prenotate_entities(doc_id, text, sha, entities) if kind == "entities" else prenotate(doc_id, text, sha)
    return [{"model_version": "rules", "result": gold_to_results(guessed, kind)}]


def task_data(doc_id: str, text: str, sha: str) -> dict[str, str]:
    """A task's ``data``: what Label Studio shows, and what the import checks the document by."""
    return {"text": text, "doc_id": doc_id, "text_sha256": sha}


def create_round(
    root: Path, name: str, kind: str, docs: list[str], annotators: list[str], predictions: str, today: datetime.date
) -> Round:
    """Write a new round folder (all or nothing)."""
    rnd = Round(root, _name(name, "round"))
    if kind not in PASSES:
        raise RoundError(f"pass {kind!r}: expected one of {', '.join(PASSES)}")
    if predictions not in PREDICTIONS:
        raise RoundError(f"predictions {predictions!r}: expected one of {', '.join(PREDICTIONS)}")
    if not docs or not annotators:
        raise RoundError("a round needs at least one document and one annotator")
    twice = sorted({d for d in docs if docs.count(d) > 1})
    if twice:
        raise RoundError(f"doc_id(s) listed twice: {', '.join(twice)}")
    # "name=17" or "name=bea@newsroom.org" also says which Label Studio user is that annotator.
    names, accounts = parse_annotators(annotators)
    inside(root, rnd.folder)
    if rnd.folder.exists() or rnd.folder.is_symlink():
        raise RoundError(f"{rnd.folder} exists already: choose another round name")
    try:
        src = load_documents(root, docs)  # the round's pages only, not every gold file
    except InvalidInputs as e:
        listed = "; ".join(_printable(str(p)) for p in e.problems[:3])
        more = f"; and {len(e.problems) - 3} more" if len(e.problems) > 3 else ""
        raise RoundError(
            f"the repository has {len(e.problems)} problem(s), fix them first (newsclaims validate): {listed}{more}"
        ) from None
    unknown = [d for d in docs if d not in src.documents]
    if unknown:
        raise RoundError(f"unknown doc_id(s): {', '.join(unknown)} (see seeds/manifest.json)")
    pass_: Pass = kind
    tasks = []
    for doc_id in docs:
        doc = src.documents[doc_id]
        task: dict[str, Any] = {"data": task_data(doc_id, doc.text, doc.text_sha256)}
        preds = prediction_for(
            pass_, predictions, src.gold.get(doc_id), doc.text, doc_id, doc.text_sha256, src.entities.values()
        )
        if preds:
            task["predictions"] = preds
        tasks.append(task)
    manifest = RoundManifest(
        schema_version=SCHEMA_VERSION,
        name=name,
        pass_=pass_,
        documents=docs,
        annotators=names,
        predictions=predictions,
        created=today.isoformat(),
        accounts=accounts,
    )
    rnd.folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_folder(rnd.folder.parent, f".{name}-")  # the umask's mode, not mkdtemp's 0700
    try:
        (tmp / "round.json").write_text(dumps(manifest.as_dict()), encoding="utf-8")
        (tmp / "config.xml").write_text(labeling_config(pass_), encoding="utf-8")
        (tmp / "tasks.json").write_text(dumps(tasks), encoding="utf-8")
        tmp.rename(rnd.folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rnd


def annotator_files(rnd: Round) -> dict[str, dict[str, GoldFile]]:
    """doc_id -> annotator -> file; a file that cannot be read is a ``RoundError`` naming it."""
    out: dict[str, dict[str, GoldFile]] = defaultdict(dict)
    folder = rnd.folder / "annotators"
    for path in sorted(folder.glob("*/*.json")):
        shown = path.relative_to(rnd.root).as_posix()
        _name(path.parent.name, f"{shown}: annotator")
        _name(path.stem, f"{shown}: doc_id")
        raw = read_round_file(path, shown)
        parse_json(raw, shown)  # duplicate keys and depth, which pydantic does not refuse
        try:
            gold = GoldFile.model_validate_json(raw)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(map(str, err["loc"])) or "-"
            more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
            raise RoundError(_printable(f"{shown}: {where}: not an annotator file: {err['msg']}{more}")) from None
        if gold.doc_id != path.stem:
            raise RoundError(f"{shown}: doc_id: {gold.doc_id!r} is not the file's name")
        out[path.stem][path.parent.name] = gold
    return out


# -- agreement --------------------------------------------------------------------------------


# -- adjudication -----------------------------------------------------------------------------
