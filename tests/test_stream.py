"""The per-document check handed to another executor: datasets.map, as the README shows."""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset

from newsclaims import validate
from newsclaims.synth import synthesize
from newsclaims.validation.stream import SeedTexts, batch_checker, record_checker


def test_datasets_map_finds_what_validate_finds(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    synthesize(40, root, seed=11, errors=2)
    # The README's example, verbatim in spirit: rows of (path, gold JSON, document text).
    rows = []
    for gold in sorted((root / "annotations/gold").glob("*.json")):
        rows.append(
            {
                "path": f"annotations/gold/{gold.name}",
                "gold": gold.read_text(encoding="utf-8"),
                "text": (root / "seeds" / f"{gold.stem}.txt").read_text(encoding="utf-8"),
            }
        )
    from_validate = sorted(f"{p.code} {p.record} {p.field}" for p in validate(root, corpus=False))
    assert len(from_validate) == 10
    check = record_checker(root)
    ds = Dataset.from_list(rows).map(
        lambda row: {"problems": [f"{p.code} {p.record} {p.field}" for p in check(row)]}, num_proc=2
    )
    assert sorted(p for problems in ds["problems"] for p in problems) == from_validate
    # Batched, as the README shows: the span rules of each batch are screened together.
    check_batch = batch_checker(root)
    ds = Dataset.from_list(rows).map(
        lambda batch: {
            "problems": [[f"{p.code} {p.record} {p.field} {p.message}" for p in found] for found in check_batch(batch)]
        },
        batched=True,
        batch_size=16,
        num_proc=2,
    )
    # Messages too: exactly as precise as validate's.
    assert sorted(p for found in ds["problems"] for p in found) == sorted(
        f"{p.code} {p.record} {p.field} {p.message}" for p in validate(root, corpus=False)
    )


def test_seed_texts_reads_lazily_and_keeps_one(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    synthesize(3, root, seed=1)
    from newsclaims.validation.repository import Repository

    repo = Repository.load(root, read_seeds=False)
    assert repo.documents is None and repo.manifest is not None
    texts = SeedTexts({e.doc_id: e for e in repo.manifest.documents}, root / "seeds")
    first, second = (e.doc_id for e in repo.manifest.documents[:2])
    assert texts[first].text == (root / "seeds" / f"{first}.txt").read_text()
    assert texts[second] is texts[second] and len(texts) == 3 and texts.get("nope") is None
