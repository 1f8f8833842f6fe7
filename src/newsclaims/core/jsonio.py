"""Reading and writing JSON files the same way everywhere, so rewrites are byte-stable."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only the annotation: jsonio is on validate's path, which never imports pydantic
    from pydantic import BaseModel


def dumps(data: Any) -> str:
    """Two-space indent, UTF-8 kept as is, one trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def model_dumps(model: BaseModel) -> str:
    return dumps(model.model_dump(mode="json"))


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_text_atomic(path, dumps(data))
