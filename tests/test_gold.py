"""The gold annotations of the seed pages: complete where it can be checked, and documented."""

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


def test_every_seed_page_has_gold() -> None:
    assert sorted(SOURCES.gold) == sorted(SOURCES.documents)


@pytest.mark.parametrize("doc_id", sorted(SOURCES.documents))
def test_unannotated_lines_are_explained(doc_id: str) -> None:
    lines = unannotated_lines(SOURCES.documents[doc_id].text, SOURCES.gold.get(doc_id))
    reviewed = REVIEW.get(doc_id, [])
    print(f"\n{doc_id}: {len(lines)} line(s) with no annotation:", *lines, sep="\n  ")
    # Exactly the lines found, in page order: a stale or missing explanation fails.
    assert [r["line"] for r in reviewed] == lines
    for r in reviewed:
        assert r["kind"] in KINDS and len(r["reason"]) > 10, r


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
