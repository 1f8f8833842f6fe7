"""The mapping file of a brat import or export: what each brat type becomes in newsclaims.

A JSON or TOML file (by its suffix), validated by ``BratMapping``; its JSON Schema is
``schema/brat-mapping.schema.json`` (generated from the model, checked for drift by the tests).
docs/brat.md explains every field with two worked layouts.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from newsclaims.core.files import Unreadable, read_bytes
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance

# brat's own rule for a type or role name in annotation.conf: letters, digits, '-' and '_'
# (a role may end in digits: Content2 is the second Content argument).
BRAT_NAME = r"^[A-Za-z][A-Za-z0-9_-]*$"
Role = Literal["source", "cue", "content"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventMap(_Model):
    """An event type whose every event is one attribution; its trigger is the cue."""

    source: list[str] = Field(default=["Source"], description="Argument roles that hold the source.")
    content: list[str] = Field(
        default=["Content"],
        description="Argument roles that hold the content (the claim); a numbered role (Content2, Content3) "
        "adds a further fragment of the same claim.",
    )
    parent: list[str] = Field(
        default=["Parent"], description="Argument roles that hold the outer attribution (an event) of nested reporting."
    )
    source_mention: list[str] = Field(
        default=["SourceMention"],
        description="Argument roles that hold the entity mention inside a source span that is longer than it.",
    )


class RelationMap(_Model):
    """A relation type and what it says (Arg1 -> Arg2)."""

    kind: Literal["source", "content", "parent", "fragment", "source_mention"] = Field(
        description="source: from a cue to its source; content: from a cue to its content; parent: from the "
        "cue of a nested attribution to the cue of the outer one; fragment: from a content span to a further "
        "fragment of the same claim; source_mention: from a source span to the entity mention inside it."
    )


class AttributeMap(_Model):
    """A brat attribute (A or M line) and the field it sets."""

    field: Literal["quote_type", "stance", "checkworthy"] = Field(
        description="quote_type and stance on an attribution (its event, or its cue in the relation layout); "
        "checkworthy on a claim (its first content span)."
    )
    values: dict[str, str] = Field(
        default_factory=dict,
        description="brat value -> newsclaims value (quote_type: direct, indirect, mixed; stance: asserts, "
        "denies, hedges, uncommitted). Empty for a binary attribute, which sets checkworthy to true.",
    )

    @model_validator(mode="after")
    def _values_fit(self) -> AttributeMap:
        allowed = {"quote_type": QuoteType.values(), "stance": Stance.values(), "checkworthy": ["true", "false"]}
        for brat, ours in self.values.items():
            if ours not in allowed[self.field]:
                raise ValueError(f"value {brat!r} -> {ours!r}: expected one of {', '.join(allowed[self.field])}")
        if self.field != "checkworthy" and not self.values:
            raise ValueError(f"{self.field} needs values (brat value -> newsclaims value)")
        return self


class Defaults(_Model):
    """What a record gets when no attribute says otherwise."""

    quote_type: QuoteType = QuoteType.INDIRECT
    stance: Stance = Stance.ASSERTS
    checkworthy: bool = False


class BratMapping(_Model):
    """What each brat type becomes. A type may be in one table only."""

    mentions: dict[str, EntityLabel] = Field(
        default_factory=dict, description="Text-bound type -> entity mention label."
    )
    noise: dict[str, NoiseCategory] = Field(default_factory=dict, description="Text-bound type -> noise category.")
    roles: dict[str, Role] = Field(
        default_factory=dict,
        description="Text-bound type -> attribution role (a mention type may be a source too, without being "
        "listed here).",
    )
    events: dict[str, EventMap] = Field(default_factory=dict, description="Event type -> attribution.")
    relations: dict[str, RelationMap] = Field(default_factory=dict, description="Relation type -> its meaning.")
    attributes: dict[str, AttributeMap] = Field(default_factory=dict, description="Attribute type -> field.")
    defaults: Defaults = Field(default_factory=Defaults)
    entity_db: str = Field(
        default="newsclaims",
        description="The normalization database (N lines: `N1 Reference T1 newsclaims:iran`) whose ids are "
        "entity ids of annotations/entities.json.",
    )

    @model_validator(mode="after")
    def _names(self) -> BratMapping:
        tables: dict[str, list[str]] = {
            "mentions": list(self.mentions),
            "noise": list(self.noise),
            "roles": list(self.roles),
            "events": list(self.events),
            "relations": list(self.relations),
            "attributes": list(self.attributes),
        }
        for role_names in (e.source + e.content + e.parent + e.source_mention for e in self.events.values()):
            tables.setdefault("event roles", []).extend(role_names)
        for table, names in tables.items():
            for name in names:
                if not re.match(BRAT_NAME, name):
                    raise ValueError(f"{table}: {name!r} is not a brat name (letters, digits, '-', '_')")
        seen: dict[str, str] = {}
        for table in ("mentions", "noise", "roles", "events"):
            for name in tables[table]:
                if name in seen:
                    raise ValueError(f"{name!r} is in both {seen[name]} and {table}: a type means one thing")
                seen[name] = table
        return self

    def layout(self) -> Literal["events", "relations"]:
        """Which attribution layout an export writes: events when the mapping has an event type."""
        return "events" if self.events else "relations"


class MappingError(ValueError):
    """The mapping file cannot be read or does not validate (one line per problem)."""

    def __init__(self, message: str, unreadable: bool = False) -> None:
        super().__init__(message)
        self.unreadable = unreadable


def parse_mapping(data: bytes, where: str, toml: bool) -> BratMapping:
    try:
        raw: Any = tomllib.loads(data.decode("utf-8")) if toml else json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise MappingError(f"{where}: not UTF-8 (byte {e.start})", unreadable=True) from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise MappingError(f"{where}: not {'TOML' if toml else 'JSON'} ({e})", unreadable=True) from None
    try:
        return BratMapping.model_validate(raw)
    except ValidationError as e:
        lines = [
            f"{where}: {'.'.join(map(str, err['loc'])) or '(the whole file)'}: {_message(err)}" for err in e.errors()
        ]
        raise MappingError("\n".join(lines)) from None


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the mapping allows where ``loc`` (an unknown key) is: the fields of that table."""
    model: type[BaseModel] = BratMapping
    tables: dict[str, type[BaseModel]] = {"events": EventMap, "relations": RelationMap, "attributes": AttributeMap}
    if len(loc) == 3 and loc[0] in tables:  # events.<type>.<key>
        model = tables[str(loc[0])]
    elif len(loc) == 2 and loc[0] == "defaults":
        model = Defaults
    return list(model.model_fields)


def _message(err: ErrorDetails) -> str:
    """pydantic's message, said in the mapping's terms: the value given, the keys allowed."""
    if err["type"] == "extra_forbidden":
        return f"unknown key; expected one of {', '.join(_keys_at(err['loc']))}"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] in ("enum", "literal_error"):
        return f"{err['input']!r} is not allowed: {msg[:1].lower()}{msg[1:]}"
    return msg


def read_mapping(path: Path) -> BratMapping:
    """The mapping at ``path``: TOML when it ends in ``.toml``, else JSON."""
    try:
        data = read_bytes(path)
    except Unreadable as e:
        raise MappingError(f"{path}: {e}", unreadable=True) from None
    return parse_mapping(data, str(path), path.suffix.lower() == ".toml")


def default_mapping() -> BratMapping:
    """The mapping ``export brat`` uses unless given one: the event layout, every label its own type.

    Noise categories become ``Noise-<category>`` (a type names one thing, and ``other`` or ``tags``
    would be ambiguous on their own)."""
    return BratMapping(
        mentions={label.value: label for label in EntityLabel},
        noise={f"Noise-{c.value}": c for c in NoiseCategory},
        roles={"Source": "source", "Cue": "cue", "Content": "content"},
        events={"Attribution": EventMap()},
        attributes={
            "QuoteType": AttributeMap(field="quote_type", values={q.value: q.value for q in QuoteType}),
            "Stance": AttributeMap(field="stance", values={s.value: s.value for s in Stance}),
            "Checkworthy": AttributeMap(field="checkworthy"),
        },
    )


def mapping_json_schema() -> dict[str, Any]:
    """The JSON Schema of a mapping file (``schema/brat-mapping.schema.json``)."""
    schema = BratMapping.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "newsclaims brat mapping"
    return schema


if __name__ == "__main__":  # writes schema/brat-mapping.schema.json (tests/test_brat.py checks it)
    from newsclaims.core.jsonio import dumps, write_text_atomic

    write_text_atomic(Path("schema") / "brat-mapping.schema.json", dumps(mapping_json_schema()))
