"""How good the rule-based pre-annotations are, measured against gold files, as a report.

Two sets of pages are measured apart, because only one of them says how the rules do on a page they
have never seen:

* **in-sample**: the pages the rules were written from, a fixed copy kept in ``IN_SAMPLE``
  (``tests/fixtures/prenotate/in_sample``). Adding pages to the repository never changes it, so its
  figures move only when the rules do, and tests hold them above floors;
* **held-out**: every other annotated page: the fixed pages of ``HELD_OUT`` (written after the
  rules), then every page of the repository that has a gold file and whose text is not a page of
  either fixture folder. These figures are reported, never held to the in-sample floors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclaims.annotation.agreement import Tally, Unit, char_labels, compare_units, layer_units
from newsclaims.annotation.prenotate.rules import METHOD, prenotate
from newsclaims.core.jsonio import dumps
from newsclaims.core.models import GoldFile
from newsclaims.validation.sources import Sources, load_sources

_CLAIM_LAYERS = ("claims", "attribution_content", "attribution_cue", "attribution_source", "attribution_triple")

FIXTURES = "tests/fixtures/prenotate"
IN_SAMPLE = f"{FIXTURES}/in_sample"  # the pages the rules were written from (a copy: fixed)
HELD_OUT = f"{FIXTURES}/held_out"  # pages written after the rules, with gold written by hand
REPOSITORY = "repository"  # the origin of a page read from the repository itself


@dataclass(frozen=True)
class Page:
    """One annotated page to measure: its text, its gold file, and the folder it was read from."""

    doc_id: str
    text: str
    text_sha256: str
    gold: GoldFile
    origin: str  # a fixture folder relative to the repository root, or REPOSITORY


def annotated_pages(sources: Sources, origin: str) -> list[Page]:
    """The pages of ``sources`` that have a gold file, by doc id; pages waiting for annotation are left out."""
    return [
        Page(doc_id, sources.documents[doc_id].text, sources.documents[doc_id].text_sha256, gold, origin)
        for doc_id, gold in sorted(sources.gold.items())
    ]


def split_pages(root: Path, in_sample: str = IN_SAMPLE, held_out: str = HELD_OUT) -> tuple[list[Page], list[Page]]:
    """The in-sample and the held-out pages of the repository at ``root`` (see the module's docstring).

    A repository page counts as held out only when its text is in neither fixture folder: a page the
    rules were written from stays in-sample (with the fixture's gold) whatever its doc id or gold file.
    Raises ``InvalidInputs`` when the repository or a fixture folder does not validate.
    """
    inside = annotated_pages(load_sources(root / in_sample), in_sample)
    fixed_out = annotated_pages(load_sources(root / held_out), held_out)
    seen = {p.text_sha256 for p in inside + fixed_out}
    repository = [p for p in annotated_pages(load_sources(root), REPOSITORY) if p.text_sha256 not in seen]
    return inside, fixed_out + repository


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def _scores(t: Tally) -> dict[str, Any]:
    """Gold = a, predicted = b: precision over predictions, recall over gold, F1 as agreement computes it."""
    f1e, f1o = t.f1(t.exact), t.f1(t.overlap)
    return {
        "gold": t.a,
        "predicted": t.b,
        "matched_exact": t.exact,
        "matched_overlap": t.overlap,
        "precision_exact": _ratio(t.exact, t.b),
        "recall_exact": _ratio(t.exact, t.a),
        "f1_exact": None if f1e is None else round(f1e, 4),
        "precision_overlap": _ratio(t.overlap, t.b),
        "recall_overlap": _ratio(t.overlap, t.a),
        "f1_overlap": None if f1o is None else round(f1o, 4),
    }


def _noise_chars(units: list[Unit], length: int) -> list[bool]:
    return [label != "O" for label in char_labels(units, length)]


def evaluation(pages: Iterable[Page]) -> dict[str, Any]:
    """Run the pre-annotator on each page and measure it against the page's gold file, summed over the pages."""
    noise_total: dict[str, Tally] = {}
    layer_total: dict[str, Tally] = {layer: Tally() for layer in _CLAIM_LAYERS}
    chars = {"gold": 0, "predicted": 0, "both": 0}
    measured: list[dict[str, Any]] = []
    for page in pages:
        pred = prenotate(page.doc_id, page.text, page.text_sha256)
        ug, up = layer_units(page.gold), layer_units(pred)
        for label, tally in compare_units(ug["noise"], up["noise"]).items():
            noise_total.setdefault(label, Tally()).add(tally)
        page_layers: dict[str, Any] = {}
        for layer in _CLAIM_LAYERS:
            t = compare_units(ug.get(layer, []), up.get(layer, []))["*"]
            layer_total[layer].add(t)
            page_layers[layer] = _scores(t)
        g = _noise_chars(ug["noise"], len(page.text))
        p = _noise_chars(up["noise"], len(page.text))
        both = sum(x and y for x, y in zip(g, p, strict=True))
        page_chars = {"gold": sum(g), "predicted": sum(p), "both": both}
        for k, v in page_chars.items():
            chars[k] += v
        measured.append(
            {
                "doc_id": page.doc_id,
                "origin": page.origin,
                "noise": _scores(compare_units(ug["noise"], up["noise"])["*"]),
                "noise_chars": {
                    **page_chars,
                    "precision": _ratio(both, page_chars["predicted"]),
                    "recall": _ratio(both, page_chars["gold"]),
                },
                "claims": page_layers,
            }
        )
    star = noise_total.pop("*", Tally())
    return {
        "documents": len(measured),
        "noise": {
            "by_category": {label: _scores(noise_total[label]) for label in sorted(noise_total)},
            "all": _scores(star),
            "chars": {
                **chars,
                "precision": _ratio(chars["both"], chars["predicted"]),
                "recall": _ratio(chars["both"], chars["gold"]),
            },
        },
        "claims": {layer: _scores(layer_total[layer]) for layer in _CLAIM_LAYERS},
        "pages": measured,
    }


def measurement(root: Path, in_sample: str = IN_SAMPLE, held_out: str = HELD_OUT) -> dict[str, Any]:
    """The whole report's data: the in-sample and the held-out figures, each over its own pages."""
    inside, outside = split_pages(root, in_sample, held_out)
    return {
        "method": METHOD,
        "in_sample": {"pages_from": [in_sample], **evaluation(inside)},
        "held_out": {"pages_from": sorted({p.origin for p in outside} | {held_out}), **evaluation(outside)},
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _count(n: int) -> str:
    return f"{n} page" if n == 1 else f"{n} pages"


def _page_name(page: Mapping[str, Any]) -> str:
    return f"`{page['doc_id']}`"


def _tables(part: Mapping[str, Any], level: str) -> list[str]:
    """The noise and claim tables of one set of pages, under headings of ``level`` (``"###"``)."""
    noise = part["noise"]
    lines = [
        f"{level} Noise",
        "",
        "Spans per category (the label must agree):",
        "",
        "| category | gold | predicted | P exact | R exact | P overlap | R overlap | F1 overlap |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, s: Mapping[str, Any]) -> str:
        return (
            f"| {name} | {s['gold']} | {s['predicted']} | {_fmt(s['precision_exact'])} | {_fmt(s['recall_exact'])} "
            f"| {_fmt(s['precision_overlap'])} | {_fmt(s['recall_overlap'])} | {_fmt(s['f1_overlap'])} |"
        )

    for label, s in noise["by_category"].items():
        lines.append(row(f"`{label}`", s))
    lines.append(row("**all**", noise["all"]))
    c = noise["chars"]
    lines += [
        "",
        "Characters inside any noise span (category ignored):",
        "",
        "| page | from | gold chars | predicted chars | both | precision | recall |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for page in part["pages"]:
        pc = page["noise_chars"]
        lines.append(
            f"| {_page_name(page)} | {page['origin']} | {pc['gold']} | {pc['predicted']} | {pc['both']} "
            f"| {_fmt(pc['precision'])} | {_fmt(pc['recall'])} |"
        )
    lines.append(
        f"| **all** | | {c['gold']} | {c['predicted']} | {c['both']} | {_fmt(c['precision'])} | {_fmt(c['recall'])} |"
    )
    lines += [
        "",
        f"{level} Claims and attributions",
        "",
        "| layer | gold | predicted | P exact | R exact | F1 exact | P overlap | R overlap | F1 overlap |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for layer, s in part["claims"].items():
        lines.append(
            f"| {layer} | {s['gold']} | {s['predicted']} | {_fmt(s['precision_exact'])} | {_fmt(s['recall_exact'])} "
            f"| {_fmt(s['f1_exact'])} | {_fmt(s['precision_overlap'])} | {_fmt(s['recall_overlap'])} "
            f"| {_fmt(s['f1_overlap'])} |"
        )
    lines += [
        "",
        "Per page (overlap matching):",
        "",
        "| page | noise P | noise R | claims gold | claims predicted | claims P | claims R | cue P | cue R "
        "| source P | source R |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in part["pages"]:
        n, cl = page["noise"], page["claims"]
        cue, src = cl["attribution_cue"], cl["attribution_source"]
        lines.append(
            f"| {_page_name(page)} | {_fmt(n['precision_overlap'])} | {_fmt(n['recall_overlap'])} "
            f"| {cl['claims']['gold']} | {cl['claims']['predicted']} | {_fmt(cl['claims']['precision_overlap'])} "
            f"| {_fmt(cl['claims']['recall_overlap'])} | {_fmt(cue['precision_overlap'])} "
            f"| {_fmt(cue['recall_overlap'])} | {_fmt(src['precision_overlap'])} | {_fmt(src['recall_overlap'])} |"
        )
    return lines


def _folders(part: Mapping[str, Any]) -> str:
    return ", ".join(f"`{f}`" if f != REPOSITORY else "the repository's gold files" for f in part["pages_from"])


def report_markdown(result: Mapping[str, Any]) -> str:
    """The measurement as the Markdown report (no timestamps: the same data always gives the same bytes)."""
    inside, outside = result["in_sample"], result["held_out"]
    lines = [
        "# Rule-based pre-annotator: measured against gold files",
        "",
        "Generated by `scripts/prenotate_report.py` from `newsclaims.annotation.prenotate.evaluation`;",
        "do not edit by hand (a test fails while this file differs from a fresh run). The pre-annotator",
        "(`newsclaims.annotation.prenotate.rules`) reads only the page text; its output is offered in",
        "Label Studio as predictions (`--predictions rules`).",
        "",
        "Two sets of pages are measured apart; only the second says how the rules do on a new page.",
        "",
        f"- **In-sample** ({_count(inside['documents'])}, from {_folders(inside)}): the pages the rules were written",
        "  from, a fixed copy of the seed pages and their gold. The rules are generic patterns of page chrome and",
        "  reporting syntax, with no string of any page in them, but they fit the pages they were made on. Adding",
        "  pages to the repository never changes these figures; `tests/test_prenotate.py` holds them above floors,",
        "  so a change of the rules that loses what they did fails.",
        f"- **Held-out** ({_count(outside['documents'])}, from {_folders(outside)}): every other annotated page:",
        "  pages written after the rules, with gold written by hand, and every page of the repository with a gold",
        "  file whose text is not a fixture page's (a Label Studio round on new pages adds them once",
        "  adjudicated). These figures are reported, not held to the in-sample floors; expect them lower, above",
        "  all for noise, whose chrome differs from outlet to outlet.",
        "",
        "Matching reuses `newsclaims.annotation.agreement`: a unit is (label, start, end); **exact** = same label",
        "and offsets, **overlap** = same label and overlapping offsets, one-to-one. Precision = matched / predicted,",
        "recall = matched / gold, F1 = 2 · matched / (gold + predicted).",
        "",
        "For claims, `claims` has one unit per claim, from its first fragment's start to its last fragment's end.",
        "The `attribution_*` layers have one unit per attribution: its content (the claim's extent), its cue, its",
        "source, and the triple (all three must agree; for overlap, the content must overlap and source and cue be",
        "identical). A missing source or cue is the unit -1:-1, which matches only another missing one.",
        "",
        "## In-sample figures (the pages the rules were written from)",
        "",
        *_tables(inside, "###"),
        "",
        "## Held-out figures (pages the rules were not written from)",
        "",
        *_tables(outside, "###"),
    ]
    return "\n".join(lines) + "\n"


REPORT_FOLDER = "annotations/label_studio"


REPORT_STEM = "prenotate-report"


def report_files(result: Mapping[str, Any]) -> dict[str, str]:
    """The report's files, by path relative to the repository root: Markdown and JSON."""
    return {
        f"{REPORT_FOLDER}/{REPORT_STEM}.md": report_markdown(result),
        f"{REPORT_FOLDER}/{REPORT_STEM}.json": dumps(result),
    }
