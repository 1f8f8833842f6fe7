"""``round adjudicate``: the annotators of a round merged into gold, with every conflict listed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from newsclaims.annotation.labelstudio.config import Pass
from newsclaims.annotation.rounds.round import Round, RoundError, annotator_files
from newsclaims.core.jsonio import dumps, model_dumps, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import (
    SCHEMA_VERSION,
    Attribution,
    Claim,
    GoldFile,
    Mention,
    NoiseSpan,
    Provenance,
    Span,
)
from newsclaims.core.vocab import EntityLabel, NoiseCategory
from newsclaims.validation.repository import Repository

# What each strategy keeps of the units (records, keyed so that two annotators' equal records
# share a key) that not every annotator marked: majority, more than half of the annotators
# (with two, only what both marked); union, everything anyone marked; prefer:NAME, NAME's.
STRATEGIES = ("majority", "union")

# doc_id -> "accept" / "reject" -> unit keys (as adjudication.json lists the conflicts)
Decisions = Mapping[str, Mapping[str, Collection[str]]]


@dataclass(frozen=True)
class DocumentDecision:
    """One document: how many units were kept, the conflicts left to a person (units not every
    annotator marked, none settled by a decision), which of those the strategy dropped, and why
    the result does not validate."""

    kept: int
    conflicts: tuple[str, ...]
    problems: tuple[str, ...]
    dropped: tuple[str, ...] = ()  # conflicts the strategy left out of gold
    annotators: int = 0  # how many annotators' files of this document were merged (not in the JSON)

    def as_dict(self) -> dict[str, object]:
        return {
            "kept": self.kept,
            "conflicts": list(self.conflicts),
            "dropped": list(self.dropped),
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class AdjudicationResult:
    """What ``adjudication.json`` holds; ``as_dict`` is that file's content, key for key."""

    round: str
    pass_: Pass
    strategy: str
    documents: dict[str, DocumentDecision]
    written: tuple[str, ...]  # the gold files written, relative to the repository

    def as_dict(self) -> dict[str, object]:
        return {
            "round": self.round,
            "pass": self.pass_,
            "strategy": self.strategy,
            "documents": {doc_id: d.as_dict() for doc_id, d in self.documents.items()},
            "written": list(self.written),
        }


def _key_span(s: Span | None) -> str:
    return f"{s.start}:{s.end}" if s is not None else "-"


@dataclass(frozen=True)
class _Attr:
    """An attribution with what it points at, as keys that mean the same in every annotator's file."""

    record: Attribution
    claim: str
    parent: str | None


# What one annotator's file holds for a pass, record by record.
_Unit = Mention | NoiseSpan | Claim | _Attr
_Spanned = TypeVar("_Spanned", Mention, NoiseSpan)


def _attr_key(claim: str, a: Attribution) -> str:
    return f"attribution|{claim}|{_key_span(a.source)}|{_key_span(a.cue)}|{a.quote_type.value}|{a.stance.value}"


def _entity_key(m: Mention) -> str:
    return m.entity_id if m.entity_id is not None else f"unlinked:{m.proposed_entity or ''}"


def _units(kind: Pass, gold: GoldFile) -> dict[str, _Unit]:
    """The records of a pass, by a key that is equal exactly when two annotators agree."""
    if kind == "noise":
        return {f"noise|{n.category.value}|{_key_span(n)}": n for n in gold.noise}
    if kind == "entities":
        # An unlinked mention is keyed by its proposal: gold cannot hold it (NC312), so adjudication
        # refuses it, naming it, until `newsclaims entities link` and `apply` have linked it.
        return {f"mention|{m.label.value}|{_key_span(m)}|{_entity_key(m)}": m for m in gold.mentions}
    claims = {c.claim_id: "+".join(map(_key_span, c.fragments)) for c in gold.claims}
    out: dict[str, _Unit] = {f"claim|{claims[c.claim_id]}|{c.checkworthy}": c for c in gold.claims}
    akey = {a.attribution_id: _attr_key(claims.get(a.claim_id, "-"), a) for a in gold.attributions}
    for a in gold.attributions:
        out[akey[a.attribution_id]] = _Attr(a, claims.get(a.claim_id, "-"), akey.get(a.parent_id or ""))
    return out


def adjudicate(
    root: Path, name: str, strategy: str = "majority", decisions: Decisions | None = None
) -> AdjudicationResult:
    """Merge the annotators' files into gold; returns (and writes) what was decided and left open."""
    from newsclaims.annotation.layers import link_source_mentions
    from newsclaims.validation.rules import check_gold

    rnd = Round(root, name)
    kind = rnd.kind
    files = annotator_files(rnd)
    repo = Repository.load(root)
    documents, reg = repo.documents or {}, repo.registries
    layout = Layout(root)
    prefer = strategy.split(":", 1)[1] if strategy.startswith("prefer:") else None
    if strategy not in STRATEGIES and prefer is None:
        raise RoundError(f"strategy {strategy!r}: expected {', '.join(STRATEGIES)} or 'prefer:<annotator>'")
    outcome: dict[str, DocumentDecision] = {}
    merged_files: dict[str, GoldFile] = {}
    for doc_id, by_who in sorted(files.items()):
        if prefer is not None and prefer not in by_who:
            raise RoundError(f"{doc_id}: annotator {prefer!r} has no file in this round")
        units = {who: _units(kind, g) for who, g in by_who.items()}
        votes: dict[str, int] = defaultdict(int)
        for u in units.values():
            for key in u:
                votes[key] += 1
        if prefer is not None:
            keep = set(units[prefer])
        elif strategy == "union":
            keep = set(votes)
        else:  # majority: more than half of the annotators of this document
            keep = {k for k, n in votes.items() if n * 2 > len(units)}
        conflicts = sorted(k for k in votes if k not in keep or votes[k] < len(units))
        doc_decisions = decisions.get(doc_id, {}) if decisions else {}
        keep |= set(doc_decisions.get("accept", [])) & set(votes)
        keep -= set(doc_decisions.get("reject", []))
        settled = set(doc_decisions.get("accept", [])) | set(doc_decisions.get("reject", []))
        record_of = {k: rec for u in units.values() for k, rec in u.items()}
        chosen = [record_of[k] for k in sorted(keep)]
        gold_path = layout.gold / f"{doc_id}.json"
        base = (
            GoldFile.model_validate_json(gold_path.read_bytes())
            if gold_path.exists()
            else GoldFile(
                schema_version=SCHEMA_VERSION,
                doc_id=doc_id,
                text_sha256=documents[doc_id].text_sha256,
                provenance=Provenance(
                    annotators=sorted(by_who), rounds=[], method=f"adjudicated Label Studio round {name}"
                ),
                mentions=[],
                claims=[],
                attributions=[],
                noise=[],
            )
        )
        merged = _replace_layer(kind, base, chosen)
        merged = link_source_mentions(merged) if kind in ("claims", "entities") else merged
        annotators = list(dict.fromkeys([*base.provenance.annotators, *sorted(by_who)]))
        rounds = list(dict.fromkeys([*base.provenance.rounds, name]))
        merged = merged.model_copy(
            update={"provenance": base.provenance.model_copy(update={"annotators": annotators, "rounds": rounds})}
        )
        problems = check_gold(gold_path.name, merged, reg)
        open_conflicts = tuple(k for k in conflicts if k not in settled)
        outcome[doc_id] = DocumentDecision(
            kept=len(keep),
            conflicts=open_conflicts,
            problems=tuple(str(p) for p in problems),
            dropped=tuple(k for k in open_conflicts if k not in keep),
            annotators=len(units),
        )
        if not problems:
            merged_files[doc_id] = merged
    blocked = [d for d, r in outcome.items() if r.problems]
    if blocked:
        result = AdjudicationResult(name, kind, strategy, outcome, written=())
        write_text_atomic(rnd.folder / "adjudication.json", dumps(result.as_dict()))
        raise RoundError(
            f"adjudicated files of {', '.join(blocked)} do not validate; see {rnd.folder / 'adjudication.json'}"
        )
    for doc_id, merged in merged_files.items():
        write_text_atomic(layout.gold / f"{doc_id}.json", model_dumps(merged))
    written = tuple(sorted(f"annotations/gold/{d}.json" for d in merged_files))
    result = AdjudicationResult(name, kind, strategy, outcome, written)
    write_text_atomic(rnd.folder / "adjudication.json", dumps(result.as_dict()))
    return result


def _span_key(r: Mention | NoiseSpan) -> tuple[int, int, EntityLabel | NoiseCategory]:
    """What makes two noise spans or two mentions the same record (ids aside)."""
    return (r.start, r.end, r.label if isinstance(r, Mention) else r.category)


def _renumber(
    chosen: Sequence[_Unit], kind: type[_Spanned], id_field: str, prefix: str, old: Sequence[_Spanned]
) -> list[_Spanned]:
    """The chosen records of one type in text order with fresh ids, keeping the note of an unchanged record."""
    notes = {_span_key(r): r.note for r in old}
    records = sorted((r for r in chosen if isinstance(r, kind)), key=lambda r: (r.start, -r.end, str(_span_key(r)[2])))
    return [
        r.model_copy(update={id_field: f"{prefix}{i:03d}", "note": notes.get(_span_key(r)) or r.note})
        for i, r in enumerate(records, 1)
    ]


def _replace_layer(kind: Pass, base: GoldFile, chosen: Sequence[_Unit]) -> GoldFile:
    """Put the chosen records in place of the pass's layer, renumbered in text order; keep notes and clusters."""
    if kind == "noise":
        noise = _renumber(chosen, NoiseSpan, "noise_id", "n", base.noise)
        return base.model_copy(update={"noise": noise})
    if kind == "entities":
        # A linked mention's proposal is history: gold keeps the link alone.
        mentions = [
            m.model_copy(update={"proposed_entity": None}) if m.entity_id is not None else m
            for m in _renumber(chosen, Mention, "mention_id", "m", base.mentions)
        ]
        # Sources link mentions by id, and the ids just changed: follow each linked mention to its
        # new id, or drop the link if adjudication dropped the mention (relinked by the caller).
        new_id = {_span_key(m): m.mention_id for m in mentions}
        moved = {m.mention_id: new_id.get(_span_key(m)) for m in base.mentions}
        attributions = [
            a.model_copy(update={"source": a.source.model_copy(update={"mention_id": moved.get(a.source.mention_id)})})
            if a.source is not None and a.source.mention_id is not None
            else a
            for a in base.attributions
        ]
        return base.model_copy(update={"mentions": mentions, "attributions": attributions})
    claims = sorted(
        (r for r in chosen if isinstance(r, Claim)), key=lambda c: (c.fragments[0].start, c.fragments[-1].end)
    )
    old_claims = {"+".join(map(_key_span, c.fragments)): c for c in base.claims}
    claim_ids: dict[str, str] = {}
    out_claims: list[Claim] = []
    for i, c in enumerate(claims, 1):
        key = "+".join(map(_key_span, c.fragments))
        prior = old_claims.get(key)
        claim_ids[key] = f"c{i:03d}"
        update = {"claim_id": claim_ids[key], "cluster_id": prior.cluster_id if prior else None}
        out_claims.append(c.model_copy(update={**update, "note": prior.note if prior else c.note}))
    # An attribution survives with its claim; its parent only if that was kept too.
    attrs = sorted(
        (r for r in chosen if isinstance(r, _Attr) and r.claim in claim_ids),
        key=lambda r: (claim_ids[r.claim], _key_span(r.record.source), _key_span(r.record.cue)),
    )
    by_key = {_attr_key(r.claim, r.record): f"a{i:03d}" for i, r in enumerate(attrs, 1)}
    out_attrs: list[Attribution] = []
    for i, r in enumerate(attrs, 1):
        parent = by_key.get(r.parent) if r.parent else None
        source = r.record.source.model_copy(update={"mention_id": None}) if r.record.source else None
        out_attrs.append(
            r.record.model_copy(
                update={
                    "attribution_id": f"a{i:03d}",
                    "claim_id": claim_ids[r.claim],
                    "parent_id": parent,
                    "source": source,
                }
            )
        )
    return base.model_copy(update={"claims": out_claims, "attributions": out_attrs})
