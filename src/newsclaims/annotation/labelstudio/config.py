"""Label Studio: labeling configs generated from the vocabulary, and gold ⇄ Label Studio regions.

Three passes, one config each:

- ``noise``: page chrome, one label per ``NoiseCategory``;
- ``entities``: mentions, one label per ``EntityLabel``;
- ``claims``: regions labelled ``claim``, ``source`` or ``cue``; relations
  ``source`` (from a source region to its claim region), ``cue`` (from a cue
  region to its source region, or to the claim when no source is named),
  ``fragment`` (from a later fragment of a claim to its first fragment) and
  ``parent`` (from a nested attribution's source or cue to the outer one's);
  per-region choices: check-worthiness on claims, quote type and stance on the
  region that carries the attribution (its source, or its cue if no source).

Offsets in results are code points (measured with Label Studio 1.23.2, see
docs/label-studio-notes.md); ``value.text`` is never trusted on import.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Literal

from newsclaims.core.models import GoldFile, Span
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance, Vocab

Pass = Literal["noise", "entities", "claims"]
PASSES: tuple[Pass, ...] = ("noise", "entities", "claims")
TEXT = "text"  # the <Text> object's name, and the task data key
LABEL_STUDIO_DIR = "annotations/label_studio"  # relative to the repository root
# The UI collapses runs of spaces unless told otherwise (measured in 1.23.2).
PRE_WRAP = ".lsf-richtext__container { white-space: pre-wrap; }"
ROLE_DEFINITIONS = {
    "claim": "The content: what is stated. Several regions linked by 'fragment' form one claim.",
    "source": "Who the content is attributed to (the full noun phrase). Link it to its claim with 'source'.",
    "cue": "The word(s) signalling the attribution (said, according to). Link it to its source with 'cue'.",
}
RELATIONS = {
    "source": "from a source region to the claim it is the source of",
    "cue": "from a cue region to its source region (to the claim when no source is named)",
    "fragment": "from a later piece of a split claim to its first piece",
    "parent": "from a nested attribution's source (or cue) to the outer attribution's source (or cue)",
}
CHECKWORTHY = {
    "checkworthy": "A fact-checker could and should verify it.",
    "not_checkworthy": "Opinion, prediction, appeal.",
}
# Control names, per pass: also the ``from_name`` of every result.
CONTROL = {"noise": "category", "entities": "label", "claims": "role"}
ENTITY = "entity"
ENTITY_HEADER = "Entity (optional): its id in annotations/entities.json, or the full name of a new one"


def _labels(parent: ET.Element, name: str, values: dict[str, str]) -> None:
    labels = ET.SubElement(parent, "Labels", name=name, toName=TEXT)
    for value, hint in values.items():
        ET.SubElement(labels, "Label", value=value, hint=hint)


def _choices(parent: ET.Element, name: str, vocab: dict[str, str]) -> None:
    # Not required: a later fragment of a claim shows the same choices but carries none.
    choices = ET.SubElement(parent, "Choices", name=name, toName=TEXT, perRegion="true")
    for value, hint in vocab.items():
        ET.SubElement(choices, "Choice", value=value, hint=hint)


def _vocab(v: type[Vocab]) -> dict[str, str]:
    return v.definitions()


def labeling_config(kind: Pass) -> str:
    """The labeling config XML of a pass, generated from the vocabulary."""
    view = ET.Element("View")
    ET.SubElement(view, "Style").text = PRE_WRAP
    headers = {
        "noise": "Mark every piece of page chrome: all that is not the article.",
        "entities": "Mark every entity mention in the article text (never inside page chrome).",
        "claims": "Mark claims, their sources and cues; link them with relations; set the choices of each region.",
    }
    ET.SubElement(view, "Header", value=headers[kind])
    if kind == "claims":
        relations = ET.SubElement(view, "Relations")
        for value in RELATIONS:
            ET.SubElement(relations, "Relation", value=value)
    values = {"noise": _vocab(NoiseCategory), "entities": _vocab(EntityLabel), "claims": ROLE_DEFINITIONS}[kind]
    _labels(view, CONTROL[kind], values)
    ET.SubElement(view, "Text", name=TEXT, value=f"${TEXT}", granularity="symbol")
    if kind == "entities":
        # Cross-document linking, typed per region and optional: an id of annotations/entities.json
        # links the mention; anything else is kept as a proposal for `newsclaims entities link`.
        on_region = ET.SubElement(view, "View", visibleWhen="region-selected")
        ET.SubElement(on_region, "Header", value=ENTITY_HEADER)
        ET.SubElement(on_region, "TextArea", name=ENTITY, toName=TEXT, perRegion="true", maxSubmissions="1")
    if kind == "claims":
        on_claim = ET.SubElement(view, "View", visibleWhen="region-selected", whenLabelValue="claim")
        _choices(on_claim, "checkworthy", CHECKWORTHY)
        for role in ("source", "cue"):
            on_role = ET.SubElement(view, "View", visibleWhen="region-selected", whenLabelValue=role)
            _choices(on_role, f"quote_type_{role}", _vocab(QuoteType))
            _choices(on_role, f"stance_{role}", _vocab(Stance))
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


# -- gold -> Label Studio regions (predictions, or what a pushed round starts from) ---------------


def _region(rid: str, span: Span, from_name: str, label: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": from_name,
        "to_name": TEXT,
        "type": "labels",
        "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [label]},
    }


def _per_region(rid: str, span: Span, from_name: str, kind: str, key: str, value: str) -> dict[str, Any]:
    """A per-region result: same id as its region, the region's offsets, one value."""
    if kind == "textarea":  # a textarea's typed strings take the place of the region's text
        content: dict[str, Any] = {"start": span.start, "end": span.end, key: [value]}
    else:
        content = {"start": span.start, "end": span.end, "text": span.text, key: [value]}
    return {"id": rid, "from_name": from_name, "to_name": TEXT, "type": kind, "value": content}


def _choice(rid: str, span: Span, from_name: str, choice: str) -> dict[str, Any]:
    return _per_region(rid, span, from_name, "choices", "choices", choice)


def _relation(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def gold_to_results(gold: GoldFile, kind: Pass) -> list[dict[str, Any]]:
    """The regions, choices and relations of one pass of a gold file, as Label Studio results."""
    if kind == "noise":
        return [_region(n.noise_id, n, CONTROL[kind], n.category.value) for n in gold.noise]
    if kind == "entities":
        out_mentions: list[dict[str, Any]] = []
        for m in gold.mentions:
            out_mentions.append(_region(m.mention_id, m, CONTROL[kind], m.label.value))
            # The entity id, else the proposal; an unlinked mention with neither has no textarea.
            typed = m.entity_id or m.proposed_entity
            if typed:
                out_mentions.append(_per_region(m.mention_id, m, ENTITY, "textarea", "text", typed))
        return out_mentions
    out: list[dict[str, Any]] = []
    first: dict[str, str] = {}
    for c in gold.claims:
        ids = [c.claim_id if i == 0 else f"{c.claim_id}-f{i}" for i in range(len(c.fragments))]
        first[c.claim_id] = ids[0]
        for rid, frag in zip(ids, c.fragments, strict=True):
            out.append(_region(rid, frag, "role", "claim"))
        out.append(
            _choice(ids[0], c.fragments[0], "checkworthy", "checkworthy" if c.checkworthy else "not_checkworthy")
        )
        out += [_relation(rid, ids[0], "fragment") for rid in ids[1:]]
    carrier: dict[str, str] = {}  # attribution -> the region that carries its choices
    for a in gold.attributions:
        parts = [
            (f"{a.attribution_id}-{role}", span, role) for role, span in (("source", a.source), ("cue", a.cue)) if span
        ]
        for rid, span, role in parts:
            out.append(_region(rid, span, "role", role))
        if a.claim_id in first and parts:
            # The source points at the claim; the cue at its source, so that a claim told by
            # two sources (nested reporting) keeps each cue with its own source.
            out.append(_relation(parts[0][0], first[a.claim_id], parts[0][2]))
            if len(parts) == 2:
                out.append(_relation(parts[1][0], parts[0][0], "cue"))
        if parts:
            rid, span, role = parts[0]
            carrier[a.attribution_id] = rid
            out.append(_choice(rid, span, f"quote_type_{role}", a.quote_type.value))
            out.append(_choice(rid, span, f"stance_{role}", a.stance.value))
    for a in gold.attributions:
        if a.parent_id and a.attribution_id in carrier and a.parent_id in carrier:
            out.append(_relation(carrier[a.attribution_id], carrier[a.parent_id], "parent"))
    return out
