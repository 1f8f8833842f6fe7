"""``round agreement``: the agreement report of a round, as JSON and Markdown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsclaims.annotation.labelstudio.config import PASSES, Pass
from newsclaims.annotation.rounds.round import Round, RoundError, RoundPass, annotator_files
from newsclaims.core.collector import collector_paused
from newsclaims.core.jsonio import dumps, write_text_atomic
from newsclaims.validation.repository import Repository

if TYPE_CHECKING:
    from newsclaims.annotation.agreement import LinkTally, Tally, TokenAlpha, TokenLayer, ValueTally

PASS_LAYERS: dict[Pass, tuple[str, ...]] = {
    "noise": ("noise",),
    "entities": ("mentions",),
    "claims": ("claims", "attribution_source", "attribution_cue", "attribution_content", "attribution_triple"),
}


ALPHA_LAYER: dict[Pass, str | None] = {"noise": "noise", "entities": "mentions", "claims": None}


@dataclass(frozen=True)
class PairScore:
    """One label of one layer between two annotators: the units each drew, and span F1."""

    a: int
    b: int
    f1_exact: float | None
    f1_overlap: float | None

    @classmethod
    def of(cls, tally: Tally) -> PairScore:
        return cls(tally.a, tally.b, tally.f1(tally.exact), tally.f1(tally.overlap))

    def as_dict(self) -> dict[str, int | float | None]:
        return {"a": self.a, "b": self.b, "f1_exact": self.f1_exact, "f1_overlap": self.f1_overlap}


@dataclass(frozen=True)
class AverageScore:
    """One label of one layer: span F1 averaged over the annotator pairs that have it (None: no pair)."""

    f1_exact: float | None
    f1_overlap: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"f1_exact": self.f1_exact, "f1_overlap": self.f1_overlap}


@dataclass(frozen=True)
class ValueScore:
    """What two annotators said of the units both marked (``agreement.compare_values``)."""

    units: int
    agree: int
    alpha: float | None

    @classmethod
    def of(cls, tally: ValueTally) -> ValueScore:
        return cls(tally.units, tally.agree, tally.alpha)

    def as_dict(self) -> dict[str, int | float | None]:
        return {"units": self.units, "agree": self.agree, "alpha": self.alpha}


@dataclass(frozen=True)
class LinkScore:
    """Linking agreement of one annotator pair (or ``*``, all pairs summed): of the mention pairs
    that match exactly (same label, same offsets), how many name the same entity, by the same
    entity id or, both left unlinked, by the same proposal (normalised)."""

    matched: int
    same_entity: int
    same_proposal: int
    both_empty: int
    agreement: float | None  # (same_entity + same_proposal) / matched

    @classmethod
    def of(cls, tally: LinkTally) -> LinkScore:
        return cls(tally.matched, tally.same_entity, tally.same_proposal, tally.both_empty, tally.agreement)

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "matched": self.matched,
            "same_entity": self.same_entity,
            "same_proposal": self.same_proposal,
            "both_empty": self.both_empty,
            "agreement": self.agreement,
        }


@dataclass(frozen=True)
class Disagreement:
    """A unit only one annotator of a pair drew (``start`` is -1 for a unit without offsets)."""

    doc_id: str
    pair: str
    only: str
    layer: str
    label: str
    start: int
    end: int
    text: str | None

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "doc_id": self.doc_id,
            "pair": self.pair,
            "only": self.only,
            "layer": self.layer,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass(frozen=True)
class AgreementReport:
    """What ``agreement.json`` holds; ``as_dict`` is that file's content, key for key."""

    round: str
    pass_: RoundPass
    pairs: dict[str, dict[str, dict[str, PairScore]]]  # "a~b" -> layer -> label (and "*") -> scores
    average: dict[str, dict[str, AverageScore]]  # layer -> label (and "*") -> mean over pairs
    alpha_chars: dict[str, float]  # "a~b layer" -> Krippendorff's alpha, mean over documents
    disagreements: tuple[Disagreement, ...]
    # "a~b" (and "*", every pair summed) -> linking agreement; None for a pass without mentions,
    # whose report has no "linking" key at all.
    linking: dict[str, LinkScore] | None = None
    # "roles" (attribution roles, for a pass with claims) and "mentions" (for one with mentions) ->
    # Krippendorff's alpha over whitespace tokens, every annotator of a document together; None
    # for a pass with neither (noise), whose report has no "alpha_tokens" key.
    alpha_tokens: dict[str, TokenAlpha] | None = None
    # "a~b" (and "*", every pair summed) -> "checkworthy" / "quote_type" / "stance" -> what the
    # pair said of the claims and attributions both marked; None for a pass without claims,
    # whose report has no "values" key.
    values: dict[str, dict[str, ValueScore]] | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "round": self.round,
            "pass": self.pass_,
            "pairs": {
                pair: {layer: {label: s.as_dict() for label, s in labels.items()} for layer, labels in layers.items()}
                for pair, layers in self.pairs.items()
            },
            "average": {
                layer: {label: s.as_dict() for label, s in labels.items()} for layer, labels in self.average.items()
            },
            "alpha_chars": dict(self.alpha_chars),
            "disagreements": [d.as_dict() for d in self.disagreements],
        }
        if self.linking is not None:
            out["linking"] = {pair: score.as_dict() for pair, score in self.linking.items()}
        if self.alpha_tokens is not None:
            out["alpha_tokens"] = {layer: a.as_dict() for layer, a in self.alpha_tokens.items()}
        if self.values is not None:
            out["values"] = {
                pair: {value: score.as_dict() for value, score in by_value.items()}
                for pair, by_value in self.values.items()
            }
        return out


def round_agreement(root: Path, name: str) -> AgreementReport:
    """Compute the agreement report and write ``agreement.json`` and ``agreement.md``."""
    rnd = Round(root, name)
    rnd.manifest()  # no such round, or a broken round.json: said before anything else
    # Files parsed into models and counted into tallies: no cycle among them, and the collector
    # would rescan every file read so far while the next pairs are compared.
    with rnd.lock(), collector_paused():  # an import meanwhile would change the files under the report
        report = compute_agreement(root, name)
        write_text_atomic(rnd.target("agreement.json"), dumps(report.as_dict()))
        write_text_atomic(rnd.target("agreement.md"), agreement_markdown(report))
    return report


def compute_agreement(root: Path, name: str) -> AgreementReport:
    """Pairwise and averaged span F1 (exact, overlap) per layer and label, alpha, disagreements."""
    from itertools import combinations

    from newsclaims.annotation.agreement import LinkTally, Tally, ValueTally, compare_files, layer_units, token_alpha

    rnd = Round(root, name)
    # A round of every layer at once ("all", as the first double annotation was) is compared
    # on every layer; it can be measured but not adjudicated pass by pass.
    kind = rnd.manifest().pass_
    layers = tuple(dict.fromkeys(x for k in PASSES for x in PASS_LAYERS[k])) if kind == "all" else PASS_LAYERS[kind]
    files = annotator_files(rnd)
    repo = Repository.load(root, only=set(files))  # the pages annotated in the round, no others
    documents = repo.documents or {}
    pairs: dict[str, dict[str, dict[str, Tally]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Tally)))
    alphas: dict[str, list[float]] = defaultdict(list)
    links: dict[str, LinkTally] = defaultdict(LinkTally)
    values: dict[str, dict[str, ValueTally]] = defaultdict(lambda: defaultdict(ValueTally))
    disagreements: list[Disagreement] = []
    for doc_id in sorted(files):
        if doc_id not in documents:
            who = ", ".join(sorted(files[doc_id]))
            raise RoundError(f"{rnd.folder / 'annotators'}: the file(s) of {who} for {doc_id}: no such document")
        text = documents[doc_id].text
        for a, b in combinations(sorted(files[doc_id]), 2):
            pair = f"{a}~{b}"
            cmp = compare_files(files[doc_id][a], files[doc_id][b], len(text))
            for layer in layers:
                for label, tally in cmp.layers.get(layer, {}).items():
                    pairs[pair][layer][label].add(tally)
            links[pair].add(cmp.links)
            for value, said in cmp.values.items():
                values[pair][value].add(said)
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
                        text_ = text[s:e] if s >= 0 else None
                        disagreements.append(Disagreement(doc_id, pair, who, layer, label, s, e, text_))
    average: dict[str, dict[str, AverageScore]] = {}
    for layer in layers:
        labels = sorted({lab for p in pairs.values() for lab in p.get(layer, {})})
        average[layer] = {}
        for label in labels:
            # Summed in the order the pairs were first met, so the means stay the same to the last bit.
            scores = [PairScore.of(pairs[p][layer][label]) for p in pairs if label in pairs[p].get(layer, {})]
            average[layer][label] = AverageScore(
                _mean([s.f1_exact for s in scores]), _mean([s.f1_overlap for s in scores])
            )
    # The token alphas of the layers the pass has: roles with the claims, labels with the mentions.
    token_layers: dict[TokenLayer, str] = {"roles": "claims", "mentions": "mentions"}
    return AgreementReport(
        round=name,
        pass_=kind,
        pairs={
            pair: {
                layer: {label: PairScore.of(t) for label, t in sorted(labels.items())}
                for layer, labels in pairs[pair].items()
            }
            for pair in sorted(pairs)
        },
        average=average,
        alpha_chars={key: sum(alphas[key]) / len(alphas[key]) for key in sorted(alphas)},
        disagreements=tuple(disagreements),
        linking=_linking(links) if "mentions" in layers else None,
        values=_values(values) if "claims" in layers else None,
        alpha_tokens={
            layer: token_alpha(((documents[d].text, files[d]) for d in sorted(files)), layer)
            for layer, needs in token_layers.items()
            if needs in layers
        }
        or None,
    )


def _linking(links: dict[str, LinkTally]) -> dict[str, LinkScore]:
    """Each pair's linking agreement, then ``*``: every pair's counts summed."""
    from newsclaims.annotation.agreement import LinkTally

    total = LinkTally()
    for tally in links.values():
        total.add(tally)
    return {**{pair: LinkScore.of(links[pair]) for pair in sorted(links)}, "*": LinkScore.of(total)}


def _values(values: dict[str, dict[str, ValueTally]]) -> dict[str, dict[str, ValueScore]]:
    """Each pair's agreement on the values of the units both marked, then ``*``: summed."""
    from newsclaims.annotation.agreement import VALUES, ValueTally

    total = {value: ValueTally() for value in VALUES}
    for by_value in values.values():
        for value, tally in by_value.items():
            total[value].add(tally)
    scores = {pair: {v: ValueScore.of(values[pair][v]) for v in VALUES} for pair in sorted(values)}
    return {**scores, "*": {v: ValueScore.of(total[v]) for v in VALUES}}


def _mean(values: list[float | None]) -> float | None:
    nums = [v for v in values if v is not None]
    return sum(nums) / len(nums) if nums else None


def _pair_name(pair: str) -> str:
    """A pair of annotators as the report's tables name it; ``*`` is every pair summed."""
    return "all pairs" if pair == "*" else pair


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def agreement_markdown(report: AgreementReport) -> str:
    lines = [
        f"# Agreement, round `{report.round}` ({report.pass_} pass)",
        "",
        "Span F1 between annotators: exact (same label, same offsets) and overlap (same label,",
        "overlapping offsets, one-to-one). Generated by `newsclaims round agreement`.",
        "",
        "## Averaged over annotator pairs",
        "",
        "| layer | label | F1 exact | F1 overlap |",
        "|---|---|---:|---:|",
    ]
    for layer, labels in report.average.items():
        for label, f in labels.items():
            lines.append(f"| {layer} | `{label}` | {_f(f.f1_exact)} | {_f(f.f1_overlap)} |")
    if report.alpha_chars:
        lines += ["", "Krippendorff's alpha (nominal) over characters:", ""]
        lines += [f"- `{pair}`: {_f(a)}" for pair, a in report.alpha_chars.items()]
    if report.alpha_tokens:
        lines += [
            "",
            "Krippendorff's alpha (nominal) over whitespace tokens, every annotator of each document together "
            "(attribution roles: source / cue / content / none; mentions: the label or none):",
            "",
        ]
        lines += [
            f"- {layer}: {_f(a.alpha)} ({a.tokens} tokens of {a.documents} documents, {a.annotators} annotators)"
            for layer, a in report.alpha_tokens.items()
        ]
    lines += ["", "## Pairs", ""]
    for pair, layers in report.pairs.items():
        lines += [
            f"### {pair}",
            "",
            "| layer | label | units a | units b | F1 exact | F1 overlap |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for layer, scores in layers.items():
            for label, t in scores.items():
                lines.append(f"| {layer} | `{label}` | {t.a} | {t.b} | {_f(t.f1_exact)} | {_f(t.f1_overlap)} |")
        lines.append("")
    if report.linking is not None:
        lines += [
            "## Entity linking",
            "",
            "Of the mention pairs that match exactly (same label, same offsets): how many name the same",
            "entity, by the same entity id or, both left unlinked, by the same proposal once normalised",
            "(`newsclaims entities`, docs/entities.md). The spans and labels are scored above, linked or not.",
            "",
            "| pair | matched | same entity | same proposal | both empty | agreement |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for pair, k in report.linking.items():
            lines.append(
                f"| {_pair_name(pair)} | {k.matched} | {k.same_entity} | {k.same_proposal} "
                f"| {k.both_empty} | {_f(k.agreement)} |"
            )
        lines.append("")
    if report.values is not None:
        lines += [
            "## Values of the units both marked",
            "",
            "Of the claims both annotators marked with the same fragments, and of the attributions with the",
            "same claim, source and cue: how many got the same check-worthiness, quote type and stance, and",
            "Krippendorff's alpha (nominal) over those units (n/a without units, or with one value only).",
            "",
            "| pair | value | units | same value | alpha |",
            "|---|---|---:|---:|---:|",
        ]
        for pair, by_value in report.values.items():
            for value, v in by_value.items():
                lines.append(f"| {_pair_name(pair)} | {value} | {v.units} | {v.agree} | {_f(v.alpha)} |")
        lines.append("")
    lines += [
        "## Disagreements",
        "",
        "| document | pair | only in | label | span | text |",
        "|---|---|---|---|---|---|",
    ]
    for d in report.disagreements:
        text = (d.text or "").replace("|", "\\|").replace("\n", "⏎")[:80]
        lines.append(f"| `{d.doc_id[:3]}` | {d.pair} | {d.only} | `{d.label}` | {d.start}:{d.end} | {text} |")
    return "\n".join(lines) + "\n"
