"""schema/ is generated from the code, and the JSON Schema agrees with the pydantic models."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from conftest import REPO_ROOT, baseline_gold
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims.core.models import FILE_MODELS, GoldFile
from newsclaims.core.patterns import END_GUARD
from newsclaims.core.vocab import ALL_VOCABS, EntityLabel
from newsclaims.docs import generated as schemagen
from newsclaims.schema.jsonschema import KINDS, packaged_schema
from newsclaims.schema.shape import fast_validator, parse_model


def test_schema_folder_matches_the_code() -> None:
    assert schemagen.drift(REPO_ROOT / "schema") == [], "run `newsclaims schema` and commit schema/"


def test_drift_is_detected(tmp_path: Any) -> None:
    schemagen.write(tmp_path)
    assert schemagen.drift(tmp_path) == []
    path = tmp_path / "gold.schema.json"
    path.write_text(path.read_text().replace('"PERSON"', '"HUMAN"'))
    assert schemagen.drift(tmp_path) == ["gold.schema.json"]


def test_reference_lists_every_label_with_its_definition() -> None:
    reference = (REPO_ROOT / "schema" / "SCHEMA.md").read_text(encoding="utf-8")
    for vocab in ALL_VOCABS:
        for member in vocab:
            assert f"| `{member.value}` | {member.definition} |" in reference


def test_the_packaged_schemas_are_the_generated_ones() -> None:
    # validate reads the packaged copy; a drift would check files against a stale contract.
    for kind in KINDS:
        assert packaged_schema(kind) == schemagen.json_schema(kind), kind


def test_json_schema_carries_the_definitions() -> None:
    schema = schemagen.json_schema("gold")
    labels = schema["$defs"]["EntityLabel"]
    assert labels["enum"] == EntityLabel.values()
    assert labels["enumDescriptions"] == [m.definition for m in EntityLabel]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


VALIDATOR = jsonschema.Draft202012Validator(
    schemagen.json_schema("gold"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


RUST = fast_validator("gold")  # the very validator of the fast path (Rust regex engine)


def agree(doc: Any) -> tuple[bool, bool]:
    """(pydantic, JSON Schema) verdicts; the Rust validator of validate's fast path must equal the latter."""
    data = json.dumps(doc).encode()
    by_pydantic = parse_model("x", data, GoldFile)[0] is not None
    by_schema = VALIDATOR.is_valid(doc)
    assert RUST.is_valid(doc) == by_schema, json.dumps(doc)[:300]
    return by_pydantic, by_schema


INVALID_EDITS = {
    "missing field": lambda g: g["mentions"][0].pop("entity_id"),
    "string offset": lambda g: g["mentions"][0].update(start="3"),
    "fractional offset": lambda g: g["mentions"][0].update(start=3.5),
    "negative offset": lambda g: g["mentions"][0].update(start=-1),
    "bool as int": lambda g: g["mentions"][0].update(end=True),
    "int as bool": lambda g: g["claims"][0].update(checkworthy=1),
    "unknown label": lambda g: g["mentions"][0].update(label="person"),
    "extra field": lambda g: g.update(extra=1),
    "path id": lambda g: g.update(doc_id="../x"),
    "id with newline": lambda g: g["mentions"][0].update(mention_id="m1\n"),
    "doc id with newline": lambda g: g.update(doc_id=g["doc_id"] + "\n"),
    "sha with newline": lambda g: g.update(text_sha256="0" * 64 + "\n"),
    "cluster id with newline": lambda g: g["claims"][0].update(cluster_id="k1\n"),
    "upper-case id": lambda g: g["mentions"][0].update(mention_id="M1"),
    "empty fragments": lambda g: g["claims"][0].update(fragments=[]),
    "empty text": lambda g: g["noise"][0].update(text=""),
    "bad sha": lambda g: g.update(text_sha256="xyz"),
    "no annotators": lambda g: g["provenance"].update(annotators=[]),
    "wrong version": lambda g: g.update(schema_version="2.0"),
    "null layer": lambda g: g.update(mentions=None),
    "not an object": lambda g: g["noise"].append("n3"),
}


def test_every_pattern_ends_with_the_guard_the_rust_engine_drops() -> None:
    def patterns(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [v for k, v in node.items() if k == "pattern" and isinstance(v, str)] + [
                p for v in node.values() for p in patterns(v)
            ]
        return [p for v in node for p in patterns(v)] if isinstance(node, list) else []

    for kind in FILE_MODELS:
        found = patterns(schemagen.json_schema(kind))
        whole = [p for p in found if not p.endswith("-")]  # the one prefix pattern: a date's year
        assert found and all(p.startswith("^") and p.endswith("$" + END_GUARD) for p in whole), kind


def test_valid_example_passes_both() -> None:
    assert agree(baseline_gold()) == (True, True)


def test_integral_float_is_an_integer_for_both() -> None:
    # JSON does not tell 6 from 6.0 and JSON Schema calls both integers; so does the model.
    doc = baseline_gold()
    doc["mentions"][0]["end"] = float(doc["mentions"][0]["end"])
    assert agree(doc) == (True, True)


@pytest.mark.parametrize("edit", list(INVALID_EDITS))
def test_invalid_examples_fail_both(edit: str) -> None:
    doc = baseline_gold()
    INVALID_EDITS[edit](doc)
    assert agree(doc) == (False, False)


def test_every_file_kind_has_a_schema_on_disk() -> None:
    for kind in FILE_MODELS:
        on_disk = json.loads((REPO_ROOT / "schema" / f"{kind}.schema.json").read_text())
        assert on_disk == schemagen.json_schema(kind)


JSON_LEAF = st.none() | st.booleans() | st.integers(-5, 10**4) | st.floats(allow_nan=False) | st.text(max_size=8)


def mutate_paths(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value in a JSON tree."""
    out: list[tuple[Any, Any]] = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        out.append((doc, key))
        out += mutate_paths(value)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pydantic_and_json_schema_agree_on_random_edits(data: st.DataObject) -> None:
    doc = copy.deepcopy(baseline_gold())
    for _ in range(data.draw(st.integers(1, 3))):
        places = mutate_paths(doc)
        container, key = data.draw(st.sampled_from(places))
        if data.draw(st.booleans()) and isinstance(container, dict):
            del container[key]
        else:
            container[key] = data.draw(JSON_LEAF)
    by_pydantic, by_schema = agree(doc)
    assert by_pydantic == by_schema, json.dumps(doc)[:500]


def test_plain_check_jsonschema_reads_our_schema(tmp_path: Any) -> None:
    """The README's recipe for non-Python CI: check-jsonschema against schema/, ECMA regex semantics."""
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "check-jsonschema"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(baseline_gold()))
    bad_doc = baseline_gold()
    bad_doc["mentions"][0]["label"] = "HUMAN"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_doc))
    schema = str(REPO_ROOT / "schema" / "gold.schema.json")
    ok = subprocess.run([str(exe), "--schemafile", schema, str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout
    broken = subprocess.run([str(exe), "--schemafile", schema, str(bad)], capture_output=True, text=True)
    assert broken.returncode == 1 and "$.mentions[0].label: 'HUMAN' is not one of" in broken.stdout


@pytest.mark.parametrize("field", ["doc_id", "file", "sha256", "story_id", "url", "language"])
def test_manifest_patterns_mean_the_same_to_the_models_engine_and_to_the_exported_schema(field: str) -> None:
    # The models hand their patterns to pydantic's Rust engine without the guard; the exported
    # schema keeps it. A value ending in a newline is what the guard is for: both must refuse
    # it, and both must accept the value without it.
    from newsclaims.core.models import Manifest

    manifest = json.loads((REPO_ROOT / "seeds" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["documents"][0]
    entry["url"] = entry["url"] or "https://example.org/page"
    schema = jsonschema.Draft202012Validator(schemagen.json_schema("manifest"))
    assert parse_model("m", json.dumps(manifest).encode(), Manifest)[0] is not None and schema.is_valid(manifest)
    entry[field] += "\n"
    model, problems = parse_model("m", json.dumps(manifest).encode(), Manifest)
    code = "NC105" if field in {"doc_id", "story_id"} else "NC102"  # NC105: a name's own message
    assert model is None and [(p.code, p.field) for p in problems] == [(code, field)]
    assert not schema.is_valid(manifest)


@pytest.mark.parametrize(
    "published",
    [
        "2022-01-01",
        "2024-02-29",
        "9999-12-31",
        "0001-01-01",
        "0000-01-01",
        "2022-13-45",
        "2023-02-29",
        "2022-1-1",
        "20220101",
        "2022-01-01T00:00:00",
        "2022-01-01\n",
        "\uff12\uff10\uff12\uff12-01-01",  # full-width digits: \d would match them, [0-9] does not
    ],
)
def test_a_publication_date_passes_the_model_exactly_when_it_passes_the_exported_schema(published: str) -> None:
    # "date" is a format: the Python jsonschema checks it with its format checker, jsonschema-rs
    # (validate's stream of the manifest) with validate_formats. Year 0000 is an RFC 3339 date
    # but no Python date: the schema's own pattern refuses it.
    from newsclaims.core.models import Manifest

    manifest = json.loads((REPO_ROOT / "seeds" / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"][0]["published"] = published
    model = parse_model("m", json.dumps(manifest).encode(), Manifest)[0] is not None
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    exported = jsonschema.Draft202012Validator(schemagen.json_schema("manifest"), format_checker=checker)
    streamed = fast_validator("manifest", "documents").is_valid(manifest["documents"][0])
    assert model == exported.is_valid(manifest) == streamed
    assert model == (published in {"2022-01-01", "2024-02-29", "9999-12-31", "0001-01-01"})


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_registry_pinned_to_any_version_read_stays_on_the_stream(tmp_path: Any, version: str) -> None:
    # 1.1 is written, 1.0 still read: the validator's streamed read of the registries takes both.
    from newsclaims.core.jsonio import dumps
    from newsclaims.validation import index

    entity = {"entity_id": "iran", "label": "GPE", "name": "Iran", "wikidata": None, "note": None}
    path = tmp_path / "entities.json"
    path.write_text(dumps({"schema_version": version, "entities": [entity, {**entity, "entity_id": "iraq"}]}))
    keep = lambda r: r["entity_id"]  # noqa: E731
    assert index._canonical(path, "entities", "entities", keep) == ["iran", "iraq"]
    assert index._events(path, "entities", "entities", keep) == ["iran", "iraq"]
    path.write_text(dumps({"schema_version": "0.9", "entities": [entity]}))
    assert index._canonical(path, "entities", "entities", keep) is None
    assert index._events(path, "entities", "entities", keep) is None


def test_new_optional_fields_are_left_out_when_unset() -> None:
    # A 1.1 file that uses neither a proposal nor aliases is written exactly as a 1.0 file was.
    from newsclaims.core.models import Entity, Mention

    mention = Mention.model_validate(
        {"start": 0, "end": 4, "text": "Iran", "mention_id": "m1", "label": "GPE", "entity_id": "iran"}, strict=False
    )
    assert list(mention.model_dump(mode="json")) == ["start", "end", "text", "mention_id", "label", "entity_id", "note"]
    proposed = mention.model_copy(update={"entity_id": None, "proposed_entity": "Islamic Republic"})
    assert proposed.model_dump(mode="json")["proposed_entity"] == "Islamic Republic"
    entity = Entity.model_validate({"entity_id": "iran", "label": "GPE", "name": "Iran"}, strict=False)
    assert "aliases" not in entity.model_dump(mode="json")
    assert entity.model_copy(update={"aliases": ["IR"]}).model_dump(mode="json")["aliases"] == ["IR"]
