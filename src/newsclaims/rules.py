"""The consistency rules NC2xx-NC5xx, as plain functions that return problems.

Each function takes parsed records (never raw JSON) and the location label of
the file they came from; the catalogue of codes is in ``problems.py``. Rules
over one document need only that document, its text and the registries, so a
document can be checked on its own (in another process, or in a map over a
dataset).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from newsclaims.documents import Document, decode_text, sha256_hex
from newsclaims.models import (
    Attribution,
    ClaimCluster,
    Entity,
    GoldFile,
    Manifest,
    Span,
)
from newsclaims.problems import Problem, problem
from newsclaims.spans import Cover, Interval, crossing_pairs, overlapping_neighbours

# (record id, field path) of a span inside a gold file
Where = tuple[str, str]


@dataclass(frozen=True)
class Registries:
    """What a document's references resolve against, beyond the document itself.

    None means the registry file exists but could not be read: its problems are
    reported there, and the checks that need it are skipped rather than
    flooding every record with consequences of the one broken file.
    """

    entities: Mapping[str, Entity] | None
    clusters: Mapping[str, ClaimCluster] | None
    documents: Mapping[str, Document] | None


def _at(span: Span | Interval[str]) -> str:
    return f"{span.start}:{span.end}"


def _spans(gold: GoldFile) -> Iterator[tuple[Where, Span]]:
    """Every span of a gold file, with where it sits."""
    for m in gold.mentions:
        yield (m.mention_id, "span"), m
    for n in gold.noise:
        yield (n.noise_id, "span"), n
    for c in gold.claims:
        for i, f in enumerate(c.fragments):
            yield (c.claim_id, f"fragments[{i}]"), f
    for a in gold.attributions:
        if a.source is not None:
            yield (a.attribution_id, "source"), a.source
        if a.cue is not None:
            yield (a.attribution_id, "cue"), a.cue


def check_span(label: str, where: Where, span: Span, text: str) -> list[Problem]:
    """NC201-NC204: offsets in range, text equal to the slice, no outer whitespace."""
    rid, field = where
    if span.start >= span.end:
        return [problem("NC201", label, rid, field, f"start {span.start} is not below end {span.end}")]
    if span.end > len(text):
        return [problem("NC202", label, rid, field, f"end {span.end} is beyond the text's {len(text)} characters")]
    actual = text[span.start : span.end]
    if actual != span.text:
        return [
            problem(
                "NC203",
                label,
                rid,
                field,
                f"text {span.text[:60]!r} differs from the document at {_at(span)}: {actual[:60]!r}",
            )
        ]
    if actual[0].isspace() or actual[-1].isspace():
        return [problem("NC204", label, rid, field, f"span {actual[:60]!r} starts or ends with whitespace")]
    return []


def check_fragments(label: str, gold: GoldFile) -> list[Problem]:
    """NC205: a claim's fragments are ordered and disjoint."""
    out = []
    for c in gold.claims:
        for i in range(1, len(c.fragments)):
            prev, cur = c.fragments[i - 1], c.fragments[i]
            if cur.start < prev.end:
                out.append(
                    problem(
                        "NC205",
                        label,
                        c.claim_id,
                        f"fragments[{i}]",
                        f"starts at {cur.start}, before fragment {i - 1} ends at {prev.end}",
                    )
                )
    return out


def check_ids(label: str, gold: GoldFile) -> list[Problem]:
    """NC301: one id namespace per document, across layers."""
    ids: list[tuple[str, str]] = [(m.mention_id, "mention_id") for m in gold.mentions]
    ids += [(c.claim_id, "claim_id") for c in gold.claims]
    ids += [(a.attribution_id, "attribution_id") for a in gold.attributions]
    ids += [(n.noise_id, "noise_id") for n in gold.noise]
    seen: set[str] = set()
    out = []
    for rid, field in ids:
        if rid in seen:
            out.append(problem("NC301", label, rid, field, f"id {rid!r} is used by another record of this document"))
        seen.add(rid)
    return out


def check_references(label: str, gold: GoldFile, reg: Registries, story_id: str | None) -> list[Problem]:
    """NC303-NC311: every reference resolves, and cluster and entity members agree."""
    out = []
    # An unreadable registry (None) resolves nothing: its own problems are reported instead.
    entities = reg.entities or {}
    for m in gold.mentions if reg.entities is not None else ():
        entity = entities.get(m.entity_id)
        if entity is None:
            out.append(
                problem(
                    "NC303",
                    label,
                    m.mention_id,
                    "entity_id",
                    f"entity {m.entity_id!r} is not in entities.json",
                )
            )
        elif entity.label != m.label:
            out.append(
                problem(
                    "NC304",
                    label,
                    m.mention_id,
                    "label",
                    f"label {m.label.value} differs from entity {m.entity_id!r}'s label {entity.label.value}",
                )
            )
    for c in gold.claims:
        if c.cluster_id is None or reg.clusters is None:
            continue
        cluster = reg.clusters.get(c.cluster_id)
        if cluster is None:
            out.append(
                problem(
                    "NC305",
                    label,
                    c.claim_id,
                    "cluster_id",
                    f"cluster {c.cluster_id!r} is not in clusters.json",
                )
            )
        elif story_id is not None and cluster.story_id != story_id:
            out.append(
                problem(
                    "NC306",
                    label,
                    c.claim_id,
                    "cluster_id",
                    f"cluster {c.cluster_id!r} is of story {cluster.story_id!r}, the document of story {story_id!r}",
                )
            )
    claims = {c.claim_id for c in gold.claims}
    mentions = {m.mention_id: m for m in gold.mentions}
    attributions = {a.attribution_id: a for a in gold.attributions}
    for a in gold.attributions:
        if a.claim_id not in claims:
            out.append(
                problem(
                    "NC307",
                    label,
                    a.attribution_id,
                    "claim_id",
                    f"claim {a.claim_id!r} is not in this document",
                )
            )
        src = a.source
        if src is not None and src.mention_id is not None:
            linked = mentions.get(src.mention_id)
            if linked is None:
                out.append(
                    problem(
                        "NC308",
                        label,
                        a.attribution_id,
                        "source.mention_id",
                        f"mention {src.mention_id!r} is not in this document",
                    )
                )
            elif not (src.start <= linked.start and linked.end <= src.end):
                out.append(
                    problem(
                        "NC309",
                        label,
                        a.attribution_id,
                        "source.mention_id",
                        f"mention {linked.mention_id!r} at {_at(linked)} is outside the source {_at(src)}",
                    )
                )
        if a.parent_id is not None and a.parent_id not in attributions:
            out.append(
                problem(
                    "NC310",
                    label,
                    a.attribution_id,
                    "parent_id",
                    f"attribution {a.parent_id!r} is not in this document",
                )
            )
    out += _parent_cycles(label, attributions)
    return out


def _parent_cycles(label: str, attributions: Mapping[str, Attribution]) -> list[Problem]:
    """NC311, in one pass: follow each chain once, colouring what is settled."""
    settled: set[str] = set()
    out = []
    for first in attributions:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = first
        while node is not None and node in attributions and node not in settled:
            if node in on_path:
                cycle = path[path.index(node) :]
                out.append(
                    problem(
                        "NC311",
                        label,
                        min(cycle),
                        "parent_id",
                        "parent chain is a cycle: " + " -> ".join([*cycle, node]),
                    )
                )
                break
            path.append(node)
            on_path.add(node)
            node = attributions[node].parent_id
        settled.update(path)
    return out


def check_layers(label: str, gold: GoldFile, valid: set[Where]) -> list[Problem]:
    """NC401-NC406 over the spans that passed NC201-NC203 (``valid``)."""
    out = []
    noise = [Interval(n.start, n.end, n.noise_id) for n in gold.noise if (n.noise_id, "span") in valid]
    for earlier, later in overlapping_neighbours(noise):
        out.append(
            problem(
                "NC401",
                label,
                later.key,
                "span",
                f"noise {_at(later)} overlaps noise {earlier.key!r} at {_at(earlier)}",
            )
        )
    cover = Cover(noise)
    noise_ids = {n.noise_id for n in gold.noise}
    for (rid, field), span in _spans(gold):
        if rid in noise_ids or (rid, field) not in valid:
            continue
        hit = cover.first_overlap(span.start, span.end)
        if hit is not None:
            out.append(
                problem(
                    "NC402",
                    label,
                    rid,
                    field,
                    f"{_at(span)} {span.text[:40]!r} overlaps noise {hit.key!r} at {_at(hit)}",
                )
            )
    fragments = {c.claim_id: c.fragments for c in gold.claims}
    for a in gold.attributions:
        content = fragments.get(a.claim_id, [])
        for field, part, code in (("cue", a.cue, "NC403"), ("source", a.source, "NC404")):
            if part is None or (a.attribution_id, field) not in valid:
                continue
            for f in content:
                if part.start < f.end and f.start < part.end:
                    out.append(
                        problem(
                            code,
                            label,
                            a.attribution_id,
                            field,
                            f"{_at(part)} {part.text[:40]!r} overlaps claim {a.claim_id!r} at {_at(f)}",
                        )
                    )
                    break
    mentions = [Interval(m.start, m.end, m.mention_id) for m in gold.mentions if (m.mention_id, "span") in valid]
    for outer, inner in crossing_pairs(mentions):
        if (outer.start, outer.end) == (inner.start, inner.end):
            out.append(
                problem(
                    "NC406",
                    label,
                    inner.key,
                    "span",
                    f"same span {_at(inner)} as mention {outer.key!r}",
                )
            )
        else:
            out.append(
                problem(
                    "NC405",
                    label,
                    inner.key,
                    "span",
                    f"{_at(inner)} crosses mention {outer.key!r} at {_at(outer)}",
                )
            )
    return out


def check_gold(label: str, gold: GoldFile, reg: Registries) -> list[Problem]:
    """Every rule that applies to one annotation file."""
    out = []
    stem = PurePath(label).stem
    if stem != gold.doc_id:
        out.append(
            problem("NC508", label, gold.doc_id, "doc_id", f"file is named {stem!r} but annotates {gold.doc_id!r}")
        )
    out += check_ids(label, gold)
    out += check_fragments(label, gold)
    if reg.documents is None:
        return out + check_references(label, gold, reg, None)
    doc = reg.documents.get(gold.doc_id)
    out += check_references(label, gold, reg, doc.entry.story_id if doc else None)
    if doc is None:
        out.append(
            problem(
                "NC507",
                label,
                gold.doc_id,
                "doc_id",
                f"document {gold.doc_id!r} is not in seeds/manifest.json",
            )
        )
        return out
    if gold.text_sha256 != doc.text_sha256:
        # Offsets into another text would only produce noise: stop here.
        out.append(
            problem(
                "NC501",
                label,
                gold.doc_id,
                "text_sha256",
                f"{gold.text_sha256[:12]}… is not the document's {doc.text_sha256[:12]}…: annotations of another text",
            )
        )
        return out
    valid: set[Where] = set()
    for where, span in _spans(gold):
        found = check_span(label, where, span, doc.text)
        out += found
        if not found or found[0].code == "NC204":
            valid.add(where)
    out += check_layers(label, gold, valid)
    return out


def check_registry_ids(label: str, ids: list[str], field: str) -> list[Problem]:
    """NC302: ids in entities.json and clusters.json are unique."""
    return [
        problem("NC302", label, rid, field, f"{field} {rid!r} is listed {n} times")
        for rid, n in sorted(Counter(ids).items())
        if n > 1
    ]


def check_manifest(
    label: str, manifest: Manifest, seed_files: Mapping[str, bytes | None], seeds_label: str
) -> tuple[list[Problem], dict[str, Document]]:
    """NC502-NC506, NC509; returns the documents that could be read.

    ``seed_files`` maps every ``*.txt`` name in seeds/ to its bytes (None when it
    could not be read).
    """
    out = []
    docs: dict[str, Document] = {}
    for field, values in (
        ("doc_id", [e.doc_id for e in manifest.documents]),
        ("file", [e.file for e in manifest.documents]),
    ):
        for value, n in sorted(Counter(values).items()):
            if n > 1:
                out.append(problem("NC505", label, value, field, f"{field} {value!r} is listed {n} times"))
    by_hash: dict[str, str] = {}
    listed = set()
    for e in manifest.documents:
        listed.add(e.file)
        data = seed_files.get(e.file)
        seed_label = f"{seeds_label}/{e.file}"
        if data is None:
            out.append(problem("NC503", label, e.doc_id, "file", f"seed file {seed_label} does not exist"))
            continue
        actual = sha256_hex(data)
        if actual != e.sha256:
            out.append(
                problem(
                    "NC504",
                    label,
                    e.doc_id,
                    "sha256",
                    f"{seed_label} has sha256 {actual[:12]}…, the manifest says {e.sha256[:12]}…",
                )
            )
        if actual in by_hash:
            out.append(problem("NC506", label, e.doc_id, "file", f"same bytes as document {by_hash[actual]!r}"))
        by_hash.setdefault(actual, e.doc_id)
        try:
            text = decode_text(data)
        except UnicodeDecodeError as err:
            out.append(problem("NC509", seed_label, e.doc_id, "text", f"not UTF-8 at byte {err.start}"))
            continue
        docs.setdefault(e.doc_id, Document(e, text))
    for name in sorted(set(seed_files) - listed):
        out.append(problem("NC502", f"{seeds_label}/{name}", "", "file", f"seed file {name} has no entry in {label}"))
    return out, docs
