"""Label Studio configs are generated from the vocabulary; gold converts to valid predictions."""

from __future__ import annotations

import defusedxml.ElementTree as SafeET
import pytest
from conftest import REPO_ROOT
from label_studio_sdk.label_interface import LabelInterface

from newsclaims.annotation.labelstudio.config import (
    CONTROL,
    LABEL_STUDIO_DIR,
    PASSES,
    ROLE_DEFINITIONS,
    gold_to_results,
    labeling_config,
)
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance
from newsclaims.validation.sources import load_sources

EXPECTED = {"noise": NoiseCategory.definitions(), "entities": EntityLabel.definitions(), "claims": ROLE_DEFINITIONS}


def committed(kind: str) -> str:
    return (REPO_ROOT / LABEL_STUDIO_DIR / f"{kind}.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", PASSES)
def test_committed_config_is_the_generated_one(kind: str) -> None:
    assert committed(kind) == labeling_config(kind), "run `newsclaims schema`"


@pytest.mark.parametrize("kind", PASSES)
def test_label_studio_reads_the_labels_of_the_vocabulary(kind: str) -> None:
    interface = LabelInterface(committed(kind))
    control = interface.get_control(CONTROL[kind])
    assert control.labels == list(EXPECTED[kind])
    assert control.to_name == ["text"]


@pytest.mark.parametrize("kind", PASSES)
def test_every_label_shows_its_definition_as_a_hint(kind: str) -> None:
    root = SafeET.fromstring(committed(kind))
    hints = {el.get("value"): el.get("hint") for el in root.iter("Label")}
    assert hints == EXPECTED[kind]


def test_claims_config_has_relations_and_per_region_choices() -> None:
    interface = LabelInterface(committed("claims"))
    root = SafeET.fromstring(committed("claims"))
    assert [r.get("value") for r in root.iter("Relation")] == ["source", "cue", "fragment", "parent"]
    for role in ("source", "cue"):
        assert interface.get_control(f"quote_type_{role}").labels == QuoteType.values()
        assert interface.get_control(f"stance_{role}").labels == Stance.values()
    assert all(c.get("perRegion") == "true" for c in root.iter("Choices"))


def test_a_drifted_config_is_detected() -> None:
    drifted = committed("noise").replace('value="caption"', 'value="photo_caption"')
    assert LabelInterface(drifted).get_control("category").labels != list(EXPECTED["noise"])


@pytest.mark.parametrize("kind", PASSES)
def test_gold_converts_to_predictions_label_studio_accepts(kind: str) -> None:
    interface = LabelInterface(committed(kind))
    src = load_sources(REPO_ROOT)
    converted = {doc_id: gold_to_results(gold, kind) for doc_id, gold in src.gold.items()}
    # A page annotated through rounds may not have had this pass yet; some page has.
    assert any(converted.values()), kind
    for doc_id, results in converted.items():
        errors = interface.validate_prediction({"result": results, "model_version": "gold"}, return_errors=True)
        assert errors in (True, []), (doc_id, kind, errors[:3] if isinstance(errors, list) else errors)


def test_label_studio_validation_is_not_vacuous() -> None:
    interface = LabelInterface(committed("entities"))
    gold = next(g for _, g in sorted(load_sources(REPO_ROOT).gold.items()) if g.mentions)
    results = gold_to_results(gold, "entities")
    results[0]["value"]["labels"] = ["HUMAN"]
    errors = interface.validate_prediction({"result": results, "model_version": "gold"}, return_errors=True)
    assert errors and errors is not True
