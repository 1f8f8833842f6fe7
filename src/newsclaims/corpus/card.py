"""The dataset card (``corpus/README.md``): YAML metadata generated from the features, then prose.

The ``datasets`` cache keys on the card, so the card carries the version and the
content fingerprint: whenever the data changes, the card changes with it.

Every figure the card states (pages, annotated pages, stories, outlets, splits, rows, the
size category, the version) is computed from the build; the prose around them holds for
any corpus, so a card never keeps a sentence that was true only of the seed pages.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.corpus.features import CONFIG_DESCRIPTIONS, CONFIGS
from newsclaims.corpus.shards import SHARD_DOCUMENTS

if TYPE_CHECKING:
    from newsclaims.corpus.release import Release
    from newsclaims.corpus.tables import Summary


# The Hub's size categories, by number of examples (here: documents), smallest first.
SIZE_CATEGORIES = (
    (10**3, "n<1K"),
    (10**4, "1K<n<10K"),
    (10**5, "10K<n<100K"),
    (10**6, "100K<n<1M"),
    (10**7, "1M<n<10M"),
    (10**8, "10M<n<100M"),
    (10**9, "100M<n<1B"),
    (10**10, "1B<n<10B"),
    (10**11, "10B<n<100B"),
    (10**12, "100B<n<1T"),
)
LISTED = 20  # names a card lists before it says "and N more"


def size_category(examples: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if examples < limit), "n>1T")


def documents_per_split(release: Release) -> dict[str, int]:
    return dict(release.counts.get("documents", {}))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


# The data's licence, as a file beside the card (the card's `license_link`): `license: other`
# says nothing by itself.
LICENSE_FILE = "LICENSE.md"
LICENSE_TEXT = """# Licence of the newsclaims corpus

The corpus holds two kinds of content, under two different terms.

- **Annotations** (every span, label, id, cluster, entity and attribution, and the metadata the
  project wrote): CC BY 4.0, [Creative Commons Attribution 4.0
  International](https://creativecommons.org/licenses/by/4.0/). Cite the corpus as its card says.
- **Page texts** (the `text` column of `documents`, and every span's `text`, which quotes it):
  the copyright of their publishers. They are included only so that the annotations can be
  read against the text they annotate, for research on the annotations; they are not
  licensed for any other use by this project.
"""

# Keys of the card's YAML that are not part of the Hub's dataset card metadata (newsclaims
# writes them; the Hub and `huggingface_hub` keep unknown keys as they are). The card says so.
EXTRA_KEYS = {
    "version": "the corpus version (`corpus-vX.Y.Z` git tag, `CHANGELOG.md` entry)",
    "schema_version": "the schema version of the annotation files it was built from",
    "fingerprint": "sha256 over the data files' sha256 (`release.json`), which the `datasets` cache keys on",
    "license_details": "the two licences in a sentence (`license_link` has them in full)",
}


def card_metadata(release: Release) -> dict[str, Any]:
    """The card's YAML header. ``dataset_info`` is written by ``datasets``' own card API
    (``DatasetInfosDict.to_dataset_card_data``), so its features are exactly what ``datasets`` reads back.

    ``num_bytes`` is the Arrow size ``datasets`` computes for each split (``release.arrow_bytes``):
    without it ``datasets`` warns on every load that the card's splits are malformed. NC604 checks
    ``num_examples``, which ``verification_mode="all_checks"`` verifies."""
    configs = []
    infos = DatasetInfosDict()
    for config, features in CONFIGS.items():
        splits = release.counts[config]
        if not splits:
            continue
        configs.append(
            {
                "config_name": config,
                "data_files": [{"split": s, "path": f"data/{config}/{s}-*.parquet"} for s in splits],
                **({"default": True} if config == "documents" else {}),
            }
        )
        split_infos = SplitDict()
        for split, rows in splits.items():
            num_bytes = release.num_bytes.get(config, {}).get(split, 0)
            split_infos.add(SplitInfo(name=split, num_examples=rows, num_bytes=num_bytes))
        infos[config] = DatasetInfo(config_name=config, features=features, splits=split_infos)
    card_data = DatasetCardData(
        pretty_name="newsclaims",
        language=["en"],
        license="other",
        license_name="newsclaims-annotations-cc-by-4.0-texts-publishers",
        license_link=LICENSE_FILE,
        license_details="Annotations: CC BY 4.0. Page texts: copyright of their publishers, "
        "included for research on the annotations only.",
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition"],
        tags=["claim-detection", "attribution", "quotation", "boilerplate-removal", "cross-document"],
        size_categories=[size_category(sum(documents_per_split(release).values()))],
        # Keys of newsclaims, not of the Hub card schema: release.json says the same.
        version=release.version,
        schema_version=SCHEMA_VERSION,
        fingerprint=release.fingerprint,
        configs=configs,
    )
    infos.to_dataset_card_data(card_data)
    meta: dict[str, Any] = card_data.to_dict()  # type: ignore[no-untyped-call]
    if isinstance(meta.get("dataset_info"), dict):  # one config: keep the list form of several
        meta["dataset_info"] = [meta["dataset_info"]]
    return meta


def _counts_table(release: Release) -> str:
    """Rows per config and split; a dash where the config has no file for the split."""
    splits = sorted({s for c in release.counts.values() for s in c})
    lines = ["| config | " + " | ".join(splits) + " |", "|---|" + "---|" * len(splits)]
    for config, per_split in release.counts.items():
        lines.append(f"| `{config}` | " + " | ".join(str(per_split.get(s, "-")) for s in splits) + " |")
    return "\n".join(lines)


def _missing_splits_prose(release: Release) -> str:
    """Which configs lack a split the documents have: `datasets` refuses to load those."""
    splits = sorted(documents_per_split(release))
    lacking = [
        f"`{config}` has {', '.join(f'`{s}`' for s in sorted(per_split)) or 'none'}"
        for config, per_split in release.counts.items()
        if config != "documents" and sorted(per_split) != splits
    ]
    if not lacking:
        return "Every config has a file for every split of the documents."
    return (
        "A config has a file only for the splits it has rows in (a dash above): `datasets` cannot load a split "
        "from a file without rows, so `load_dataset(path, config, split=...)` of a split the config does not have "
        f"raises `Unknown split`. Splits per config, where they differ from the documents': {'; '.join(lacking)}."
    )


def _example(summary: Summary) -> str:
    if summary.example is None:
        return "(no claims annotated yet)"
    return json.dumps(summary.example, indent=2, ensure_ascii=False)


def _evaluation_split(release: Release) -> str:
    """The split the card's example loads: ``test`` when there is one."""
    splits = sorted(documents_per_split(release))
    return "test" if "test" in splits or not splits else splits[0]


def _join_example(split: str, client: str) -> str:
    """The card's worked join (``tests/test_research.py`` runs both on the built corpus)."""
    if client == "pandas":
        return f"""import glob
import pandas as pd

def config(name):
    # A split is one or more files (shards), read in name order.
    files = sorted(glob.glob(f"path/to/corpus/data/{{name}}/{split}-*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

claims, attributions, mentions = config("claims"), config("attributions"), config("mentions")
attributions["mention_uid"] = attributions["source"].str.get("mention_uid")
said = claims[["claim_uid", "text"]].merge(
    attributions[["claim_uid", "attribution_uid", "mention_uid", "speaker_kind", "speaker_name", "stance_name"]],
    on="claim_uid",
    how="left",
).merge(mentions[["mention_uid", "text"]], on="mention_uid", how="left", suffixes=("", "_mention"))
# Attributions per claim: 0, 1 or several. count() skips the NaN row a left join gives a claim
# without attributions (size() would count it as 1).
print(said.groupby("claim_uid")["attribution_uid"].count().describe())
print(said[["text", "speaker_name", "stance_name"]].head())""".strip()
    return f"""from datasets import load_dataset

claims = load_dataset("path/to/corpus", "claims", split="{split}")
attributions = load_dataset("path/to/corpus", "attributions", split="{split}")
by_claim = {{}}
for a in attributions:
    by_claim.setdefault(a["claim_uid"], []).append(a)
for c in claims.select(range(3)):
    print(c["claim_uid"], [(a["speaker_name"], a["stance_name"]) for a in by_claim.get(c["claim_uid"], [])])""".strip()


def _extra_keys() -> str:
    return "; ".join(f"`{key}`: {what}" for key, what in EXTRA_KEYS.items())


def _splits_prose(release: Release, summary: Summary) -> str:
    per_split = documents_per_split(release)
    stories = _count(len(summary.stories), "story", "stories")
    rule = (
        "Splits are assigned by story, so that no story straddles two splits: the repository's "
        "`annotations/splits.json` declares the split of every story, and `newsclaims splits set STORY SPLIT` "
        "moves one (then `newsclaims release`)."
    )
    if not per_split:
        return f"{rule} This release has no documents yet."
    if len(per_split) == 1:
        (split,) = per_split
        pages = _count(summary.documents, "page", "pages")
        found = f"{rule} This release has one split, `{split}`: {pages} on {stories}."
    else:
        shown = ", ".join(f"`{split}` {_count(n, 'page', 'pages')}" for split, n in sorted(per_split.items()))
        found = f"{rule} Pages per split ({stories} in all): {shown}."
    return f"{found}\n\n{_registries_prose(summary)}"


def _registries_prose(summary: Summary) -> str:
    """How the corpus-wide registries (entities, clusters) meet the splits by story."""
    left_out = []
    if summary.unreferenced_entities:
        left_out.append(
            f"{_count(summary.unreferenced_entities, 'entity', 'entities')} of the registry that no page "
            "mentions or names as a speaker"
        )
    if summary.unreferenced_clusters:
        left_out.append(f"{_count(summary.unreferenced_clusters, 'cluster', 'clusters')} of a story without pages")
    missing = (
        f" Left out of every split ({' and '.join(left_out)}; the repository's registries have them): "
        "a registry row never adds a split the documents do not have."
        if left_out
        else ""
    )
    return (
        "Stories do not straddle splits, but entities do: a person or a country is mentioned in many stories. "
        "`entities` has a row for an entity in every split where a page mentions it or names it as a speaker, "
        "with the `mention_count` and `doc_ids` of that split only: over all splits (`entities/*.parquet`), sum "
        "`mention_count` for its corpus-wide count and count distinct `entity_id`, not rows. A claim cluster "
        f"belongs to one story, so to one split.{missing}"
    )


def _uses_prose(release: Release) -> str:
    splits = sorted(documents_per_split(release))
    if splits == ["test"]:
        return (
            "Every page is in the `test` split: the corpus is meant for evaluation and error analysis, not for "
            "training."
        )
    return (
        f"Splits of the documents: {', '.join(f'`{s}`' for s in splits) or 'none yet'} (see *Splits* below; a "
        "config has a file only for the splits it has rows in, see the table under *Dataset structure*)."
    )


def _creation_prose(summary: Summary) -> str:
    annotators = sorted(summary.annotators)
    rounds = sorted(summary.rounds)
    who = (
        f"Annotators named in the gold files' provenance: {_listing(annotators)}."
        if annotators
        else "No page has gold annotations yet."
    )
    merged = (
        f" Annotation rounds merged into gold: {_listing(rounds)} (their files are in `annotations/rounds/`)."
        if rounds
        else ""
    )
    return who + merged


def dataset_card(release: Release, summary: Summary) -> str:
    meta = yaml.safe_dump(card_metadata(release), sort_keys=False, allow_unicode=True, width=100)
    configs = "\n".join(
        f"- `{c}`: {d}" + ("" if release.counts[c] else " *(no rows yet: not in this release)*")
        for c, d in CONFIG_DESCRIPTIONS.items()
    )
    outlets = sorted(summary.outlets)
    stories = sorted(summary.stories)
    pages = _count(summary.documents, "page", "pages")
    on_stories = _count(len(stories), "story", "stories")
    split = _evaluation_split(release)
    return f"""---
{meta}---

# newsclaims {release.version}

<!-- Generated by `newsclaims build`; do not edit: edit src/newsclaims/corpus/card.py and rebuild. -->

News pages annotated, on the untouched page text, with **entity mentions** linked across
documents, **claims** (in one or more fragments) clustered across outlets, **attributions**
(source, cue, content, quote type, stance, nesting) and **page noise** (chrome such as
captions, related links, comment boxes and footers).

- Version **{release.version}**, schema {SCHEMA_VERSION}, content fingerprint `{release.fingerprint}`.
- {pages} ({summary.annotated} with gold annotations) on {on_stories}: {_listing(stories)}.
- Which pages have gold annotations: the `annotated` column of `documents` and `tokens`.
- Outlets: {_listing(outlets)}.
- Language: English.

## Uses

Claim and attribution extraction, cross-outlet claim linking, cross-document entity linking
and boilerplate detection, all evaluated on real pages with their noise left in.
{_uses_prose(release)}

```python
from datasets import load_dataset

claims = load_dataset("path/to/corpus", "claims", split="{split}")
claims.features["fragments"]  # spans into the document text
```

## Dataset structure

Configs (each split is one or more parquet files, `data/<config>/<split>-00000.parquet`,
`…-00001.parquet`, in document order: pages are grouped into shards of about {SHARD_DOCUMENTS:,}
so that a new page changes one file):

{configs}

{_counts_table(release)}

{_missing_splits_prose(release)}

A page without gold annotations yet (added to `seeds/`, not annotated) is in `documents`
with empty layers and in `tokens` with every tag `O`: `annotated` is false on its rows, so
filter on it before training or scoring (an all-`O` sentence of such a page is not a sentence
with no entity).

Offsets are Unicode code points into `documents.text` (the page's bytes decoded as UTF-8,
line ends normalised to `\\n`), end-exclusive: `text[start:end] == span.text` always holds.
An example row of `claims`:

```json
{_example(summary)}
```

### Labels

Every label column is a `ClassLabel` integer for `datasets` (`ds.features["stance"].int2str(0)`),
with its name in a string column right after it (`stance` and `stance_name`, `label` and
`label_name`, `category` and `category_name`, `ner_tags` and `ner_tag_names`): pandas, polars,
DuckDB and mlcroissant read parquet integers as bare integers, and a name reached through a
lookup table is a join every user would have to get right, so the names are in the data.
Parquet stores the repeated names dictionary-encoded, for a few bytes per file; rule NC608 of
`newsclaims validate` checks that every name is the name of its integer. In `croissant.json`
each label set is an `sc:Enumeration` record set (index, name, definition), named in the
description of each label field. Definitions of every label: `schema/SCHEMA.md` of the
repository.

```python
import duckdb, pandas as pd, polars as pl

pd.read_parquet("path/to/corpus/data/attributions")["stance_name"].value_counts()  # every split
pl.read_parquet("path/to/corpus/data/attributions/{split}-*.parquet")["stance_name"].value_counts()
duckdb.sql("SELECT stance_name, count(*) FROM 'path/to/corpus/data/attributions/*.parquet' GROUP BY 1")
```

### Joins

Per-document ids (`m001`, `c001`, `a001`) repeat in every document; each record also has a
corpus-wide id, `<doc_id>/<record_id>` (`mention_uid`, `claim_uid`, `attribution_uid`,
`noise_uid`, `sentence_uid`; no id holds a `/`), and every reference has its corpus-wide form
next to the per-document one, so each join is on one column:

| from | column | to |
|---|---|---|
| `attributions` | `claim_uid` | `claims.claim_uid` (the content) |
| `attributions` | `parent_uid` | `attributions.attribution_uid` (nested reporting) |
| `attributions` | `source.mention_uid` | `mentions.mention_uid` (the source's mention, when annotated) |
| `attributions` | `speaker_entity_id` | `entities.entity_id` (who the source is, pronouns and descriptions too) |
| `mentions` | `entity_id` | `entities.entity_id` (registry ids are corpus-wide already) |
| `claims` | `cluster_id` | `claim_clusters.cluster_id` |
| `claim_clusters` | `members[].claim_uid` | `claims.claim_uid` |
| every config | `doc_id` | `documents.doc_id` (offsets point into its `text`) |

`speaker_kind` says who an attribution's source is: `entity` (`speaker_entity_id`,
`speaker_name` and `speaker_label` name it, also when the source span is "he" or "the
administration"), `unnamed` ("senior US officials", "analysts": no single entity is the
speaker), `no_source` (the page names no one) or `undecided` (not decided yet: annotations
older than schema 1.2, or from a round whose pass does not ask for speakers). The guidelines
(section 5.5.1) say how pronouns and descriptions are linked.

A claim has zero attributions (the outlet tells it itself), one, or several (several sources,
or a nested report and the report it is inside): a claim-to-attribution join has one row per
attribution, plus one per claim without any in a left join (its attribution columns null).
Count claims on `claim_uid`, and attributions per claim on a non-null `attribution_uid`.

```python
{_join_example(split, "pandas")}
```

```python
{_join_example(split, "datasets")}
```

### Splits

{_splits_prose(release, summary)}

## Dataset creation

The pages were collected as plain text, with all their page chrome, and are kept
byte-for-byte (`seeds/` in the repository, with a manifest giving each file's sha256).
Annotations follow `schema/GUIDELINES.md`, are checked by the `newsclaims validate` rules,
and are stored as standoff JSON (`annotations/gold/`). {_creation_prose(summary)}

## Bias, risks and limitations

{pages} on {on_stories}, from the outlets listed above, chosen by hand rather than sampled: outlets,
topics and styles are far from representative of news in general, and pages reusing the
same wire copy are not independent. `DATASHEET.md` in the repository says how the pages
were chosen and what they contain. Page texts are published news articles; the people they
name are the people the articles name.

## Licensing

Annotations: CC BY 4.0. Page texts remain the copyright of their publishers and are
included only so that the annotations can be used. [{LICENSE_FILE}]({LICENSE_FILE}) (the card's
`license_link`) says so in full.

## Card metadata

Besides the Hub's keys, the YAML header has keys of newsclaims, which the Hub and
`huggingface_hub` keep as they are: {_extra_keys()}. `dataset_info` gives `num_examples` per
split (what `load_dataset(..., verification_mode="all_checks")` verifies) and `num_bytes`, the
Arrow size `datasets` computes for it (with the pinned pyarrow; it is not verified).

## Versioning

Pin a version with the repository's git tag (`corpus-v{release.version}`; `revision=` on the
Hub, or a worktree of the tag locally). `release.json` lists the version, schema version,
fingerprint, row counts and the sha256 of every data file; `checksums.sha256` is the same
list for `sha256sum -c`. `CHANGELOG.md` of the repository says what changed in each version.

## Citation

```bibtex
@misc{{newsclaims,
  title = {{newsclaims: entities, claims, attributions and page noise in news pages}},
  note = {{Version {release.version}}},
}}
```
"""
