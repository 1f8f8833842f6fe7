"""``round agreement``: the agreement report of a round, as JSON and Markdown."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from newsclaims.annotation.labelstudio.config import PASSES, Pass
from newsclaims.annotation.rounds.round import Round, annotator_files
from newsclaims.core.jsonio import dumps, write_text_atomic
from newsclaims.validation.repository import Repository

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

    from newsclaims.annotation.agreement import Tally, compare_files, layer_units

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
