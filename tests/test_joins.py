"""Corpus-wide ids: every record and every reference joins on one column (issue #20, item 1)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"


def config(name: str) -> pd.DataFrame:
    """Every split of a config of the committed corpus (test_corpus checks it is the fresh build)."""
    files = sorted((CORPUS / "data" / name).glob("*.parquet"))
    assert files, name
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


@pytest.mark.parametrize(
    ("name", "uid", "record_id"),
    [
        ("mentions", "mention_uid", "mention_id"),
        ("claims", "claim_uid", "claim_id"),
        ("attributions", "attribution_uid", "attribution_id"),
        ("attributions", "claim_uid", "claim_id"),
        ("noise_spans", "noise_uid", "noise_id"),
        ("tokens", "sentence_uid", "sentence_id"),
    ],
)
def test_every_uid_is_doc_id_slash_record_id(name: str, uid: str, record_id: str) -> None:
    frame = config(name)
    assert len(frame)
    assert (frame[uid] == frame["doc_id"] + "/" + frame[record_id].astype(str)).all()


def test_record_uids_are_unique_across_the_corpus() -> None:
    for name, uid in (("mentions", "mention_uid"), ("claims", "claim_uid"), ("attributions", "attribution_uid")):
        frame = config(name)
        assert frame[uid].is_unique, name
        # ...where the per-document ids are not (the reason for the uids), on a corpus of several pages.
        if frame["doc_id"].nunique() > 1:
            assert not frame[uid.replace("_uid", "_id")].is_unique, name


def test_every_reference_resolves() -> None:
    claims, attributions, mentions = config("claims"), config("attributions"), config("mentions")
    assert set(attributions["claim_uid"]) <= set(claims["claim_uid"])
    parents = attributions["parent_uid"].dropna()
    assert len(parents) and set(parents) <= set(attributions["attribution_uid"])
    assert (attributions["parent_uid"].isna() == attributions["parent_id"].isna()).all()
    source = attributions["source"].dropna()
    source_ids = source.str.get("mention_id")
    source_uids = source.str.get("mention_uid")
    named = source_uids.dropna()
    assert len(named) and set(named) <= set(mentions["mention_uid"])
    expected = attributions.loc[source.index, "doc_id"] + "/" + source_ids
    assert (source_uids.isna() == source_ids.isna()).all()
    assert (source_uids.dropna() == expected.dropna()).all()
    members = [m for row in config("claim_clusters")["members"] for m in row]
    assert members and {m["claim_uid"] for m in members} <= set(claims["claim_uid"])
    assert all(m["claim_uid"] == f"{m['doc_id']}/{m['claim_id']}" for m in members)


def card_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (CORPUS / "README.md").read_text(encoding="utf-8"), re.S)


def test_every_label_column_has_its_name_beside_it() -> None:
    from newsclaims.corpus.features import CONFIGS, twin_name

    for name, features in CONFIGS.items():
        columns = list(features)
        for column, feature in features.items():
            if type(feature).__name__ == "ClassLabel":
                assert columns[columns.index(column) + 1] == twin_name(column), (name, column)
    attributions = config("attributions")
    stances = CONFIGS["attributions"]["stance"].names
    assert (attributions["stance_name"] == [stances[i] for i in attributions["stance"]]).all()


@pytest.mark.parametrize(
    ("client", "marker"),
    [("pandas", "claim_uid"), ("datasets", "claim_uid"), ("duckdb", "stance_name")],
)
def test_the_cards_examples_run(client: str, marker: str, tmp_path: Path) -> None:
    (code,) = [b for b in card_blocks() if f"import {client}" in b or f"from {client} " in b if marker in b]
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run(
        [sys.executable, "-c", code.replace("path/to/corpus", str(CORPUS))],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    if client != "duckdb":  # the label lines are expressions: nothing printed
        assert done.stdout.strip()
