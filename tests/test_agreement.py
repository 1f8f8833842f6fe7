"""Agreement figures on hand-checked examples."""

from __future__ import annotations

import pytest
from conftest import TEXT, baseline_gold

from newsclaims.annotation.agreement import compare_files, compare_units, krippendorff_alpha_nominal
from newsclaims.core.models import GoldFile


def gold(edit: object = None) -> GoldFile:
    doc = baseline_gold()
    if callable(edit):
        edit(doc)
    return GoldFile.model_validate(doc, strict=False)


def test_alpha_by_hand() -> None:
    # n = 8 values, A:3 B:5, one disagreeing unit: alpha = 1 - 7 * 2 / 30.
    assert krippendorff_alpha_nominal(list("AABB"), list("ABBB")) == pytest.approx(1 - 14 / 30)
    assert krippendorff_alpha_nominal(list("AB"), list("AB")) == 1
    assert krippendorff_alpha_nominal(list("AA"), list("AA")) is None


def test_exact_and_overlap_f1() -> None:
    a = [("PER", 0, 5), ("PER", 10, 15), ("GPE", 20, 24)]
    b = [("PER", 0, 5), ("PER", 11, 15), ("GPE", 30, 34)]
    per = compare_units(a, b)["PER"]
    assert (per.exact, per.overlap) == (1, 2)
    assert per.f1(per.exact) == pytest.approx(0.5) and per.f1(per.overlap) == pytest.approx(1.0)
    assert compare_units(a, b)["*"].as_dict() == {"a": 3, "b": 3, "f1_exact": 1 / 3, "f1_overlap": 2 / 3}


def test_overlap_is_one_to_one() -> None:
    # One long span against two short ones inside it: one match, not two.
    t = compare_units([("X", 0, 10)], [("X", 0, 3), ("X", 5, 8)])["X"]
    assert (t.exact, t.overlap) == (0, 1)


def test_identical_files_agree_fully() -> None:
    result = compare_files(gold(), gold(), len(TEXT))
    assert all(t["*"].f1(t["*"].exact) == 1 for t in result.layers.values())
    assert result.alpha_chars == {"noise": 1.0, "mentions": 1.0}


def test_a_changed_cue_breaks_only_cue_and_triple() -> None:
    def shift_cue(doc: dict) -> None:  # type: ignore[type-arg]
        cue = doc["attributions"][0]["cue"]
        cue.update(start=cue["start"] + 1, text=cue["text"][1:])

    layers = compare_files(gold(), gold(shift_cue), len(TEXT)).layers
    exact = {name: t["*"].exact for name, t in layers.items()}
    assert exact["attribution_cue"] == 1 and exact["attribution_triple"] == 1
    assert exact["attribution_source"] == 2 and exact["attribution_content"] == 2


def test_overlap_never_below_exact() -> None:
    # Absent parts (-1:-1) and duplicates: identical units always count as overlapping too.
    a = [("cue", -1, -1), ("cue", 5, 9), ("cue", 5, 9), ("cue", 0, 12)]
    b = [("cue", -1, -1), ("cue", 5, 9), ("cue", 5, 9), ("cue", 1, 3)]
    t = compare_units(a, b)["cue"]
    assert (t.exact, t.overlap) == (3, 4)
