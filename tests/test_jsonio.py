"""``core.jsonio.dumps``: orjson for speed, the bytes of the stdlib's ``json.dumps`` always."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.core import jsonio


def reference(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# Floats of every magnitude (the small ones are where orjson spells them otherwise), integers
# past 64 bits (orjson refuses them), text with whatever Unicode (no lone surrogates: no writer
# of newsclaims can encode those), nesting.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)))
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(values)
def test_dumps_writes_the_bytes_of_the_stdlib(data: Any) -> None:
    assert jsonio.dumps(data) == reference(data)


@pytest.mark.parametrize(
    "data",
    [1e-05, 1e-07, -2.5e-310, 0.0001, 1e16, 1e22, 2**70, {"x": [1e-5, "0.00001 in text"]}, {1: "int key"}],
)
def test_the_cases_orjson_writes_otherwise(data: Any) -> None:
    assert jsonio.dumps(data) == reference(data)


def test_a_committed_file_is_written_by_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed is real: a gold file does not fall back to the stdlib encoder."""
    path = next((REPO_ROOT / "annotations/gold").glob("*.json"))
    data = json.loads(path.read_bytes())
    expected = reference(data)

    def refused(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("fell back to json.dumps")

    monkeypatch.setattr(jsonio.json, "dumps", refused)
    assert jsonio.dumps(data) == expected == Path(path).read_text(encoding="utf-8")
