"""The dataset card as a Hub user expects it (issue #20, item 5): licence, metadata, offline loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from conftest import REPO_ROOT
from huggingface_hub import DatasetCard, DatasetCardData

from newsclaims.corpus.card import EXTRA_KEYS, LICENSE_FILE

CORPUS = REPO_ROOT / "corpus"  # tests/test_corpus.py checks that it is the fresh build

# The keys of the Hub's dataset card metadata that the card uses (huggingface_hub's
# DatasetCardData and the Hub's card specification).
HUB_KEYS = {
    "language",
    "license",
    "license_name",
    "license_link",
    "size_categories",
    "task_categories",
    "task_ids",
    "pretty_name",
    "tags",
    "configs",
    "dataset_info",
}


def header() -> dict:  # type: ignore[type-arg]
    meta = yaml.safe_load((CORPUS / "README.md").read_text(encoding="utf-8").split("---\n", 2)[1])
    assert isinstance(meta, dict)
    return meta


def test_the_card_round_trips_through_huggingface_hub(tmp_path: Path) -> None:
    card = DatasetCard.load(CORPUS / "README.md")
    assert isinstance(card.data, DatasetCardData)
    assert card.data.to_dict() == header()  # type: ignore[no-untyped-call]
    again = tmp_path / "README.md"
    card.save(again)
    reloaded = DatasetCard.load(again)
    assert reloaded.data.to_dict() == header()
    assert reloaded.text == card.text
    rebuilt = DatasetCardData(**header())
    assert rebuilt.to_dict() == header()  # type: ignore[no-untyped-call]


def test_license_other_has_a_link_to_a_licence_file() -> None:
    meta = header()
    assert meta["license"] == "other" and meta["license_name"]
    link = meta["license_link"]
    assert link == LICENSE_FILE
    text = (CORPUS / link).read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "copyright of their publishers" in text


def test_every_split_has_its_rows_and_bytes() -> None:
    for info in header()["dataset_info"]:
        for split in info["splits"]:
            assert set(split) == {"name", "num_examples", "num_bytes"}, (info["config_name"], split)
            assert split["num_bytes"] > 0


def test_every_key_outside_the_hub_schema_is_documented_in_the_card() -> None:
    extra = set(header()) - HUB_KEYS
    assert extra == set(EXTRA_KEYS)
    prose = (CORPUS / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    for key in extra:
        assert f"`{key}`:" in prose, key


def test_load_dataset_all_checks_offline_every_config(tmp_path: Path) -> None:
    release = json.loads((CORPUS / "release.json").read_text(encoding="utf-8"))
    splits = {config: sorted(counts) for config, counts in release["counts"].items() if counts}
    script = textwrap.dedent(
        f"""
        import json
        from datasets import load_dataset
        out = {{}}
        for config, splits in {splits!r}.items():
            for split in splits:
                ds = load_dataset({str(CORPUS)!r}, config, split=split, verification_mode="all_checks")
                # The num_bytes datasets computed while loading, not the card's.
                out[f"{{config}}/{{split}}"] = [ds.num_rows, ds.info.splits[split].num_bytes]
        print(json.dumps(out))
        """
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "HF_DATASETS_CACHE": str(tmp_path / "cache"),
    }
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    card = {f"{i['config_name']}/{sp['name']}": sp["num_bytes"] for i in header()["dataset_info"] for sp in i["splits"]}
    assert loaded == {f"{c}/{s}": [release["counts"][c][s], card[f"{c}/{s}"]] for c, ss in splits.items() for s in ss}
    assert "Ignoring part of dataset_info" not in done.stderr  # the card's splits read as complete
