"""Decide who the source of every attribution of the seed pages is (schema 1.2, issue #20).

A source with an annotated mention is its mention's entity. A pronoun ("He", "she", "We") or a
description ("The administration") is the entity it refers to in the page, decided by reading
the text around it; a source that names no single identifiable entity ("senior US officials",
"analysts", "reports in September", "Saudi and US officials") is marked ``unnamed``. An
attribution without a source span (the text names no one) has nothing to decide.

Run once from the repository root (``.venv/bin/python scripts/resolve_speakers.py``): it writes
``source.entity_id`` / ``source.unnamed`` into ``annotations/gold/*.json`` (pinned to the current
schema version), validates, and refuses to write anything if a source is left undecided, a
decision names an unknown attribution or entity, or contradicts the source's mention. Running it
again changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from newsclaims.core.files import read_bytes
from newsclaims.core.jsonio import model_dumps, write_text_atomic
from newsclaims.core.layout import Layout
from newsclaims.core.models import EntitiesFile, GoldFile
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.schema.shape import parse_model
from newsclaims.validation.check import check_inputs

UNNAMED = "unnamed"

# (doc_id prefix, attribution_id) -> entity_id, or UNNAMED; why, where it is not plain.
DECISIONS: dict[tuple[str, str], str] = {
    # 000: AFP analysis.
    ("000", "a001"): UNNAMED,  # "Western powers": no single state
    ("000", "a002"): UNNAMED,  # "analysts"
    ("000", "a009"): "eric-brewer",  # "He added": Eric Brewer is quoted just before
    ("000", "a013"): "mek",  # "It alleged": the MEK's report, named in the sentence before
    ("000", "a016"): "colin-clarke",  # "He said", after Colin Clarke told AFP
    ("000", "a017"): "colin-clarke",
    ("000", "a018"): "colin-clarke",
    ("000", "a022"): UNNAMED,  # "reports in September": unattributed reports
    ("000", "a024"): "pierre-razoux",  # "He said", after Pierre Razoux
    ("000", "a025"): "pierre-razoux",
    ("000", "a027"): UNNAMED,  # "Saudi and US officials": unnamed officials of two countries
    # 001: The New Indian Express (AFP copy).
    ("001", "a005"): UNNAMED,  # "Western powers"
    ("001", "a009"): "john-kirby",  # "he said", after John Kirby told reporters
    ("001", "a010"): "john-kirby",
    ("001", "a011"): "biden-administration",  # "We have also seen reports": Kirby speaking for the administration
    ("001", "a012"): "john-kirby",
    ("001", "a021"): "john-kirby",  # "he said", after "Kirby said"
    ("001", "a028"): "john-kirby",  # "He said", after "Kirby on Friday announced"
    # 002.
    ("002", "a003"): UNNAMED,  # "senior US officials"
    ("002", "a005"): UNNAMED,
    ("002", "a007"): UNNAMED,  # "one senior official"
    ("002", "a013"): "john-kirby",  # "He added", after "Kirby said"
    ("002", "a014"): "john-kirby",
    ("002", "a015"): UNNAMED,  # "Ukrainian military officials"
    ("002", "a016"): UNNAMED,
    # 003.
    ("003", "a004"): UNNAMED,  # "U.S. intelligence assessments": no agency named
    ("003", "a014"): "biden-administration",  # "The administration": the Biden administration, named before
    ("003", "a016"): "biden-administration",
    ("003", "a021"): "james-cleverly",  # "he said", after James Cleverly called it a "desperate alliance"
    ("003", "a022"): "james-cleverly",
    ("003", "a023"): "james-cleverly",
    ("003", "a024"): "james-cleverly",
    ("003", "a025"): "james-cleverly",
    ("003", "a035"): "vladimir-putin",  # "he said", after President Vladimir Putin suggested
    # 004.
    ("004", "a005"): UNNAMED,  # "US analysts"
    ("004", "a008"): "linda-thomas-greenfield",  # "She added", after Linda Thomas-Greenfield said
    ("004", "a009"): "linda-thomas-greenfield",
    # Four departments speaking together: no single entity is the speaker (their mentions stay).
    ("004", "a010"): UNNAMED,
    ("004", "a012"): UNNAMED,  # "an official", according to the Wall Street Journal
}


class Refused(Exception):
    pass


def resolve(gold: GoldFile, entities: set[str], used: set[tuple[str, str]]) -> GoldFile:
    mentions = {m.mention_id: m for m in gold.mentions}
    prefix = gold.doc_id.split("_", 1)[0]
    attributions = []
    for a in gold.attributions:
        key = (prefix, a.attribution_id)
        decision = DECISIONS.get(key)
        src = a.source
        if src is None:
            if decision is not None:
                raise Refused(f"{gold.doc_id} {a.attribution_id}: has no source, but a decision")
            attributions.append(a)
            continue
        if src.mention_id is not None:
            entity = mentions[src.mention_id].entity_id
            if decision is not None and decision != entity:
                raise Refused(f"{gold.doc_id} {a.attribution_id}: decision {decision} is not its mention's {entity}")
            decision = entity
        if decision is None:
            raise Refused(f"{gold.doc_id} {a.attribution_id}: source {src.text!r} is not decided")
        if decision != UNNAMED and decision not in entities:
            raise Refused(f"{gold.doc_id} {a.attribution_id}: entity {decision!r} is not in entities.json")
        used.add(key)
        speaker = {"entity_id": None, "unnamed": True} if decision == UNNAMED else {"entity_id": decision}
        attributions.append(a.model_copy(update={"source": src.model_copy(update=speaker)}))
    return gold.model_copy(update={"schema_version": SCHEMA_VERSION, "attributions": attributions})


def main(root: Path) -> int:
    lay = Layout(root)
    registry = parse_model(str(lay.entities), read_bytes(lay.entities), EntitiesFile)[0]
    assert registry is not None, "entities.json does not validate: run `newsclaims validate`"
    entities = {e.entity_id for e in registry.entities}
    used: set[tuple[str, str]] = set()
    out: dict[Path, str] = {}
    try:
        for path in lay.gold_files():
            gold = parse_model(str(path), read_bytes(path), GoldFile)[0]
            assert gold is not None, f"{path} does not validate: run `newsclaims validate`"
            out[path] = model_dumps(resolve(gold, entities, used))
        unused = set(DECISIONS) - used
        if unused:
            raise Refused(f"decisions for no source with a decision to make: {sorted(unused)}")
    except Refused as e:
        print(f"resolve_speakers: refused, nothing written: {e}", file=sys.stderr)
        return 1
    changed = [p for p, text in out.items() if p.read_text(encoding="utf-8") != text]
    for path in changed:
        write_text_atomic(path, out[path], root=root)
    problems = check_inputs(root).problems
    for p in problems:
        print(p, file=sys.stderr)
    print(f"resolve_speakers: {len(changed)} gold file(s) rewritten; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
