"""``round adjudicate``: the annotators of a round merged into gold, with every conflict listed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel

from newsclaims.annotation.agreement import span_key
from newsclaims.annotation.decisions import Refused, read_decisions_file
from newsclaims.annotation.labelstudio.config import Pass
from newsclaims.annotation.rounds.round import Round, RoundError, annotator_files
from newsclaims.core.collector import collector_paused
from newsclaims.core.files import read_bytes
from newsclaims.core.jsonio import dumps, model_dumps, write_many_atomic, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import (
    SCHEMA_VERSION,
    Attribution,
    Claim,
    GoldFile,
    Mention,
    NoiseSpan,
    Provenance,
)
from newsclaims.core.vocab import EntityLabel, NoiseCategory
from newsclaims.validation.repository import Repository
from newsclaims.validation.rules import Registries

# What each strategy keeps of the units (records, keyed so that two annotators' equal records
# share a key) that not every annotator marked: majority, more than half of the annotators
# (with two, only what both marked); union, everything anyone marked; prefer:NAME, NAME's.
STRATEGIES = ("majority", "union")

# doc_id -> "accept" / "reject" -> unit keys (as adjudication.json lists the conflicts)
Decisions = Mapping[str, Mapping[str, Collection[str]]]


class Verdicts(BaseModel):
    """One document's decisions: the unit keys to keep and to leave out, whatever the strategy says."""

    model_config = ConfigDict(extra="forbid", strict=True)

    accept: list[str] = Field(default_factory=list)
    reject: list[str] = Field(default_factory=list)


class RoundDecisions(RootModel[dict[str, Verdicts]]):
    """A ``--decisions`` file of ``round adjudicate``: ``{doc_id: {"accept": [...], "reject": [...]}}``."""


class DecisionsRefused(Refused, RoundError):
    """The decisions file cannot be read or has the wrong shape; nothing was changed."""


def read_round_decisions(path: Path) -> Decisions:
    """A ``--decisions`` file, every problem of its shape located (file, document, field)."""

    def record_of(raw: object, loc: tuple[int | str, ...]) -> tuple[str, tuple[int | str, ...]]:
        return (str(loc[0]), loc[1:]) if loc and isinstance(raw, dict) else ("-", loc)

    what = "a decisions file ({doc_id: {accept: [unit keys], reject: [unit keys]}})"
    decisions = read_decisions_file(path, RoundDecisions, DecisionsRefused, what, record_of)
    return {doc_id: {"accept": v.accept, "reject": v.reject} for doc_id, v in decisions.root.items()}


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
    reviewer: str | None = None  # who reviewed it in Label Studio (``--pull``), else None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kept": self.kept}
        if self.reviewer is not None:
            out["reviewer"] = self.reviewer
        return {
            **out,
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
    return f"attribution|{claim}|{span_key(a.source)}|{span_key(a.cue)}|{a.quote_type.value}|{a.stance.value}"


def _entity_key(m: Mention) -> str:
    return m.entity_id if m.entity_id is not None else f"unlinked:{m.proposed_entity or ''}"


def units_of(kind: Pass, gold: GoldFile) -> dict[str, _Unit]:
    """The records of a pass, by a key that is equal exactly when two annotators agree."""
    if kind == "noise":
        return {f"noise|{n.category.value}|{span_key(n)}": n for n in gold.noise}
    if kind == "entities":
        # An unlinked mention is keyed by its proposal: gold cannot hold it (NC312), so adjudication
        # refuses it, naming it, until `newsclaims entities link` and `apply` have linked it.
        return {f"mention|{m.label.value}|{span_key(m)}|{_entity_key(m)}": m for m in gold.mentions}
    claims = {c.claim_id: "+".join(map(span_key, c.fragments)) for c in gold.claims}
    out: dict[str, _Unit] = {f"claim|{claims[c.claim_id]}|{c.checkworthy}": c for c in gold.claims}
    akey = {a.attribution_id: _attr_key(claims.get(a.claim_id, "-"), a) for a in gold.attributions}
    for a in gold.attributions:
        out[akey[a.attribution_id]] = _Attr(a, claims.get(a.claim_id, "-"), akey.get(a.parent_id or ""))
    return out


def _new_gold(doc_id: str, text_sha256: str, annotators: list[str], name: str) -> GoldFile:
    """The gold file of a document that had none: empty, with this round's provenance."""
    return GoldFile(
        schema_version=SCHEMA_VERSION,
        doc_id=doc_id,
        text_sha256=text_sha256,
        provenance=Provenance(annotators=annotators, rounds=[], method=f"adjudicated Label Studio round {name}"),
        mentions=[],
        claims=[],
        attributions=[],
        noise=[],
    )


def merge_into_gold(
    repo: Repository, name: str, kind: Pass, doc_id: str, chosen: Sequence[_Unit], contributors: Sequence[str]
) -> GoldFile:
    """The document's gold file (or a new one) with the pass's layer replaced by ``chosen``, its
    sources linked again, and ``contributors`` and the round added to its provenance. Not written."""
    from newsclaims.annotation.layers import link_source_mentions

    gold_path = repo.layout.gold / f"{doc_id}.json"
    if gold_path.exists():
        base = GoldFile.model_validate_json(read_bytes(gold_path))
    else:
        text_sha256 = (repo.documents or {})[doc_id].text_sha256
        base = _new_gold(doc_id, text_sha256, sorted(contributors), name)
    merged = _replace_layer(kind, base, chosen)
    merged = link_source_mentions(merged) if kind in ("claims", "entities") else merged
    annotators = list(dict.fromkeys([*base.provenance.annotators, *sorted(contributors)]))
    rounds = list(dict.fromkeys([*base.provenance.rounds, name]))
    provenance = base.provenance.model_copy(update={"annotators": annotators, "rounds": rounds})
    return merged.model_copy(update={"provenance": provenance})


def adjudicate(
    root: Path, name: str, strategy: str = "majority", decisions: Decisions | None = None
) -> AdjudicationResult:
    """Merge the annotators' files into gold; returns (and writes) what was decided and left open."""
    rnd = Round(root, name)
    # Files parsed into models, merged and written: no cycle among them, and the collector
    # would rescan every file read so far while the next ones are merged.
    with collector_paused():
        repo = Repository.load(root, only=set(rnd.manifest().documents))  # the round's pages, no others
        outcome, merged = _merge_round(rnd, repo, strategy, decisions)
        valid = {doc_id: gold for doc_id, gold in merged.items() if not outcome[doc_id].problems}
        return write_adjudication(root, rnd, AdjudicationResult(name, rnd.kind, strategy, outcome, written=()), valid)


def adjudicate_in_memory(rnd: Round, repo: Repository, strategy: str) -> dict[str, GoldFile]:
    """What ``strategy`` would make of each document's gold file (valid or not); nothing is written."""
    return _merge_round(rnd, repo, strategy, None)[1]


def _merge_round(
    rnd: Round, repo: Repository, strategy: str, decisions: Decisions | None
) -> tuple[dict[str, DocumentDecision], dict[str, GoldFile]]:
    kind = rnd.kind
    files = annotator_files(rnd)
    prefer = strategy.split(":", 1)[1] if strategy.startswith("prefer:") else None
    if strategy not in STRATEGIES and prefer is None:
        raise RoundError(f"strategy {strategy!r}: expected {', '.join(STRATEGIES)} or 'prefer:<annotator>'")
    if decisions:
        _check_decisions(kind, files, decisions)
    registries = repo.registries
    outcome: dict[str, DocumentDecision] = {}
    merged_files: dict[str, GoldFile] = {}
    for doc_id, by_who in sorted(files.items()):
        if prefer is not None and prefer not in by_who:
            raise RoundError(f"{doc_id}: annotator {prefer!r} has no file in this round")
        units = {who: units_of(kind, g) for who, g in by_who.items()}
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
        keep = _one_value_per_claim(keep, units, strategy, prefer)
        conflicts = sorted(k for k in votes if k not in keep or votes[k] < len(units))
        doc_decisions = decisions.get(doc_id, {}) if decisions else {}
        accepted = set(doc_decisions.get("accept", [])) & set(votes)
        keep |= accepted
        keep -= set(doc_decisions.get("reject", []))
        # An accepted value replaces the one the strategy chose for the same unit: a claim's
        # check-worthiness, an attribution's quote type and stance. Nothing else is touched.
        replaced = {_same_unit(a) for a in accepted} - {""}
        keep -= {k for k in keep if k not in accepted and _same_unit(k) in replaced}
        settled = set(doc_decisions.get("accept", [])) | set(doc_decisions.get("reject", []))
        record_of = {k: rec for u in units.values() for k, rec in u.items()}
        # An attribution goes with its claim: left out with it, and said so.
        spans = {_claim_span(k) for k in keep if k.startswith("claim|")}
        orphans = {
            k for k in keep if isinstance(record_of[k], _Attr) and f"claim|{_attr_claim(record_of[k])}" not in spans
        }
        keep -= orphans
        merged = merge_into_gold(repo, rnd.name, kind, doc_id, [record_of[k] for k in sorted(keep)], sorted(by_who))
        open_conflicts = tuple(k for k in conflicts if k not in settled)
        outcome[doc_id] = DocumentDecision(
            kept=len(keep),
            conflicts=open_conflicts,
            problems=gold_problems(registries, merged),
            dropped=tuple(sorted({k for k in open_conflicts if k not in keep} | orphans)),
            annotators=len(units),
        )
        merged_files[doc_id] = merged
    return outcome, merged_files


def _same_unit(key: str) -> str:
    """What makes a claim or an attribution the same one whatever values were given to it (its
    fragments; its claim, source and cue), from its unit key; "" for other units."""
    if key.startswith("claim|"):
        return _claim_span(key)
    if key.startswith("attribution|"):
        return "|".join(key.split("|")[:4])
    return ""


def _claim_span(key: str) -> str:
    """``claim|<fragments>`` of a claim's unit key (``claim|<fragments>|<checkworthy>``); else ""."""
    return key.rsplit("|", 1)[0] if key.startswith("claim|") else ""


def _attr_claim(unit: _Unit) -> str:
    assert isinstance(unit, _Attr)
    return unit.claim


def _one_value_per_claim(
    keep: set[str], units: Mapping[str, Mapping[str, _Unit]], strategy: str, prefer: str | None
) -> set[str]:
    """Check-worthiness is a property of a claim, not what makes it the claim: annotators who
    marked the same fragments marked the same claim, whatever they said of it. So a claim is
    kept as the strategy keeps any unit, counting every annotator who marked its fragments, and
    with one value: prefer's; union, check-worthy if anyone said so; majority, the value more
    of them gave, check-worthy on a tie (a fact-checker would rather see it than miss it).
    Otherwise two annotators who differ on it would make union write the claim twice and
    majority drop a claim both marked, with its attributions."""
    said: dict[str, dict[bool, set[str]]] = defaultdict(lambda: defaultdict(set))
    for who, unit in units.items():
        for key, record in unit.items():
            if isinstance(record, Claim):
                said[_claim_span(key)][record.checkworthy].add(who)
    out = {k for k in keep if not k.startswith("claim|")}
    for span, by_value in said.items():
        markers = set().union(*by_value.values())
        value: bool | None
        if prefer is not None:
            value = next((v for v, who in by_value.items() if prefer in who), None)
        elif strategy == "union":
            value = True in by_value
        elif len(markers) * 2 > len(units):
            value = len(by_value.get(True, ())) >= len(by_value.get(False, ()))
        else:
            value = None
        if value is not None:
            out.add(f"{span}|{value}")
    return out


def gold_problems(registries: Registries, merged: GoldFile) -> tuple[str, ...]:
    """Why a merged gold file would not validate (the validator's own rules), as report lines.
    ``registries``: the repository's, made once (``Repository.registries`` builds them anew)."""
    from newsclaims.validation.rules import check_gold

    return tuple(str(p) for p in check_gold(f"{merged.doc_id}.json", merged, registries))


def write_adjudication(
    root: Path, rnd: Round, result: AdjudicationResult, merged: Mapping[str, GoldFile]
) -> AdjudicationResult:
    """Write ``adjudication.json`` and, when every document validates, the gold files; all or nothing.

    Under the round's lock; every path is checked to stay inside the repository (a gold file
    symlinked elsewhere is refused, not followed). A run cut short between two gold files is
    finished by running it again: each file's layer is replaced whole, so a second run gives
    the same bytes."""
    report = rnd.target("adjudication.json")
    blocked = [d for d, r in result.documents.items() if r.problems]
    with rnd.lock():
        if blocked:
            write_text_atomic(report, dumps(result.as_dict()), root=root)
            raise RoundError(f"adjudicated files of {', '.join(blocked)} do not validate; see {report}")
        gold = Layout(root).gold
        # One flush for all the gold files (write_many_atomic), each checked inside the
        # repository before any is written.
        files = [(gold / f"{doc_id}.json", model_dumps(file).encode("utf-8")) for doc_id, file in merged.items()]
        write_many_atomic(files, root=root)
        written = tuple(sorted(f"annotations/gold/{d}.json" for d in merged))
        result = replace(result, written=written)
        write_text_atomic(report, dumps(result.as_dict()), root=root)
    return result


def _check_decisions(kind: Pass, files: Mapping[str, Mapping[str, GoldFile]], decisions: Decisions) -> None:
    """Refuse a decision that would silently do nothing: a document not in the round, a unit key
    no annotator's file has (a typo, or a key of another pass), one key both accepted and rejected."""
    wrong: list[str] = []
    for doc_id, doc_decisions in sorted(decisions.items()):
        if doc_id not in files:
            wrong.append(f"{doc_id}: not a document of this round (it has {', '.join(sorted(files)) or 'none'})")
            continue
        keys = {k for g in files[doc_id].values() for k in units_of(kind, g)}
        for verdict in ("accept", "reject"):
            for i, key in enumerate(doc_decisions.get(verdict, [])):
                if key not in keys:
                    wrong.append(f"{doc_id}:{verdict}[{i}]: {key!r:.80} is not a unit of any annotator's file")
        both = set(doc_decisions.get("accept", [])) & set(doc_decisions.get("reject", []))
        wrong += [f"{doc_id}: {key!r:.80} is both accepted and rejected" for key in sorted(both)]
    if wrong:
        raise RoundError("the decisions do not fit the round; nothing was changed:\n  " + "\n  ".join(wrong))


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
    old_claims = {"+".join(map(span_key, c.fragments)): c for c in base.claims}
    claim_ids: dict[str, str] = {}
    out_claims: list[Claim] = []
    for i, c in enumerate(claims, 1):
        key = "+".join(map(span_key, c.fragments))
        prior = old_claims.get(key)
        claim_ids[key] = f"c{i:03d}"
        update = {"claim_id": claim_ids[key], "cluster_id": prior.cluster_id if prior else None}
        out_claims.append(c.model_copy(update={**update, "note": (prior.note if prior else None) or c.note}))
    # An attribution survives with its claim; its parent only if that was kept too.
    attrs = sorted(
        (r for r in chosen if isinstance(r, _Attr) and r.claim in claim_ids),
        key=lambda r: (claim_ids[r.claim], span_key(r.record.source), span_key(r.record.cue)),
    )
    by_key = {_attr_key(r.claim, r.record): f"a{i:03d}" for i, r in enumerate(attrs, 1)}
    # Label Studio carries no notes: an attribution that gold had already keeps its note.
    old_claim_key = {c.claim_id: "+".join(map(span_key, c.fragments)) for c in base.claims}
    old_notes = {_attr_key(old_claim_key.get(a.claim_id, "-"), a): a.note for a in base.attributions}
    out_attrs: list[Attribution] = []
    for i, r in enumerate(attrs, 1):
        parent = by_key.get(r.parent) if r.parent else None
        source = r.record.source.model_copy(update={"mention_id": None}) if r.record.source else None
        note = old_notes.get(_attr_key(r.claim, r.record)) or r.record.note
        out_attrs.append(
            r.record.model_copy(
                update={
                    "attribution_id": f"a{i:03d}",
                    "claim_id": claim_ids[r.claim],
                    "parent_id": parent,
                    "source": source,
                    "note": note,
                }
            )
        )
    return base.model_copy(update={"claims": out_claims, "attributions": out_attrs})
