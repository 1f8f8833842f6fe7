"""``core.collector.collector_paused``, and the claim its users rest on: their work makes no
reference cycles, so nothing piles up while the collector is off."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from newsclaims.core.collector import collector_paused
from newsclaims.corpus import build
from newsclaims.synth import synthesize


def test_the_collector_is_off_inside_and_as_it_was_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("the work failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_the_build_makes_no_cycles_document_after_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A collection after each chunk of a build (with the collector paused, as the build runs)
    finds nothing once the first chunks have loaded what is loaded once (spaCy's tables, the
    registries): rows made page after page leave no cycle behind, so the paused collector
    costs no memory however large the corpus."""
    synthesize(240, tmp_path / "repo", seed=11, errors=0)
    monkeypatch.setattr(build, "CHUNK", 16)
    found: list[int] = []
    make_rows = build.rows_of

    def rows_then_collect(job: build.Job) -> build.Chunk:
        chunk = make_rows(job)
        found.append(gc.collect())
        return chunk

    monkeypatch.setattr(build, "rows_of", rows_then_collect)
    build.write_corpus(tmp_path / "repo", tmp_path / "corpus", jobs=1)
    assert len(found) >= 10
    assert found[len(found) // 2 :] == [0] * (len(found) - len(found) // 2), found
