"""The consistency rules NC2xx-NC5xx, as plain functions that return problems.

Each function takes parsed records (never raw JSON) and the location label of
the file they came from; the catalogue of codes is in ``core.problems``. Rules
over one document need only that document, its text and the registries, so a
document can be checked on its own (in another process, or in a map over a
dataset).
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat
from operator import is_not, itemgetter, lt, methodcaller
from typing import TYPE_CHECKING, Any, TypeVar, cast

from newsclaims.core.documents import Document, Listing, decode_text, sha256_hex
from newsclaims.core.problems import Problem, problem
from newsclaims.core.spans import Cover, Interval, crossing_pairs, overlapping_neighbours

if TYPE_CHECKING:  # the rules read plain dicts: the models are for annotations only
    from newsclaims.core.models import ClaimCluster, Entity, GoldFile, Manifest, ManifestEntry

# (record id, field path) of a span inside a gold file
Where = tuple[str, str]
L = TypeVar("L", bound=Listing)


@dataclass(frozen=True)
class Registries:
    """What a document's references resolve against, beyond the document itself.

    The rules need only two facts of the registries: each entity's label and each
    cluster's story, so that is all they hold (a corpus of 10^5 pages has as many
    clusters, and their pydantic objects were most of the validator's memory).
    None means the registry file exists but could not be read: its problems are
    reported there, and the checks that need it are skipped rather than
    flooding every record with consequences of the one broken file.
    """

    entity_labels: Mapping[str, str] | None  # entity_id -> label
    cluster_stories: Mapping[str, str] | None  # cluster_id -> story_id
    documents: Mapping[str, Document[Listing]] | None
    # Every doc_id the manifest lists, its seed readable or not. A document listed whose seed
    # cannot be read is no NC507: its seed's problem (NC503, NC509, NC100) says why, and the
    # annotations have no text to be checked against until that is fixed.
    listed: Container[str] = ()

    @classmethod
    def of(
        cls,
        entities: Mapping[str, Entity] | None,
        clusters: Mapping[str, ClaimCluster] | None,
        documents: Mapping[str, Document[Listing]] | None,
        listed: Container[str] = (),
    ) -> Registries:
        """The registries of loaded entity and cluster records."""
        return cls(
            None if entities is None else {k: e.label.value for k, e in entities.items()},
            None if clusters is None else {k: c.story_id for k, c in clusters.items()},
            documents,
            listed,
        )


# A record as parsed from JSON (or dumped from a model): the rules read plain dicts, so
# that the hot path never builds pydantic objects for a file that is valid.
Rec = Mapping[str, Any]


# The hot rules read records through these in C-level passes (map, set, dict over zip), so
# the per-record work runs in C, like the parse that made the records, not in a Python loop.
_ENTITY_ID, _LABEL = itemgetter("entity_id"), itemgetter("label")
_START, _END = itemgetter("start"), itemgetter("end")
_BOUNDS = itemgetter("start", "end", "text")
_FRAGMENTS, _CLAIM_ID, _MENTION_ID = itemgetter("fragments"), itemgetter("claim_id"), itemgetter("mention_id")
_ATTRIBUTION_ID = itemgetter("attribution_id")
_CLUSTER, _PARENT = methodcaller("get", "cluster_id"), methodcaller("get", "parent_id")
_SOURCE, _CUE = methodcaller("get", "source"), methodcaller("get", "cue")
_NOT_NONE = partial(is_not, None)


def _at(span: Rec | Interval[str]) -> str:
    if isinstance(span, Interval):
        return f"{span.start}:{span.end}"
    return f"{span['start']}:{span['end']}"


def _spans(gold: Rec) -> Iterator[tuple[Where, Rec]]:
    """Every span of a gold file, with where it sits."""
    for m in gold["mentions"]:
        yield (m["mention_id"], "span"), m
    for n in gold["noise"]:
        yield (n["noise_id"], "span"), n
    for c in gold["claims"]:
        for i, f in enumerate(c["fragments"]):
            yield (c["claim_id"], f"fragments[{i}]"), f
    for a in gold["attributions"]:
        if a.get("source") is not None:
            yield (a["attribution_id"], "source"), a["source"]
        if a.get("cue") is not None:
            yield (a["attribution_id"], "cue"), a["cue"]


def check_span(label: str, where: Where, span: Rec, text: str) -> list[Problem]:
    """NC201-NC204: offsets in range, text equal to the slice, no outer whitespace."""
    rid, field = where
    start, end, value = int(span["start"]), int(span["end"]), span["text"]
    if start >= end:
        return [problem("NC201", label, rid, field, f"start {start} is not below end {end}")]
    if end > len(text):
        return [problem("NC202", label, rid, field, f"end {end} is beyond the text's {len(text)} characters")]
    actual = text[start:end]
    if actual != value:
        return [
            problem(
                "NC203",
                label,
                rid,
                field,
                f"text {value[:60]!r} differs from the document at {start}:{end}: {actual[:60]!r}",
            )
        ]
    if actual[0].isspace() or actual[-1].isspace():
        return [problem("NC204", label, rid, field, f"span {actual[:60]!r} starts or ends with whitespace")]
    return []


def check_fragments(label: str, gold: Rec) -> list[Problem]:
    """NC205: a claim's fragments are ordered and disjoint."""
    claims = gold["claims"]
    if max(map(len, map(_FRAGMENTS, claims)), default=0) < 2:
        return []  # most claims are one piece
    out = []
    for c in claims:
        fragments = c["fragments"]
        for i in range(1, len(fragments)):
            prev, cur = fragments[i - 1], fragments[i]
            if cur["start"] < prev["end"]:
                out.append(
                    problem(
                        "NC205",
                        label,
                        c["claim_id"],
                        f"fragments[{i}]",
                        f"starts at {cur['start']}, before fragment {i - 1} ends at {prev['end']}",
                    )
                )
    return out


ID_FIELDS = (
    ("mentions", "mention_id"),
    ("claims", "claim_id"),
    ("attributions", "attribution_id"),
    ("noise", "noise_id"),
)
_ID_GETTERS = tuple((layer, itemgetter(field)) for layer, field in ID_FIELDS)


def check_ids(label: str, gold: Rec) -> list[Problem]:
    """NC301: one id namespace per document, across layers."""
    ids: list[str] = []
    for layer, get in _ID_GETTERS:
        ids += map(get, gold[layer])
    if len(set(ids)) == len(ids):
        return []
    seen: set[str] = set()
    out = []
    for layer, field in ID_FIELDS:
        for record in gold[layer]:
            rid = record[field]
            if rid in seen:
                out.append(
                    problem("NC301", label, rid, field, f"id {rid!r} is used by another record of this document")
                )
            seen.add(rid)
    return out


def check_references(label: str, gold: Rec, reg: Registries, story_id: str | None) -> list[Problem]:
    """NC303-NC311: every reference resolves, and cluster and entity members agree (an unlinked
    mention refers to nothing: whether it may be unlinked is NC312, ``check_links``)."""
    out = []
    # An unreadable registry (None) resolves nothing: its own problems are reported instead.
    labels, listed = reg.entity_labels, gold["mentions"]
    if labels is not None and list(map(labels.get, map(_ENTITY_ID, listed))) != list(map(_LABEL, listed)):
        for m in listed:
            eid, entity_label = m["entity_id"], labels.get(m["entity_id"])
            if eid is None:
                continue  # not linked: nothing to resolve (check_links says where that is allowed)
            if entity_label is None:
                out.append(
                    problem("NC303", label, m["mention_id"], "entity_id", f"entity {eid!r} is not in entities.json")
                )
            elif entity_label != m["label"]:
                msg = f"label {m['label']} differs from entity {eid!r}'s label {entity_label}"
                out.append(problem("NC304", label, m["mention_id"], "label", msg))
    stories, claim_recs = reg.cluster_stories, gold["claims"]
    cited = set(map(_CLUSTER, claim_recs))
    cited.discard(None)
    if stories is not None and not set(map(stories.get, cited)) <= (
        {story_id} if story_id is not None else set(stories.values())
    ):
        for c in claim_recs:
            cluster_id = c.get("cluster_id")
            if cluster_id is None:
                continue
            cluster_story = stories.get(cluster_id)
            if cluster_story is None:
                out.append(
                    problem(
                        "NC305", label, c["claim_id"], "cluster_id", f"cluster {cluster_id!r} is not in clusters.json"
                    )
                )
            elif story_id is not None and cluster_story != story_id:
                out.append(
                    problem(
                        "NC306",
                        label,
                        c["claim_id"],
                        "cluster_id",
                        f"cluster {cluster_id!r} is of story {cluster_story!r}, the document of story {story_id!r}",
                    )
                )
    claims = set(map(_CLAIM_ID, claim_recs))
    mentions = dict(zip(map(_MENTION_ID, listed), listed, strict=True))
    attribution_recs = gold["attributions"]
    attributions = dict(zip(map(_ATTRIBUTION_ID, attribution_recs), attribution_recs, strict=True))
    for a in attribution_recs:
        aid = a["attribution_id"]
        if a["claim_id"] not in claims:
            out.append(problem("NC307", label, aid, "claim_id", f"claim {a['claim_id']!r} is not in this document"))
        src = a.get("source")
        if src is not None and src.get("mention_id") is not None:
            linked = mentions.get(src["mention_id"])
            if linked is None:
                out.append(
                    problem(
                        "NC308",
                        label,
                        aid,
                        "source.mention_id",
                        f"mention {src['mention_id']!r} is not in this document",
                    )
                )
            elif not (src["start"] <= linked["start"] and linked["end"] <= src["end"]):
                out.append(
                    problem(
                        "NC309",
                        label,
                        aid,
                        "source.mention_id",
                        f"mention {linked['mention_id']!r} at {_at(linked)} is outside the source {_at(src)}",
                    )
                )
        if src is not None and (src.get("entity_id") is not None or src.get("unnamed")):
            out += _check_speaker(label, aid, src, mentions, labels)
        parent = a.get("parent_id")
        if parent is not None and parent not in attributions:
            out.append(problem("NC310", label, aid, "parent_id", f"attribution {parent!r} is not in this document"))
    if any(map(_NOT_NONE, map(_PARENT, attribution_recs))):
        out += _parent_cycles(label, attributions)
    return out


def _check_speaker(
    label: str, aid: str, src: Rec, mentions: Mapping[str, Rec], labels: Mapping[str, str] | None
) -> list[Problem]:
    """NC313, NC314: a source's entity is in the registry, is its mention's, and is not also unnamed."""
    eid = src.get("entity_id")
    if eid is None:
        return []
    if src.get("unnamed"):
        return [
            problem(
                "NC313",
                label,
                aid,
                "source.unnamed",
                f"the source is linked to entity {eid!r} and marked unnamed: keep one",
            )
        ]
    if labels is not None and eid not in labels:
        return [problem("NC314", label, aid, "source.entity_id", f"entity {eid!r} is not in entities.json")]
    linked = mentions.get(src.get("mention_id") or "")
    if linked is not None and linked["entity_id"] is not None and linked["entity_id"] != eid:
        return [
            problem(
                "NC313",
                label,
                aid,
                "source.entity_id",
                f"entity {eid!r} differs from {linked['entity_id']!r} of the source's mention {linked['mention_id']!r}",
            )
        ]
    return []


def speaker_passes(gold: Rec, entity_labels: Mapping[str, str]) -> bool:
    """Whether no attribution of ``gold`` breaks NC313 or NC314 (for the screen, which does not restate them)."""
    mentions: dict[str, Rec] | None = None
    for a in gold["attributions"]:
        src = a.get("source")
        if src is None or src.get("entity_id") is None:
            continue
        if mentions is None:
            mentions = {m["mention_id"]: m for m in gold["mentions"]}
        if _check_speaker("", a["attribution_id"], src, mentions, entity_labels):
            return False
    return True


def in_round(label: str) -> bool:
    """Whether the annotation file ``label`` names is an annotator's file of a round:
    ``annotations/rounds/<round>/annotators/<who>/<doc_id>.json``.

    ``label`` is the file's path as problems show it (relative to the working folder, or
    absolute), so the absolute path tells where the file lies whatever the working folder.
    """
    parts = os.path.abspath(label).split(os.sep)
    return len(parts) >= 6 and parts[-3] == "annotators" and parts[-5] == "rounds" and parts[-6] == "annotations"


def check_links(label: str, gold: Rec) -> list[Problem]:
    """NC312: every mention of a gold file is linked to an entity.

    A round's annotator file may hold unlinked mentions (``entity_id`` null, with what the
    annotator typed as ``proposed_entity``): annotators cannot see the registry, and a new
    page names people it has never seen. ``newsclaims entities link`` and ``apply`` link them
    before adjudication writes gold; any other annotation file is gold, and must be linked.
    """
    mentions = gold["mentions"]
    if None not in map(_ENTITY_ID, mentions) or in_round(label):
        return []
    out = []
    for m in mentions:
        if m["entity_id"] is None:
            proposed = m.get("proposed_entity")
            hint = f" (proposed: {proposed[:40]!r})" if proposed else ""
            message = (
                f"mention {m['text'][:40]!r} is not linked to an entity{hint}: link it with "
                "`newsclaims entities link` and `apply`, or `newsclaims entities add` the entity"
            )
            out.append(problem("NC312", label, m["mention_id"], "entity_id", message))
    return out


def _parent_cycles(label: str, attributions: Mapping[str, Rec]) -> list[Problem]:
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
            node = attributions[node].get("parent_id")
        settled.update(path)
    return out


def _in_order(bounds: list[tuple[int, int]]) -> bool:
    """Whether sorted (start, end) pairs are pairwise disjoint: s0 <= e0 <= s1 <= e1 … (C-level)."""
    flat = list(chain.from_iterable(bounds))
    return flat == sorted(flat)


def _sound(spans: list[Rec], text: str) -> bool:
    """NC201-NC204 for every span at once, in C-level passes: True when none of them can fail."""
    if not spans:
        return True
    starts, ends, values = zip(*map(_BOUNDS, spans), strict=True)
    return (
        set(map(type, starts + ends)) == {int}
        and min(starts) >= 0
        and all(map(lt, starts, ends))
        and max(ends) <= len(text)
        and list(map(text.__getitem__, map(slice, starts, ends))) == list(values)
        # NC204 in bulk: strip removes exactly str.isspace and returns the same object
        # when there is nothing to remove (tested over all of Unicode).
        and list(map(str.strip, values)) == list(values)
    )


def non_noise_spans(gold: Rec) -> list[Rec]:
    """Every span outside the noise layer: mentions, claim fragments, then sources, then cues."""
    attributions = gold["attributions"]
    return [
        *gold["mentions"],
        *chain.from_iterable(map(_FRAGMENTS, gold["claims"])),
        *filter(_NOT_NONE, map(_SOURCE, attributions)),
        *filter(_NOT_NONE, map(_CUE, attributions)),
    ]


def check_layers(label: str, gold: Rec, valid: set[Where] | None = None) -> list[Problem]:
    """NC401-NC406 over the spans that passed NC201-NC203 (``valid``; None when all of them did).

    Each rule first asks, in a few C-level passes over the whole document, whether it
    can fail at all; only then does it sweep for the precise records.
    """
    out = []
    noise_recs = [n for n in gold["noise"] if valid is None or (n["noise_id"], "span") in valid]
    noise = [Interval(n["start"], n["end"], n["noise_id"]) for n in noise_recs]
    if not _in_order(sorted((iv.start, iv.end) for iv in noise)):
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
    if noise:
        # Which characters are noise, as bytes: a span's overlap test is then one C-level find.
        mask = bytearray(max(iv.end for iv in noise))
        for iv in noise:
            mask[iv.start : iv.end] = b"\x01" * (iv.end - iv.start)
        others = non_noise_spans(gold)
        # Invalid spans may have offsets of any type: they go straight to the filtered sweep.
        if valid is not None or max(map(mask.find, repeat(1), map(_START, others), map(_END, others)), default=-1) >= 0:
            out += _noise_overlaps(label, gold, valid, mask, Cover(noise))
    fragments = {c["claim_id"]: c["fragments"] for c in gold["claims"]}
    for a in gold["attributions"]:
        content = fragments.get(a["claim_id"], ())
        for field, code in (("cue", "NC403"), ("source", "NC404")):
            part = a.get(field)
            if part is None or (valid is not None and (a["attribution_id"], field) not in valid):
                continue
            for f in content:
                if part["start"] < f["end"] and f["start"] < part["end"]:
                    out.append(
                        problem(
                            code,
                            label,
                            a["attribution_id"],
                            field,
                            f"{_at(part)} {part['text'][:40]!r} overlaps claim {a['claim_id']!r} at {_at(f)}",
                        )
                    )
                    break
    mention_recs = [m for m in gold["mentions"] if valid is None or (m["mention_id"], "span") in valid]
    if _in_order(sorted(zip(map(_START, mention_recs), map(_END, mention_recs), strict=True))):
        return out  # no two mentions overlap: nothing nests, so nothing can cross
    mentions = [Interval(m["start"], m["end"], m["mention_id"]) for m in mention_recs]
    for outer, inner in crossing_pairs(mentions):
        if (outer.start, outer.end) == (inner.start, inner.end):
            out.append(problem("NC406", label, inner.key, "span", f"same span {_at(inner)} as mention {outer.key!r}"))
        else:
            out.append(
                problem(
                    "NC405", label, inner.key, "span", f"{_at(inner)} crosses mention {outer.key!r} at {_at(outer)}"
                )
            )
    return out


def _noise_overlaps(
    label: str, gold: Rec, valid: set[Where] | None, mask: bytearray, cover: Cover[str]
) -> list[Problem]:
    """NC402: each valid span outside the noise layer that touches a noise span."""
    out = []
    noise_ids = {n["noise_id"] for n in gold["noise"]}
    for (rid, field), span in _spans(gold):
        if rid in noise_ids or (valid is not None and (rid, field) not in valid):
            continue
        if mask.find(1, span["start"], span["end"]) < 0:
            continue
        hit = cover.first_overlap(span["start"], span["end"])
        if hit is not None:
            out.append(
                problem(
                    "NC402",
                    label,
                    rid,
                    field,
                    f"{_at(span)} {span['text'][:40]!r} overlaps noise {hit.key!r} at {_at(hit)}",
                )
            )
    return out


def check_gold(label: str, gold: GoldFile | Rec, reg: Registries) -> list[Problem]:
    """Every rule that applies to one annotation file (a parsed JSON object or a ``GoldFile``)."""
    data: Rec = gold if isinstance(gold, Mapping) else gold.model_dump(mode="json")
    out, doc = check_records(label, data, reg)
    return out if doc is None else out + check_spans(label, data, doc.text)


def file_stem(label: str) -> str:
    """``os.path.splitext(os.path.basename(label))[0]`` for a POSIX path, which NC508 compares
    with the doc_id: the same rule (no extension when only dots precede the last dot) without
    os.path's general path handling, for every annotation file."""
    name = label[label.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[:dot] if dot > 0 and name[:dot].lstrip(".") else name


def check_records(label: str, data: Rec, reg: Registries) -> tuple[list[Problem], Document[Listing] | None]:
    """The rules of one annotation file that are not about spans (NC205, NC3xx, NC501, NC507, NC508).

    Whether a mention may be unlinked (NC312) depends on where the file is (``in_round``).

    Returns the document whose text the spans must then be checked against; None when
    there is no such text (unknown document, or annotations of another text).
    """
    doc_id, sha = data["doc_id"], data["text_sha256"]
    out = []
    stem = file_stem(label)
    if stem != doc_id:
        out.append(problem("NC508", label, doc_id, "doc_id", f"file is named {stem!r} but annotates {doc_id!r}"))
    out += check_ids(label, data)
    out += check_fragments(label, data)
    out += check_links(label, data)
    if reg.documents is None:
        return out + check_references(label, data, reg, None), None
    doc = reg.documents.get(doc_id)
    out += check_references(label, data, reg, doc.entry.story_id if doc else None)
    if doc is None:
        if doc_id not in reg.listed:
            out.append(problem("NC507", label, doc_id, "doc_id", f"document {doc_id!r} is not in seeds/manifest.json"))
        return out, None
    if sha != doc.text_sha256:
        # Offsets into another text would only produce noise: stop here.
        out.append(
            problem(
                "NC501",
                label,
                doc_id,
                "text_sha256",
                f"{sha[:12]}… is not the document's {doc.text_sha256[:12]}…: annotations of another text",
            )
        )
        return out, None
    return out, doc


def check_spans(label: str, data: Rec, text: str) -> list[Problem]:
    """NC201-NC204 for every span of one annotation file, then NC401-NC406 over the sound ones."""
    if _sound([*data["noise"], *non_noise_spans(data)], text):
        return check_layers(label, data)
    data = _int_offsets(data)
    out = []
    valid: set[Where] = set()
    for where, span in _spans(data):
        found = check_span(label, where, span, text)
        out += found
        if not found or found[0].code == "NC204":
            valid.add(where)
    return out + check_layers(label, data, valid)


def _int_offsets(data: Rec) -> Rec:
    """``data`` with every integral float offset (3.0 is a JSON integer too) as an int: the
    layer sweeps slice and size by offsets, and a float there raised instead of reporting.
    A copy when there is one (the caller's record stays as it was), else ``data`` itself."""
    if all(type(span["start"]) is int and type(span["end"]) is int for _, span in _spans(data)):
        return data
    data = copy.deepcopy(data)
    for _, span in _spans(data):
        fixed = cast(dict[str, Any], span)  # a copy of parsed JSON: plain dicts
        fixed["start"], fixed["end"] = int(span["start"]), int(span["end"])
    return data


def check_registry_ids(label: str, ids: list[str], field: str) -> list[Problem]:
    """NC302: ids in entities.json and clusters.json are unique."""
    return [problem("NC302", label, rid, field, f"{field} {rid!r} is listed {n} times") for rid, n in _repeated(ids)]


def _repeated(values: list[str]) -> list[tuple[str, int]]:
    """(value, count) of every value listed more than once, sorted; the rest is never sorted."""
    if len(set(values)) == len(values):
        return []
    return sorted((v, n) for v, n in Counter(values).items() if n > 1)


def check_manifest_listing(
    label: str, entries: Sequence[Listing], seed_names: set[str], seeds_label: str
) -> list[Problem]:
    """NC502, NC503, NC505: what the manifest lists against what seeds/ holds (no file is read)."""
    out = []
    for field, values in (
        ("doc_id", [e.doc_id for e in entries]),
        ("file", [e.file for e in entries]),
    ):
        for value, n in _repeated(values):
            out.append(problem("NC505", label, value, field, f"{field} {value!r} is listed {n} times"))
    listed = set()
    for e in entries:
        listed.add(e.file)
        if e.file not in seed_names:
            out.append(problem("NC503", label, e.doc_id, "file", f"seed file {seeds_label}/{e.file} does not exist"))
    for name in sorted(seed_names - listed):
        out.append(problem("NC502", f"{seeds_label}/{name}", "", "file", f"seed file {name} has no entry in {label}"))
    return out


SPLIT_COMMAND = "newsclaims splits set"


def check_splits(
    label: str, pairs: Sequence[tuple[str, str]] | None, manifest_label: str, entries: Sequence[Listing] | None
) -> list[Problem]:
    """NC511-NC513: ``annotations/splits.json`` gives every story of the manifest exactly one split.

    ``pairs`` are the file's (story_id, split) in file order (None: the file could not be read,
    which is its own problem); ``entries`` the manifest's (None: likewise).
    """
    if pairs is None:
        return []
    out = []
    splits_of: dict[str, list[str]] = {}
    for story, split in pairs:
        splits_of.setdefault(story, []).append(split)
    for story, n in _repeated([story for story, _ in pairs]):
        listed = ", ".join(splits_of[story])
        out.append(
            problem(
                "NC511",
                label,
                story,
                "split",
                f"story {story!r} is listed {n} times ({listed}): keep one with `{SPLIT_COMMAND} {story} SPLIT`",
            )
        )
    if entries is None:
        return out
    stories = set()
    for e in entries:
        stories.add(e.story_id)
        if e.story_id not in splits_of:
            out.append(
                problem(
                    "NC512",
                    manifest_label,
                    e.doc_id,
                    "story_id",
                    f"story {e.story_id!r} has no split in {label}: `{SPLIT_COMMAND} {e.story_id} test` "
                    "(or train, validation)",
                )
            )
    for story in sorted(set(splits_of) - stories):
        out.append(
            problem(
                "NC513",
                label,
                story,
                "story_id",
                f"no document of {manifest_label} has story {story!r}: `newsclaims splits remove {story}`",
            )
        )
    return out


def check_seed(label: str, entry: L, data: bytes, seeds_label: str) -> tuple[list[Problem], Document[L] | None, str]:
    """NC504, NC509 for one seed file's bytes; returns its document (if readable) and sha256."""
    out = []
    seed_label = f"{seeds_label}/{entry.file}"
    actual = sha256_hex(data)
    if actual != entry.sha256:
        out.append(
            problem(
                "NC504",
                label,
                entry.doc_id,
                "sha256",
                f"{seed_label} has sha256 {actual[:12]}…, the manifest says {entry.sha256[:12]}…",
            )
        )
    try:
        text = decode_text(data)
    except UnicodeDecodeError as err:
        out.append(problem("NC509", seed_label, entry.doc_id, "text", f"not UTF-8 at byte {err.start}"))
        return out, None, actual
    # Without a CR the text is the file's bytes decoded unchanged, so it has the file's hash.
    return out, Document(entry, text, actual if b"\r" not in data else None), actual


def check_duplicate_bytes(label: str, hashes: Iterable[tuple[str, str]]) -> list[Problem]:
    """NC506 over (doc_id, sha256) in manifest order: a later page with the bytes of an earlier one."""
    first: dict[str, str] = {}
    out = []
    for doc_id, digest in hashes:
        if digest in first:
            out.append(problem("NC506", label, doc_id, "file", f"same bytes as document {first[digest]!r}"))
        first.setdefault(digest, doc_id)
    return out


def check_manifest(
    label: str, manifest: Manifest, seed_files: Mapping[str, bytes | None], seeds_label: str
) -> tuple[list[Problem], dict[str, Document[ManifestEntry]]]:
    """NC502-NC506, NC509 with every seed in memory; returns the documents that could be read.

    ``seed_files`` maps every ``*.txt`` name in seeds/ to its bytes (None when it
    could not be read: that is reported as NC100 where it was read).
    """
    out = check_manifest_listing(label, manifest.documents, set(seed_files), seeds_label)
    docs: dict[str, Document[ManifestEntry]] = {}
    hashes = []
    for e in manifest.documents:
        data = seed_files.get(e.file)
        if data is None:
            continue
        found, doc, digest = check_seed(label, e, data, seeds_label)
        out += found
        hashes.append((e.doc_id, digest))
        if doc is not None:
            docs.setdefault(e.doc_id, doc)
    return out + check_duplicate_bytes(label, hashes), docs
