"""``corpus/croissant.json``: MLCommons Croissant 1.1 metadata, with the Responsible AI fields.

The description is generated from what the build knows: one ``cr:FileObject`` per
parquet file of the release (path inside ``corpus/`` and sha256), one
``cr:RecordSet`` per config with its ``cr:Field``s generated from the same
``datasets`` features as the parquet schema and the card. Paths are relative to
the JSON file, so ``mlcroissant`` reads the local files (and checks their sha256)
without fetching anything. The output depends only on the release and the
sources: no dates, no absolute paths, keys in a fixed order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datasets import ClassLabel, LargeList, List, Value

from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance, Vocab
from newsclaims.corpus.features import CONFIG_DESCRIPTIONS, CONFIGS
from newsclaims.corpus.shards import split_of
from newsclaims.corpus.tables import FRAGMENT_JOINER
from newsclaims.corpus.tokens import NER_TAGS, NOISE_TAGS

if TYPE_CHECKING:
    from newsclaims.corpus.release import Release
    from newsclaims.corpus.tables import Summary

CROISSANT = "http://mlcommons.org/croissant/1.1"
CROISSANT_RAI = "http://mlcommons.org/croissant/RAI/1.0"
PARQUET = "application/x-parquet"

# The standard Croissant 1.1 @context (as mlcroissant writes it), with the RAI prefix.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_INTEGER_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
_FLOAT_DTYPES = {"float16", "float32", "float64"}

GUIDELINES = "schema/GUIDELINES.md"


@dataclass(frozen=True)
class LabelSet:
    """A ClassLabel's names as a Croissant enumeration (a ``cr:RecordSet`` of ``sc:Enumeration``)."""

    id: str
    description: str
    names: tuple[str, ...]
    definitions: tuple[str, ...]


def _of_vocab(set_id: str, vocab: type[Vocab]) -> LabelSet:
    return LabelSet(set_id, (vocab.__doc__ or "").strip(), tuple(vocab.values()), tuple(m.definition for m in vocab))


def _of_tags(set_id: str, names: list[str], what: str) -> LabelSet:
    definitions = tuple(
        "Outside any span." if n == "O" else f"{'Begins' if n[0] == 'B' else 'Inside'} a span of {n[2:]}."
        for n in names
    )
    return LabelSet(set_id, f"BIO tags of {what}, over tokens.", tuple(names), definitions)


LABEL_SETS = (
    _of_vocab("entity-labels", EntityLabel),
    _of_vocab("noise-categories", NoiseCategory),
    _of_vocab("quote-types", QuoteType),
    _of_vocab("stances", Stance),
    _of_tags("ner-tags", NER_TAGS, "the outermost entity mentions"),
    _of_tags("noise-tags", NOISE_TAGS, "page noise"),
)


def label_set(feature: ClassLabel) -> LabelSet:
    return next(s for s in LABEL_SETS if list(s.names) == list(feature.names))


def _enumeration(labels: LabelSet) -> dict[str, Any]:
    """The label set as the Croissant spec declares categorical data: an ``sc:Enumeration`` record
    set with its values inline, keyed by the index that parquet stores."""
    rs = labels.id
    return {
        "@type": "cr:RecordSet",
        "@id": rs,
        "name": rs,
        "description": f"{labels.description} The label columns store the index; the *_name columns the name.",
        "dataType": "sc:Enumeration",
        "key": {"@id": f"{rs}/index"},
        "field": [
            {"@type": "cr:Field", "@id": f"{rs}/index", "name": "index", "dataType": "sc:Integer"},
            {"@type": "cr:Field", "@id": f"{rs}/name", "name": "name", "dataType": "sc:Text"},
            {"@type": "cr:Field", "@id": f"{rs}/definition", "name": "definition", "dataType": "sc:Text"},
        ],
        "data": [
            {f"{rs}/index": i, f"{rs}/name": name, f"{rs}/definition": definition}
            for i, (name, definition) in enumerate(zip(labels.names, labels.definitions, strict=True))
        ],
    }


def _data_type(feature: Value) -> str:
    if feature.dtype in ("string", "large_string"):
        return "sc:Text"
    if feature.dtype in _INTEGER_DTYPES:
        return "sc:Integer"
    if feature.dtype == "bool":
        return "sc:Boolean"
    if feature.dtype in _FLOAT_DTYPES:
        return "sc:Float"
    raise ValueError(f"no Croissant data type for the feature dtype {feature.dtype!r}")


def _is_scalar(feature: Any) -> bool:
    return isinstance(feature, Value | ClassLabel)


def _items(feature: Any) -> Any | None:
    """The item feature of a list feature, None for anything else."""
    return feature.feature if isinstance(feature, List | LargeList) else None


def _leaf(field_id: str, feature: Value | ClassLabel, source: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": field_id.rsplit("/", 1)[1]}
    if isinstance(feature, ClassLabel):
        labels = ", ".join(f"{i} = {name}" for i, name in enumerate(feature.names))
        out["description"] = f"Class label index: {labels}."
        out["dataType"] = "sc:Integer"
        # The set is named, not referenced (``references``): mlcroissant 1.1 reads a reference as
        # a join, and a record set read through a join comes back empty the second time it is read
        # from the same Dataset. The name is in the *_name column beside this one anyway.
        out["description"] += f" Names and definitions: the record set {label_set(feature).id}."
    else:
        out["dataType"] = _data_type(feature)
    out["source"] = source
    return out


def _column_field(
    record_set: str, column: str, feature: Any, file_source: dict[str, Any], omitted: list[str]
) -> dict[str, Any]:
    """The field of one parquet column: a value, a list of values, a struct or a list of structs.

    Struct members are sub-fields reading their key from the column (``jsonPath``);
    for a list of structs mlcroissant applies that to each element, so the field is
    an array whose sub-fields are read element by element. mlcroissant reads one
    level of sub-fields only: a struct or list inside a struct is left out of the
    description and its path added to ``omitted``.
    """
    field_id = f"{record_set}/{column}"
    source = {**file_source, "extract": {"column": column}}
    items = _items(feature)
    inner = feature if items is None else items
    if _is_scalar(inner):
        out = _leaf(field_id, inner, source)
    elif isinstance(inner, dict):
        out = {"@type": "cr:Field", "@id": field_id, "name": column, "subField": []}
        for key, member in inner.items():
            if _is_scalar(member):
                out["subField"].append(_leaf(f"{field_id}/{key}", member, {**source, "transform": {"jsonPath": key}}))
            else:
                omitted.append(f"{column}{'[]' if items is not None else ''}.{key}")
    else:
        raise ValueError(f"{field_id}: no Croissant field for the feature {feature!r}")
    if items is not None:
        out["isArray"] = True
    return out


def _record_set(config: str, files: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record set of ``config`` (read from its parquet files) and the FileSet it needs, if any."""
    file_sets: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    if len(files) == 1:
        source: dict[str, Any] = {"fileObject": {"@id": files[0]}}
    else:
        # Several files: one FileSet over the config's files; a row's split starts its file's name.
        file_set = f"{config}-parquet-files"
        file_sets.append(
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "description": f"The parquet files of the `{config}` config, one or more per split.",
                "encodingFormat": PARQUET,
                "includes": f"data/{config}/*.parquet",
            }
        )
        source = {"fileSet": {"@id": file_set}}
    if len(files) > 1 and "split" not in CONFIGS[config]:
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"{config}/split",
                "name": "split",
                "description": "The split of the row: the name of its parquet file, up to the shard number.",
                "dataType": "sc:Text",
                "source": {
                    **source,
                    "extract": {"fileProperty": "filename"},
                    "transform": {"regex": r"^(.+)-\d{5}\.parquet$"},
                },
            }
        )
    omitted: list[str] = []
    fields += [_column_field(config, column, feature, source, omitted) for column, feature in CONFIGS[config].items()]
    description = CONFIG_DESCRIPTIONS[config]
    if omitted:
        description += (
            f" Not described here (nested two levels deep, which mlcroissant does not read): {', '.join(omitted)};"
            " the flat configs have them."
        )
    record_set = {"@type": "cr:RecordSet", "@id": config, "name": config, "description": description, "field": fields}
    return record_set, file_sets


def _citation(release: Release) -> str:
    return (
        "@misc{newsclaims,\n"
        "  title = {newsclaims: entities, claims, attributions and page noise in news pages},\n"
        f"  note = {{Version {release.version}}},\n"
        "}"
    )


def _rai(release: Release, summary: Summary) -> dict[str, Any]:
    """The Croissant RAI 1.0 properties that apply to this corpus (numbers from the data)."""
    outlets = sorted(summary.outlets)
    stories = sorted(summary.stories)
    annotators = sorted(summary.annotators)
    rounds = sorted(summary.rounds)
    methods = sorted(summary.methods)
    rows = {config: sum(splits.values()) for config, splits in release.counts.items()}
    n_docs, n_gold = summary.documents, summary.annotated
    story_word = "story" if len(stories) == 1 else "stories"
    outlet_word = "outlet" if len(outlets) == 1 else "outlets"
    who = [f"annotators: {', '.join(annotators)}"] if annotators else []
    who += [f"rounds merged: {', '.join(rounds)}"] if rounds else []
    by_whom = f" ({'; '.join(who)})" if who else ""
    return {
        "rai:dataCollection": (
            f"{n_docs} news pages ({len(stories)} {story_word}: {', '.join(stories)}) collected as plain text "
            "with all their page chrome (navigation, captions, related links, comment boxes, footers) and kept "
            "byte-for-byte in the repository's seeds/ folder, with a manifest giving each file's sha256 and the "
            "outlet, title, publication date and story where the page tells them. Outlets: "
            f"{', '.join(outlets)}."
        ),
        "rai:dataCollectionType": ["Manual Human Curator"],
        "rai:dataCollectionRawData": (
            "The pages as collected, byte-for-byte (seeds/*.txt in the repository); the document texts of the "
            "corpus are these bytes decoded as UTF-8 with line ends normalised to \\n."
        ),
        "rai:dataPreprocessingProtocol": [
            "Document text: the page's bytes decoded as UTF-8, line ends normalised to \\n, nothing else changed; "
            "every span offset is in Unicode code points into that text, end-exclusive.",
            f"claims.text joins a claim's fragments with {FRAGMENT_JOINER!r}.",
            "Labels are stored as class indices (ClassLabel) in the order of the label vocabulary, each "
            "with its name in a *_name column beside it; each label set is an sc:Enumeration record set.",
        ],
        "rai:dataAnnotationProtocol": " ".join(
            [
                f"Annotation guidelines: {GUIDELINES} (field reference: schema/SCHEMA.md). Layers in order: page "
                "noise, entity mentions linked to cross-document entities, claims (one proposition each, in one "
                "or more fragments) with check-worthiness, source-cue-content attributions (quote type, stance, "
                "nesting) and cross-outlet claim clusters. Spans are standoff offsets into the untouched page "
                "text, declared by text anchors and computed by script; every file passes the `newsclaims "
                f"validate` rules. {n_gold} of {n_docs} pages have gold annotations.",
                *methods,
            ]
        ),
        "rai:dataAnnotationPlatform": [
            "None: gold files are standoff JSON (annotations/gold/ in the repository) written by the "
            "annotators and checked with `newsclaims validate`; Label Studio configs are generated for "
            "later annotation rounds."
        ],
        "rai:annotationsPerItem": (
            f"One gold annotation per page and layer{by_whom}. A second, independent pass of some pages measures "
            f"agreement ({GUIDELINES} section 7); it is not part of the corpus."
        ),
        "rai:dataAnnotationAnalysis": [
            f"Inter-annotator agreement is reported in {GUIDELINES} section 7 (Reliability): an independent "
            "second pass compared with gold, span F1 per layer (exact and overlapping offsets) and "
            "Krippendorff's alpha over characters. Read it with the caveat given there: the second "
            "annotator worked from a draft of the guidelines that quotes most entity surfaces and the noise "
            "and mention counts, so agreement on mentions and noise is an upper bound; disagreements on "
            "claims and attributions are mostly about claim granularity and where a source span starts."
        ],
        "rai:machineAnnotationTools": [
            "None: every label and span is a human decision; scripts only compute offsets from text anchors."
        ],
        "rai:dataUseCases": [
            "Evaluation and error analysis of claim and attribution extraction, cross-outlet claim linking, "
            "cross-document entity linking and boilerplate (page noise) detection, on real pages with their "
            "noise left in. Not for training: the corpus is small."
        ],
        "rai:dataLimitations": [
            f"{n_docs} pages with {rows.get('mentions', 0)} entity mentions, {rows.get('claims', 0)} claims, "
            f"{rows.get('attributions', 0)} attributions and {rows.get('noise_spans', 0)} noise spans: too small "
            "for training or for reliable per-label figures.",
            f"{len(stories)} {story_word} from {len(outlets)} {outlet_word}: "
            "outlets, topics and styles are far from representative.",
        ],
        "rai:dataBiases": [
            f"Topic and source bias: the pages cover {len(stories)} {story_word} ({', '.join(stories)}) "
            "as the outlets told them; the claims, sources and stances reflect that coverage, not the events.",
            "Annotations by the project maintainers, not a diverse annotator pool; doubtful decisions are "
            "listed in the guidelines.",
        ],
        "rai:personalSensitiveInformation": [
            "Names of public figures (officials, spokespeople) and of journalists in bylines, as published by "
            "the outlets; no private personal data and no sensitive attributes of private persons."
        ],
        "rai:dataReleaseMaintenancePlan": (
            "Every data version has a CHANGELOG entry and a git tag; release.json and checksums.sha256 list the "
            "sha256 of every data file and the dataset card carries a content fingerprint; rebuilding from the "
            "same inputs gives byte-identical files."
        ),
    }


def croissant_metadata(release: Release, summary: Summary) -> dict[str, Any]:
    """The Croissant JSON-LD of the corpus built as ``release`` from the documents ``summary`` describes."""
    by_config: dict[str, list[str]] = {}
    split_names: dict[str, str] = {}  # data file -> its split
    for path in sorted(release.files):
        named = split_of(path)
        if named is None or named[0] not in CONFIGS:
            raise ValueError(f"unexpected data file {path!r}: expected data/<config>/<split>-NNNNN.parquet")
        by_config.setdefault(named[0], []).append(path)
        split_names[path] = named[1]
    distribution: list[dict[str, Any]] = []
    for config in CONFIGS:
        for path in by_config.get(config, []):
            split = split_names[path]
            distribution.append(
                {
                    "@type": "cr:FileObject",
                    "@id": path,
                    "name": path,
                    "description": f"A file of the `{split}` split of the `{config}` config.",
                    "contentUrl": path,
                    "encodingFormat": PARQUET,
                    "sha256": release.files[path],
                }
            )
    record_sets = []
    for config in CONFIGS:
        if config not in by_config:
            continue  # no rows in this release (see the card)
        record_set, extra = _record_set(config, by_config[config])
        distribution += extra
        record_sets.append(record_set)
    record_sets += [_enumeration(labels) for labels in LABEL_SETS]
    meta: dict[str, Any] = {
        "@context": copy.deepcopy(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT, CROISSANT_RAI],
        "name": "newsclaims",
        "description": (
            "News pages annotated, on the untouched page text, with entity mentions linked across documents, "
            "claims (in one or more fragments) clustered across outlets, attributions (source, cue, content, "
            "quote type, stance, nesting) and page noise (chrome such as captions, related links, comment "
            f"boxes and footers). Version {release.version}, content fingerprint {release.fingerprint}. "
            "Offsets are Unicode code points into documents.text, end-exclusive."
        ),
        "version": release.version,
        "license": [
            {
                "@type": "sc:CreativeWork",
                "name": "CC BY 4.0 (annotations)",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
            {
                "@type": "sc:CreativeWork",
                "name": "Page texts: copyright of their publishers",
                "description": "Included for research on the annotations only.",
            },
        ],
        "citeAs": _citation(release),
        "inLanguage": ["en"],
        "keywords": ["claim-detection", "attribution", "quotation", "boilerplate-removal", "cross-document"],
        **_rai(release, summary),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return meta
