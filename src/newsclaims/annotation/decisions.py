"""What the decisions-file commands share (`newsclaims clusters`, `newsclaims entities`): a
refused edit located by file, record and field, the error that carries them, and reading a
decisions file with every problem of its shape located."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.jsonread import loads
from newsclaims.core.layout import display
from newsclaims.core.problems import Problem

M = TypeVar("M", bound=BaseModel)

# (the file's parsed JSON, an error's location) -> (the record it names, the rest of the location)
RecordOf = Callable[[object, tuple[int | str, ...]], tuple[str, tuple[int | str, ...]]]


@dataclass(frozen=True)
class Refusal:
    """One refused edit: the file, the record, the field, why."""

    path: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.record}:{self.field}: {self.message}"

    def order(self) -> tuple[str, str, str, str]:
        return (self.path, self.record, self.field, self.message)


class Refused(Exception):
    """Refused; nothing was written. ``refusals`` and ``problems`` say where and why."""

    def __init__(self, summary: str, refusals: Sequence[Refusal] = (), problems: Sequence[Problem] = ()) -> None:
        self.summary = summary
        self.refusals = tuple(refusals)
        self.problems = tuple(problems)
        super().__init__("\n".join([summary, *map(str, self.refusals), *map(str, self.problems)]))


def read_decisions_file(path: Path, model: type[M], error: type[Refused], what: str, record_of: RecordOf) -> M:
    """``path`` parsed as ``model``; else ``error`` locating every problem of its shape, the
    record named by ``record_of``. ``what`` names the kind of file in the message."""
    label = display(path)
    try:
        data = read_bytes(path)
        raw = loads(data)  # the JSON reader policy: depth, lone surrogates, a key written twice
    except Unreadable as e:
        raise error(f"{label}: {e}; nothing was changed") from None
    try:
        return model.model_validate_json(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
    refusals = []
    for err in errors:
        record, rest = record_of(raw, tuple(err["loc"]))
        fld = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
        shown = repr(err.get("input"))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        refusals.append(Refusal(label, record or "-", fld or "-", f"{err['msg']}, got {shown}"))
    raise error(f"{label} is not {what}; nothing was changed:", refusals)
