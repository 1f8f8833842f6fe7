"""Annotation rounds: create the tasks, import what came back, measure agreement, adjudicate.

A round is a folder ``annotations/rounds/<name>/``::

    round.json            pass, documents, annotators, predictions, schema version, created
    config.xml            the pass's labeling config, as sent
    tasks.json            Label Studio import format: one task per document (+ predictions)
    exports/<sha>.json    every export, byte for byte as it came, before any conversion
    import-report.json    what the last import took, left out and why
    annotators/<who>/<doc_id>.json   one gold-schema file per annotator and document
    agreement.json, agreement.md     the agreement report
    adjudication.json     what adjudication decided and the conflicts it could not settle

Every step works from files alone; ``push``/``pull`` (in ``lsclient.py``) move the
same files to and from a running Label Studio.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.build import load_sources
from newsclaims.documents import sha256_hex
from newsclaims.jsonio import dumps, model_dumps, write_text_atomic
from newsclaims.labelstudio import PASSES, Pass, gold_to_results, labeling_config
from newsclaims.lsimport import Issue, convert
from newsclaims.models import NAME_PATTERN, SCHEMA_VERSION, GoldFile
from newsclaims.repository import Layout, Repository

PREDICTIONS = ("gold", "rules", "none")


class RoundError(ValueError):
    """The round cannot be created or read; nothing was changed."""


def _name(value: str, what: str) -> str:
    if not re.match(NAME_PATTERN, value):
        raise RoundError(f"{what} {value!r} is not a valid name: lower-case letters, digits, '_' or '-'")
    return value


@dataclass(frozen=True)
class Round:
    root: Path
    name: str

    @property
    def folder(self) -> Path:
        return Layout(self.root).rounds / self.name

    def manifest(self) -> dict[str, Any]:
        path = self.folder / "round.json"
        if not path.exists():
            raise RoundError(f"{path}: no such round (create it with `newsclaims round create`)")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    @property
    def kind(self) -> Pass:
        kind = self.manifest()["pass"]
        if kind not in PASSES:
            raise RoundError(f"round.json: unknown pass {kind!r}")
        return kind  # type: ignore[no-any-return]

    def annotator_file(self, who: str, doc_id: str) -> Path:
        return self.folder / "annotators" / _name(who, "annotator") / f"{_name(doc_id, 'doc_id')}.json"


def prediction_for(
    kind: Pass, how: str, gold: GoldFile | None, text: str, doc_id: str, sha: str
) -> list[dict[str, Any]]:
    if how == "none":
        return []
    if how == "gold":
        return [{"model_version": "gold", "result": gold_to_results(gold, kind)}] if gold else []
    from newsclaims.prenotate import prenotate  # the rule-based pre-annotator

    return [{"model_version": "rules", "result": gold_to_results(prenotate(doc_id, text, sha), kind)}]


def create_round(
    root: Path, name: str, kind: str, docs: list[str], annotators: list[str], predictions: str, today: datetime.date
) -> Round:
    """Write a new round folder (all or nothing)."""
    rnd = Round(root, _name(name, "round"))
    if kind not in PASSES:
        raise RoundError(f"pass {kind!r}: expected one of {', '.join(PASSES)}")
    if predictions not in PREDICTIONS:
        raise RoundError(f"predictions {predictions!r}: expected one of {', '.join(PREDICTIONS)}")
    if not docs or not annotators:
        raise RoundError("a round needs at least one document and one annotator")
    # "name=17" also says which Label Studio user id is that annotator.
    users: dict[str, str] = {}
    names = []
    for entry in annotators:
        who, _, user = entry.partition("=")
        names.append(_name(who, "annotator"))
        if user:
            if not user.isdigit():
                raise RoundError(f"annotator {entry!r}: the Label Studio user id after '=' must be a number")
            users[user] = who
    if rnd.folder.exists():
        raise RoundError(f"{rnd.folder} exists already: choose another round name")
    src = load_sources(root)
    unknown = [d for d in docs if d not in src.documents]
    if unknown:
        raise RoundError(f"unknown doc_id(s): {', '.join(unknown)} (see seeds/manifest.json)")
    pass_: Pass = kind
    tasks = []
    for doc_id in docs:
        doc = src.documents[doc_id]
        task: dict[str, Any] = {"data": {"text": doc.text, "doc_id": doc_id, "text_sha256": doc.text_sha256}}
        preds = prediction_for(pass_, predictions, src.gold.get(doc_id), doc.text, doc_id, doc.text_sha256)
        if preds:
            task["predictions"] = preds
        tasks.append(task)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "pass": kind,
        "documents": docs,
        "annotators": names,
        "predictions": predictions,
        "created": today.isoformat(),
        # Label Studio user id -> annotator name (from --annotators name=id, or edited by hand).
        "users": users,
    }
    rnd.folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=rnd.folder.parent))
    try:
        (tmp / "round.json").write_text(dumps(manifest), encoding="utf-8")
        (tmp / "config.xml").write_text(labeling_config(pass_), encoding="utf-8")
        (tmp / "tasks.json").write_text(dumps(tasks), encoding="utf-8")
        tmp.rename(rnd.folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rnd


@dataclass
class ImportReport:
    export: str
    tasks: int = 0
    annotations: int = 0
    imported: int = 0
    cancelled: int = 0
    refused_tasks: int = 0
    written: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "export": self.export,
            "tasks": self.tasks,
            "annotations": self.annotations,
            "imported": self.imported,
            "cancelled": self.cancelled,
            "refused_tasks": self.refused_tasks,
            "written": self.written,
            "errors": [str(i) for i in self.issues if not i.warning],
            "warnings": [str(i) for i in self.issues if i.warning],
        }


def _annotator(completed_by: object, users: dict[str, str]) -> str | None:
    if isinstance(completed_by, dict):  # snapshot exports carry the user object
        key = str(completed_by.get("id"))
        if key in users:
            return users[key]
        email = completed_by.get("email")
        local = email.split("@")[0].lower() if isinstance(email, str) else ""
        cleaned = re.sub(r"[^a-z0-9_-]", "-", local).strip("-")
        return cleaned or (f"user{key}" if key.isdigit() else None)
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return users.get(str(completed_by), f"user{completed_by}")
    return None


def import_export(root: Path, name: str, export: bytes) -> ImportReport:
    """Store the export verbatim, then convert each annotation into its annotator's file."""
    rnd = Round(root, name)
    manifest = rnd.manifest()
    kind = rnd.kind
    digest = sha256_hex(export)
    stored = rnd.folder / "exports" / f"{digest[:16]}.json"
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_suffix(".tmp")
        tmp.write_bytes(export)
        tmp.replace(stored)
    report = ImportReport(export=stored.relative_to(rnd.folder).as_posix())
    try:
        tasks = json.loads(export)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RoundError(f"the export is not JSON ({e}); it is kept as {stored}") from e
    if not isinstance(tasks, list):
        raise RoundError(f"the export is not a list of tasks; it is kept as {stored}")
    repo = Repository.load(root)
    documents, reg = repo.documents or {}, repo.registries
    latest: dict[tuple[str, str], tuple[tuple[str, str], dict[str, Any], str]] = {}
    for task in tasks:
        report.tasks += 1
        tid = str(task.get("id", "-")) if isinstance(task, dict) else "-"
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        doc = documents.get(doc_id) if isinstance(doc_id, str) else None
        if doc is None or not isinstance(data, dict) or data.get("text_sha256") != doc.text_sha256:
            report.refused_tasks += 1
            why = "unknown document" if doc is None else "text_sha256 differs from the document's: re-create the task"
            report.issues.append(Issue(tid, "-", "-", "NC701", f"doc_id {doc_id!r}: {why}"))
            continue
        for ann in task.get("annotations") or []:
            report.annotations += 1
            aid = str(ann.get("id", "-")) if isinstance(ann, dict) else "-"
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                report.cancelled += isinstance(ann, dict)
                continue
            who = _annotator(ann.get("completed_by"), manifest.get("users", {}))
            if who is None or not re.match(NAME_PATTERN, who):
                report.issues.append(
                    Issue(tid, aid, "-", "NC702", f"cannot tell who made it: {ann.get('completed_by')!r:.40}")
                )
                continue
            # One file per annotator and document: the most recent annotation wins.
            order = (str(ann.get("updated_at") or ""), aid.zfill(12))
            if (who, doc.doc_id) not in latest or order > latest[(who, doc.doc_id)][0]:
                latest[(who, doc.doc_id)] = (order, ann, tid)
    for (who, doc_id), (_, ann, tid) in sorted(latest.items()):
        out = convert(
            kind,
            ann.get("result"),
            documents[doc_id],
            reg,
            task=tid,
            annotation=str(ann.get("id", "-")),
            annotator=who,
            round_name=name,
        )
        report.issues += out.issues
        path = rnd.annotator_file(who, doc_id)
        write_text_atomic(path, model_dumps(out.gold))
        report.imported += 1
        report.written.append(path.relative_to(rnd.folder).as_posix())
    report.issues.sort()
    write_text_atomic(rnd.folder / "import-report.json", dumps(report.as_dict()))
    return report


def annotator_files(rnd: Round) -> dict[str, dict[str, GoldFile]]:
    """doc_id -> annotator -> file."""
    out: dict[str, dict[str, GoldFile]] = defaultdict(dict)
    for path in sorted((rnd.folder / "annotators").glob("*/*.json")):
        out[path.stem][path.parent.name] = GoldFile.model_validate_json(path.read_bytes())
    return out


# -- agreement --------------------------------------------------------------------------------


PASS_LAYERS: dict[Pass, tuple[str, ...]] = {
    "noise": ("noise",),
    "entities": ("mentions",),
    "claims": ("claims", "attribution_source", "attribution_cue", "attribution_content", "attribution_triple"),
}
ALPHA_LAYER: dict[Pass, str | None] = {"noise": "noise", "entities": "mentions", "claims": None}


def round_agreement(root: Path, name: str) -> dict[str, Any]:
    """Compute the agreement report and write ``agreement.json`` and ``agreement.md``."""
    report = compute_agreement(root, name)
    folder = Round(root, name).folder
    write_text_atomic(folder / "agreement.json", dumps(report))
    write_text_atomic(folder / "agreement.md", agreement_markdown(report))
    return report


def compute_agreement(root: Path, name: str) -> dict[str, Any]:
    """Pairwise and averaged span F1 (exact, overlap) per layer and label, alpha, disagreements."""
    from itertools import combinations

    from newsclaims.agreement import Tally, compare_files, layer_units

    rnd = Round(root, name)
    # A round of every layer at once ("all", as the first double annotation was) is compared
    # on every layer; it can be measured but not adjudicated pass by pass.
    declared = rnd.manifest().get("pass")
    kind = declared if declared == "all" else rnd.kind
    layers = tuple(dict.fromkeys(x for k in PASSES for x in PASS_LAYERS[k])) if kind == "all" else PASS_LAYERS[kind]
    repo = Repository.load(root)
    documents = repo.documents or {}
    files = annotator_files(rnd)
    pairs: dict[str, dict[str, dict[str, Tally]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Tally)))
    alphas: dict[str, list[float]] = defaultdict(list)
    disagreements: list[dict[str, Any]] = []
    for doc_id in sorted(files):
        text = documents[doc_id].text
        for a, b in combinations(sorted(files[doc_id]), 2):
            pair = f"{a}~{b}"
            cmp = compare_files(files[doc_id][a], files[doc_id][b], len(text))
            for layer in layers:
                for label, tally in cmp.layers.get(layer, {}).items():
                    pairs[pair][layer][label].add(tally)
            for alpha_layer in ("noise", "mentions") if kind == "all" else (ALPHA_LAYER[kind],):
                if alpha_layer and cmp.alpha_chars.get(alpha_layer) is not None:
                    alphas[f"{pair} {alpha_layer}"].append(cmp.alpha_chars[alpha_layer] or 0.0)
            ua, ub = layer_units(files[doc_id][a]), layer_units(files[doc_id][b])
            for layer in [x for x in layers if not x.startswith("attribution_")]:
                only_a, only_b = (
                    set(ua.get(layer, [])) - set(ub.get(layer, [])),
                    set(ub.get(layer, [])) - set(ua.get(layer, [])),
                )
                for who, units in ((a, only_a), (b, only_b)):
                    for label, s, e in sorted(units, key=lambda u: (u[1], u[2], u[0])):
                        disagreements.append(
                            {
                                "doc_id": doc_id,
                                "pair": pair,
                                "only": who,
                                "layer": layer,
                                "label": label,
                                "start": s,
                                "end": e,
                                "text": text[s:e] if s >= 0 else None,
                            }
                        )
    report: dict[str, Any] = {"round": name, "pass": kind, "pairs": {}, "average": {}, "alpha_chars": {}}
    for pair in sorted(pairs):
        report["pairs"][pair] = {
            layer: {label: t.as_dict() for label, t in sorted(labels.items())} for layer, labels in pairs[pair].items()
        }
    for key in sorted(alphas):
        report["alpha_chars"][key] = sum(alphas[key]) / len(alphas[key])
    for layer in layers:
        labels = sorted({lab for p in pairs.values() for lab in p.get(layer, {})})
        report["average"][layer] = {}
        for label in labels:
            f1s = [pairs[p][layer][label].as_dict() for p in pairs if label in pairs[p].get(layer, {})]
            report["average"][layer][label] = {key: _mean([f[key] for f in f1s]) for key in ("f1_exact", "f1_overlap")}
    report["disagreements"] = disagreements
    return report


def _mean(values: list[Any]) -> float | None:
    nums = [v for v in values if v is not None]
    return sum(nums) / len(nums) if nums else None


def _f(value: object) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def agreement_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Agreement, round `{report['round']}` ({report['pass']} pass)",
        "",
        "Span F1 between annotators: exact (same label, same offsets) and overlap (same label,",
        "overlapping offsets, one-to-one). Generated by `newsclaims round agreement`.",
        "",
        "## Averaged over annotator pairs",
        "",
        "| layer | label | F1 exact | F1 overlap |",
        "|---|---|---:|---:|",
    ]
    for layer, labels in report["average"].items():
        for label, f in labels.items():
            lines.append(f"| {layer} | `{label}` | {_f(f['f1_exact'])} | {_f(f['f1_overlap'])} |")
    if report["alpha_chars"]:
        lines += ["", "Krippendorff's alpha (nominal) over characters:", ""]
        lines += [f"- `{pair}`: {_f(a)}" for pair, a in report["alpha_chars"].items()]
    lines += ["", "## Pairs", ""]
    for pair, layers in report["pairs"].items():
        lines += [
            f"### {pair}",
            "",
            "| layer | label | units a | units b | F1 exact | F1 overlap |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for layer, labels in layers.items():
            for label, t in labels.items():
                lines.append(
                    f"| {layer} | `{label}` | {t['a']} | {t['b']} | {_f(t['f1_exact'])} | {_f(t['f1_overlap'])} |"
                )
        lines.append("")
    lines += [
        "## Disagreements",
        "",
        "| document | pair | only in | label | span | text |",
        "|---|---|---|---|---|---|",
    ]
    for d in report["disagreements"]:
        text = (d["text"] or "").replace("|", "\\|").replace("\n", "⏎")[:80]
        lines.append(
            f"| `{d['doc_id'][:3]}` | {d['pair']} | {d['only']} | `{d['label']}` | {d['start']}:{d['end']} | {text} |"
        )
    return "\n".join(lines) + "\n"


# -- adjudication -----------------------------------------------------------------------------


def _key_span(s: Any) -> str:
    return f"{s.start}:{s.end}" if s is not None else "-"


@dataclass(frozen=True)
class _Attr:
    """An attribution with what it points at, as keys that mean the same in every annotator's file."""

    record: Any
    claim: str
    parent: str | None


def _attr_key(claim: str, a: Any) -> str:
    return f"attribution|{claim}|{_key_span(a.source)}|{_key_span(a.cue)}|{a.quote_type.value}|{a.stance.value}"


def _units(kind: Pass, gold: GoldFile) -> dict[str, Any]:
    """The records of a pass, by a key that is equal exactly when two annotators agree."""
    if kind == "noise":
        return {f"noise|{n.category.value}|{_key_span(n)}": n for n in gold.noise}
    if kind == "entities":
        return {f"mention|{m.label.value}|{_key_span(m)}|{m.entity_id}": m for m in gold.mentions}
    claims = {c.claim_id: "+".join(map(_key_span, c.fragments)) for c in gold.claims}
    out: dict[str, Any] = {f"claim|{claims[c.claim_id]}|{c.checkworthy}": c for c in gold.claims}
    akey = {a.attribution_id: _attr_key(claims.get(a.claim_id, "-"), a) for a in gold.attributions}
    for a in gold.attributions:
        out[akey[a.attribution_id]] = _Attr(a, claims.get(a.claim_id, "-"), akey.get(a.parent_id or ""))
    return out


def adjudicate(
    root: Path, name: str, strategy: str = "majority", decisions: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Merge the annotators' files into gold; returns (and writes) what was decided and left open."""
    from newsclaims.layers import link_source_mentions
    from newsclaims.rules import check_gold

    rnd = Round(root, name)
    kind = rnd.kind
    files = annotator_files(rnd)
    repo = Repository.load(root)
    documents, reg = repo.documents or {}, repo.registries
    layout = Layout(root)
    prefer = strategy.split(":", 1)[1] if strategy.startswith("prefer:") else None
    if strategy != "majority" and prefer is None:
        raise RoundError(f"strategy {strategy!r}: expected 'majority' or 'prefer:<annotator>'")
    result: dict[str, Any] = {"round": name, "pass": kind, "strategy": strategy, "documents": {}}
    merged_files: dict[str, GoldFile] = {}
    for doc_id, by_who in sorted(files.items()):
        if prefer is not None and prefer not in by_who:
            raise RoundError(f"{doc_id}: annotator {prefer!r} has no file in this round")
        units = {who: _units(kind, g) for who, g in by_who.items()}
        votes: dict[str, int] = defaultdict(int)
        for u in units.values():
            for key in u:
                votes[key] += 1
        keep = set(units[prefer]) if prefer is not None else {k for k, n in votes.items() if n * 2 > len(units)}
        conflicts = sorted(k for k in votes if k not in keep or votes[k] < len(units))
        doc_decisions = (decisions or {}).get(doc_id, {})
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
                provenance={
                    "annotators": sorted(by_who),
                    "rounds": [],
                    "method": f"adjudicated Label Studio round {name}",
                },  # type: ignore[arg-type]
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
        result["documents"][doc_id] = {
            "kept": len(keep),
            "conflicts": [k for k in conflicts if k not in settled],
            "problems": [str(p) for p in problems],
        }
        if not problems:
            merged_files[doc_id] = merged
    blocked = [d for d, r in result["documents"].items() if r["problems"]]
    if blocked:
        result["written"] = []
        write_text_atomic(rnd.folder / "adjudication.json", dumps(result))
        raise RoundError(
            f"adjudicated files of {', '.join(blocked)} do not validate; see {rnd.folder / 'adjudication.json'}"
        )
    for doc_id, merged in merged_files.items():
        write_text_atomic(layout.gold / f"{doc_id}.json", model_dumps(merged))
    result["written"] = sorted(f"annotations/gold/{d}.json" for d in merged_files)
    write_text_atomic(rnd.folder / "adjudication.json", dumps(result))
    return result


def _span_key(r: Any) -> tuple[Any, ...]:
    """What makes two noise spans or two mentions the same record (ids aside)."""
    return (r.start, r.end, getattr(r, "label", None) or getattr(r, "category", None))


def _renumber(chosen: list[Any], kind: type, id_field: str, prefix: str, old: list[Any]) -> list[Any]:
    """The chosen records of one type in text order with fresh ids, keeping the note of an unchanged record."""
    notes = {_span_key(r): r.note for r in old}
    records: list[Any] = sorted(
        (r for r in chosen if isinstance(r, kind)), key=lambda r: (r.start, -r.end, str(_span_key(r)[2]))
    )
    return [
        r.model_copy(update={id_field: f"{prefix}{i:03d}", "note": notes.get(_span_key(r)) or r.note})
        for i, r in enumerate(records, 1)
    ]


def _replace_layer(kind: Pass, base: GoldFile, chosen: list[Any]) -> GoldFile:
    """Put the chosen records in place of the pass's layer, renumbered in text order; keep notes and clusters."""
    from newsclaims.models import Attribution, Claim, Mention, NoiseSpan

    if kind == "noise":
        noise = _renumber(chosen, NoiseSpan, "noise_id", "n", base.noise)
        return base.model_copy(update={"noise": noise})
    if kind == "entities":
        mentions = _renumber(chosen, Mention, "mention_id", "m", base.mentions)
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
    out_claims = []
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
