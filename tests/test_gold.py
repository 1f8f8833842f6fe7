"""The gold annotations of the seed pages: complete where it can be checked, and documented.

A page without a gold file is a page waiting for annotation, a legitimate state of a growing
corpus (``newsclaims seeds add`` comes before any round): such pages are listed, and the checks
of completeness apply to the pages that have gold.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO_ROOT

from newsclaims.core.layout import Layout
from newsclaims.core.vocab import NoiseCategory
from newsclaims.docs.coverage import unannotated_lines
from newsclaims.validation.sources import load_sources

SOURCES = load_sources(REPO_ROOT)
REVIEW = json.loads(Layout(REPO_ROOT).unannotated_review.read_text(encoding="utf-8"))
KINDS = {"prose", "subheading", "title"}


def test_gold_files_are_of_seed_pages_and_pages_waiting_for_annotation_are_listed() -> None:
    """Every gold file annotates a page of the manifest and at least one page has gold; the pages
    without gold are printed as waiting for annotation, and are not an error."""
    waiting = sorted(set(SOURCES.documents) - set(SOURCES.gold))
    print(f"\n{len(waiting)} page(s) waiting for annotation (no gold file):", *waiting, sep="\n  ")
    assert SOURCES.gold
    assert set(SOURCES.gold) <= set(SOURCES.documents)


# The review list is kept for gold written by hand (no round in its provenance): a page annotated
# through rounds grows pass by pass (noise, entities, claims, each released on its own), so a
# bare line there is work not done yet, which the rounds' own reports track, not a defect.
HAND_WRITTEN = sorted(d for d, g in SOURCES.gold.items() if not g.provenance.rounds or d in REVIEW)


@pytest.mark.parametrize("doc_id", HAND_WRITTEN)
def test_unannotated_lines_are_explained(doc_id: str) -> None:
    """Every non-blank line of a page with hand-written gold overlaps an annotation or is explained
    in the review list, which names exactly those lines."""
    lines = unannotated_lines(SOURCES.documents[doc_id].text, SOURCES.gold[doc_id])
    reviewed = REVIEW.get(doc_id, [])
    print(f"\n{doc_id}: {len(lines)} line(s) with no annotation:", *lines, sep="\n  ")
    # Exactly the lines found, in page order: a stale or missing explanation fails.
    assert [r["line"] for r in reviewed] == lines
    for r in reviewed:
        assert r["kind"] in KINDS and len(r["reason"]) > 10, r


def test_review_lists_only_pages_with_gold() -> None:
    """An explanation for a page without gold (or for no page at all) is stale: nothing checks it."""
    assert set(REVIEW) <= set(SOURCES.gold)


def test_unannotated_lines_detects_a_bare_line() -> None:
    doc_id = sorted(SOURCES.gold)[0]
    gold = SOURCES.gold[doc_id]
    text = SOURCES.documents[doc_id].text
    stripped = gold.model_copy(update={"noise": [], "mentions": [], "claims": [], "attributions": []})
    assert len(unannotated_lines(text, stripped)) == len([ln for ln in text.split("\n") if ln.strip()])


def test_every_noise_category_is_defined_and_used_sensibly() -> None:
    used = {n.category for g in SOURCES.gold.values() for n in g.noise}
    # The seed pages show chrome of at least these kinds (DESIGN.md lists them).
    expected = {"headline_list", "caption", "related_links", "comments", "author_bio", "byline", "metadata"}
    assert expected <= {c.value for c in used}
    assert all(isinstance(c, NoiseCategory) for c in used)
