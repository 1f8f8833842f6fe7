"""The rules work at the size of a long document (linear sweeps, not pairwise comparisons)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import MiniRepo, baseline_gold, sha

from newsclaims import validate

N = 10_000


def big_document() -> tuple[str, dict[str, Any]]:
    words = [f"w{i:05d}" for i in range(N)]
    text = " ".join(words) + "\n"
    gold = baseline_gold()
    gold["text_sha256"] = sha(text.encode())
    pos, mentions, noise = 0, [], []
    for i, w in enumerate(words):
        record = {"start": pos, "end": pos + len(w), "text": w}
        if i % 10 == 9:
            noise.append({"noise_id": f"n{i}", **record, "category": "other"})
        else:
            mentions.append({"mention_id": f"m{i}", **record, "label": "DATE", "entity_id": "date-friday"})
        pos += len(w) + 1
    gold.update(mentions=mentions, noise=noise, claims=[], attributions=[])
    return text, gold


def test_ten_thousand_spans(tmp_path: Path, monkeypatch: Any) -> None:
    text, gold = big_document()
    repo = MiniRepo(tmp_path / "repo")
    repo.seeds["doc-a.txt"] = text.encode()
    repo.manifest = [repo.entry("doc-a", "doc-a.txt")]
    repo.gold["doc-a"] = gold
    repo.write()
    monkeypatch.chdir(repo.root)
    assert validate() == []
    # Break three spans among 10,000: each is found, nothing else is reported.
    last = gold["mentions"][-1]
    last.update(start=last["start"] - 1, text=" " + last["text"])
    swallowed = gold["mentions"][-20]
    wide = gold["noise"][-3]
    wide.update(start=swallowed["start"], text=text[swallowed["start"] : wide["end"]])
    gold["noise"][-1]["end"] = len(text) + 3
    repo.write()
    found = {(p.code, p.record) for p in validate()}
    inside = {m["mention_id"] for m in gold["mentions"] if swallowed["start"] <= m["start"] < wide["end"]}
    assert found == {
        ("NC204", last["mention_id"]),
        ("NC202", gold["noise"][-1]["noise_id"]),
        *{("NC402", rid) for rid in inside},
    }
    assert inside == {"m9977", "m9978"}
