"""The corpus as researchers use it (issue #20, "Must hold"): three research questions answered
on the built corpus with pandas, `datasets`, DuckDB and polars, and the same answers from each.

1. Every claim with its speaker and stance.
2. All mentions of one entity across outlets.
3. The claims of one cross-outlet cluster.

Which entity and which cluster are read from the data (the most widely mentioned entity, the
largest cluster), never written here; so are the splits.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
from conftest import REPO_ROOT
from datasets import Dataset, concatenate_datasets, load_dataset

CORPUS = REPO_ROOT / "corpus"  # tests/test_corpus.py checks that it is the fresh build
RELEASE = json.loads((CORPUS / "release.json").read_text(encoding="utf-8"))

# (claim_uid, attribution_uid or None, speaker_kind, speaker_entity_id, stance name)
Said = set[tuple[str, str | None, str | None, str | None, str | None]]


def files(config: str) -> list[str]:
    return [
        str(path)
        for split in sorted(RELEASE["counts"][config])
        for path in sorted((CORPUS / f"data/{config}").glob(f"{split}-*.parquet"))
    ]


def glob(config: str) -> str:
    return str(CORPUS / f"data/{config}/*.parquet")


def none(value: object) -> object:
    """pandas' missing values (NaN, None, pd.NA) as None."""
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA else value


# --- the subject of questions 2 and 3, from the data ---------------------------------------------


def pandas_config(config: str) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(f) for f in files(config)], ignore_index=True)


@pytest.fixture(scope="module")
def entity() -> str:
    """The entity mentioned in the most documents (then the most mentions, then by id)."""
    rows = pandas_config("entities").to_dict("records")
    ranked = sorted(rows, key=lambda e: (-len(e["doc_ids"]), -int(e["mention_count"]), str(e["entity_id"])))
    return str(ranked[0]["entity_id"])


@pytest.fixture(scope="module")
def cluster() -> str:
    rows = pandas_config("claim_clusters").to_dict("records")
    ranked = sorted(rows, key=lambda c: (-len(c["members"]), str(c["cluster_id"])))
    assert len(ranked[0]["members"]) > 1
    return str(ranked[0]["cluster_id"])


# --- pandas ---------------------------------------------------------------------------------------


def pandas_answers(entity: str, cluster: str) -> tuple[Said, set[tuple[str, str]], set[str]]:
    claims, attributions = pandas_config("claims"), pandas_config("attributions")
    said = claims[["claim_uid"]].merge(
        attributions[["claim_uid", "attribution_uid", "speaker_kind", "speaker_entity_id", "stance_name"]],
        on="claim_uid",
        how="left",
    )
    q1 = {tuple(none(v) for v in row) for row in said.itertuples(index=False)}
    mentions, documents = pandas_config("mentions"), pandas_config("documents")[["doc_id", "outlet"]]
    found = mentions[mentions["entity_id"] == entity].merge(documents, on="doc_id")
    q2 = {(m, none(o) or "") for m, o in zip(found["mention_uid"], found["outlet"], strict=True)}
    q3 = set(claims.loc[claims["cluster_id"] == cluster, "claim_uid"])
    return q1, q2, q3  # type: ignore[return-value]


# --- datasets -------------------------------------------------------------------------------------


def hf_config(config: str) -> Dataset:
    parts = [load_dataset(str(CORPUS), config, split=split) for split in sorted(RELEASE["counts"][config])]
    return concatenate_datasets(parts)


def datasets_answers(entity: str, cluster: str) -> tuple[Said, set[tuple[str, str]], set[str]]:
    claims, attributions = hf_config("claims"), hf_config("attributions")
    stance = attributions.features["stance"]
    by_claim: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for a in attributions:
        by_claim.setdefault(a["claim_uid"], []).append(a)
    q1: Said = set()
    for c in claims:
        found = by_claim.get(c["claim_uid"], [])
        rows = {
            (
                c["claim_uid"],
                a["attribution_uid"],
                a["speaker_kind"],
                a["speaker_entity_id"],
                stance.int2str(a["stance"]),
            )
            for a in found
        }
        q1 |= rows or {(c["claim_uid"], None, None, None, None)}
    outlets = {d["doc_id"]: d["outlet"] or "" for d in hf_config("documents").select_columns(["doc_id", "outlet"])}
    mentions = hf_config("mentions").filter(lambda m: m["entity_id"] == entity)
    q2 = {(m["mention_uid"], outlets[m["doc_id"]]) for m in mentions}
    q3 = {c["claim_uid"] for c in claims if c["cluster_id"] == cluster}
    return q1, q2, q3


# --- DuckDB ---------------------------------------------------------------------------------------


def duckdb_answers(entity: str, cluster: str) -> tuple[Said, set[tuple[str, str]], set[str]]:
    con = duckdb.connect()
    q1 = set(
        con.execute(
            f"""
            SELECT c.claim_uid, a.attribution_uid, a.speaker_kind, a.speaker_entity_id, a.stance_name
            FROM '{glob("claims")}' c LEFT JOIN '{glob("attributions")}' a ON a.claim_uid = c.claim_uid
            """
        ).fetchall()
    )
    q2 = set(
        con.execute(
            f"""
            SELECT m.mention_uid, coalesce(d.outlet, '')
            FROM '{glob("mentions")}' m JOIN '{glob("documents")}' d ON d.doc_id = m.doc_id
            WHERE m.entity_id = ?
            """,
            [entity],
        ).fetchall()
    )
    in_cluster = f"SELECT claim_uid FROM '{glob('claims')}' WHERE cluster_id = ?"
    q3 = {r[0] for r in con.execute(in_cluster, [cluster]).fetchall()}
    # The cluster's own list of members says the same.
    members = con.execute(
        f"SELECT unnest(members).claim_uid FROM '{glob('claim_clusters')}' WHERE cluster_id = ?", [cluster]
    ).fetchall()
    assert {r[0] for r in members} == q3
    return q1, q2, q3


# --- polars ---------------------------------------------------------------------------------------


def polars_answers(entity: str, cluster: str) -> tuple[Said, set[tuple[str, str]], set[str]]:
    claims, attributions = pl.read_parquet(glob("claims")), pl.read_parquet(glob("attributions"))
    said = claims.select("claim_uid").join(
        attributions.select("claim_uid", "attribution_uid", "speaker_kind", "speaker_entity_id", "stance_name"),
        on="claim_uid",
        how="left",
    )
    q1 = set(said.iter_rows())
    documents = pl.read_parquet(glob("documents")).select("doc_id", pl.col("outlet").fill_null(""))
    found = pl.read_parquet(glob("mentions")).filter(pl.col("entity_id") == entity).join(documents, on="doc_id")
    q2 = set(found.select("mention_uid", "outlet").iter_rows())
    q3 = set(claims.filter(pl.col("cluster_id") == cluster)["claim_uid"])
    return q1, q2, q3


# --- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No network, and a cache of its own, for this module only."""
    cache = tmp_path_factory.mktemp("hf")
    wanted = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(cache / "datasets")}
    before = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    yield
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_every_client_gives_the_same_answers(offline: None, entity: str, cluster: str) -> None:
    by_pandas = pandas_answers(entity, cluster)
    assert by_pandas == datasets_answers(entity, cluster)
    assert by_pandas == duckdb_answers(entity, cluster)
    assert by_pandas == polars_answers(entity, cluster)
    said, mentions, clustered = by_pandas
    # Not empty, and about what was asked: one row per attribution, plus one per claim without any.
    claims, attributions = pandas_config("claims"), pandas_config("attributions")
    with_none = len(set(claims["claim_uid"]) - set(attributions["claim_uid"]))
    assert len(said) == len(attributions) + with_none
    assert {c for c, *_ in said} == set(claims["claim_uid"])
    assert len({outlet for _, outlet in mentions}) > 1  # across outlets
    assert len({uid.split("/")[0] for uid in clustered}) > 1  # a cross-outlet cluster


def test_every_attribution_of_the_pages_has_a_speaker() -> None:
    """A resolved entity or the documented unnamed value; null only where the page gives no source."""
    attributions = pandas_config("attributions")
    kinds = Counter(attributions["speaker_kind"])
    assert set(kinds) <= {"entity", "unnamed", "no_source"}, kinds
    assert kinds["entity"] and kinds["unnamed"]
    has_source = attributions["source"].notna()
    assert ((attributions["speaker_kind"] == "no_source") == ~has_source).all()
    entities = pandas_config("entities").set_index("entity_id")
    named = attributions[attributions["speaker_kind"] == "entity"]
    assert named["speaker_entity_id"].isin(entities.index).all()
    assert (named["speaker_name"].to_numpy() == entities.loc[named["speaker_entity_id"], "name"].to_numpy()).all()
    # A pronoun source reaches an entity: the case the issue found broken.
    pronouns = named[named["source"].str.get("text").str.lower().isin(["he", "she", "it", "we"])]
    assert len(pronouns)
    assert pronouns["source"].str.get("mention_id").isna().all()


def test_the_speaker_of_a_source_with_a_mention_is_its_mentions_entity() -> None:
    attributions, mentions = pandas_config("attributions"), pandas_config("mentions")
    uids = attributions["source"].str.get("mention_uid")
    linked = attributions[uids.notna()].assign(mention_uid=uids[uids.notna()])
    joined = linked.merge(mentions[["mention_uid", "entity_id"]], on="mention_uid")
    assert len(joined) == len(linked)
    assert (joined["speaker_entity_id"] == joined["entity_id"]).all()


def test_the_speaker_columns_read_in_every_client(tmp_path: Path) -> None:
    con = duckdb.connect()
    rows = con.execute(f"SELECT speaker_kind, count(*) FROM '{glob('attributions')}' GROUP BY 1 ORDER BY 1").fetchall()
    assert dict(rows) == dict(Counter(pandas_config("attributions")["speaker_kind"]))


def test_a_speaker_survives_a_brat_round_trip_and_a_bad_one_is_said() -> None:
    """brat carries the speaker as a normalization of the source's span (schema 1.2)."""
    from newsclaims.annotation.interchange.convert import ann_to_gold, gold_to_ann
    from newsclaims.annotation.interchange.mapping import default_mapping
    from newsclaims.annotation.interchange.standoff import parse_ann
    from newsclaims.core.models import GoldFile

    path = sorted((REPO_ROOT / "annotations/gold").glob("*.json"))[0]
    gold = GoldFile.model_validate_json(path.read_bytes())
    text = next(
        (REPO_ROOT / "seeds" / e["file"]).read_bytes().decode("utf-8")
        for e in json.loads((REPO_ROOT / "seeds/manifest.json").read_text(encoding="utf-8"))["documents"]
        if e["doc_id"] == gold.doc_id
    )
    mapping = default_mapping()
    ann = gold_to_ann(gold, text, mapping)
    kwargs = {
        "file": "x.ann",
        "doc_id": gold.doc_id,
        "text_sha256": gold.text_sha256,
        "annotator": "a",
        "round_name": "r",
        "known_entities": {},
    }
    back = ann_to_gold(parse_ann(ann, "x.ann"), text, mapping, **kwargs)  # type: ignore[arg-type]
    speakers = {(a.source.entity_id, a.source.unnamed) for a in gold.attributions if a.source}
    assert {(a.source.entity_id, a.source.unnamed) for a in back.gold.attributions if a.source} == speakers
    broken = ann.replace(f"{mapping.entity_db}:_unnamed", f"{mapping.entity_db}:NotAnId", 1)
    assert broken != ann
    again = ann_to_gold(parse_ann(broken, "x.ann"), text, mapping, **kwargs)  # type: ignore[arg-type]
    assert [i.code for i in again.issues] == ["NC805"]
    assert "'NotAnId' is not an entity id" in again.issues[0].message


def card_block(marker: str) -> str:
    """The card's python block that holds ``marker``, pointed at the committed corpus."""
    card = (CORPUS / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in card.split("```python\n")[1:]]
    (block,) = [b for b in blocks if marker in b]
    return block.replace("path/to/corpus", str(CORPUS))


def test_the_cards_pandas_join_counts_claims_without_attributions(capsys: pytest.CaptureFixture[str]) -> None:
    """Its describe() of attributions per claim reaches 0 when a claim has none (a left join's NaN row is 1)."""
    code = card_block("import pandas as pd")
    exec(compile(code, "corpus/README.md", "exec"), {})
    printed = capsys.readouterr().out
    stats = dict(line.split() for line in printed.splitlines() if line.split()[:1] in (["count"], ["min"], ["max"]))
    split = code.split("data/{name}/", 1)[1].split("-*.parquet", 1)[0]
    claims = pd.concat([pd.read_parquet(p) for p in sorted((CORPUS / "data/claims").glob(f"{split}-*.parquet"))])
    attributions = pd.concat(
        [pd.read_parquet(p) for p in sorted((CORPUS / "data/attributions").glob(f"{split}-*.parquet"))]
    )
    per_claim = claims["claim_uid"].map(attributions["claim_uid"].value_counts()).fillna(0)
    assert (per_claim == 0).any()  # the corpus has such claims: the case the example must show
    assert float(stats["count"]) == len(claims)
    assert (float(stats["min"]), float(stats["max"])) == (0.0, per_claim.max())
