"""brat standoff: import (NC8xx), export with annotation.conf, round trips, offsets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, MiniRepo
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.annotation.interchange.conf import check_collection
from newsclaims.annotation.interchange.exporting import ExportRefused, export_brat
from newsclaims.annotation.interchange.importing import ImportRefused, import_brat
from newsclaims.annotation.interchange.mapping import (
    BratMapping,
    MappingError,
    RelationMap,
    default_mapping,
    mapping_json_schema,
    parse_mapping,
)
from newsclaims.annotation.interchange.problems import BRAT_RULES
from newsclaims.annotation.interchange.standoff import Offsets
from newsclaims.cli import main
from newsclaims.core.models import GoldFile
from newsclaims.core.vocab import EntityLabel, Stance

MAPPING = {
    "mentions": {"Person": "PERSON", "Country": "GPE"},
    "noise": {"Nav": "navigation"},
    "roles": {"Src": "source", "Content": "content"},
    "events": {"Attribution": {"source": ["Source"], "content": ["Content"]}},
    "attributes": {
        "Quote": {"field": "quote_type", "values": {"Direct": "direct", "Indirect": "indirect"}},
        "Checkworthy": {"field": "checkworthy"},
    },
}

# An astral character (one code point, two UTF-16 units) and Windows line ends before the spans.
TEXT = "Home 🌍 World\r\nKirby said Iran sent drones.\r\nShare\r\n"


def offsets(text: str, needle: str) -> str:
    start = text.index(needle)
    return f"{start} {start + len(needle)}"


def setup_brat(root: Path, anns: dict[str, str], text: str = TEXT, mapping: dict[str, Any] | None = None) -> Path:
    """ANN_DIR/<who>/doc1.ann for each ``who`` of ``anns``, the text in TEXT_DIR/doc1.txt."""
    base = root / "incoming"
    (base / "texts").mkdir(parents=True, exist_ok=True)
    (base / "texts" / "doc1.txt").write_bytes(text.encode("utf-8"))
    for who, ann in anns.items():
        (base / "anns" / who).mkdir(parents=True, exist_ok=True)
        (base / "anns" / who / "doc1.ann").write_text(ann, encoding="utf-8")
    (base / "mapping.json").write_text(json.dumps(mapping or MAPPING), encoding="utf-8")
    return base


GOOD = "\n".join(
    [
        f"T1\tPerson {offsets(TEXT, 'Kirby')}\tKirby",
        f"T2\tAttribution {offsets(TEXT, 'said')}\tsaid",
        f"T3\tContent {offsets(TEXT, 'Iran sent drones')}\tIran sent drones",
        f"T4\tCountry {offsets(TEXT, 'Iran')}\tIran",
        "E1\tAttribution:T2 Source:T1 Content:T3",
        "A1\tQuote E1 Direct",
        "A2\tCheckworthy T3",
        "#1\tAnnotatorNotes T4\ta note",
        "N1\tReference T4 newsclaims:iran\tIran",
        "",
    ]
)


def run_import(mini: MiniRepo, base: Path, name: str = "brat", **extra: Any) -> Any:
    from newsclaims.annotation.interchange.mapping import read_mapping

    return import_brat(
        mini.root, base / "anns", base / "texts", read_mapping(base / "mapping.json"), name, "story-2", **extra
    )


def annotator_file(mini: MiniRepo, who: str, name: str = "brat") -> GoldFile:
    (path,) = (mini.root / "annotations" / "rounds" / name / "annotators" / who).glob("*.json")
    return GoldFile.model_validate_json(path.read_bytes())


def test_import_converts_code_points_and_line_ends(mini: MiniRepo) -> None:
    base = setup_brat(mini.root, {"bea": GOOD})
    result = run_import(mini, base)
    assert [str(i) for i in result.issues] == []
    gold = annotator_file(mini, "bea")
    text = TEXT.replace("\r\n", "\n")
    for m in gold.mentions:
        assert text[m.start : m.end] == m.text
    assert [(m.text, m.label.value, m.entity_id, m.note) for m in gold.mentions] == [
        ("Kirby", "PERSON", None, None),
        ("Iran", "GPE", "iran", "a note"),
    ]
    # The brat offsets count the \r of each line end; newsclaims' do not.
    assert gold.mentions[0].start == TEXT.index("Kirby") - 1
    (a,) = gold.attributions
    assert (a.source and a.source.mention_id, a.cue and a.cue.text, a.quote_type.value) == ("m001", "said", "direct")
    assert gold.claims[0].checkworthy is True
    assert gold.provenance.rounds == ["brat"]
    manifest = json.loads((mini.root / "seeds" / "manifest.json").read_text())
    entry = next(e for e in manifest["documents"] if e["doc_id"] == gold.doc_id)
    assert "doc1.txt" in entry["notes"] and entry["story_id"] == "story-2"
    assert main(["validate", str(mini.root), "--inputs-only"]) == 0


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".lock" not in p.name
    }


def test_a_second_import_changes_nothing(mini: MiniRepo) -> None:
    base = setup_brat(mini.root, {"bea": GOOD, "carl": GOOD.replace("Direct", "Indirect")})
    run_import(mini, base)
    before = tree_digest(mini.root)
    again = run_import(mini, base)
    assert again.written == [] and again.seeds_added == []
    assert tree_digest(mini.root) == before


def test_same_bytes_are_the_existing_seed(mini: MiniRepo) -> None:
    text = (mini.root / "seeds" / "doc-a.txt").read_text()
    ann = f"T1\tPerson {offsets(text, 'Kirby')}\tKirby\n"
    base = setup_brat(mini.root, {"bea": ann}, text=text)
    result = run_import(mini, base)
    assert result.seeds_added == []
    assert annotator_file(mini, "bea").doc_id == "doc-a"


# One broken line each: the exact located problem, and the rest of the file still imported.
BREAKS: dict[str, tuple[str, str]] = {
    "NC801": ("T9 Person 1 2 Kirby", "NC801 expected ID<TAB>annotation"),
    "NC802": ("T9\tPerson 5000 5005\tKirby", "NC802 T9: span ends at 5005, past the text's"),
    # An edge between \r and \n is the problem, though the text (without the \r) differs too.
    "NC802-crlf": (
        f"T9\tNav {TEXT.index('drones.')} {TEXT.index('drones.') + 8}\tdrones.",
        r"NC802 T9: an edge falls between the \r and the \n of a line end",
    ),
    "NC803": (f"T9\tPerson {offsets(TEXT, 'Kirby')}\tKirbz", "NC803 T9: text 'Kirbz' differs"),
    "NC804": ("E9\tAttribution:T77 Content:T3", "NC804 E9's trigger points at T77"),
    "NC805": (f"T9\tWeapon {offsets(TEXT, 'drones')}\tdrones", "NC805 T9: text-bound type 'Weapon' is not in the"),
    "NC806": (
        f"T9\tPerson {offsets(TEXT, 'Kirby')};{offsets(TEXT, 'Iran')}\tKirby Iran",
        "NC806 T9: a mention is one span, not 2 pieces",
    ),
    "NC810": (f"T9\tSrc {offsets(TEXT, 'Share')}\tShare", "NC810 (warning) T9: a source (Src) that no attribution"),
    "NC811": (
        f"T9\tNav {TEXT.index('World') - 1} {TEXT.index('World') + 5}\t World",
        "NC811 (warning) T9: whitespace at the edge",
    ),
}


@pytest.mark.parametrize("code", sorted(BREAKS))
def test_each_problem_is_located_and_the_rest_imported(mini: MiniRepo, code: str) -> None:
    line, expected = BREAKS[code]
    ann = GOOD + line + "\n"
    base = setup_brat(mini.root, {"bea": ann})
    result = run_import(mini, base)
    shown = [str(i) for i in result.issues]
    assert len(shown) == 1, shown
    assert shown[0].startswith(f"bea/doc1.ann:{GOOD.count(chr(10)) + 1}: {expected}"), shown
    gold = annotator_file(mini, "bea")
    assert [m.text for m in gold.mentions][:2] == ["Kirby", "Iran"] and len(gold.attributions) == 1


def test_nc807_a_record_breaking_a_rule_is_left_out(mini: MiniRepo) -> None:
    # Two mentions that cross (NC405): the later one is left out, the rest kept.
    cross = f"T9\tCountry {TEXT.index('Kirby') + 2} {TEXT.index('Kirby') + 8}\trby sa\n"
    base = setup_brat(mini.root, {"bea": GOOD + cross})
    result = run_import(mini, base)
    assert [str(i) for i in result.issues] == [
        "bea/doc1.ann:10: NC807 m003: NC405 span: 15:21 crosses mention 'm001' at 13:18"
    ]
    assert [m.text for m in annotator_file(mini, "bea").mentions] == ["Kirby", "Iran"]
    assert main(["validate", str(mini.root), "--inputs-only"]) == 0


def test_nc808_utf16_offsets_are_repaired_with_a_warning(mini: MiniRepo) -> None:
    units = len(TEXT[: TEXT.index("Kirby")].encode("utf-16-le")) // 2
    ann = f"T1\tPerson {units} {units + 5}\tKirby\n"
    base = setup_brat(mini.root, {"bea": ann})
    result = run_import(mini, base)
    assert [str(i) for i in result.issues] == [
        "bea/doc1.ann:1: NC808 (warning) T1: offsets read as UTF-16 units (code points did not fit)"
    ]
    assert annotator_file(mini, "bea").mentions[0].text == "Kirby"


def test_nc809_missing_text_and_pattern(mini: MiniRepo) -> None:
    base = setup_brat(mini.root, {"bea": GOOD})
    (base / "anns" / "bea" / "other.ann").write_text(GOOD)
    result = run_import(mini, base)
    assert [str(i) for i in result.issues] == [
        f"bea/other.ann:0: NC809 no text: neither {base / 'texts' / 'other.txt'} nor "
        f"{base / 'anns' / 'bea' / 'other.txt'} exists"
    ]
    flat = base / "flat"
    flat.mkdir()
    (flat / "doc1__Bea.ann").write_text(GOOD)
    (flat / "doc1__carl.ann").write_text(GOOD)
    from newsclaims.annotation.interchange.mapping import read_mapping

    result = import_brat(
        mini.root,
        flat,
        base / "texts",
        read_mapping(base / "mapping.json"),
        "flat",
        "story-2",
        annotator_pattern=r"(?P<doc>.+)__(?P<annotator>.+)\.ann",
    )
    assert [str(i) for i in result.issues] == [
        "doc1__Bea.ann:0: NC809 annotator 'Bea' is not a name (lower-case letters, digits, '_', '-')"
    ]
    assert annotator_file(mini, "carl", "flat").attributions


def test_nc809_a_missing_or_refused_text_is_said_for_every_ann(mini: MiniRepo) -> None:
    base = setup_brat(mini.root, {"gus": GOOD, "hal": GOOD})
    (base / "texts" / "empty.txt").write_bytes(b"\n")
    for who in ("gus", "hal"):
        (base / "anns" / who / "missing.ann").write_text(GOOD)
        (base / "anns" / who / "empty.ann").write_text("")
    result = run_import(mini, base)
    texts, anns = base / "texts", base / "anns"
    assert [str(i) for i in result.issues] == [
        f"{who}/{name}.ann:0: NC809 "
        + (
            f"its text was refused as a seed: {texts / 'empty.txt'}: the page is empty"
            if name == "empty"
            else f"no text: neither {texts / 'missing.txt'} nor {anns / who / 'missing.txt'} exists"
        )
        for who in ("gus", "hal")
        for name in ("empty", "missing")
    ]
    assert result.imported == 2


def test_nc809_an_annotator_pattern_is_shown_as_given(mini: MiniRepo) -> None:
    base = setup_brat(mini.root, {"bea": GOOD})
    with pytest.raises(ImportRefused) as e:
        run_import(mini, base, annotator_pattern=r"(?P<doc>.+)\.ann")
    assert (
        str(e.value) == r"--annotator-pattern (?P<doc>.+)\.ann: needs the named groups (?P<doc>…) and (?P<annotator>…)"
    )


def test_every_code_has_a_case() -> None:
    covered = {code[:5] for code in BREAKS} | {"NC807", "NC808", "NC809"}
    assert covered == set(BRAT_RULES)


def renumbered(gold: GoldFile) -> dict[str, Any]:
    """The layers with ids numbered as the import numbers them (m001, ...), references followed;
    cluster ids and provenance aside (brat has no claim clusters)."""
    data = gold.model_dump(mode="json")
    new: dict[str, str] = {}
    for layer, key, prefix in (
        ("mentions", "mention_id", "m"),
        ("noise", "noise_id", "n"),
        ("claims", "claim_id", "c"),
        ("attributions", "attribution_id", "a"),
    ):
        for i, rec in enumerate(data[layer], 1):
            new[rec[key]] = rec[key] = f"{prefix}{i:03d}"
    for c in data["claims"]:
        c["cluster_id"] = None
    for a in data["attributions"]:
        a["claim_id"] = new[a["claim_id"]]
        a["parent_id"] = new.get(a["parent_id"] or "")
        if a["source"] and a["source"]["mention_id"]:
            a["source"]["mention_id"] = new[a["source"]["mention_id"]]
    return {k: data[k] for k in ("mentions", "noise", "claims", "attributions")}


RELATIONS = default_mapping().model_copy(
    update={
        "events": {},
        "roles": {"Source": "source", "Cue": "cue", "Content": "content"},
        "relations": {
            "SourceOf": RelationMap(kind="source"),
            "ContentOf": RelationMap(kind="content"),
            "NestedIn": RelationMap(kind="parent"),
            "MentionIn": RelationMap(kind="source_mention"),
            "Continues": RelationMap(kind="fragment"),
        },
    }
)


@pytest.mark.parametrize("mapping", [default_mapping(), RELATIONS], ids=["events", "relations"])
def test_round_trip_gold_brat_gold(mini: MiniRepo, mapping: BratMapping) -> None:
    out = mini.root / "exported" / "maintainers"
    written = export_brat(mini.root, out, mapping)
    assert written.files == len(mini.gold)
    assert check_collection(out) == []  # annotation.conf accepts every file
    result = import_brat(mini.root, out.parent, out, mapping, "back", "story-1")
    assert [str(i) for i in result.issues if not i.warning] == []
    for doc_id in mini.gold:
        original = GoldFile.model_validate_json((mini.root / "annotations" / "gold" / f"{doc_id}.json").read_bytes())
        back = GoldFile.model_validate_json(
            (
                mini.root / "annotations" / "rounds" / "back" / "annotators" / "maintainers" / f"{doc_id}.json"
            ).read_bytes()
        )
        assert renumbered(back) == renumbered(original)
    # brat -> newsclaims -> brat: the .ann files come out the same.
    again = mini.root / "exported2"
    export_brat(mini.root, again, mapping, round_name="back")
    for doc_id in mini.gold:
        assert (again / "maintainers" / f"{doc_id}.ann").read_text() == (out / f"{doc_id}.ann").read_text()


def test_round_trip_of_the_repository_gold() -> None:
    """The project's own gold through brat and back: every layer the mapping covers, unchanged."""
    from newsclaims.annotation.interchange.convert import ann_to_gold, gold_to_ann
    from newsclaims.annotation.interchange.standoff import parse_ann

    mapping = default_mapping()
    for path in sorted((REPO_ROOT / "annotations" / "gold").glob("*.json")):
        gold = GoldFile.model_validate_json(path.read_bytes())
        raw = (REPO_ROOT / "seeds" / f"{gold.doc_id}.txt").read_bytes().decode("utf-8")
        converted = ann_to_gold(
            parse_ann(gold_to_ann(gold, raw, mapping), "x.ann"),
            raw,
            mapping,
            file="x.ann",
            doc_id=gold.doc_id,
            text_sha256=gold.text_sha256,
            annotator="a",
            round_name="r",
            known_entities={m.entity_id or "": m.label.value for m in gold.mentions},
        )
        assert converted.issues == []
        assert renumbered(converted.gold) == renumbered(gold), path.name


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", "\r\n", "\n", "🌍", "é", "\r"]), max_size=30))
def test_offsets_round_trip(parts: list[str]) -> None:
    raw = "".join(parts)
    off = Offsets(raw)
    norm = raw.replace("\r\n", "\n").replace("\r", "\n")
    for i in range(len(norm) + 1):
        assert off.to_norm(off.to_raw(i)) == i
    for i in range(len(raw) + 1):
        j = off.to_norm(i)
        if j is not None:
            assert norm[:j] == raw[:i].replace("\r\n", "\n").replace("\r", "\n")


def test_mapping_problems_are_located() -> None:
    with pytest.raises(MappingError) as e:
        parse_mapping(b'{"mentions": {"Person": "HUMAN"}, "noise": {"Person": "navigation"}}', "m.json", toml=False)
    assert str(e.value).startswith("m.json: mentions.Person: 'HUMAN' is not allowed: input should be 'PERSON'")
    with pytest.raises(MappingError) as e:
        parse_mapping(b'[mentions]\nPerson = "PERSON"\n[noise]\nPerson = "navigation"\n', "m.toml", toml=True)
    assert "'Person' is in both mentions and noise" in str(e.value)
    with pytest.raises(MappingError) as e:
        parse_mapping(b"{", "m.json", toml=False)
    assert e.value.unreadable


def test_mapping_schema_is_generated() -> None:
    shipped = json.loads((REPO_ROOT / "schema" / "brat-mapping.schema.json").read_text(encoding="utf-8"))
    assert shipped == mapping_json_schema(), "run: python -m newsclaims.annotation.interchange.mapping"


def test_cli_import_and_export(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = setup_brat(mini.root, {"bea": GOOD + "T9 broken\n"})
    args = ["import", "brat", str(base / "anns"), "--text-dir", str(base / "texts"), "--round", "r1"]
    args += ["--story", "s", "--mapping", str(base / "mapping.json"), "--root", str(mini.root)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "bea/doc1.ann:10: NC801 expected ID<TAB>annotation" in out
    assert "1 of 1 .ann file(s) imported" in out
    assert main([*args[:-4], "--mapping", str(base / "missing.json"), "--root", str(mini.root)]) == 2
    assert main(["export", "brat", str(mini.root / "out"), "--root", str(mini.root), "--layers", "mentions"]) == 0
    assert (mini.root / "out" / "annotation.conf").is_file()
    assert main(["export", "brat", "/tmp/elsewhere-brat", "--root", str(mini.root)]) == 1
    assert "outside the repository" in capsys.readouterr().err


def test_a_pass_round_is_adjudicated_and_measured(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = setup_brat(mini.root, {"bea": GOOD, "carl": GOOD.replace("Direct", "Indirect")})
    result = run_import(mini, base, "ents", pass_="entities")
    assert result.pass_ == "entities" and dict(result.left_out) == {"claims": 2, "attributions": 2}
    assert annotator_file(mini, "bea", "ents").claims == []
    assert main(["round", "agreement", "ents", "--root", str(mini.root)]) == 0
    agreement = json.loads((mini.root / "annotations" / "rounds" / "ents" / "agreement.json").read_text())
    assert agreement["pass"] == "entities"
    # Alpha over tokens for the pass's layer only: bea and carl marked the same mentions.
    assert agreement["alpha_tokens"] == {
        "mentions": {"alpha": 1.0, "documents": 1, "tokens": len(TEXT.split()), "annotators": 2}
    }
    both = run_import(mini, base, "every")
    assert both.pass_ == "all"
    assert main(["round", "agreement", "every", "--root", str(mini.root)]) == 0
    capsys.readouterr()
    # Another pass into the same round is refused: a round has one pass.
    with pytest.raises(ImportRefused, match="round ents is a round of the entities pass, not claims"):
        run_import(mini, base, "ents", pass_="claims")


def doc_blocks(heading: str) -> list[str]:
    """The fenced blocks of docs/brat.md's section ``heading``, in order."""
    doc = (REPO_ROOT / "docs" / "brat.md").read_text(encoding="utf-8")
    section = doc.split(f"### {heading}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    return [block.split("\n", 1)[1] for block in section.split("```")[1::2]]


def test_layout_1_as_documented(mini: MiniRepo) -> None:
    text, ann, toml = doc_blocks("Layout 1: an event per attribution")
    base = setup_brat(mini.root, {"bea": ann}, text=text)
    (base / "mapping.toml").write_text(toml, encoding="utf-8")
    from newsclaims.annotation.interchange.mapping import read_mapping

    result = import_brat(mini.root, base / "anns", base / "texts", read_mapping(base / "mapping.toml"), "quotes-1", "s")
    assert [str(i) for i in result.issues] == [] and result.pass_ == "all"
    gold = annotator_file(mini, "bea", "quotes-1")
    assert [(m.mention_id, m.text, m.label.value, m.entity_id) for m in gold.mentions] == [
        ("m001", "Kirby", "PERSON", None),
        ("m002", "Iran", "GPE", "iran"),
    ]
    (claim,) = gold.claims
    assert [f.text for f in claim.fragments] == ["Iran sent drones", '"hundreds of them"'] and claim.checkworthy
    (a,) = gold.attributions
    assert a.source is not None and a.cue is not None
    assert (a.source.text, a.source.mention_id, a.cue.text, a.quote_type.value, a.stance.value) == (
        "Kirby",
        "m001",
        "said",
        "mixed",
        "asserts",
    )
    assert a.note == "the quote is inside the paraphrase"


def test_layout_2_as_documented(mini: MiniRepo) -> None:
    ann, mapping = doc_blocks("Layout 2: relations from a cue")
    text = doc_blocks("Layout 1: an event per attribution")[0]
    base = setup_brat(mini.root, {"bea": ann}, text=text, mapping=json.loads(mapping))
    result = run_import(mini, base, "quotes-2")
    assert [str(i) for i in result.issues] == [] and result.pass_ == "claims"
    gold = annotator_file(mini, "bea", "quotes-2")
    (claim,) = gold.claims
    assert [f.text for f in claim.fragments] == ["Iran sent drones", '"hundreds of them"']
    (a,) = gold.attributions
    assert a.source is not None and a.cue is not None
    assert (a.source.text, a.source.mention_id, a.cue.text, a.quote_type.value) == ("Kirby", None, "said", "mixed")


@st.composite
def random_gold(draw: st.DrawFn) -> tuple[GoldFile, str]:
    """A random annotation file over a random raw text (astral characters, \\r\\n, runs of spaces):
    spans on whole tokens, fragments apart by a token, sources with and without their mention."""
    from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance

    words = draw(st.lists(st.sampled_from(["a", "bb", "🌍x", "é", "Ünï"]), min_size=8, max_size=30))
    seps = draw(
        st.lists(st.sampled_from([" ", "\r\n", "\n", "  ", " \r\n "]), min_size=len(words), max_size=len(words))
    )
    raw = "".join(w + s for w, s in zip(words, seps, strict=True))
    text = raw.replace("\r\n", "\n")
    spans, pos = [], 0
    for w, s in zip(words, seps, strict=True):
        spans.append((pos, pos + len(w)))
        pos += len(w) + len(s.replace("\r\n", "\n"))
    n = len(spans)

    def sp(i: int, j: int) -> dict[str, Any]:
        return {"start": spans[i][0], "end": spans[j][1], "text": text[spans[i][0] : spans[j][1]]}

    mention_tokens = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=5))
    mentions = []
    for k, i in enumerate(mention_tokens, 1):
        label = draw(st.sampled_from(list(EntityLabel))).value
        linked = draw(st.booleans())  # an entity id of the registry, whose label is the mention's
        mentions.append(
            {
                **sp(i, i),
                "mention_id": f"m{k:03d}",
                "label": label,
                "entity_id": f"e-{label.lower()}" if linked else None,
                "note": draw(st.sampled_from([None, "why"])),
            }
        )
    noise = []
    for k in range(1, draw(st.integers(0, 2)) + 1):
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i, min(n - 1, i + 3)))
        noise.append(
            {
                **sp(i, j),
                "noise_id": f"n{k:03d}",
                "category": draw(st.sampled_from(list(NoiseCategory))).value,
                "note": None,
            }
        )
    claims: list[dict[str, Any]] = []
    attributions: list[dict[str, Any]] = []
    for k in range(1, draw(st.integers(0, 3)) + 1):
        i = draw(st.integers(0, n - 4))
        j = draw(st.integers(i, n - 4))
        fragments = [sp(i, j)]
        if draw(st.booleans()) and j + 2 < n:  # a second fragment, one token apart at least
            a = draw(st.integers(j + 2, n - 1))
            fragments.append(sp(a, draw(st.integers(a, n - 1))))
        claims.append(
            {
                "claim_id": f"c{k:03d}",
                "fragments": fragments,
                "cluster_id": None,
                "checkworthy": draw(st.booleans()),
                "note": draw(st.sampled_from([None, "n"])),
            }
        )
        inside = {t for t in range(n) for f in fragments if f["start"] <= spans[t][0] and spans[t][1] <= f["end"]}
        outside = [t for t in range(n) if t not in inside]
        for _ in range(draw(st.integers(0, 2))):
            source: dict[str, Any] | None = None
            if outside and draw(st.booleans()):  # type: ignore[arg-type]  # mypy mistypes DrawFn here
                t = draw(st.sampled_from(outside))
                m = next((m for m in mentions if m["start"] == spans[t][0]), None)
                source = {**sp(t, t), "mention_id": m["mention_id"] if m and draw(st.booleans()) else None}
            cue: dict[str, Any] | None = None
            if outside and draw(st.booleans()):  # type: ignore[arg-type]
                c = draw(st.sampled_from(outside))
                cue = sp(c, c)
            attributions.append(
                {
                    "attribution_id": f"a{len(attributions) + 1:03d}",
                    "claim_id": f"c{k:03d}",
                    "source": source,
                    "cue": cue,
                    "quote_type": draw(st.sampled_from(list(QuoteType))).value,
                    "stance": draw(st.sampled_from(list(Stance))).value,
                    "parent_id": draw(st.sampled_from([None, *[a["attribution_id"] for a in attributions]])),
                    "note": None,
                }
            )
    gold = {
        "schema_version": "1.1",
        "doc_id": "d",
        "text_sha256": "0" * 64,
        "provenance": {"annotators": ["a"], "rounds": ["r"], "method": "m"},
        "mentions": mentions,
        "claims": claims,
        "attributions": attributions,
        "noise": noise,
    }
    return GoldFile.model_validate_json(json.dumps(gold)), raw


@settings(max_examples=150, deadline=None)
@given(random_gold(), st.sampled_from(["events", "relations"]))
def test_random_round_trip(drawn: tuple[GoldFile, str], layout: str) -> None:
    from newsclaims.annotation.interchange.convert import ann_to_gold, gold_to_ann
    from newsclaims.annotation.interchange.standoff import parse_ann
    from newsclaims.core.vocab import EntityLabel

    gold, raw = drawn
    mapping = default_mapping() if layout == "events" else RELATIONS
    if layout == "relations" and any(a.cue is None for a in gold.attributions):
        return  # the relation layout hangs an attribution on its cue: one without cannot be written
    ann = gold_to_ann(gold, raw, mapping)
    back = ann_to_gold(
        parse_ann(ann, "x.ann"),
        raw,
        mapping,
        file="x.ann",
        doc_id="d",
        text_sha256="0" * 64,
        annotator="a",
        round_name="r",
        known_entities={f"e-{x.value.lower()}": x.value for x in EntityLabel},
    )
    assert [str(i) for i in back.issues] == []
    assert renumbered(back.gold) == renumbered(gold)
    assert gold_to_ann(back.gold, raw, mapping) == ann


def test_a_noise_round_is_adjudicated_into_gold(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    world = f"T11\tNav {offsets(TEXT, 'Home 🌍 World')}\tHome 🌍 World\n"
    share = f"T12\tNav {offsets(TEXT, 'Share')}\tShare\n"
    base = setup_brat(mini.root, {"bea": GOOD + world + share, "carl": GOOD + world})
    result = run_import(mini, base, "noise-1", pass_="noise")
    assert result.pass_ == "noise" and [str(i) for i in result.issues] == []
    doc_id = annotator_file(mini, "bea", "noise-1").doc_id
    assert main(["round", "agreement", "noise-1", "--root", str(mini.root)]) == 0
    noise_report = json.loads((mini.root / "annotations" / "rounds" / "noise-1" / "agreement.json").read_text())
    assert "alpha_tokens" not in noise_report  # the noise pass has neither roles nor mentions
    assert main(["round", "adjudicate", "noise-1", "--strategy", "union", "--root", str(mini.root)]) == 0
    gold = GoldFile.model_validate_json((mini.root / "annotations" / "gold" / f"{doc_id}.json").read_bytes())
    assert [(n.text, n.category.value) for n in gold.noise] == [
        ("Home 🌍 World", "navigation"),
        ("Share", "navigation"),
    ]
    assert main(["validate", str(mini.root), "--inputs-only"]) == 0
    capsys.readouterr()


def test_an_attribute_or_note_on_the_wrong_record_is_said(mini: MiniRepo) -> None:
    extra = "R1\tSays Arg1:T2 Arg2:T1\n#2\tAnnotatorNotes R1\ta note on a relation\nA3\tQuote T1 Direct\n"
    base = setup_brat(mini.root, {"bea": GOOD + extra})
    shown = [str(i) for i in run_import(mini, base).issues]
    assert shown == [
        "bea/doc1.ann:10: NC805 R1: relation type 'Says' is not in the mapping",
        "bea/doc1.ann:11: NC806 #2 is on R1, which is not a mention, noise span, content span or attribution",
        "bea/doc1.ann:12: NC806 A3 is on T1, which is not an attribution (its event, or its cue)",
    ]


def test_what_a_left_out_annotation_costs_is_said(mini: MiniRepo) -> None:
    bad_trigger = GOOD.replace(
        f"T2\tAttribution {offsets(TEXT, 'said')}\tsaid", f"T2\tAttribution {offsets(TEXT, 'said')}\tsaix"
    )
    base = setup_brat(mini.root, {"bea": bad_trigger})
    shown = [str(i) for i in run_import(mini, base).issues]
    assert shown == [
        "bea/doc1.ann:2: NC803 T2: text 'saix' differs from the text's 'said'",
        "bea/doc1.ann:5: NC804 E1's trigger points at T2, which was left out (line 2)",
    ]  # A1, on the event left out, says nothing more: E1's line has said it


def test_an_invalid_mapping_is_one_located_line_per_problem(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = setup_brat(mini.root, {"bea": GOOD}, mapping={"mentions": {"Person": "PERSN"}, "rolez": {}})
    args = ["import", "brat", str(base / "anns"), "--text-dir", str(base / "texts"), "--round", "r1", "--story", "s"]
    m = base / "mapping.json"
    assert main([*args, "--mapping", str(m)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{m}: mentions.Person: 'PERSN' is not allowed: input should be "
        + ", ".join(f"'{x}'" for x in EntityLabel.values()[:-1])
        + f" or '{EntityLabel.values()[-1]}'",
        f"{m}: rolez: unknown key; expected one of {', '.join(BratMapping.model_fields)}",
        "newsclaims import brat: refused: the mapping has 2 problem(s), above; nothing was imported",
    ]
    assert main(["export", "brat", "out", "--mapping", str(m)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "newsclaims export brat: refused: the mapping has 2 problem(s), above; nothing was written"
    )
    assert not (mini.root / "out").exists() and not (mini.root / "annotations" / "rounds").exists()
    m.write_text("{", encoding="utf-8")  # not JSON: cannot be read (2)
    assert main([*args, "--mapping", str(m)]) == 2
    assert capsys.readouterr().err.startswith(f"newsclaims import brat: cannot read the mapping: {m}: not JSON")


def test_a_round_export_reads_back_with_the_documented_command(
    mini: MiniRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = setup_brat(mini.root, {"bea": GOOD, "carl": GOOD.replace("Direct", "Indirect")})
    run_import(mini, base, "r1")
    out = mini.root / "exports" / "brat-r"
    assert main(["export", "brat", str(out), "--round", "r1"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["annotation.conf", "bea", "carl", "mapping.json"]
    # docs/brat.md: import brat OUT_DIR --text-dir OUT_DIR --mapping OUT_DIR/mapping.json ...
    args = ["import", "brat", str(out), "--text-dir", str(out), "--mapping", str(out / "mapping.json")]
    assert main([*args, "--round", "back", "--story", "story-2"]) == 0
    assert "2 of 2 .ann file(s) imported, 0 new seed(s)" in capsys.readouterr().out
    for who in ("bea", "carl"):
        assert renumbered(annotator_file(mini, who, "back")) == renumbered(annotator_file(mini, who, "r1"))
    # Without --text-dir, the texts beside the .ann files are read.
    assert main([*args[:3], *args[5:], "--round", "back2", "--story", "story-2"]) == 0
    assert annotator_file(mini, "bea", "back2").doc_id == annotator_file(mini, "bea", "r1").doc_id


# docs/brat.md's layout 2, without attributes for stance and checkworthy.
LAYOUT_2: dict[str, Any] = {
    "roles": {"Source": "source", "Cue": "cue", "Content": "content"},
    "relations": {"SAYS_SOURCE": {"kind": "source"}, "SAYS_CONTENT": {"kind": "content"}},
    "attributes": {"Quote": {"field": "quote_type", "values": {"Direct": "direct", "Indirect": "indirect"}}},
}


def test_an_export_says_what_the_mapping_cannot_carry(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    mini.gold["doc-a"]["attributions"][0]["stance"] = "hedges"
    mini.write()
    m = mini.root / "layout2.json"
    m.write_text(json.dumps(LAYOUT_2), encoding="utf-8")
    assert main(["export", "brat", "out", "--mapping", str(m), "--layers", "claims"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "newsclaims export brat: refused: the mapping cannot carry all of it, and an export loses nothing; "
        "nothing was written:",
        "  checkworthy true: the mapping has no attribute for checkworthy, and a re-import would read its default "
        'false (add one to its "attributes") (1 file(s): doc-a)',
        "  stance hedges: the mapping has no attribute for stance, and a re-import would read its default asserts "
        '(add one to its "attributes") (1 file(s): doc-a)',
        "  fix the mapping (docs/brat.md, The mapping file)",
    ]
    assert not (mini.root / "out").exists()
    # With both attributes, the claims are carried; labels without a type are named plainly,
    # and --layers says what can go.
    attributes = {
        **LAYOUT_2["attributes"],
        "Stance": {"field": "stance", "values": {s.value.title(): s.value for s in Stance}},
        "Checkworthy": {"field": "checkworthy"},
    }
    m.write_text(json.dumps({**LAYOUT_2, "attributes": attributes}), encoding="utf-8")
    assert main(["export", "brat", "out", "--mapping", str(m)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert (
        lines[1] == '  entity label DATE has no brat type in the mapping (add one to its "mentions") (1 file(s): doc-a)'
    )
    assert lines[-1] == "  fix the mapping, or export only what it carries: --layers claims"
    assert main(["export", "brat", "out", "--mapping", str(m), "--layers", "claims"]) == 0
    assert main(["import", "brat", "out", "--mapping", str(m), "--round", "back", "--story", "story-1"]) == 0
    (a, _) = annotator_file(mini, "out", "back").attributions
    assert a.stance == Stance.HEDGES


def test_a_round_export_says_what_the_mapping_cannot_carry(mini: MiniRepo) -> None:
    stance = {"Stance": {"field": "stance", "values": {"Hedges": "hedges"}}}
    mapping = {**MAPPING, "attributes": {**MAPPING["attributes"], **stance}}
    base = setup_brat(mini.root, {"bea": GOOD + "A9\tStance E1 Hedges\n"}, mapping=mapping)
    run_import(mini, base, "claims-1", pass_="claims")
    doc_id = annotator_file(mini, "bea", "claims-1").doc_id
    relations = BratMapping.model_validate(LAYOUT_2)
    with pytest.raises(ExportRefused) as e:
        export_brat(mini.root, mini.root / "l2", relations, round_name="claims-1")
    assert str(e.value).splitlines()[1:] == [
        "  checkworthy true: the mapping has no attribute for checkworthy, and a re-import would read its default "
        f'false (add one to its "attributes") (1 file(s): bea/{doc_id})',
        "  stance hedges: the mapping has no attribute for stance, and a re-import would read its default asserts "
        f'(add one to its "attributes") (1 file(s): bea/{doc_id})',
        "  fix the mapping (docs/brat.md, The mapping file)",
    ]
    assert not (mini.root / "l2").exists()


def test_a_new_story_split_is_said_and_chosen(mini: MiniRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = setup_brat(mini.root, {"bea": GOOD})
    args = ["import", "brat", str(base / "anns"), "--text-dir", str(base / "texts")]
    args += ["--mapping", str(base / "mapping.json"), "--round", "r1", "--story", "ferry"]
    assert main([*args, "--split", "validation"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "story ferry is new: its pages are in the validation split (annotations/splits.json); "
        "move it with `newsclaims splits set ferry SPLIT`"
    )
    splits = json.loads((mini.root / "annotations" / "splits.json").read_text())["splits"]
    assert {"story_id": "ferry", "split": "validation"} in splits
    manifest = json.loads((mini.root / "seeds" / "manifest.json").read_text())["documents"]
    assert [e["title"] for e in manifest if e["story_id"] == "ferry"] == ["doc1"]  # the text's name
    # The same text under another --story stays in its story, and the import says so.
    doc_id = annotator_file(mini, "bea", "r1").doc_id
    assert main([*args[:-1], "harbour"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{doc_id}: its text was already a seed, of story ferry: it stays there (not --story harbour)"
    )
    # A story in one split is not declared in another by an import.
    assert main([*args, "--split", "train"]) == 1
    assert capsys.readouterr().err == (
        "newsclaims import brat: refused: story 'ferry' is in the validation split, not train: a story is in one "
        "split; move all its pages with `newsclaims splits set ferry train`\n"
    )
