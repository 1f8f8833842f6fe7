"""Inter-annotator agreement between two annotation files of the same document.

Span F1 per layer and label, with exact matching (same label, same offsets) and
with overlap matching (same label, overlapping offsets, one-to-one); attribution
agreement on source, cue, content and the whole triple; Krippendorff's alpha
(nominal) over characters for the noise and entity layers, and over whitespace tokens, across
every annotator of a document at once, for the attribution roles and the mention labels
(``token_alpha``: how attribution corpora report agreement); and, apart, linking
agreement of the mentions that match exactly (``compare_links``: the same entity id,
or the same proposal where both left the mention unlinked). Every comparison is a
sort and a linear sweep.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from newsclaims.core.models import GoldFile, Span
from newsclaims.core.patterns import surface_key

Unit = tuple[str, int, int]  # (label, start, end)


@dataclass
class Tally:
    """Counts that add up across documents before F1 is taken."""

    a: int = 0
    b: int = 0
    exact: int = 0
    overlap: int = 0

    def add(self, other: Tally) -> None:
        self.a += other.a
        self.b += other.b
        self.exact += other.exact
        self.overlap += other.overlap

    def f1(self, matched: int) -> float | None:
        total = self.a + self.b
        return None if total == 0 else 2 * matched / total

    def as_dict(self) -> dict[str, float | int | None]:
        return {"a": self.a, "b": self.b, "f1_exact": self.f1(self.exact), "f1_overlap": self.f1(self.overlap)}


def _overlap_matches(a: list[Unit], b: list[Unit]) -> int:
    """One-to-one matches of same-label overlapping spans: a two-pointer sweep per label."""
    by_label: dict[str, tuple[list[Unit], list[Unit]]] = defaultdict(lambda: ([], []))
    for u in a:
        by_label[u[0]][0].append(u)
    for u in b:
        by_label[u[0]][1].append(u)
    matched = 0
    for xs, ys in by_label.values():
        xs.sort(key=lambda u: (u[1], u[2]))
        ys.sort(key=lambda u: (u[1], u[2]))
        i = j = 0
        while i < len(xs) and j < len(ys):
            (_, xs_, xe), (_, ys_, ye) = xs[i], ys[j]
            if xs_ < ye and ys_ < xe:
                matched, i, j = matched + 1, i + 1, j + 1
            elif xe <= ys_:
                i += 1
            else:
                j += 1
    return matched


def compare_units(a: Iterable[Unit], b: Iterable[Unit]) -> dict[str, Tally]:
    """Per label (and ``"*"`` for all labels): counts of units and of exact and overlap matches."""
    la, lb = list(a), list(b)
    out: dict[str, Tally] = {}
    for label in sorted({u[0] for u in la} | {u[0] for u in lb}):
        xa = [u for u in la if u[0] == label]
        xb = [u for u in lb if u[0] == label]
        ca, cb = Counter(xa), Counter(xb)
        exact = sum((ca & cb).values())
        # Identical units match first (also absent parts, coded as -1:-1); overlaps among the rest.
        rest = _overlap_matches(list((ca - cb).elements()), list((cb - ca).elements()))
        out[label] = Tally(len(xa), len(xb), exact, exact + rest)
    total = Tally()
    for t in out.values():
        total.add(t)
    out["*"] = total
    return out


def layer_units(gold: GoldFile) -> dict[str, list[Unit]]:
    """The units each layer is compared on."""
    claims = {c.claim_id: c for c in gold.claims}

    def claim_span(claim_id: str) -> tuple[int, int]:
        c = claims.get(claim_id)
        return (c.fragments[0].start, c.fragments[-1].end) if c else (-1, -1)

    attributions: dict[str, list[Unit]] = defaultdict(list)
    for a in gold.attributions:
        cs, ce = claim_span(a.claim_id)
        src = (a.source.start, a.source.end) if a.source else (-1, -1)
        cue = (a.cue.start, a.cue.end) if a.cue else (-1, -1)
        attributions["source"].append(("source", *src))
        attributions["cue"].append(("cue", *cue))
        attributions["content"].append(("content", cs, ce))
        # The whole triple as one unit: offsets packed so that equality means all three agree.
        attributions["triple"].append((f"{src}{cue}", cs, ce))
    return {
        "noise": [(n.category.value, n.start, n.end) for n in gold.noise],
        "mentions": [(m.label.value, m.start, m.end) for m in gold.mentions],
        "claims": [("claim", c.fragments[0].start, c.fragments[-1].end) for c in gold.claims],
        **{f"attribution_{k}": v for k, v in attributions.items()},
    }


def char_labels(units: list[Unit], length: int) -> list[str]:
    """One nominal label per character: the innermost (shortest) covering span's, or ``"O"``."""
    labels = ["O"] * length
    for label, start, end in sorted(units, key=lambda u: u[2] - u[1], reverse=True):
        labels[max(start, 0) : min(end, length)] = [label] * max(0, min(end, length) - max(start, 0))
    return labels


def segment_labels(units: list[Unit], bounds: Sequence[int]) -> list[str]:
    """``char_labels`` one segment at a time: the label of each stretch ``bounds[i]:bounds[i+1]``,
    where ``bounds`` (sorted, from 0 to the text's length) holds every clipped edge of ``units``,
    so that no unit starts or ends inside a segment and all its characters share one label.

    A page of 5,000 characters has a few dozen segments: the same painting, on their indices."""
    length = bounds[-1]
    index = {at: i for i, at in enumerate(bounds)}
    labels = ["O"] * (len(bounds) - 1)
    for label, start, end in sorted(units, key=lambda u: u[2] - u[1], reverse=True):
        first, last = index[min(max(start, 0), length)], index[max(min(end, length), 0)]
        labels[first:last] = [label] * max(0, last - first)
    return labels


def unit_bounds(units: Iterable[Unit], length: int) -> list[int]:
    """0, ``length`` and every edge of ``units`` clipped to the text, sorted (``segment_labels``)."""
    edges = {0, length}
    for _, start, end in units:
        edges.add(min(max(start, 0), length))
        edges.add(max(min(end, length), 0))
    return sorted(edges)


def char_alpha(a: list[Unit], b: list[Unit], length: int) -> float | None:
    """``krippendorff_alpha_nominal`` of the two files' ``char_labels``, counted per segment
    (``segment_labels``) with its length as weight, not per character."""
    if length <= 0:
        raise ValueError("both codings must cover the same, non-empty units")
    bounds = unit_bounds([*a, *b], length)
    pairs: Counter[tuple[str, str]] = Counter()
    for i, (x, y) in enumerate(zip(segment_labels(a, bounds), segment_labels(b, bounds), strict=True)):
        pairs[x, y] += bounds[i + 1] - bounds[i]
    return _alpha_of_pairs(pairs)


def krippendorff_alpha_nominal(a: list[str], b: list[str]) -> float | None:
    """Alpha for two coders, nominal values, every unit coded by both (no missing data)."""
    if len(a) != len(b) or not a:
        raise ValueError("both codings must cover the same, non-empty units")
    # Counted per distinct pair of values (a page has few), not per character in Python.
    return _alpha_of_pairs(Counter(zip(a, b, strict=True)))


def _alpha_of_pairs(pairs: Counter[tuple[str, str]]) -> float | None:
    """Two coders' alpha from how many units got each pair of values (every unit coded by both)."""
    n = 2 * sum(pairs.values())
    totals: Counter[str] = Counter()
    for (x, y), count in pairs.items():
        totals[x] += count
        totals[y] += count
    disagreements = sum(count for (x, y), count in pairs.items() if x != y)
    expected = (n * n - sum(v * v for v in totals.values())) / (n * (n - 1))
    if expected == 0:
        return None  # one value everywhere: agreement is undefined
    observed = 2 * disagreements / n
    return 1 - observed / expected


@dataclass
class LinkTally:
    """Linking agreement, apart from the mentions' spans: of the mention pairs that match exactly
    (same label, same offsets), how many name the same entity. Adds up across documents."""

    matched: int = 0  # mention pairs that match exactly
    same_entity: int = 0  # both linked, to the same entity id
    same_proposal: int = 0  # both unlinked, with proposals equal once normalised (patterns.surface_key)
    both_empty: int = 0  # both unlinked, neither with a proposal: no entity named, no agreement counted

    def add(self, other: LinkTally) -> None:
        self.matched += other.matched
        self.same_entity += other.same_entity
        self.same_proposal += other.same_proposal
        self.both_empty += other.both_empty

    @property
    def agreement(self) -> float | None:
        """(same_entity + same_proposal) / matched; None without a matched pair."""
        return None if self.matched == 0 else (self.same_entity + self.same_proposal) / self.matched


def compare_links(a: GoldFile, b: GoldFile) -> LinkTally:
    """Linking agreement between two files of one document (``LinkTally``). A mention is scored
    on its span and label like any other (``layer_units``), linked or not; this is the rest."""
    others = {(m.label, m.start, m.end): m for m in b.mentions}
    tally = LinkTally()
    for m in a.mentions:
        other = others.get((m.label, m.start, m.end))
        if other is None:
            continue
        tally.matched += 1
        if m.entity_id is not None or other.entity_id is not None:
            tally.same_entity += m.entity_id == other.entity_id
            continue
        mine, theirs = surface_key(m.proposed_entity or ""), surface_key(other.proposed_entity or "")
        if mine and mine == theirs:
            tally.same_proposal += 1
        elif not mine and not theirs:
            tally.both_empty += 1
    return tally


def span_key(s: Span | None) -> str:
    """A span as the keys of units name it, ``start:end``; ``-`` for a part that is not there."""
    return f"{s.start}:{s.end}" if s is not None else "-"


@dataclass
class ValueTally:
    """What two annotators said of the units both marked: how many units got each pair of
    values (a claim's check-worthiness; an attribution's quote type or stance)."""

    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, other: ValueTally) -> None:
        self.pairs.update(other.pairs)

    @property
    def units(self) -> int:
        return sum(self.pairs.values())

    @property
    def agree(self) -> int:
        return sum(n for (x, y), n in self.pairs.items() if x == y)

    @property
    def alpha(self) -> float | None:
        """Krippendorff's alpha (nominal) over these units; None without units or variation."""
        return _alpha_of_pairs(self.pairs) if self.pairs else None


# The values compared, on the units both annotators marked.
VALUES = ("checkworthy", "quote_type", "stance")


def compare_values(a: GoldFile, b: GoldFile) -> dict[str, ValueTally]:
    """The values two files give the units both marked: check-worthiness of the claims with the
    same fragments; quote type and stance of the attributions with the same claim, source and cue.

    Span F1 says whether they marked the same units; this says whether they said the same of
    them, which span agreement cannot see (a claim's check-worthiness is not part of its key)."""

    def claims(g: GoldFile) -> dict[str, str]:  # claim_id -> its fragments
        return {c.claim_id: "+".join(map(span_key, c.fragments)) for c in g.claims}

    out = {value: ValueTally() for value in VALUES}
    ca, cb = claims(a), claims(b)
    worth_a = {ca[c.claim_id]: c.checkworthy for c in a.claims}
    worth_b = {cb[c.claim_id]: c.checkworthy for c in b.claims}
    for fragments in sorted(worth_a.keys() & worth_b.keys()):
        out["checkworthy"].pairs[str(worth_a[fragments]).lower(), str(worth_b[fragments]).lower()] += 1
    attr_a = {(ca.get(x.claim_id, "-"), span_key(x.source), span_key(x.cue)): x for x in a.attributions}
    attr_b = {(cb.get(x.claim_id, "-"), span_key(x.source), span_key(x.cue)): x for x in b.attributions}
    for key in sorted(attr_a.keys() & attr_b.keys()):
        x, y = attr_a[key], attr_b[key]
        out["quote_type"].pairs[x.quote_type.value, y.quote_type.value] += 1
        out["stance"].pairs[x.stance.value, y.stance.value] += 1
    return out


@dataclass(frozen=True)
class Comparison:
    layers: dict[str, dict[str, Tally]]  # layer -> label (and "*") -> tally
    alpha_chars: dict[str, float | None]  # layer -> Krippendorff's alpha over characters
    links: LinkTally = field(default_factory=LinkTally)  # of the exactly matching mentions
    values: dict[str, ValueTally] = field(default_factory=dict)  # VALUES -> on the units both marked


def compare_files(a: GoldFile, b: GoldFile, text_length: int) -> Comparison:
    """Every agreement figure for one document annotated twice."""
    ua, ub = layer_units(a), layer_units(b)
    layers = {layer: compare_units(ua.get(layer, []), ub.get(layer, [])) for layer in sorted(set(ua) | set(ub))}
    if "attribution_triple" in layers:
        # A triple's "label" packs its source and cue offsets (so that equal means all three
        # agree): per "label" it would be a row per pair of offsets, so only the total is kept.
        layers["attribution_triple"] = {"*": layers["attribution_triple"]["*"]}
    alpha = {layer: char_alpha(ua[layer], ub[layer], text_length) for layer in ("noise", "mentions")}
    return Comparison(layers, alpha, compare_links(a, b), compare_values(a, b))


def krippendorff_alpha(codings: Sequence[Sequence[str | None]]) -> float | None:
    """Krippendorff's alpha, nominal, for any number of coders with missing values.

    ``codings[c][u]`` is coder ``c``'s value for unit ``u`` (None: not coded). Units coded by
    fewer than two coders carry no information and are left out, as Krippendorff defines it.
    None when no pair of values exists, or every value is the same (agreement undefined).
    Computed from the coincidence counts in one pass over the units."""
    if not codings:
        return None
    width = len(codings[0])
    if any(len(c) != width for c in codings):
        raise ValueError("every coder must code the same units (None where a coder has no value)")
    totals: Counter[str] = Counter()
    # Units with the same values (most tokens: "none" for everyone) contribute alike: each
    # distinct column of values is counted once, times how often it occurs. The disagreeing
    # pairs are summed as whole numbers per m_u, so the sum is exact before the one division.
    disagreeing: Counter[int] = Counter()  # m_u -> sum over units of m_u^2 - sum of squared counts
    for column, times in Counter(zip(*codings, strict=True)).items():
        values = Counter(v for v in column if v is not None)
        m = sum(values.values())
        if m < 2:
            continue
        for value, k in values.items():
            totals[value] += k * times
        disagreeing[m] += times * (m * m - sum(k * k for k in values.values()))
    observed = sum(pairs / (m - 1) for m, pairs in sorted(disagreeing.items()))
    n = sum(totals.values())
    expected = n * n - sum(k * k for k in totals.values())
    if n < 2 or expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


TokenLayer = Literal["roles", "mentions"]


def whitespace_tokens(text: str) -> list[tuple[int, int]]:
    """Tokens as runs of non-whitespace: (start, end) in code points."""
    return [m.span() for m in re.finditer(r"\S+", text)]


def role_units(gold: GoldFile) -> list[Unit]:
    """The attribution roles as units: source, cue and each content fragment."""
    claims = {c.claim_id: c for c in gold.claims}
    units: list[Unit] = []
    for a in gold.attributions:
        if a.source is not None:
            units.append(("source", a.source.start, a.source.end))
        if a.cue is not None:
            units.append(("cue", a.cue.start, a.cue.end))
        claim = claims.get(a.claim_id)
        units += [("content", f.start, f.end) for f in (claim.fragments if claim else [])]
    return units


def token_labels(units: list[Unit], tokens: Sequence[tuple[int, int]], length: int) -> list[str]:
    """One label per token: the innermost unit covering its first character, or ``"none"``."""
    bounds = unit_bounds(units, length)
    labels = segment_labels(units, bounds)
    out = []
    for start, _ in tokens:
        label = labels[bisect_right(bounds, start) - 1]  # the segment holding the token's first character
        out.append("none" if label == "O" else label)
    return out


@dataclass(frozen=True)
class TokenAlpha:
    """Krippendorff's alpha over whitespace tokens, all annotators of each document together."""

    layer: TokenLayer
    alpha: float | None
    documents: int  # documents with at least two annotators' files
    tokens: int  # tokens coded by at least two annotators
    annotators: int

    def as_dict(self) -> dict[str, object]:
        return {"alpha": self.alpha, "documents": self.documents, "tokens": self.tokens, "annotators": self.annotators}


def token_alpha(documents: Iterable[tuple[str, Mapping[str, GoldFile]]], layer: TokenLayer) -> TokenAlpha:
    """Alpha of ``layer`` over the tokens of every document: ``(text, {annotator: file})`` each.

    roles: source / cue / content / none per token; mentions: the entity label or none. A
    token is a unit; every annotator of the round is a coder, with no value on a document it
    did not annotate, so documents annotated by different sets of people pool correctly."""
    docs = list(documents)
    coders = sorted({who for _, files in docs for who in files})
    codings: dict[str, list[str | None]] = {who: [] for who in coders}
    counted_docs = counted_tokens = 0
    for text, files in docs:
        if len(files) < 2:
            continue
        tokens = whitespace_tokens(text)
        counted_docs += 1
        counted_tokens += len(tokens)
        for who in coders:
            gold = files.get(who)
            if gold is None:
                codings[who] += [None] * len(tokens)
                continue
            units = role_units(gold) if layer == "roles" else [(m.label.value, m.start, m.end) for m in gold.mentions]
            codings[who] += token_labels(units, tokens, len(text))
    alpha = krippendorff_alpha([codings[w] for w in coders]) if counted_tokens else None
    return TokenAlpha(layer, alpha, counted_docs, counted_tokens, len(coders))
