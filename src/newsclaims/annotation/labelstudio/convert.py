"""One Label Studio annotation → the layers of a gold file, with every problem itemised.

Nothing from the export is trusted: every region is re-sliced from its offsets
(``offsets.resolve``), labels and control names are checked against the pass's
config, relations must point at regions of the same annotation. A bad region
is reported and left out; the rest of the annotation is kept.

The layers are built as the gold file's JSON (plain dicts, keys in the models' order) and
checked by the validator's rules, which read dicts: the file is what ``core.jsonio.dumps``
writes of them, with no pydantic object made per record. ``Converted.gold`` is the same
file as a ``GoldFile``, validated when asked for; the tests check that it dumps to the
same bytes.

In the entities pass the entity field is optional: a mention whose typed id is empty or not
in the registry is kept unlinked, what was typed as its proposal (``_link``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson

from newsclaims.annotation.labelstudio.config import CHECKWORTHY, CONTROL, ENTITY, ROLE_DEFINITIONS, Pass
from newsclaims.annotation.labelstudio.offsets import Text, Unresolvable, resolve, trim
from newsclaims.core.documents import Document, Listing
from newsclaims.core.models import SCHEMA_VERSION, GoldFile
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance
from newsclaims.validation.rules import Registries, check_gold
from newsclaims.validation.screen import passes

LABELS: dict[Pass, set[str]] = {
    "noise": set(NoiseCategory.values()),
    "entities": set(EntityLabel.values()),
    "claims": set(ROLE_DEFINITIONS),
}
_QUOTE_TYPES, _STANCES = set(QuoteType.values()), set(Stance.values())


@dataclass(frozen=True, order=True)
class Issue:
    """A problem of one region (or relation, or annotation, or task) of an export.

    ``text`` is the region's text where there is one: the document's text at the region's
    offsets once they are resolved, else the text the export shows for it."""

    task: str
    annotation: str
    region: str
    code: str
    message: str
    text: str = ""

    @property
    def warning(self) -> bool:
        return self.code in WARNINGS

    def __str__(self) -> str:
        kind = "warning" if self.warning else "error"
        shown = f" {quote(self.text)}" if self.text else ""
        task, annotation, region, message = map(_printable, (self.task, self.annotation, self.region, self.message))
        return f"task {task} annotation {annotation} region {region}{shown}: {self.code} {kind}: {message}"


def _printable(text: str) -> str:
    """``text`` as it may stand on a report line: ids from an export may hold newlines."""
    return text if text.isprintable() else json.dumps(text, ensure_ascii=False)[1:-1]


def quote(text: str, limit: int = 60) -> str:
    """A text on one line, in double quotes, cut at ``limit`` characters."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(cut, ensure_ascii=False)


IMPORT_RULES = {
    "NC701": "The task's document is unknown or its text_sha256 differs from the document's: task refused.",
    "NC702": "A region, result, annotation or task is malformed (missing offsets, labels or choices, wrong types).",
    "NC703": "A region uses a control or label that is not in the pass's config.",
    "NC704": "A region's offsets do not fit the text under any reading: region refused.",
    "NC705": "A region's edge was in UTF-16 units and was repaired (warning).",
    "NC706": "A relation points at a region that is not there, has an unknown label or direction, or is two-way "
    "where its direction matters.",
    "NC707": "Whitespace at a region's edge was trimmed (warning).",
    "NC708": "The converted annotation breaks a validation rule: that record is left out.",
    "NC709": "The annotation's Label Studio user is not an annotator of the round (matched by user id and email), "
    "or two different users would become one annotator: not imported.",
    "NC710": "A second task for a document that an earlier task of the same export holds: not imported.",
    "NC711": "A user annotated the same task more than once: the most recently updated annotation is imported, "
    "the others are not.",
    "NC712": "A draft (saved in Label Studio, never submitted): not imported (warning).",
    "NC713": "A cancelled (skipped) annotation: not imported (warning).",
    "NC714": "A mention's label differs from the registry's label of the entity id typed for it: the mention "
    "is kept, unlinked, with that id as its proposal (warning).",
    "NC715": "A review task (round adjudicate --pull) has more than one submitted annotation: none is applied, "
    "the document's gold is left as it was.",
    "NC716": "A review task has no submitted annotation yet: the document's gold is left as it was (warning).",
    "NC717": "An annotation older (updated_at) than the one its annotator file holds, or made by another user: "
    "not imported, the line says what it would change (round import --force imports it).",
    "NC718": "round import --force: an annotation older than, or by another user than, what its annotator file "
    "held replaced it; the line says what changed (warning).",
}
WARNINGS = {"NC705", "NC707", "NC712", "NC713", "NC714", "NC716", "NC718"}


@dataclass
class _Region:
    rid: str
    start: int
    end: int
    label: str
    extra: dict[str, str] = field(default_factory=dict)  # per-region control -> value


# A record of the gold file as JSON: what the rules read and ``dumps`` writes.
Rec = dict[str, Any]


@dataclass
class Converted:
    record: Rec  # the gold file as JSON, keys in the models' order: what is written
    issues: list[Issue]
    regions: dict[str, str]  # record id -> region id it came from

    @cached_property
    def gold(self) -> GoldFile:
        """``record`` as a ``GoldFile`` (validated here: made on demand, not for every import)."""
        return GoldFile.model_validate_json(orjson.dumps(self.record))


class _Collector:
    def __init__(self, task: str, annotation: str) -> None:
        self.task, self.annotation = task, annotation
        self.issues: list[Issue] = []
        self.texts: dict[str, str] = {}  # region id -> its text, for the report

    def add(self, region: object, code: str, message: str) -> None:
        name = str(region)
        self.issues.append(Issue(self.task, self.annotation, name, code, message, self.texts.get(name, "")))


def _regions(
    kind: Pass, results: object, doc: Text, log: _Collector
) -> tuple[dict[str, _Region], list[dict[str, Any]]]:
    regions: dict[str, _Region] = {}
    extras: list[tuple[str, str, str]] = []
    relations: list[dict[str, Any]] = []
    if not isinstance(results, list):
        log.add("-", "NC702", f"result is not a list: {type(results).__name__}")
        return regions, relations
    control, labels_of_pass, texts = CONTROL[kind], LABELS[kind], log.texts
    for r in results:
        if not isinstance(r, dict):
            log.add("-", "NC702", f"result item is not an object: {r!r:.60}")
            continue
        kind_of = r.get("type")
        if kind_of == "relation":
            relations.append(r)
            continue
        rid, value = r.get("id"), r.get("value")
        if not isinstance(rid, str) or not rid or not isinstance(value, dict):
            log.add(rid if isinstance(rid, str) else "-", "NC702", "region without an id or a value")
            continue
        shown = value.get("text")
        if isinstance(shown, str) and shown.strip():
            texts.setdefault(rid, shown)  # what the export shows, until the offsets resolve
        if kind_of == "labels":
            if r.get("from_name") != control:
                log.add(rid, "NC703", f"control {r.get('from_name')!r} is not this pass's {control!r}")
                continue
            labels = value.get("labels")
            if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in labels_of_pass:
                log.add(rid, "NC703", f"labels {labels!r:.80} are not exactly one label of the {kind} pass")
                continue
            try:
                found = resolve(doc, value.get("start"), value.get("end"), shown)
            except Unresolvable as e:
                log.add(rid, "NC704", str(e))
                continue
            start, end = trim(doc, found.start, found.end)
            if found.repaired or (start, end) != (found.start, found.end):
                # The lines of a repaired or trimmed region show its text at the offsets resolved.
                texts[rid] = doc.text[found.start : found.end]
                if found.repaired:
                    log.add(rid, "NC705", found.repaired)
                if (start, end) != (found.start, found.end):
                    log.add(rid, "NC707", f"{found.start}:{found.end} -> {start}:{end}")
                if start >= end:  # trimmed to nothing (a resolved region is never empty)
                    log.add(rid, "NC704", "the region is only whitespace")
                    continue
            texts[rid] = doc.text[start:end]
            regions[rid] = _Region(rid, start, end, labels[0])
        elif kind_of in ("choices", "textarea"):
            key = "choices" if kind_of == "choices" else "text"
            values = value.get(key)
            if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
                log.add(rid, "NC702", f"{r.get('from_name')!r} must hold exactly one value, got {values!r:.60}")
                continue
            extras.append((rid, str(r.get("from_name")), values[0].strip()))
        else:
            log.add(rid, "NC702", f"unknown result type {kind_of!r}")
    for rid, control, value in extras:
        if rid in regions:
            regions[rid].extra[control] = value
        else:
            log.add(rid, "NC706", f"{control!r} belongs to a region that is not there")
    return regions, relations


def _span(doc: Text, r: _Region) -> Rec:
    """A ``Span`` as JSON; the other span records extend it, so their keys follow its three."""
    return {"start": r.start, "end": r.end, "text": doc.text[r.start : r.end]}


def convert(
    kind: Pass,
    results: object,
    document: Document[Listing],
    reg: Registries,
    *,
    task: str,
    annotation: str,
    annotator: str,
    round_name: str,
) -> Converted:
    """Convert one annotation's results into a gold file holding this pass's layer."""
    log = _Collector(task, annotation)
    doc = Text(document.text)
    regions, relations = _regions(kind, results, doc, log)
    ordered = sorted(regions.values(), key=lambda r: (r.start, r.end, r.rid))
    origin: dict[str, str] = {}
    noise: list[Rec] = []
    mentions: list[Rec] = []
    claims: list[Rec] = []
    attributions: list[Rec] = []
    # Labels are the vocabulary's values (``_regions`` keeps no other): each record's JSON holds
    # them as they are, as a model's enum field dumps.
    if kind == "noise":
        for i, r in enumerate(ordered, 1):
            nid = f"n{i:03d}"
            noise.append({**_span(doc, r), "noise_id": nid, "category": r.label, "note": None})
            origin[nid] = r.rid
    elif kind == "entities":
        known = reg.entity_labels or {}
        for r in ordered:
            mid = f"m{len(mentions) + 1:03d}"
            entity_id, proposed = _link(r, known, log)
            mention = {**_span(doc, r), "mention_id": mid, "label": r.label, "entity_id": entity_id}
            if proposed is not None:  # left out of the file when there is none, as Mention's serializer does
                mention["proposed_entity"] = proposed
            mention["note"] = None
            mentions.append(mention)
            origin[mid] = r.rid
    else:
        claims, attributions = _claims(ordered, relations, doc, log, origin)
    gold: Rec = {
        "schema_version": SCHEMA_VERSION,
        "doc_id": document.doc_id,
        "text_sha256": document.text_sha256,
        "provenance": {
            "annotators": [annotator],
            "rounds": [round_name],
            "method": f"Label Studio round {round_name}, {kind} pass",
        },
        "mentions": mentions,
        "claims": claims,
        "attributions": attributions,
        "noise": noise,
    }
    gold = _drop_invalid(
        gold, reg, origin, log, f"annotations/rounds/{round_name}/annotators/{annotator}/{document.doc_id}.json"
    )
    return Converted(gold, sorted(set(log.issues)), origin)


def _link(r: _Region, known: Mapping[str, str], log: _Collector) -> tuple[str | None, str | None]:
    """(entity_id, proposed_entity) of a mention region from what its annotator typed.

    The entity field is optional: an id of the registry with the region's label links the
    mention; anything else typed (a new entity's name or id) is kept as its proposal, and
    nothing typed leaves it unlinked. An id whose registry label differs from the region's is a
    disagreement, reported (NC714) and kept as a proposal: the mention stays, with its label.
    """
    typed = " ".join(r.extra.get(ENTITY, "").split())
    if not typed:
        return None, None
    registered = known.get(typed)
    if registered is None:
        return None, typed
    if registered != r.label:
        log.add(
            r.rid,
            "NC714",
            f"label {r.label} differs from entity {typed!r}'s label {registered} in entities.json: "
            f"the mention is kept unlinked, {typed!r} as its proposal",
        )
        return None, typed
    return typed, None


# Relation label -> the roles its start region may have and the roles its end region may have.
# A "parent" relation goes from an attribution's source or cue to the outer attribution's.
_RELATION_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fragment": (("claim",), ("claim",)),
    "source": (("source",), ("claim",)),
    "cue": (("cue",), ("claim", "source")),
    "parent": (("source", "cue"), ("source", "cue")),
}


def _misfit(label: str, start: _Region, end: _Region) -> str | None:
    """Why a ``label`` relation cannot go from ``start`` to ``end``; None when it can."""
    starts, ends = _RELATION_ROLES[label]
    if start.label not in starts:
        return f"a {label!r} relation must start at a {' or '.join(starts)} region, not {start.label}"
    if end.label not in ends:
        return f"a {label!r} relation must end at a {' or '.join(ends)} region, not {end.label}"
    return None


def _claims(
    ordered: list[_Region], relations: list[dict[str, Any]], doc: Text, log: _Collector, origin: dict[str, str]
) -> tuple[list[Rec], list[Rec]]:
    by_id = {r.rid: r for r in ordered}
    first_of: dict[str, str] = {}  # fragment region -> first fragment region
    targets: dict[str, str] = {}  # source/cue region -> claim region
    parent: dict[str, str] = {}  # carrier region -> outer carrier region
    for rel in relations:
        frm, to, labels = rel.get("from_id"), rel.get("to_id"), rel.get("labels") or []
        name = f"{frm}->{to}"
        if not isinstance(frm, str) or not isinstance(to, str) or frm not in by_id or to not in by_id:
            log.add(name, "NC706", "relation between regions that are not there")
            continue
        label = labels[0] if isinstance(labels, list) and len(labels) == 1 and isinstance(labels[0], str) else None
        if label is None or label not in _RELATION_ROLES:
            log.add(name, "NC706", f"relation labels {labels!r:.40} are not one of {sorted(_RELATION_ROLES)}")
            continue
        direction = rel.get("direction", "right")
        if direction == "bi":
            # A two-way relation is taken only when the regions' roles leave one reading.
            readings = [(a, b) for a, b in ((frm, to), (to, frm)) if _misfit(label, by_id[a], by_id[b]) is None]
            if len(readings) != 1:
                why = "either way round" if readings else "neither way round"
                log.add(name, "NC706", f"a two-way {label!r} relation fits {why}: draw it with an arrow")
                continue
            frm, to = readings[0]
        elif direction in ("right", "left"):
            frm, to = (frm, to) if direction == "right" else (to, frm)  # "left" points from to_id to from_id
            misfit = _misfit(label, by_id[frm], by_id[to])
            if misfit:
                log.add(name, "NC706", misfit if direction == "right" else f"{misfit} (drawn right to left)")
                continue
        else:
            log.add(name, "NC706", f"relation direction {direction!r:.20} is not right, left or bi")
            continue
        {"fragment": first_of, "source": targets, "cue": targets, "parent": parent}[label][frm] = to
    groups: dict[str, list[_Region]] = defaultdict(list)
    for r in ordered:
        if r.label == "claim":
            groups[first_of.get(r.rid, r.rid)].append(r)
    claims: list[Rec] = []
    claim_of: dict[str, str] = {}
    for head, parts in sorted(groups.items(), key=lambda kv: (kv[1][0].start, kv[0])):
        choice = by_id[head].extra.get("checkworthy") if head in by_id else None
        if choice not in CHECKWORTHY:
            log.add(head, "NC702", f"claim without a checkworthy choice (got {choice!r})")
            continue
        cid = f"c{len(claims) + 1:03d}"
        claims.append(
            {
                "claim_id": cid,
                "fragments": [_span(doc, r) for r in parts],
                "cluster_id": None,
                "checkworthy": choice == "checkworthy",
                "note": None,
            }
        )
        origin[cid] = head
        for r in parts:
            claim_of[r.rid] = cid
    # One attribution per source region (its cue points at it), or per cue pointing at a claim.
    pairs: dict[str, tuple[_Region | None, _Region | None]] = {
        r.rid: (r, None) for r in ordered if r.label == "source" and targets.get(r.rid) in claim_of
    }
    for r in ordered:
        if r.label != "cue":
            continue
        to = targets.get(r.rid)
        if to in pairs and pairs[to][1] is None:
            pairs[to] = (pairs[to][0], r)
        elif to in claim_of:
            pairs[r.rid] = (None, r)
        else:
            log.add(r.rid, "NC706", "cue region is not linked to a source with no other cue, nor to a claim")
    for r in ordered:
        if r.label == "source" and r.rid not in pairs:
            log.add(r.rid, "NC706", "source region is not linked to a claim")
    carrier_id: dict[str, str] = {}
    attributions: list[Rec] = []
    for key in sorted(pairs, key=lambda k: _first_start(pairs[k])):
        src, cue = pairs[key]
        carrier = src or cue
        assert carrier is not None
        role = carrier.label
        qt, st = carrier.extra.get(f"quote_type_{role}"), carrier.extra.get(f"stance_{role}")
        if qt not in _QUOTE_TYPES or st not in _STANCES:
            log.add(carrier.rid, "NC702", f"attribution without a quote type or stance (got {qt!r}, {st!r})")
            continue
        aid = f"a{len(attributions) + 1:03d}"
        claim_region = targets[src.rid] if src else targets[carrier.rid]
        attributions.append(
            {
                "attribution_id": aid,
                "claim_id": claim_of[claim_region],
                # A Source with neither entity_id nor unnamed: its serializer leaves both out.
                "source": {**_span(doc, src), "mention_id": None} if src else None,
                "cue": _span(doc, cue) if cue else None,
                "quote_type": qt,
                "stance": st,
                "parent_id": None,
                "note": None,
            }
        )
        origin[aid] = carrier.rid
        for part in (src, cue):
            if part:
                carrier_id[part.rid] = aid
    for a in attributions:
        outer = parent.get(origin[a["attribution_id"]])
        a["parent_id"] = carrier_id.get(outer) if outer else None
    return claims, attributions


def _first_start(pair: tuple[_Region | None, _Region | None]) -> int:
    """Where an attribution's source or cue starts, whichever comes first (one of them is there)."""
    src, cue = pair
    if src is None or cue is None:
        only = src or cue
        assert only is not None
        return only.start
    return min(src.start, cue.start)


def _drop_invalid(gold: Rec, reg: Registries, origin: dict[str, str], log: _Collector, label: str) -> Rec:
    """Leave out records that break a rule (overlapping noise, crossing mentions…), reporting each.

    ``label`` is the file's place, as the rules see it: a round's annotator file, where a mention
    may be unlinked (NC312)."""
    # Dropping a record can orphan another (an attribution of a dropped claim): repeat until clean.
    # The validator's compiled screen passes a file only when no rule of check_gold can fail for it
    # (tested against the rules), so a sound annotation, the usual one, skips the rules' walk.
    while not passes(label, gold, reg) and (problems := check_gold(label, gold, reg)):
        bad = {p.record for p in problems}
        for p in problems:
            log.add(origin.get(p.record, p.record), "NC708", f"{p.code} {p.message}")
        claims = [c for c in gold["claims"] if c["claim_id"] not in bad]
        kept = {c["claim_id"] for c in claims}
        attributions = [a for a in gold["attributions"] if a["attribution_id"] not in bad and a["claim_id"] in kept]
        ids = {a["attribution_id"] for a in attributions}
        gold = {
            **gold,
            "mentions": [m for m in gold["mentions"] if m["mention_id"] not in bad],
            "claims": claims,
            "attributions": [
                a if a["parent_id"] in ids or a["parent_id"] is None else {**a, "parent_id": None} for a in attributions
            ],
            "noise": [n for n in gold["noise"] if n["noise_id"] not in bad],
        }
    return gold
