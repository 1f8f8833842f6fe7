"""Round commands read the round's pages only (issue #22): a repository of 10^5 pages is not
read whole for a round of a few. Shown by breaking every other page: nothing notices."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import gold_doc_ids

from newsclaims.annotation.rounds.adjudication import adjudicate
from newsclaims.annotation.rounds.importing import import_export
from newsclaims.annotation.rounds.report import round_agreement
from newsclaims.annotation.rounds.round import RoundError, create_round

TODAY = datetime.date(2026, 12, 3)


def break_all_but(root: Path, keep: str) -> list[str]:
    """Every other page's seed and gold file made garbage: read, either would be a problem."""
    manifest = json.loads((root / "seeds/manifest.json").read_text(encoding="utf-8"))
    broken = []
    for entry in manifest["documents"]:
        if entry["doc_id"] == keep:
            continue
        (root / "seeds" / entry["file"]).write_bytes(b"\xff not the page it was \xfe")
        gold = root / f"annotations/gold/{entry['doc_id']}.json"
        if gold.exists():
            gold.write_bytes(b'{"broken": ')
        broken.append(entry["doc_id"])
    assert broken, "the repository has a single page: nothing to break"
    return broken


def test_a_round_never_reads_the_pages_it_does_not_hold(repo: Path) -> None:
    doc = gold_doc_ids(repo)[0]
    break_all_but(repo, doc)
    rnd = create_round(repo, "r-one", "noise", [doc], ["ann1=1", "ann2=2"], "gold", TODAY)
    tasks = json.loads((rnd.folder / "tasks.json").read_text(encoding="utf-8"))
    export = [
        {
            "id": 1,
            "data": tasks[0]["data"],
            "annotations": [
                {"id": 10 + user, "completed_by": user, "result": tasks[0]["predictions"][0]["result"]}
                for user in (1, 2)
            ],
        }
    ]
    report = import_export(repo, "r-one", json.dumps(export).encode())
    assert report.imported == 2 and not [i for i in report.issues if not i.warning]
    assert round_agreement(repo, "r-one").average["noise"]["*"].f1_exact == 1.0
    result = adjudicate(repo, "r-one", "majority")
    assert result.written == (f"annotations/gold/{doc}.json",)


def test_a_round_of_a_broken_page_is_refused_naming_it(repo: Path) -> None:
    doc, other = gold_doc_ids(repo)[:2]
    break_all_but(repo, doc)
    with pytest.raises(RoundError, match=rf"the repository has \d+ problem\(s\).*{other}"):
        create_round(repo, "r-two", "noise", [doc, other], ["ann1=1", "ann2=2"], "gold", TODAY)
    assert not (repo / "annotations/rounds/r-two").exists()


@pytest.mark.parametrize("collecting", [True, False])
def test_import_converts_without_the_collector_and_leaves_it_as_it_was(
    repo: Path, monkeypatch: pytest.MonkeyPatch, collecting: bool
) -> None:
    """The parsed export is millions of objects at scale: the collector is off while annotations
    are converted (it would rescan them all), and its state is put back afterwards."""
    import gc

    from newsclaims.annotation.labelstudio.convert import convert as real

    doc = gold_doc_ids(repo)[0]
    rnd = create_round(repo, "r-gc", "noise", [doc], ["ann1=1"], "gold", TODAY)
    tasks = json.loads((rnd.folder / "tasks.json").read_text(encoding="utf-8"))
    result = tasks[0]["predictions"][0]["result"]
    export = [{"id": 1, "data": tasks[0]["data"], "annotations": [{"id": 11, "completed_by": 1, "result": result}]}]
    seen: list[bool] = []

    def convert(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr("newsclaims.annotation.rounds.importing.convert", convert)
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        assert import_export(repo, "r-gc", json.dumps(export).encode()).imported == 1
        assert seen == [False] and gc.isenabled() == collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_an_import_reads_the_seeds_of_its_round_only(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsclaims.annotation.rounds import importing

    doc, missing, *others = gold_doc_ids(repo)
    assert others, "the repository needs a page outside the round"
    manifest = json.loads((repo / "seeds/manifest.json").read_text(encoding="utf-8"))
    files = {e["doc_id"]: e["file"] for e in manifest["documents"]}
    (repo / "seeds" / files[missing]).unlink()  # listed, unreadable: not a document, still listed
    read: list[str] = []
    real = importing.read_bytes

    def read_bytes(path: Path, *args: Any) -> bytes:
        read.append(Path(path).name)
        return real(path, *args)

    monkeypatch.setattr(importing, "read_bytes", read_bytes)
    documents, reg = importing.round_pages(repo, {doc, missing})
    assert sorted(read) == sorted([files[doc], files[missing]]) and list(documents) == [doc]  # no other page
    assert documents[doc].text_sha256 == manifest["documents"][list(files).index(doc)]["sha256"]
    assert all(d in reg.listed for d in files) and reg.documents is documents
