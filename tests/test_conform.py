"""The compiled walk of the record shape (newsclaims.conform): a yes only where the JSON Schema says yes.

The walk and the schema are also compared on every edit of test_schema (``agree``).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from conftest import baseline_gold
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_schema import has_float, mutate_paths

from newsclaims import conform
from newsclaims.core.models import END_GUARD, NAME_PATTERN, SEED_FILE_PATTERN, SHA256_PATTERN, WIKIDATA_PATTERN
from newsclaims.docs import generated as schemagen
from newsclaims.schema.shape import checker, parse_record
from newsclaims.synth import synthesize
from newsclaims.validation import screen
from newsclaims.validation.stream import validate_repository

pytestmark = pytest.mark.skipif(conform._walk is None, reason="newsclaims._conform was not compiled on this machine")


def walk(schema: dict[str, Any], value: Any) -> bool:
    compiled = conform.compile_schema(schema)
    assert compiled is not None, schema
    return conform.conforms(compiled, value)


def by_schema(schema: dict[str, Any], value: Any) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def test_the_schemas_of_the_hot_path_compile_and_the_manifest_does_not() -> None:
    for kind, layer in (("gold", None), ("entities", "entities"), ("clusters", "clusters")):
        assert conform.compiled(kind, layer) is not None, kind
    # Its publication date has "format": "date", which the walk does not check: jsonschema-rs does.
    assert conform.compiled("manifest", "documents") is None
    assert conform.program({"type": "string", "format": "date"}) is None


def test_every_file_the_synthesizer_writes_is_vouched_for(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    synthesize(40, root, seed=3)
    gold = conform.compiled("gold")
    files = sorted((root / "annotations" / "gold").glob("*.json"))
    assert len(files) == 40
    assert all(conform.conforms(gold, orjson.loads(p.read_bytes())) for p in files)


DEEP: dict[str, Any] = {"type": "null"}
for _ in range(70):  # deeper than _conform.c walks
    DEEP = {"type": "array", "items": DEEP}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "email"},
        {"type": "object", "minProperties": 1},
        {"type": "array", "uniqueItems": True},
        {"type": "number"},
        {"type": ["string", "null"]},
        {"not": {"type": "null"}},
        {"allOf": [{"type": "string"}]},
        {"$ref": "#/$defs/A", "type": "object", "$defs": {"A": {"type": "object"}}},
        {"$ref": "#/$defs/A", "$defs": {"A": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/A"}]}}},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object", "required": ["a"]},  # a required field with no schema
        {"enum": [1, 2]},
        {"type": "integer", "minimum": 0.5},
        {"type": "integer", "maximum": 2**63},
        {},
        True,
        {"type": "object", "properties": {f"f{i}": {"type": "null"} for i in range(65)}},
        DEEP,
    ],
)
def test_a_keyword_the_walk_does_not_know_leaves_the_schema_to_jsonschema_rs(schema: Any) -> None:
    assert conform.program(schema) is None


@pytest.mark.parametrize(
    "pattern",
    [
        "[a-z]",
        "^[a-z]",
        "[a-z]$",
        "^[^a]$",
        "^\\d$",
        "^.$",
        "^a|b$",
        "^(ab)$",
        "^[a&&b]$",
        "^\\S+$",
        # a count that varies before the last atom, which greedy matching would get wrong
        "^[a-z]*a$",
        "^a?b$",
        SEED_FILE_PATTERN,
    ],
)
def test_a_pattern_the_walk_cannot_match_exactly_is_refused(pattern: str) -> None:
    assert conform.program({"type": "string", "pattern": pattern}) is None


SHIPPED = sorted({NAME_PATTERN, SHA256_PATTERN, WIKIDATA_PATTERN})
OTHERS = ["^ab?$", "^x[0-9]{2,3}$", "^[-a]{0,2}$", "^[a\\-z]+$", "^\\.[A-C_]*$(?!\\n)", "^$"]
# Characters near the classes' edges, the guard's newline, and some outside ASCII.
ALPHABET = "aAzZ09Q_-.\n /\\é\u0100\U0001f600" + "0123456789abcdef"


@pytest.mark.parametrize("pattern", SHIPPED + OTHERS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_compiled_pattern_matches_what_python_re_matches(pattern: str, data: st.DataObject) -> None:
    compiled = conform.compile_schema({"type": "string", "pattern": pattern})
    assert compiled is not None
    near = st.from_regex(re.compile(pattern.removesuffix("(?!\\n)").removesuffix("$") + "\\Z"), fullmatch=True)
    text = data.draw(st.text(ALPHABET, max_size=70) | near | near.map(lambda s: s + "\n") | near.map(lambda s: s[:-1]))
    # JSON Schema's "$" is ECMA-262's, the end of the input: in Python's re, the guard's.
    reference = pattern if pattern.endswith(END_GUARD) else pattern + END_GUARD
    assert conform.conforms(compiled, text) == (re.search(reference, text) is not None), repr(text)


@pytest.mark.parametrize(
    "value", [0, 1, 7, -1, 2**62, 2**62 + 1, 2**63, 2**70, -(2**63), -(2**70), True, False, None, "1", 1.5, 3.0]
)
def test_integers_and_their_bounds_as_json_schema_reads_them(value: Any) -> None:
    schema = {"type": "integer", "minimum": 0, "maximum": 2**62}
    if isinstance(value, float) and value.is_integer():
        # JSON Schema counts 3.0 as an integer; the walk declines and jsonschema-rs says yes.
        assert by_schema(schema, value) and not walk(schema, value)
    else:
        assert walk(schema, value) == by_schema(schema, value)


def test_strings_lengths_enums_arrays_and_nulls_as_json_schema_reads_them() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "s": {"type": "string", "minLength": 1, "maxLength": 3},
            "e": {"enum": ["x", "y"], "type": "string"},
            "c": {"const": "1.0", "type": "string"},
            "a": {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 2},
            "o": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "free": {"type": "object"},  # additionalProperties left open
        },
        "required": ["s", "a"],
    }
    base = {"s": "é", "a": [True]}
    edits = [
        {},
        {"s": ""},
        {"s": "abcd"},
        {"s": "\U0001f600\U0001f600\U0001f600"},
        {"e": "x"},
        {"e": "z"},
        {"e": 1},
        {"c": "1.0"},
        {"c": "1.1"},
        {"a": []},
        {"a": [True, False, True]},
        {"a": [1]},
        {"a": (True,)},
        {"o": None},
        {"o": "x"},
        {"o": 0},
        {"free": {"anything": [1, {"at": "all"}]}},
        {"free": []},
        {"extra": 1},
    ]
    for edit in edits:
        value = {**base, **edit}
        assert walk(schema, value) == by_schema(schema, value), edit
    for missing in ("s", "a"):
        value = {k: v for k, v in base.items() if k != missing}
        assert not walk(schema, value) and not by_schema(schema, value)


def test_a_key_is_found_by_its_text_as_well_as_by_the_object_orjson_hands_out() -> None:
    schema = {"type": "object", "properties": {"mention_id": {"type": "string"}}, "required": ["mention_id"]}
    compiled = conform.compile_schema(schema)
    fresh = "".join(["mention", "_id"])  # equal to the schema's name, another object
    assert conform.conforms(compiled, {fresh: "m1"})
    assert conform.conforms(compiled, orjson.loads(b'{"mention_id": "m1"}'))
    assert conform.conforms(compiled, orjson.loads(b'{"mention_id": "m2"}'))  # the remembered key object
    assert not conform.conforms(compiled, {"mention_ID": "m1"})

    class Key(str):
        pass

    # A str subclass is no key of a parsed file: declined, never miscounted.
    assert not conform.conforms(compiled, {Key("mention_id"): "m1"})


@pytest.mark.parametrize(
    "tree",
    [
        "x",
        (),
        (99,),
        (conform.OBJECT, {}, frozenset({"a"}), True),
        (conform.OBJECT, {1: (conform.NULL,)}, frozenset(), True),
        (conform.STRING, 0, -1, ((b"\0" * 15, 1, 1),), None),
        (conform.STRING, 0, -1, ((b"\0" * 16, 0, 2), (b"\0" * 16, 1, 1)), None),
        (conform.ARRAY, (conform.NULL,), 0),
        (conform.INTEGER, 0.5, None),
        (conform.ANY_OF, [(conform.NULL,)]),
    ],
)
def test_a_malformed_tree_is_an_error_not_a_crash(tree: Any) -> None:
    assert conform._compile is not None
    with pytest.raises(ValueError, match="conform tree"):
        conform._compile(tree)


def test_a_value_that_is_no_program_is_refused() -> None:
    assert conform._walk is not None
    with pytest.raises((TypeError, ValueError)):
        conform._walk((conform.NULL,), None)


COMPILED_PARTS = {"screen": (screen, "_clean"), "walk": (conform, "_walk")}


@pytest.mark.skipif(not screen.COMPILED, reason="newsclaims.validation._clean was not compiled on this machine")
@pytest.mark.parametrize("missing", [["screen"], ["walk"], ["screen", "walk"]])
def test_without_a_compiled_module_validation_finds_the_same(
    missing: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "corpus"
    synthesize(120, root, seed=9, errors=2)
    compiled = validate_repository(root)
    for part in missing:
        monkeypatch.setattr(*COMPILED_PARTS[part], None)
    assert validate_repository(root) == compiled
    assert len(compiled) > 0


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**65), 2**65)
    | st.sampled_from([0, -1, 1, 2**63, 3.0, 0.5])
    | st.text(ALPHABET, max_size=6),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["start", "text", "x"]), inner, max_size=2)
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_walk_agrees_with_the_exported_schema_on_random_edits_of_a_parsed_file(data: st.DataObject) -> None:
    schema = schemagen.json_schema("gold")
    doc = orjson.loads(orjson.dumps(baseline_gold()))  # keys as orjson hands them out
    for _ in range(data.draw(st.integers(1, 3))):
        container, key = data.draw(st.sampled_from(mutate_paths(doc)))
        action = data.draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete" and isinstance(container, dict):
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[data.draw(st.sampled_from(["note", "extra", "mention_id", "cluster_id"]))] = data.draw(JSON)
        else:
            container[key] = data.draw(JSON | st.just(copy.deepcopy(container[key])))
    valid = by_schema(schema, doc)
    walked = conform.conforms(conform.compiled("gold"), doc)
    assert not walked or valid, orjson.dumps(doc)[:400]
    assert walked or not valid or has_float(doc), orjson.dumps(doc)[:400]
    assert checker("gold")(doc) == valid


def test_parse_record_takes_the_walk_and_falls_back_for_an_integral_float() -> None:
    doc = baseline_gold()
    doc["mentions"][0]["end"] = float(doc["mentions"][0]["end"])
    parsed, problems = parse_record("x.json", orjson.dumps(doc), "gold")
    assert problems == [] and parsed is not None
    assert not conform.conforms(conform.compiled("gold"), orjson.loads(orjson.dumps(doc)))
