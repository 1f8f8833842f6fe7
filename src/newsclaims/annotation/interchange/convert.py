"""One ``.ann`` file to one annotation file (``ann_to_gold``), and back (``gold_to_ann``).

Records are numbered in the order of their lines in the ``.ann`` file (``m001``, ``n001``,
``c001``, ``a001``): the export writes them in the order of the annotation file, so a round
trip gives back the same file, ids included when they were numbered that way (adjudication
numbers gold so). brat
cannot write a line end inside a text field, so a span that crosses one is written in pieces
(a discontinuous span) and read back whole: pieces of one text-bound annotation separated by
whitespace alone are one span. For a content span, pieces separated by anything else are the
claim's fragments. An event's trigger is its cue, unless it overlaps the content: an
attribution without a cue is written with its trigger on the content (brat requires one).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from newsclaims.annotation.interchange.mapping import BratMapping
from newsclaims.annotation.interchange.problems import Issue
from newsclaims.annotation.interchange.standoff import AnnFile, Offsets, Piece, format_textbound, split_role
from newsclaims.core.models import (
    SCHEMA_VERSION,
    Attribution,
    Claim,
    GoldFile,
    Mention,
    NoiseSpan,
    Provenance,
    Source,
    Span,
)
from newsclaims.core.patterns import NAME_PATTERN
from newsclaims.core.vocab import QuoteType, Stance

IMPORT_METHOD = "imported from brat standoff with `newsclaims import brat`"


def normalise(raw: str) -> str:
    """What ``core.documents.decode_text`` makes of the decoded text: line ends to ``\\n``."""
    return raw.replace("\r\n", "\n").replace("\r", "\n")


# The normalization of an unnamed source (schema 1.2): not an entity id (ids start with a letter
# or digit), so it never collides with one.
UNNAMED_REF = "_unnamed"


@dataclass
class _Span:
    """A text-bound annotation once read: its type, its kind in the mapping, normalised pieces."""

    id: str
    type: str
    kind: str  # mention, noise, source, cue, content, trigger
    pieces: list[Piece]
    line: int


@dataclass
class _Attr:
    key: str  # the event id, or the cue's id in the relation layout
    line: int
    cue: str | None = None
    source: str | None = None
    source_mention: str | None = None
    content: list[tuple[int, str]] = field(default_factory=list)
    parent: str | None = None
    quote_type: QuoteType | None = None
    stance: Stance | None = None
    note: str | None = None


class _Reader:
    """The state of one conversion: the file's spans, attributions and claims, and the issues."""

    def __init__(self, ann: AnnFile, raw: str, mapping: BratMapping, file: str) -> None:
        self.ann, self.mapping, self.file = ann, mapping, file
        self.offsets = Offsets(raw)
        self.text = normalise(raw)
        self.issues: list[Issue] = list(ann.issues)
        self.spans: dict[str, _Span] = {}
        self.defined = ann.ids()
        self.attrs: dict[str, _Attr] = {}
        self.fragment_links: dict[str, list[str]] = defaultdict(list)
        self.source_mentions: list[tuple[str, str]] = []  # (source span, mention in it), relation layout
        self.entity_of: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.checkworthy: dict[str, bool] = {}

    def issue(self, line: int, code: str, message: str) -> None:
        self.issues.append(Issue(self.file, line, code, message))

    # -- text-bound annotations ------------------------------------------------------------

    def kind_of(self, type_: str) -> str | None:
        m = self.mapping
        if type_ in m.mentions:
            return "mention"
        if type_ in m.noise:
            return "noise"
        if type_ in m.roles:
            return m.roles[type_]
        if type_ in m.events:
            return "trigger"
        return None

    def read_spans(self) -> None:
        for t in self.ann.textbounds:
            kind = self.kind_of(t.type)
            if kind is None:
                self.issue(t.line, "NC805", f"{t.id}: text-bound type {t.type!r} is not in the mapping")
                continue
            pieces = self._pieces(t.id, t.pieces, t.text, t.line)
            if pieces is not None:
                self.spans[t.id] = _Span(t.id, t.type, kind, pieces, t.line)

    def _pieces(self, tid: str, pieces: tuple[Piece, ...], text: str | None, line: int) -> list[Piece] | None:
        off, n = self.offsets, len(self.offsets.raw)
        for i, (s, e) in enumerate(pieces):
            if not 0 <= s < e:
                self.issue(line, "NC802", f"{tid}: span {s} {e} is empty or reversed")
                return None
            if i and pieces[i - 1][1] > s:
                self.issue(line, "NC802", f"{tid}: pieces overlap or are out of order")
                return None
        if text is not None and (pieces[-1][1] > n or off.raw_slice(pieces) != text):
            units = [(off.utf16_to_codepoints(s), off.utf16_to_codepoints(e)) for s, e in pieces]
            if (
                off.has_astral
                and all(s is not None and e is not None and e <= n for s, e in units)
                and off.raw_slice(tuple((s or 0, e or 0) for s, e in units)) == text
            ):
                self.issue(line, "NC808", f"{tid}: offsets read as UTF-16 units (code points did not fit)")
                pieces = tuple((s or 0, e or 0) for s, e in units)
            elif pieces[-1][1] > n:
                self.issue(line, "NC802", f"{tid}: span ends at {pieces[-1][1]}, past the text's {n} characters")
                return None
            elif any(off.to_norm(x) is None for piece in pieces for x in piece):
                # The text cannot fit an edge inside a line end: that edge is the problem, not the text.
                self.issue(line, "NC802", f"{tid}: an edge falls between the \\r and the \\n of a line end")
                return None
            else:
                shown = off.raw_slice(pieces)
                self.issue(line, "NC803", f"{tid}: text {text!r:.60} differs from the text's {shown!r:.60}")
                return None
        if pieces[-1][1] > n:
            self.issue(line, "NC802", f"{tid}: span ends at {pieces[-1][1]}, past the text's {n} characters")
            return None
        norm: list[Piece] = []
        for s, e in pieces:
            ns, ne = off.to_norm(s), off.to_norm(e)
            if ns is None or ne is None:
                self.issue(line, "NC802", f"{tid}: an edge falls between the \\r and the \\n of a line end")
                return None
            norm.append((ns, ne))
        # Pieces apart by whitespace alone are one span (brat cannot write a line end in a text field).
        merged = [norm[0]]
        for s, e in norm[1:]:
            if not self.text[merged[-1][1] : s].strip():
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        trimmed: list[Piece] = []
        for s, e in merged:
            ts, te = s, e
            while ts < te and self.text[ts].isspace():
                ts += 1
            while te > ts and self.text[te - 1].isspace():
                te -= 1
            if (ts, te) != (s, e):
                self.issue(line, "NC811", f"{tid}: whitespace at the edge of {s} {e} trimmed")
            if ts < te:
                trimmed.append((ts, te))
        if not trimmed:
            self.issue(line, "NC802", f"{tid}: the span holds whitespace only")
            return None
        return trimmed

    def span(self, sid: str, line: int, kinds: Iterable[str], what: str) -> _Span | None:
        found = self.spans.get(sid)
        if found is None:
            where = next((t.line for t in self.ann.textbounds if t.id == sid), None)
            if where is not None:  # defined, but left out: its own line says why, this one what it cost
                self.issue(line, "NC804", f"{what} points at {sid}, which was left out (line {where})")
            elif sid not in self.defined:
                self.issue(line, "NC804", f"{what} points at {sid}, which the file does not define")
            else:
                self.issue(line, "NC806", f"{what} points at {sid}, which is not a text-bound annotation")
            return None
        if found.kind not in kinds:
            self.issue(line, "NC806", f"{what} points at {sid} ({found.type}), which is not a {' or '.join(kinds)}")
            return None
        return found

    # -- attributions ----------------------------------------------------------------------

    def read_events(self) -> None:
        for e in self.ann.events:
            em = self.mapping.events.get(e.type)
            if em is None:
                self.issue(e.line, "NC805", f"{e.id}: event type {e.type!r} is not in the mapping")
                continue
            trigger = self.span(e.trigger, e.line, ("trigger",), f"{e.id}'s trigger")
            if trigger is None:
                continue
            attr = _Attr(e.id, e.line, cue=trigger.id)
            ok = True
            for role, target in e.args:
                base, number = split_role(role)
                if base in em.source:
                    src = self.span(target, e.line, ("source", "mention"), f"{e.id} {role}")
                    if src is not None and attr.source is not None:
                        self.issue(e.line, "NC806", f"{e.id}: more than one source")
                        ok = False
                    elif src is not None:
                        attr.source = src.id
                elif base in em.content:
                    content = self.span(target, e.line, ("content",), f"{e.id} {role}")
                    if content is not None:
                        attr.content.append((number, content.id))
                elif base in em.parent:
                    if target not in {x.id for x in self.ann.events}:
                        self.issue(e.line, "NC804", f"{e.id} {role} points at {target}, which is not an event")
                    else:
                        attr.parent = target
                elif base in em.source_mention:
                    m = self.span(target, e.line, ("mention",), f"{e.id} {role}")
                    attr.source_mention = m.id if m is not None else None
                else:
                    self.issue(e.line, "NC805", f"{e.id}: role {role!r} of {e.type} is not in the mapping")
            if ok:
                self.attrs[attr.key] = attr

    def read_relations(self) -> None:
        for r in self.ann.relations:
            rm = self.mapping.relations.get(r.type)
            if rm is None:
                self.issue(r.line, "NC805", f"{r.id}: relation type {r.type!r} is not in the mapping")
                continue
            what = f"{r.id} ({r.type})"
            if rm.kind == "fragment":
                a = self.span(r.arg1, r.line, ("content",), what)
                b = self.span(r.arg2, r.line, ("content",), what)
                if a and b:
                    self.fragment_links[a.id].append(b.id)
                continue
            if rm.kind == "source_mention":
                a = self.span(r.arg1, r.line, ("source",), what)
                b = self.span(r.arg2, r.line, ("mention",), what)
                if a and b:
                    self.source_mentions.append((a.id, b.id))
                continue
            cue = self.span(r.arg1, r.line, ("cue",), what)
            if cue is None:
                continue
            attr = self.attrs.setdefault(cue.id, _Attr(cue.id, r.line, cue=cue.id))
            if rm.kind == "source":
                src = self.span(r.arg2, r.line, ("source", "mention"), what)
                if src is not None and attr.source not in (None, src.id):
                    self.issue(r.line, "NC806", f"{what}: {cue.id} has a source already")
                elif src is not None:
                    attr.source = src.id
            elif rm.kind == "content":
                content = self.span(r.arg2, r.line, ("content",), what)
                if content is not None:
                    attr.content.append((len(attr.content) + 1, content.id))
            else:  # parent
                outer = self.span(r.arg2, r.line, ("cue",), what)
                if outer is not None:
                    attr.parent = outer.id

    # -- attributes, notes, normalizations ------------------------------------------------

    def read_extras(self) -> None:
        by_cue = {a.cue: a for a in self.attrs.values() if a.cue is not None}
        for a in self.ann.attributes:
            am = self.mapping.attributes.get(a.type)
            if am is None:
                self.issue(a.line, "NC805", f"{a.id}: attribute {a.type!r} is not in the mapping")
                continue
            if a.value is None:
                value = "true" if am.field == "checkworthy" and not am.values else None
            else:
                value = am.values.get(a.value)
            if value is None:
                self.issue(a.line, "NC805", f"{a.id}: value {a.value!r} of {a.type} is not in the mapping")
                continue
            attr = self.attrs.get(a.target) or by_cue.get(a.target)
            if am.field == "checkworthy":
                content = self._content_of(a.target, attr)
                if content is None:
                    self._unplaced(a.line, a.id, a.target, "a content span or an attribution")
                else:
                    self.checkworthy[content] = value == "true"
            elif attr is None:
                self._unplaced(a.line, a.id, a.target, "an attribution (its event, or its cue)")
            elif am.field == "quote_type":
                attr.quote_type = QuoteType.of(value)
            else:
                attr.stance = Stance.of(value)
        for n in self.ann.notes:
            attr = self.attrs.get(n.target) or by_cue.get(n.target)
            if attr is not None:
                attr.note = n.text
            elif n.target in self.spans and self.spans[n.target].kind in ("mention", "noise", "content"):
                self.notes[n.target] = n.text
            else:
                self._unplaced(n.line, n.id, n.target, "a mention, noise span, content span or attribution")
        for z in self.ann.normalizations:
            if z.db != self.mapping.entity_db:
                self.issue(z.line, "NC805", f"{z.id}: database {z.db!r} is not the mapping's entity_db")
                continue
            # A mention's entity, or a source's speaker (schema 1.2): UNNAMED_REF for an unnamed one.
            m = self.span(z.target, z.line, ("mention", "source"), z.id)
            if m is not None:
                self.entity_of[m.id] = z.ref

    def _content_of(self, target: str, attr: _Attr | None) -> str | None:
        if attr is not None and attr.content:
            return sorted(attr.content)[0][1]
        span = self.spans.get(target)
        return span.id if span is not None and span.kind == "content" else None

    def _unplaced(self, line: int, ident: str, target: str, what: str) -> None:
        """An attribute or note whose target is not a record it can be on (said once: a target
        that was itself left out has its own line)."""
        left_out = {t.id for t in self.ann.textbounds if t.id not in self.spans}
        left_out |= {e.id for e in self.ann.events if e.id not in self.attrs}
        if target not in self.defined:
            self.issue(line, "NC804", f"{ident} points at {target}, which the file does not define")
        elif target not in left_out:
            self.issue(line, "NC806", f"{ident} is on {target}, which is not {what}")


@dataclass(frozen=True)
class Converted:
    gold: GoldFile
    issues: list[Issue]
    lines: dict[str, int]  # record id -> the .ann line it came from


def ann_to_gold(
    ann: AnnFile,
    raw: str,
    mapping: BratMapping,
    *,
    file: str,
    doc_id: str,
    text_sha256: str,
    annotator: str,
    round_name: str,
    known_entities: Mapping[str, str],
) -> Converted:
    """The annotation file an ``.ann`` file makes, with every issue located; nothing is raised.

    ``known_entities``: the registry's entity ids and their labels."""
    r = _Reader(ann, raw, mapping, file)
    r.read_spans()
    r.read_events()
    r.read_relations()
    for source_id, mention_id in r.source_mentions:
        for attr in r.attrs.values():
            if attr.source == source_id:
                attr.source_mention = mention_id
    r.read_extras()
    text, lines = r.text, {}

    def span_of(piece: Piece) -> Span:
        return Span(start=piece[0], end=piece[1], text=text[piece[0] : piece[1]])

    # Mentions and noise: one span each.
    mention_rows: list[tuple[Piece, _Span]] = []
    noise_rows: list[tuple[Piece, _Span]] = []
    for s in r.spans.values():
        if s.kind in ("mention", "noise") and len(s.pieces) > 1:
            r.issue(s.line, "NC806", f"{s.id}: a {s.kind} is one span, not {len(s.pieces)} pieces")
        elif s.kind == "mention":
            mention_rows.append(((s.pieces[0]), s))
        elif s.kind == "noise":
            noise_rows.append(((s.pieces[0]), s))
    mention_ids: dict[str, str] = {}
    mentions: list[Mention] = []
    for i, (piece, s) in enumerate(mention_rows, 1):
        mid = f"m{i:03d}"
        mention_ids[s.id] = mid
        lines[mid] = s.line
        ref = r.entity_of.get(s.id)
        label = mapping.mentions[s.type]
        # An id the registry does not have, or has with another label, is kept as a proposal
        # (``newsclaims entities link`` settles it), as the Label Studio import does (NC714).
        linked = ref if ref is not None and known_entities.get(ref) == label.value else None
        mentions.append(
            Mention(
                **span_of(piece).model_dump(),
                mention_id=mid,
                label=label,
                entity_id=linked,
                proposed_entity=ref if linked is None else None,
                note=r.notes.get(s.id),
            )
        )
    noise: list[NoiseSpan] = []
    for i, (piece, s) in enumerate(noise_rows, 1):
        lines[f"n{i:03d}"] = s.line
        noise.append(
            NoiseSpan(
                **span_of(piece).model_dump(),
                noise_id=f"n{i:03d}",
                category=mapping.noise[s.type],
                note=r.notes.get(s.id),
            )
        )

    # Claims: the content spans of each attribution (plus what fragment relations add), or a
    # content span no attribution uses.
    def closure(ids: list[str]) -> tuple[str, ...]:
        seen: list[str] = []
        stack = list(reversed(ids))
        while stack:
            x = stack.pop()
            if x not in seen:
                seen.append(x)
                stack.extend(reversed(r.fragment_links.get(x, [])))
        return tuple(seen)

    attrs = [a for a in r.attrs.values()]
    claim_keys: dict[str, tuple[str, ...]] = {}
    for a in attrs:
        if not a.content:
            r.issue(a.line, "NC806", f"{a.key}: an attribution without content")
            continue
        claim_keys[a.key] = closure([cid for _, cid in sorted(a.content)])
    fragment_targets = {t for targets in r.fragment_links.values() for t in targets}
    used_content = {c for key in claim_keys.values() for c in key}
    groups: dict[tuple[str, ...], None] = dict.fromkeys(claim_keys.values())
    for s in r.spans.values():
        if s.kind == "content" and s.id not in used_content and s.id not in fragment_targets:
            groups[closure([s.id])] = None

    def fragments_of(key: tuple[str, ...]) -> list[Piece]:
        return sorted(p for sid in key for p in r.spans[sid].pieces)

    ordered = sorted(groups, key=lambda k: r.spans[k[0]].line)
    claim_id = {key: f"c{i:03d}" for i, key in enumerate(ordered, 1)}
    claims: list[Claim] = []
    for key in ordered:
        cid = claim_id[key]
        lines[cid] = r.spans[key[0]].line
        claims.append(
            Claim(
                claim_id=cid,
                fragments=[span_of(p) for p in fragments_of(key)],
                checkworthy=next(
                    (r.checkworthy[sid] for sid in key if sid in r.checkworthy), mapping.defaults.checkworthy
                ),
                note=next((r.notes[sid] for sid in key if sid in r.notes), None),
            )
        )

    # Attributions in the order of their lines (events, or the cue's first relation).
    def single(sid: str | None) -> Piece | None:
        if sid is None:
            return None
        pieces = r.spans[sid].pieces
        return (pieces[0][0], pieces[-1][1])

    def cue_of(a: _Attr) -> Piece | None:
        cue = single(a.cue)
        key = claim_keys[a.key]
        if cue is not None and any(s < cue[1] and cue[0] < e for s, e in fragments_of(key)):
            return None  # a trigger on the content: the attribution has no cue
        return cue

    placed = [a for a in attrs if a.key in claim_keys]
    attribution_id = {a.key: f"a{i:03d}" for i, a in enumerate(placed, 1)}
    by_cue = {a.cue: attribution_id[a.key] for a in placed if a.cue is not None}
    attributions: list[Attribution] = []
    for a in placed:
        aid = attribution_id[a.key]
        lines[aid] = a.line
        src, cue = single(a.source), cue_of(a)
        source_mention = a.source_mention or (a.source if a.source and r.spans[a.source].kind == "mention" else None)
        # Kept whatever entity it names (one the registry lacks is NC314 of validate, said there),
        # but only if it can be an entity id at all.
        speaker = r.entity_of.get(a.source) if a.source and r.spans[a.source].kind == "source" else None
        if speaker is not None and speaker != UNNAMED_REF and not re.match(NAME_PATTERN, speaker):
            r.issue(a.line, "NC805", f"{a.key}: speaker {speaker!r} is not an entity id: left undecided")
            speaker = None
        parent = attribution_id.get(a.parent or "") or by_cue.get(a.parent or "")
        if a.parent is not None and parent is None:
            r.issue(a.line, "NC806", f"{a.key}: its parent {a.parent} is not an attribution that was imported")
        attributions.append(
            Attribution(
                attribution_id=aid,
                claim_id=claim_id[claim_keys[a.key]],
                source=Source(
                    **span_of(src).model_dump(),
                    mention_id=mention_ids.get(source_mention or ""),
                    entity_id=speaker if speaker != UNNAMED_REF else None,
                    unnamed=speaker == UNNAMED_REF,
                )
                if src
                else None,
                cue=span_of(cue) if cue else None,
                quote_type=a.quote_type or mapping.defaults.quote_type,
                stance=a.stance or mapping.defaults.stance,
                parent_id=parent,
                note=a.note,
            )
        )
    role_used = {x for a in placed for x in (a.source, a.cue)}
    for s in r.spans.values():
        if s.kind in ("source", "cue") and s.id not in role_used:
            r.issue(s.line, "NC810", f"{s.id}: a {s.kind} ({s.type}) that no attribution uses")
    gold = GoldFile(
        schema_version=SCHEMA_VERSION,
        doc_id=doc_id,
        text_sha256=text_sha256,
        provenance=Provenance(annotators=[annotator], rounds=[round_name], method=IMPORT_METHOD),
        mentions=mentions,
        claims=claims,
        attributions=attributions,
        noise=noise,
    )
    return Converted(gold, sorted(r.issues), lines)


# -- export -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Lost:
    """Something of an annotation file that the mapping cannot carry: its layer, and what."""

    layer: str  # mentions, noise or claims (attributions go with the claims)
    what: str


class ExportError(ValueError):
    """The mapping cannot carry everything of the file (a label with no brat type, a stance with
    no attribute, ...): every such thing, once."""

    def __init__(self, lost: list[Lost]) -> None:
        super().__init__("; ".join(x.what for x in lost))
        self.lost = lost


def brat_pieces(text: str, offsets: Offsets, start: int, end: int) -> list[Piece]:
    """A normalised span as brat pieces: split at line ends (brat cannot write one in a text
    field), each piece without outer whitespace, in raw (brat) offsets."""
    pieces: list[Piece] = []
    pos = start
    for part in text[start:end].split("\n"):
        s, e = pos, pos + len(part)
        pos = e + 1
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            pieces.append((offsets.to_raw(s), offsets.to_raw(e)))
    return pieces


class _Writer:
    """The lines of one ``.ann`` file, with brat ids numbered per prefix in writing order."""

    def __init__(self, gold: GoldFile, raw: str, mapping: BratMapping) -> None:
        self.gold, self.mapping = gold, mapping
        self.text, self.offsets = normalise(raw), Offsets(raw)
        self.out: list[str] = []
        self.counters: dict[str, int] = defaultdict(int)
        self.roles = {role: next(n for n, r in mapping.roles.items() if r == role) for role in mapping.roles.values()}
        self.attribute_of = {am.field: (name, am) for name, am in reversed(mapping.attributes.items())}
        self.mention_t: dict[str, str] = {}
        self.content_t: dict[str, str] = {}
        # What the mapping cannot carry: said all at once, so a mapping is fixed in one go. The
        # writing goes on (with "?" for a missing type), since nothing is written then.
        self.lost: dict[Lost, None] = {}

    def lose(self, layer: str, what: str) -> str:
        self.lost[Lost(layer, what)] = None
        return "?"

    def type_of(self, table: Mapping[str, object], value: str, what: str, key: str, layer: str) -> str:
        """The first brat type ``table`` maps to ``value``."""
        for name, ours in table.items():
            if ours == value:
                return name
        return self.lose(layer, f'{what} {value} has no brat type in the mapping (add one to its "{key}")')

    def new(self, prefix: str) -> str:
        self.counters[prefix] += 1
        return f"{prefix}{self.counters[prefix]}"

    def role(self, role: str) -> str:
        if role not in self.roles:
            return self.lose(
                "claims", f'the {role} of an attribution has no brat type (add one to the mapping\'s "roles")'
            )
        return self.roles[role]

    def textbound(self, type_: str, spans: Iterable[tuple[int, int]]) -> str:
        tid = self.new("T")
        pieces = [p for s, e in spans for p in brat_pieces(self.text, self.offsets, s, e)]
        self.out.append(format_textbound(tid, type_, pieces, self.offsets.raw_slice(tuple(pieces))))
        return tid

    def note(self, target: str, value: str | None) -> None:
        if value:
            # A note is one line in brat: line ends inside it become spaces.
            self.out.append(f"{self.new('#')}\tAnnotatorNotes {target}\t{' '.join(value.splitlines())}")

    def attribute(self, target: str, field_name: str, value: str) -> None:
        """An attribute line, or none where the import's default says the same."""
        d = self.mapping.defaults
        default = {"quote_type": d.quote_type.value, "stance": d.stance.value}.get(
            field_name, str(d.checkworthy).lower()
        )
        if field_name not in self.attribute_of:
            if value != default:
                self.lose(
                    "claims",
                    f"{field_name} {value}: the mapping has no attribute for {field_name}, and a re-import would "
                    f'read its default {default} (add one to its "attributes")',
                )
            return
        name, am = self.attribute_of[field_name]
        if not am.values:  # a binary attribute: present means checkworthy
            if value == "true":
                self.out.append(f"{self.new('A')}\t{name} {target}")
            elif default == "true":
                self.lose("claims", f"{field_name} false: {name} is binary (present: true) and the default is true")
            return
        brat = next((b for b, ours in am.values.items() if ours == value), None)
        if brat is not None:
            self.out.append(f"{self.new('A')}\t{name} {target} {brat}")
        elif value != default:
            self.lose("claims", f'{field_name} {value}: attribute {name} has no value for it (add one to its "values")')

    def relation(self, kind: str, arg1: str, arg2: str) -> None:
        name = next((n for n, rm in self.mapping.relations.items() if rm.kind == kind), None)
        if name is None:
            name = self.lose(
                "claims", f'a relation of kind {kind} is needed and the mapping has none (add one to its "relations")'
            )
        self.out.append(f"{self.new('R')}\t{name} Arg1:{arg1} Arg2:{arg2}")

    def layers(self) -> None:
        g, m = self.gold, self.mapping
        for x in g.mentions:
            label = self.type_of(m.mentions, x.label.value, "entity label", "mentions", "mentions")
            tid = self.textbound(label, [(x.start, x.end)])
            self.mention_t[x.mention_id] = tid
            ref = x.entity_id or x.proposed_entity
            if ref is not None:
                self.out.append(f"{self.new('N')}\tReference {tid} {m.entity_db}:{ref}\t{ref}")
            self.note(tid, x.note)
        for n in g.noise:
            noise_type = self.type_of(m.noise, n.category.value, "noise category", "noise", "noise")
            self.note(self.textbound(noise_type, [(n.start, n.end)]), n.note)
        for c in g.claims:
            # One content span in pieces: pieces apart by more than whitespace are the fragments.
            tid = self.textbound(self.role("content"), [(f.start, f.end) for f in c.fragments])
            self.content_t[c.claim_id] = tid
            self.attribute(tid, "checkworthy", "true" if c.checkworthy else "false")
            self.note(tid, c.note)

    def source(self, a: Attribution) -> tuple[str | None, str | None]:
        """The source's T id, and the mention to link when the source is longer than its mention.

        The speaker (schema 1.2) is a normalization of the source's own span: the mention's
        already says it when the source is the mention."""
        if a.source is None:
            return None, None
        mention = next((x for x in self.gold.mentions if x.mention_id == a.source.mention_id), None)
        speaker = UNNAMED_REF if a.source.unnamed else a.source.entity_id
        if mention is not None and (mention.start, mention.end) == (a.source.start, a.source.end) and speaker is None:
            return self.mention_t[mention.mention_id], None
        # A source with a speaker is a span of its own (on the mention's offsets, when it is the
        # mention), so that the import tells a decided speaker from an undecided one.
        tid = self.textbound(self.role("source"), [(a.source.start, a.source.end)])
        if speaker is not None:
            self.out.append(f"{self.new('N')}\tReference {tid} {self.mapping.entity_db}:{speaker}\t{speaker}")
        return tid, (self.mention_t[mention.mention_id] if mention is not None else None)

    def events(self) -> None:
        event_type, em = next(iter(self.mapping.events.items()))
        claims = {c.claim_id: c for c in self.gold.claims}
        event_of: dict[str, str] = {}
        pending: list[tuple[str, list[str], Attribution]] = []
        for a in self.gold.attributions:
            src, link = self.source(a)
            # brat needs a trigger: without a cue it goes on the content, which says "no cue".
            where = a.cue or claims[a.claim_id].fragments[0]
            trigger = self.textbound(event_type, [(where.start, where.end)])
            eid = self.new("E")
            event_of[a.attribution_id] = eid
            parts = [f"{event_type}:{trigger}"]
            if src is not None:
                parts.append(f"{em.source[0]}:{src}")
            parts.append(f"{em.content[0]}:{self.content_t[a.claim_id]}")
            if link is not None:
                parts.append(f"{em.source_mention[0]}:{link}")
            pending.append((eid, parts, a))
        for eid, parts, a in pending:
            if a.parent_id is not None:
                parts.append(f"{em.parent[0]}:{event_of[a.parent_id]}")
            self.out.append(f"{eid}\t{' '.join(parts)}")
            self.attribute(eid, "quote_type", a.quote_type.value)
            self.attribute(eid, "stance", a.stance.value)
            self.note(eid, a.note)

    def relations(self) -> None:
        cue_of: dict[str, str] = {}
        for a in self.gold.attributions:
            if a.cue is None:
                cue_of[a.attribution_id] = self.lose(
                    "claims", "an attribution without a cue: the relation layout hangs it on its cue (use events)"
                )
                continue
            cue = self.textbound(self.role("cue"), [(a.cue.start, a.cue.end)])
            cue_of[a.attribution_id] = cue
            src, link = self.source(a)
            if src is not None:
                self.relation("source", cue, src)
            if src is not None and link is not None:
                self.relation("source_mention", src, link)
            self.relation("content", cue, self.content_t[a.claim_id])
            self.attribute(cue, "quote_type", a.quote_type.value)
            self.attribute(cue, "stance", a.stance.value)
            self.note(cue, a.note)
        for a in self.gold.attributions:
            if a.parent_id is not None:
                self.relation("parent", cue_of[a.attribution_id], cue_of[a.parent_id])


def gold_to_ann(gold: GoldFile, raw: str, mapping: BratMapping) -> str:
    """The ``.ann`` text of one annotation file (``ExportError`` if the mapping cannot express it)."""
    w = _Writer(gold, raw, mapping)
    w.layers()
    if gold.attributions:
        w.events() if mapping.layout() == "events" else w.relations()
    if w.lost:
        raise ExportError(list(w.lost))
    return "".join(line + "\n" for line in w.out)
