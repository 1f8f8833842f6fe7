"""Krippendorff's alpha over tokens, against an independent implementation (the krippendorff package)."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
from conftest import TEXT, baseline_gold
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.annotation.agreement import krippendorff_alpha, token_alpha, whitespace_tokens
from newsclaims.core.models import GoldFile

VALUES = ["source", "cue", "content", "none"]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda coders: st.lists(
            st.lists(st.one_of(st.none(), st.sampled_from(VALUES)), min_size=coders, max_size=coders),
            min_size=1,
            max_size=40,
        )
    )
)
def test_alpha_equals_the_krippendorff_package(units: list[list[str | None]]) -> None:
    codings = [list(c) for c in zip(*units, strict=True)]
    ours = krippendorff_alpha(codings)
    table = np.array([[np.nan if v is None else VALUES.index(v) for v in c] for c in codings], dtype=float)
    pairable = sum(1 for u in units if sum(v is not None for v in u) >= 2)
    distinct = {v for u in units if sum(x is not None for x in u) >= 2 for v in u if v is not None}
    if pairable == 0 or len(distinct) < 2:
        assert ours is None
        return
    theirs = krippendorff.alpha(reliability_data=table, level_of_measurement="nominal", value_domain=range(4))
    assert ours is not None and math.isclose(ours, theirs, abs_tol=1e-9)


def test_alpha_fails_when_the_formula_is_broken() -> None:
    # A known value (Krippendorff 2011, the nominal example with missing data): 0.743.
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    codings = [[None if v is None else str(v) for v in row] for row in data]
    assert round(krippendorff_alpha(codings) or 0, 3) == 0.743


def test_token_alpha_over_a_round() -> None:
    a = GoldFile.model_validate_json(json.dumps(baseline_gold()))
    b = a.model_copy(update={"attributions": a.attributions[:1]})
    same = token_alpha([(TEXT, {"bea": a, "carl": a})], "roles")
    assert same.alpha == 1.0 and same.tokens == len(whitespace_tokens(TEXT)) and same.annotators == 2
    assert same.as_dict() == {"alpha": 1.0, "documents": 1, "tokens": same.tokens, "annotators": 2}
    differ = token_alpha([(TEXT, {"bea": a, "carl": b})], "roles")
    assert differ.alpha is not None and differ.alpha < 1.0
    alone = token_alpha([(TEXT, {"bea": a})], "mentions")
    assert (alone.alpha, alone.documents) == (None, 0)
