"""The entity registry without hand edits: list, add, rename, merge; link unlinked mentions.

``annotations/entities.json`` is the cross-document entity registry; a mention of a gold file
links to one of its entities (NC303, NC304, NC312), a mention of a round's annotator file may
be unlinked, with what its annotator typed kept as ``proposed_entity``. This module edits both
sides together:

- ``add``, ``rename``, ``merge``: registry edits; a rename or merge rewrites every reference, in
  the gold files and in every round's annotator files.
- ``link``: for the unlinked mentions of a round (or of documents), the registry entities they may
  be (by id, name and alias, compared normalised: ``core.patterns.surface_key``), grouped across
  documents by normalised surface, as a decisions file (``EntityDecisions``) whose ``decision``
  fields a lead fills in; ``apply_decisions`` links, or creates the entity and links.

Every edit is planned in memory, checked with the validator's own rules and written only when
the repository would still validate (all or nothing); every file is replaced atomically, and the
registry is written so that the repository validates after each single write. Re-applying what
is already there changes no byte. docs/entities.md explains the commands and the file format.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, TypeAdapter, ValidationError

from newsclaims.annotation.decisions import Refusal, Refused, read_decisions_file
from newsclaims.core.files import read_bytes
from newsclaims.core.jsonio import model_dumps, write_text_atomic
from newsclaims.core.layout import Layout, display
from newsclaims.core.models import (
    SCHEMA_VERSION,
    EntitiesFile,
    Entity,
    GoldFile,
    Mention,
    Name,
    NonEmpty,
    Record,
)
from newsclaims.core.patterns import NAME_PATTERN, NORMALISATION, WIKIDATA_PATTERN, native, surface_key
from newsclaims.core.problems import Problem
from newsclaims.core.vocab import EntityLabel
from newsclaims.schema.shape import parse_model
from newsclaims.validation.rules import Registries, check_registry_ids
from newsclaims.validation.sources import InvalidInputs, Sources, load_sources
from newsclaims.validation.stream import check_file

Qid = Annotated[str, StringConstraints(pattern=native(WIKIDATA_PATTERN))]

# -- errors -------------------------------------------------------------------------------------


class EntityError(Refused):
    """Refused; nothing was written. A refusal names an entity id, or ``file#mention_id``."""


_NAME: TypeAdapter[str] = TypeAdapter(Name)
_QID: TypeAdapter[str] = TypeAdapter(Qid)
NAME_RULE = "1 to 64 lower-case letters, digits, '_' or '-', starting with a letter or digit"


def _bad_id(entity_id: str) -> str | None:
    """Why ``entity_id`` is no valid id (``core.models.Name``); None when it is one."""
    try:
        _NAME.validate_python(entity_id)
    except ValidationError:
        return f"entity id {entity_id!r} is not a valid name: expected {NAME_RULE}"
    return None


def _bad_label(label: str) -> str | None:
    if label in EntityLabel.values():
        return None
    return f"label {label!r} is not an entity label: expected one of {', '.join(EntityLabel.values())}"


def _bad_qid(qid: str) -> str | None:
    try:
        _QID.validate_python(qid)
    except ValidationError:
        return f"Wikidata id {qid!r} is not a QID: expected Q followed by digits (Q42)"
    return None


# -- the repository as the commands see it --------------------------------------------------------


@dataclass(frozen=True)
class AnnotationFile:
    """An annotation file that may hold mentions: a gold file or a round's annotator file."""

    rel: str  # relative to the repository, POSIX: how decisions files name it
    path: Path
    gold: GoldFile


@dataclass
class State:
    """The validated repository, with every annotation file that holds mentions, by ``rel``."""

    root: Path
    sources: Sources
    files: dict[str, AnnotationFile]

    @property
    def layout(self) -> Layout:
        return Layout(self.root)


def load_state(root: Path) -> State:
    """The repository, validated (``EntityError`` listing every problem when it does not)."""
    try:
        sources = load_sources(root)
    except InvalidInputs as e:
        raise EntityError(
            "the repository does not validate; fix these first (newsclaims validate --inputs-only):",
            problems=e.problems,
        ) from e
    lay = Layout(root)
    files: dict[str, AnnotationFile] = {}
    for doc_id, gold in sorted(sources.gold.items()):
        path = lay.gold / f"{doc_id}.json"
        files[_rel(root, path)] = AnnotationFile(_rel(root, path), path, gold)
    for path in lay.annotator_files():
        rel = _rel(root, path)
        files[rel] = AnnotationFile(rel, path, GoldFile.model_validate_json(read_bytes(path)))  # validated above
    return State(root, sources, files)


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# -- list and show --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityListing:
    """A registry entity with the number of gold mentions linked to it, and their documents."""

    entity: Entity
    mentions: int
    documents: tuple[str, ...]


def list_entities(root: Path, label: str | None = None) -> list[EntityListing]:
    """Every entity of the registry (of ``label`` only, when given), by entity_id."""
    if label is not None and (why := _bad_label(label)):
        raise EntityError(why)
    state = load_state(root)
    counts: Counter[str] = Counter()
    docs: dict[str, set[str]] = defaultdict(set)
    for doc_id, gold in state.sources.gold.items():
        for m in gold.mentions:
            if m.entity_id is not None:
                counts[m.entity_id] += 1
                docs[m.entity_id].add(doc_id)
    return [
        EntityListing(e, counts[eid], tuple(sorted(docs[eid])))
        for eid, e in sorted(state.sources.entities.items())
        if label is None or e.label.value == label
    ]


# -- planning and writing edits -------------------------------------------------------------------


@dataclass(frozen=True)
class Edited:
    """What an edit did (or, with nothing in ``written``, found already done)."""

    created: tuple[str, ...] = ()  # entity ids added to the registry
    removed: tuple[str, ...] = ()  # entity ids taken out of it (renamed or merged away)
    updated: tuple[str, ...] = ()  # entity ids whose record changed (aliases of a merge)
    linked: tuple[str, ...] = ()  # mentions (re)linked, as ``file#mention_id``
    unchanged: tuple[str, ...] = ()  # mentions already linked as decided
    undecided: tuple[str, ...] = ()  # groups with an empty decision (their key)
    left: tuple[str, ...] = ()  # groups decided "none"
    written: tuple[str, ...] = ()  # files written, as problems name them


@dataclass
class _Plan:
    """Edits gathered in memory: nothing touches the disk before ``commit``."""

    state: State
    entities: list[Entity] = field(default_factory=list)  # the registry to be, in file order
    relink: dict[str, dict[str, str]] = field(default_factory=dict)  # rel -> mention_id -> entity_id
    refusals: list[Refusal] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.entities = list(self.state.sources.entities.values())

    @property
    def by_id(self) -> dict[str, Entity]:
        return {e.entity_id: e for e in self.entities}

    def refuse(self, path: str, record: str, fld: str, message: str) -> None:
        self.refusals.append(Refusal(path, record, fld, message))

    def insert(self, entity: Entity) -> None:
        """Add ``entity`` in entity_id order where the registry is in that order, else at its end."""
        keys = [e.entity_id for e in self.entities]
        at = bisect.bisect_right(keys, entity.entity_id) if keys == sorted(keys) else len(keys)
        self.entities.insert(at, entity)

    def replace(self, old_id: str, entity: Entity | None) -> None:
        """Put ``entity`` in the place of ``old_id`` (keeping the order), or take ``old_id`` out (None)."""
        at = next(i for i, e in enumerate(self.entities) if e.entity_id == old_id)
        del self.entities[at]
        if entity is not None:
            if entity.entity_id == old_id:
                self.entities.insert(at, entity)
            else:
                self.insert(entity)

    def link(self, rel: str, mention_id: str, entity_id: str) -> None:
        self.relink.setdefault(rel, {})[mention_id] = entity_id

    def references(self, entity_id: str) -> list[tuple[str, str]]:
        """(rel, mention_id) of every mention, in every annotation file, linked to ``entity_id``."""
        return [
            (rel, m.mention_id)
            for rel, f in sorted(self.state.files.items())
            for m in f.gold.mentions
            if m.entity_id == entity_id
        ]

    def commit(self) -> tuple[str, ...]:
        """Check the files about to be written with the validator's rules, then write those that change.

        Written so that the repository validates after every single write: when entities leave the
        registry (rename, merge) it is first written with them still in it, then the annotation
        files, then the registry as it will be; otherwise the registry first (nothing it adds is
        cited yet), then the annotation files. A run cut short leaves a repository that validates:
        running the command again finishes it (a rename cut short leaves both ids in the registry,
        and ``merge OLD NEW`` finishes it).
        """
        if self.refusals:
            raise EntityError("refused; nothing was changed:", sorted(set(self.refusals), key=Refusal.order))
        lay = self.state.layout
        before = list(self.state.sources.entities.values())
        final = self._registry_text(self.entities)
        edited = self._edited_files()
        self._check(final, edited)
        kept = {e.entity_id for e in self.entities}
        gone = [e for e in before if e.entity_id not in kept]
        first: list[str] = []  # the registry before the annotation files, and after them
        last: list[str] = []
        if gone and edited:
            with_gone = _Plan(self.state)
            with_gone.entities = list(self.entities)
            for e in gone:
                with_gone.insert(e)
            first, last = [self._registry_text(with_gone.entities)], [final]
        elif final != self._registry_text(before):
            first = [final]
        writes = [
            *((lay.entities, text) for text in first),
            *((f.path, model_dumps(gold)) for f, gold in edited),
            *((lay.entities, text) for text in last),
        ]
        for path, text in writes:
            write_text_atomic(path, text, root=lay.root)
        written = list(dict.fromkeys(path for path, _ in writes))
        return tuple(display(p) for p in written)

    def _registry_text(self, entities: Iterable[Entity]) -> str:
        return model_dumps(EntitiesFile(schema_version=SCHEMA_VERSION, entities=list(entities)))

    def _edited_files(self) -> list[tuple[AnnotationFile, GoldFile]]:
        out = []
        for rel, changes in sorted(self.relink.items()):
            f = self.state.files[rel]
            mentions = [
                m.model_copy(update={"entity_id": changes[m.mention_id], "proposed_entity": None})
                if m.mention_id in changes
                else m
                for m in f.gold.mentions
            ]
            if mentions != f.gold.mentions:
                out.append((f, f.gold.model_copy(update={"schema_version": SCHEMA_VERSION, "mentions": mentions})))
        return out

    def _check(self, registry_text: str, edited: list[tuple[AnnotationFile, GoldFile]]) -> None:
        """Every problem the validator would report in the files about to be written."""
        lay = self.state.layout
        label = display(lay.entities)
        found: list[Problem] = []
        parsed, problems = parse_model(label, registry_text.encode(), EntitiesFile)
        found += problems
        entities = self.state.sources.entities
        if parsed is not None:
            found += check_registry_ids(label, [e.entity_id for e in parsed.entities], "entity_id")
            entities = {e.entity_id: e for e in parsed.entities}
        docs = self.state.sources.documents
        registries = Registries.of(entities, self.state.sources.clusters, docs, set(docs))
        for f, gold in edited:
            found += check_file(display(f.path), model_dumps(gold).encode(), registries)
        if found:
            raise EntityError("the result would not validate; nothing was changed:", problems=sorted(set(found)))


# -- registry edits -------------------------------------------------------------------------------


def _clean_text(value: str) -> str:
    return " ".join(value.split())


def _names(values: Iterable[str]) -> list[str]:
    """Distinct names, whitespace collapsed, in the order given."""
    return list(dict.fromkeys(v for v in map(_clean_text, values) if v))


def add(
    root: Path,
    entity_id: str,
    *,
    label: str,
    name: str,
    aliases: Sequence[str] = (),
    wikidata: str | None = None,
    note: str | None = None,
) -> Edited:
    """Add an entity to the registry; the same entity again changes nothing."""
    plan = _Plan(load_state(root))
    where = ("command line", entity_id)
    name = _clean_text(name)
    for fld, why in (
        ("entity_id", _bad_id(entity_id)),
        ("label", _bad_label(label)),
        ("wikidata", _bad_qid(wikidata) if wikidata is not None else None),
        ("name", None if name else "the name is empty; expected the entity's canonical name"),
        ("aliases", "an alias is empty; expected a name" if any(not _clean_text(a) for a in aliases) else None),
    ):
        if why:
            plan.refuse(*where, fld, why)
    if plan.refusals:
        plan.commit()
    entity = Entity(
        entity_id=entity_id,
        label=EntityLabel.of(label),
        name=name,
        aliases=[a for a in _names(aliases) if a != name],
        wikidata=wikidata,
        note=note,
    )
    known = plan.by_id.get(entity_id)
    if known is not None:
        if known == entity:
            return Edited(written=plan.commit())
        what = "label " + known.label.value if known.label != entity.label else f"name {known.name!r}"
        plan.refuse(*where, "entity_id", f"entity {entity_id!r} already exists, with {what}; expected a new id")
    else:
        plan.insert(entity)
    written = plan.commit()
    return Edited(created=(entity_id,), written=written)


def rename(root: Path, old: str, new: str) -> Edited:
    """Give an entity a new id, rewriting every mention linked to it (gold and rounds' files)."""
    plan = _Plan(load_state(root))
    where = ("command line", old)
    known = plan.by_id.get(old)
    if known is None:
        plan.refuse(*where, "entity_id", f"entity {old!r} is not in annotations/entities.json; expected an id of it")
    if (why := _bad_id(new)) is not None:
        plan.refuse(*where, "new_id", why)
    elif new in plan.by_id and new != old:
        plan.refuse(*where, "new_id", f"entity {new!r} already exists; expected a new id (or merge {old} into {new})")
    if plan.refusals or known is None:
        plan.commit()
        return Edited()
    if new == old:
        return Edited(written=plan.commit())
    plan.replace(old, known.model_copy(update={"entity_id": new}))
    moved = plan.references(old)
    for rel, mention_id in moved:
        plan.link(rel, mention_id, new)
    written = plan.commit()
    return Edited(created=(new,), removed=(old,), linked=tuple(f"{r}#{m}" for r, m in moved), written=written)


def merge(root: Path, source: str, into: str) -> Edited:
    """Merge entity ``source`` into ``into``: every mention of ``source`` links to ``into``, whose
    aliases gain ``source``'s name and aliases (and its Wikidata QID, where it has none); then
    ``source`` leaves the registry."""
    plan = _Plan(load_state(root))
    where = ("command line", source)
    by_id = plan.by_id
    a, b = by_id.get(source), by_id.get(into)
    for eid, ent, fld in ((source, a, "entity_id"), (into, b, "into")):
        if ent is None:
            plan.refuse(*where, fld, f"entity {eid!r} is not in annotations/entities.json; expected an id of it")
    if source == into:
        plan.refuse(*where, "into", f"an entity cannot be merged into itself ({source!r})")
    if a is not None and b is not None and source != into:
        if a.label != b.label:
            plan.refuse(
                *where,
                "into",
                f"entity {source!r} is {a.label.value} and {into!r} is {b.label.value}: their mentions would "
                "disagree with the merged entity's label (NC304); expected two entities of one label",
            )
        if a.wikidata and b.wikidata and a.wikidata != b.wikidata:
            plan.refuse(
                *where,
                "wikidata",
                f"entity {source!r} is Wikidata {a.wikidata} and {into!r} is {b.wikidata}: two different "
                "entities; expected entities with one QID, or none",
            )
    if plan.refusals or a is None or b is None:
        plan.commit()
        return Edited()
    aliases = [n for n in _names([*b.aliases, a.name, *a.aliases]) if n != b.name]
    merged = b.model_copy(update={"aliases": aliases, "wikidata": b.wikidata or a.wikidata})
    plan.replace(into, merged)
    plan.replace(source, None)
    moved = plan.references(source)
    for rel, mention_id in moved:
        plan.link(rel, mention_id, into)
    written = plan.commit()
    return Edited(
        removed=(source,),
        updated=(into,) if merged != b else (),
        linked=tuple(f"{r}#{m}" for r, m in moved),
        written=written,
    )


# -- the decisions file ---------------------------------------------------------------------------


class MentionRef(Record):
    """An unlinked mention, where it is."""

    file: NonEmpty = Field(description="The annotation file, relative to the repository (a gold or round file).")
    doc_id: Name
    mention_id: Name
    text: NonEmpty = Field(description="The mention's text, as in the document.")
    proposed_entity: NonEmpty | None = Field(default=None, description="What its annotator typed, if anything.")


class LinkCandidate(Record):
    """A registry entity the group's mentions may be."""

    entity_id: Name
    label: EntityLabel = Field(description="Its label: linking is refused unless it is the group's.")
    name: NonEmpty
    matched: NonEmpty = Field(description="What matched, normalised: `id`, `name` or `alias <alias>`.")


class NewEntity(Record):
    """The entity to create when the decision is `new` (suggested by `link`; edit it freely)."""

    entity_id: Name
    label: EntityLabel
    name: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list)
    wikidata: Qid | None = None
    note: str | None = None


class MentionGroup(Record):
    """Unlinked mentions of one label whose proposals (else texts) are one name once normalised."""

    key: str = Field(description="The normalised proposal or text the mentions share.")
    label: EntityLabel
    mentions: list[MentionRef] = Field(min_length=1, description="By file, then mention_id.")
    candidates: list[LinkCandidate] = Field(description="Registry entities matching by id, name or alias.")
    new_entity: NewEntity = Field(description="The entity that `new` creates.")
    decision: str = Field(
        default="",
        description='"" (undecided: skipped), "none", "link <entity_id>" or "new" (create `new_entity`, then link).',
    )


# The decisions file's own format: it is no annotation file, and versions apart from them.
DecisionsFormat = Literal["newsclaims-entity-decisions/1"]
DECISIONS_FORMAT: DecisionsFormat = "newsclaims-entity-decisions/1"


class EntityDecisions(Record):
    """What ``newsclaims entities link`` writes and ``newsclaims entities apply`` reads."""

    format: DecisionsFormat = Field(description="The version of this file's format.")
    normalisation: NonEmpty = Field(description="How names were compared.")
    groups: list[MentionGroup] = Field(description="Sorted by label, then key.")


def decisions_dumps(decisions: EntityDecisions) -> str:
    """The decisions file's text: the same data gives the same bytes."""
    return model_dumps(decisions)


def write_decisions(path: Path, decisions: EntityDecisions) -> None:
    write_text_atomic(path, decisions_dumps(decisions))


def read_decisions(path: Path) -> EntityDecisions:
    """Read a decisions file; raises ``EntityError`` locating every problem of its shape."""
    return read_decisions_file(path, EntityDecisions, EntityError, "an entity decisions file", _group_of)


def _group_of(_raw: object, loc: tuple[int | str, ...]) -> tuple[str, tuple[int | str, ...]]:
    if len(loc) >= 2 and loc[0] == "groups":
        return f"groups[{loc[1]}]", loc[2:]
    return "", loc


# -- link ---------------------------------------------------------------------------------------


def _registry_keys(entities: Mapping[str, Entity]) -> dict[str, list[tuple[str, str]]]:
    """Normalised name -> (entity_id, what matched) of every id, name and alias of the registry."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for eid, e in sorted(entities.items()):
        seen: set[str] = set()
        for how, value in (("id", eid), ("name", e.name), *((f"alias {a}", a) for a in e.aliases)):
            key = surface_key(value)
            if key and key not in seen:
                seen.add(key)
                out[key].append((eid, how))
    return out


_MATCH_ORDER = {"id": 0, "name": 1}


def _slug(text: str) -> str:
    """An entity id made from a name: ASCII letters and digits joined by '-', at most 64 characters."""
    ascii_ = unicodedata.normalize("NFKD", surface_key(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:64].strip("-")
    return slug


def _group_key(m: Mention) -> str:
    return surface_key(m.proposed_entity or "") or surface_key(m.text)


def _is_id(value: str | None) -> bool:
    return value is not None and re.match(NAME_PATTERN, value) is not None


def link(root: Path, *, round_name: str | None = None, doc_ids: Sequence[str] = ()) -> EntityDecisions:
    """Candidates for the unlinked mentions of a round's annotator files (``round_name``) or of the
    annotation files of ``doc_ids`` (gold and every round), grouped across documents."""
    if (round_name is None) == (not doc_ids):
        raise EntityError("give a round or documents, not both and not neither (--round NAME | --doc DOC_ID ...)")
    state = load_state(root)
    if round_name is not None:
        folder = state.layout.rounds / round_name
        if _bad_id(round_name) or not (folder / "round.json").is_file():
            raise EntityError(f"round {round_name!r}: no such round ({display(folder)}/round.json)")
        prefix = f"{_rel(root, folder)}/annotators/"
        files = [f for rel, f in state.files.items() if rel.startswith(prefix)]
    else:
        unknown = sorted(set(doc_ids) - set(state.sources.documents))
        if unknown:
            raise EntityError(f"unknown doc_id(s): {', '.join(unknown)} (see seeds/manifest.json)")
        files = [f for f in state.files.values() if f.gold.doc_id in set(doc_ids)]
    groups: dict[tuple[str, str], list[tuple[AnnotationFile, Mention]]] = defaultdict(list)
    for f in sorted(files, key=lambda f: f.rel):
        for m in f.gold.mentions:
            if m.entity_id is None:
                groups[(m.label.value, _group_key(m))].append((f, m))
    entities = state.sources.entities
    keys = _registry_keys(entities)
    taken = set(entities)
    out = []
    for (label, key), members in sorted(groups.items()):
        looked = {key, *(surface_key(m.text) for _, m in members)}
        looked |= {surface_key(m.proposed_entity) for _, m in members if m.proposed_entity}
        looked.discard("")
        found: dict[str, str] = {}
        for k in sorted(looked):
            for eid, how in keys.get(k, []):
                if eid not in found or _rank(how) < _rank(found[eid]):
                    found[eid] = how
        candidates = sorted(
            (
                LinkCandidate(entity_id=eid, label=entities[eid].label, name=entities[eid].name, matched=how)
                for eid, how in found.items()
            ),
            key=lambda c: (c.label.value != label, _rank(c.matched), c.entity_id),
        )
        suggestion = _suggest(label, key, members, taken)
        taken.add(suggestion.entity_id)
        out.append(
            MentionGroup(
                key=key,
                label=EntityLabel.of(label),
                mentions=[
                    MentionRef(
                        file=f.rel,
                        doc_id=f.gold.doc_id,
                        mention_id=m.mention_id,
                        text=m.text,
                        proposed_entity=m.proposed_entity,
                    )
                    for f, m in members
                ],
                candidates=candidates,
                new_entity=suggestion,
            )
        )
    return EntityDecisions(format=DECISIONS_FORMAT, normalisation=NORMALISATION, groups=out)


def _rank(how: str) -> int:
    return _MATCH_ORDER.get(how, 2)


def _suggest(label: str, key: str, members: list[tuple[AnnotationFile, Mention]], taken: set[str]) -> NewEntity:
    """A new entity for a group: the id typed (where one was) or one made from the name; the
    longest text as the name (the full name over a surname alone), the other texts as aliases."""
    texts = _names(m.text for _, m in members)
    typed = [m.proposed_entity for _, m in members if m.proposed_entity]
    names = _names([*texts, *(t for t in typed if not _is_id(t))])
    name = max(names, key=lambda n: (len(n), n)) if names else key
    typed_ids = [t for t in typed if _is_id(t) and t not in taken]
    base = typed_ids[0] if typed_ids else (_slug(name) or _slug(key) or f"{label.lower()}-entity")
    entity_id, n = base, 2
    while entity_id in taken:
        suffix = f"-{n}"
        entity_id, n = base[: 64 - len(suffix)] + suffix, n + 1
    aliases = sorted({t for t in texts if t != name})
    return NewEntity(entity_id=entity_id, label=EntityLabel.of(label), name=name, aliases=aliases)


def suggested_decision(group: MentionGroup) -> str:
    """What ``link --decide suggested`` fills in: the best candidate when it has the group's
    label (``link <id>``), else ``new`` (create the suggested entity)."""
    best = group.candidates[0] if group.candidates else None
    return f"link {best.entity_id}" if best is not None and best.label == group.label else "new"


def decide(decisions: EntityDecisions, choices: Sequence[str] = (), suggested: bool = False) -> EntityDecisions:
    """The decisions with ``decision`` fields filled in from the command line, not by hand.

    ``suggested`` fills every group with ``suggested_decision``; each of ``choices``,
    ``KEY=DECISION`` or ``LABEL:KEY=DECISION``, then sets the groups of that key (and label).
    A choice naming no group, several labels' groups without a label, or that is not a decision
    is refused (``EntityError``), naming it."""
    chosen: dict[int, str] = {}
    if suggested:
        chosen = {i: suggested_decision(g) for i, g in enumerate(decisions.groups)}
    refusals: list[Refusal] = []
    for choice in choices:
        target, sep, decision = choice.partition("=")
        label, _, key = target.rpartition(":") if ":" in target else ("", "", target)
        hits = [
            i
            for i, g in enumerate(decisions.groups)
            if g.key == surface_key(key) and (not label or g.label.value == label)
        ]
        why = ""
        if not sep:
            why = "expected KEY=DECISION or LABEL:KEY=DECISION"
        elif not hits:
            why = "no group has this key" + (f" and label {label}" if label else "")
        elif len({decisions.groups[i].label for i in hits}) > 1:
            labels = ", ".join(sorted({decisions.groups[i].label.value for i in hits}))
            why = f"groups of several labels have this key ({labels}): write LABEL:KEY=DECISION"
        else:
            try:
                parse_decision(decision)
            except ValueError as e:
                why = str(e)
        if why:
            refusals.append(Refusal("--decide", choice, "decision", why))
            continue
        for i in hits:
            chosen[i] = decision.strip()
    if refusals:
        raise EntityError("refused; nothing was written:", refusals)
    groups = [g.model_copy(update={"decision": chosen.get(i, g.decision)}) for i, g in enumerate(decisions.groups)]
    return decisions.model_copy(update={"groups": groups})


# -- apply --------------------------------------------------------------------------------------


DECISION_FORMS = '"" (undecided), "none", "link <entity_id>" or "new"'


@dataclass(frozen=True)
class _Link:
    entity_id: str


@dataclass(frozen=True)
class _New:
    pass


@dataclass(frozen=True)
class _Leave:
    pass


def parse_decision(text: str) -> _Link | _New | _Leave | None:
    """The decision a ``decision`` field states; raises ValueError saying what was expected."""
    parts = text.split()
    if not parts:
        return None
    if parts == ["none"]:
        return _Leave()
    if parts == ["new"]:
        return _New()
    if parts[0] == "link" and len(parts) == 2:
        if (why := _bad_id(parts[1])) is not None:
            raise ValueError(why)
        return _Link(parts[1])
    raise ValueError(f"{text!r} is not a decision: expected {DECISION_FORMS}")


def apply_decisions(root: Path, decisions: EntityDecisions, label: str = "decisions") -> Edited:
    """Apply every decided group of ``decisions``: all of them, or (``EntityError``) none.

    ``link <id>`` links each mention of the group to a registry entity of the group's label;
    ``new`` adds the group's ``new_entity`` (which must have the group's label) and links to it.
    A mention already linked as decided is left as it is; one linked to another entity is refused.
    """
    plan = _Plan(load_state(root))
    parsed: list[tuple[int, MentionGroup, _Link | _New | _Leave | None]] = []
    for i, g in enumerate(decisions.groups):
        try:
            parsed.append((i, g, parse_decision(g.decision)))
        except ValueError as e:
            plan.refuse(label, f"groups[{i}]", "decision", str(e))
    created: list[str] = []
    # Creations first, so that another group may link to an entity this file creates.
    for i, g, decision in parsed:
        if isinstance(decision, _New):
            _create(plan, label, i, g, created)
    seen: dict[tuple[str, str], int] = {}
    linked: list[str] = []
    unchanged: list[str] = []
    undecided: list[str] = []
    left: list[str] = []
    for i, g, decision in parsed:
        record = f"groups[{i}]"
        for ref in g.mentions:
            where = (ref.file, ref.mention_id)
            if where in seen:
                plan.refuse(label, record, "mentions", f"{ref.file}#{ref.mention_id} is in group {seen[where]} too")
            seen.setdefault(where, i)
        if decision is None:
            undecided.append(g.key)
            continue
        if isinstance(decision, _Leave):
            left.append(g.key)
            continue
        target = decision.entity_id if isinstance(decision, _Link) else g.new_entity.entity_id
        entity = plan.by_id.get(target)
        if entity is None:
            if isinstance(decision, _Link):
                plan.refuse(
                    label,
                    record,
                    "decision",
                    f"entity {target!r} is not in annotations/entities.json; expected an existing id, "
                    'or "new" to create the group\'s new_entity',
                )
            continue
        if entity.label != g.label:
            plan.refuse(
                label,
                record,
                "decision",
                f"entity {target!r} is {entity.label.value}, the group's mentions are {g.label.value}; "
                "expected an entity of the mentions' label",
            )
            continue
        for ref in g.mentions:
            outcome = _link_one(plan, label, record, ref, g.label, target)
            if outcome == "linked":
                linked.append(f"{ref.file}#{ref.mention_id}")
            elif outcome == "unchanged":
                unchanged.append(f"{ref.file}#{ref.mention_id}")
    written = plan.commit()
    return Edited(
        created=tuple(created),
        linked=tuple(linked),
        unchanged=tuple(unchanged),
        undecided=tuple(undecided),
        left=tuple(left),
        written=written,
    )


def _create(plan: _Plan, label: str, i: int, g: MentionGroup, created: list[str]) -> None:
    new, record = g.new_entity, f"groups[{i}]"
    if new.label != g.label:
        plan.refuse(
            label,
            record,
            "new_entity.label",
            f"the new entity is {new.label.value}, the group's mentions are {g.label.value}; expected "
            f"{g.label.value} (or relabel the mentions in Label Studio and import again)",
        )
        return
    entity = Entity(
        entity_id=new.entity_id,
        label=new.label,
        name=_clean_text(new.name),
        aliases=[a for a in _names(new.aliases) if a != _clean_text(new.name)],
        wikidata=new.wikidata,
        note=new.note,
    )
    known = plan.by_id.get(new.entity_id)
    if known is None:
        plan.insert(entity)
        created.append(new.entity_id)
    elif known != entity:
        what = f"label {known.label.value}" if known.label != entity.label else f"name {known.name!r}"
        plan.refuse(
            label,
            record,
            "new_entity.entity_id",
            f"entity {new.entity_id!r} already exists, with {what}; expected a new id, "
            f'or "link {new.entity_id}" to link to it',
        )


def _link_one(plan: _Plan, label: str, record: str, ref: MentionRef, group_label: EntityLabel, target: str) -> str:
    """Plan one mention's link: "linked", "unchanged", or "refused" (with a refusal)."""
    fld = f"mentions[{ref.file}#{ref.mention_id}]"
    path = PurePosixPath(ref.file)
    f = plan.state.files.get(ref.file) if not path.is_absolute() and ".." not in path.parts else None
    if f is None:
        plan.refuse(
            label,
            record,
            fld,
            f"{ref.file!r} is no annotation file of this repository; expected annotations/gold/<doc_id>.json "
            "or annotations/rounds/<round>/annotators/<who>/<doc_id>.json (run link again)",
        )
        return "refused"
    m = next((x for x in f.gold.mentions if x.mention_id == ref.mention_id), None)
    if m is None or m.text != ref.text or f.gold.doc_id != ref.doc_id:
        found = "is not there" if m is None else f"is {m.text!r} now"
        plan.refuse(label, record, fld, f"mention {ref.mention_id!r} {found}; expected {ref.text!r} (run link again)")
        return "refused"
    if m.label != group_label:
        plan.refuse(
            label, record, fld, f"the mention is {m.label.value} now, the group {group_label.value} (run link again)"
        )
        return "refused"
    if m.entity_id == target:
        return "unchanged"
    if m.entity_id is not None:
        plan.refuse(
            label, record, fld, f"the mention is linked to {m.entity_id!r} already; expected an unlinked mention"
        )
        return "refused"
    plan.link(ref.file, ref.mention_id, target)
    return "linked"
