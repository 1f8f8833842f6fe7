"""``newsclaims synth``: a deterministic synthetic repository shaped like the real one.

N pages of about 3 KB, each with about 25 mentions, 6 claims, 4 attributions and
5 noise spans, claims clustered across the pages of a story, written in exactly
the repository's formats (seeds + manifest, gold files, registries, CHANGELOG), so
``validate``, ``build`` and the benchmark treat it like the repository itself.
``errors=K`` breaks K pages per rule family on purpose and lists each broken
rule's expected location in ``injected.json``.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.jsonio import dumps
from newsclaims.core.paths import make_temp_folder
from newsclaims.core.patterns import SCHEMA_VERSION

FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "Dmitri",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luis",
    "Mira",
    "Nils",
    "Omar",
    "Petra",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
]
LAST = [
    "Adler",
    "Brandt",
    "Costa",
    "Dumas",
    "Eklund",
    "Ferro",
    "Gallo",
    "Haas",
    "Ivanova",
    "Jensen",
    "Kaya",
    "Lind",
    "Moreau",
    "Novak",
    "Ortiz",
    "Petrov",
]
PLACES = [
    "Arvenia",
    "Belstad",
    "Corvia",
    "Dalmora",
    "Estavia",
    "Feldland",
    "Gorvak",
    "Halden",
    "Istria",
    "Jorvik",
    "Kalmar",
    "Lunde",
]
ORGS = ["Ministry", "Council", "Agency", "Institute", "Union", "Bureau", "Alliance", "Committee"]
FILLER = (
    "Officials met again later in the week to discuss the matter in more detail. "
    "The talks were described by several participants as long and at times difficult. "
    "No timetable for a final agreement has been published so far. "
)
STORY_SIZE = 5  # pages per story; claims of a story are clustered across its pages


@dataclass
class _Page:
    """A page being written: text and the spans recorded while writing it."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    mentions: list[dict[str, Any]] = field(default_factory=list)
    noise: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    attributions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def span(self, text: str) -> dict[str, Any]:
        start, end = self.add(text)
        return {"start": start, "end": end, "text": text}

    def mention(self, text: str, label: str, entity: str) -> dict[str, Any]:
        s = self.span(text)
        self.mentions.append({"mention_id": f"m{len(self.mentions) + 1:03d}", **s, "label": label, "entity_id": entity})
        return self.mentions[-1]

    def noise_line(self, text: str, category: str) -> None:
        self.noise.append({"noise_id": f"n{len(self.noise) + 1:03d}", **self.span(text), "category": category})
        self.add("\n")

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class Entities:
    people: list[tuple[str, str]]  # (name, id)
    places: list[tuple[str, str]]
    orgs: list[tuple[str, str]]

    def registry(self) -> list[dict[str, Any]]:
        rows = [(i, n, "PERSON") for n, i in self.people] + [(i, n, "GPE") for n, i in self.places]
        rows += [(i, n, "ORG") for n, i in self.orgs] + [("date-friday", "Friday", "DATE")]
        return [{"entity_id": i, "label": lab, "name": n, "wikidata": None} for i, n, lab in sorted(rows)]


def _entities() -> Entities:
    people = [(f"{f} {last}", f"p-{f.lower()}-{last.lower()}") for f in FIRST for last in LAST]
    places = [(p, f"g-{p.lower()}") for p in PLACES]
    orgs = [(f"{p} {o}", f"o-{p.lower()}-{o.lower()}") for p in PLACES for o in ORGS]
    return Entities(people, places, orgs)


def _page(rng: random.Random, ents: Entities, story: int, index: int) -> tuple[_Page, list[str]]:
    """One page; returns it and the cluster id of each claim (None for unclustered)."""
    page = _Page()
    page.noise_line(f"date 2024-0{1 + story % 9}-1{index % 10} Home World", "metadata")
    page.add(FILLER + "\n")
    clusters: list[str] = []
    for k in range(6):
        person, pid = rng.choice(ents.people)
        place, gid = rng.choice(ents.places)
        org, oid = rng.choice(ents.orgs)
        other, oid2 = rng.choice(ents.places)
        attributed = k < 4
        if attributed:
            src = page.mention(person, "PERSON", pid)
            page.add(" of the ")
            page.mention(org, "ORG", oid)
            page.add(" ")
            cue = page.span("said")
            page.add(" on ")
            page.mention("Friday", "DATE", "date-friday")
            page.add(' that "')
        else:
            page.add("According to the page itself, ")
        c_start = page.length
        page.mention(place, "GPE", gid)
        page.add(f" will send {rng.randint(2, 900)} advisers to ")
        page.mention(other, "GPE", oid2)
        page.add(" before the end of the year, and ")
        page.mention(org, "ORG", oid)
        page.add(" will pay for it")
        c_end = page.length
        claim_id = f"c{k + 1:03d}"
        text_now = page.text
        page.claims.append(
            {
                "claim_id": claim_id,
                "fragments": [{"start": c_start, "end": c_end, "text": text_now[c_start:c_end]}],
                "cluster_id": f"s{story:05d}-k{k}" if k < 3 else None,
                "checkworthy": True,
            }
        )
        if k < 3:
            clusters.append(f"s{story:05d}-k{k}")
        if attributed:
            page.attributions.append(
                {
                    "attribution_id": f"a{k + 1:03d}",
                    "claim_id": claim_id,
                    "source": {**{key: src[key] for key in ("start", "end", "text")}, "mention_id": src["mention_id"]},
                    "cue": cue,
                    "quote_type": "direct",
                    "stance": "asserts",
                }
            )
            page.add('".\n')
        else:
            page.add(".\n")
        page.add(FILLER + "Further meetings are planned for the coming month.\n")
    page.noise_line("By Synthetic Wire", "byline")
    page.noise_line("ALSO READ | Another story that is not this one", "related_links")
    page.noise_line("facebook twitter whatsapp", "social_share")
    page.noise_line("Newspapers in English", "footer")
    return page, clusters


def _inject(gold: dict[str, Any], family: int) -> tuple[str, str, str]:
    """Break one rule of a family in a gold dict; returns (code, record, field)."""
    m = gold["mentions"][0]
    if family == 1:
        m["label"] = "HUMAN"
        return "NC103", m["mention_id"], "label"
    if family == 2:
        m["text"] = m["text"][::-1] + "x"
        return "NC203", m["mention_id"], "span"
    if family == 3:
        m["entity_id"] = "no-such-entity"
        return "NC303", m["mention_id"], "entity_id"
    if family == 4:
        last = gold["noise"][-1]
        gold["noise"].append({**last, "noise_id": "n999"})
        return "NC401", "n999", "span"
    gold["text_sha256"] = "0" * 64
    return "NC501", gold["doc_id"], "text_sha256"


def synthesize(n: int, out: Path, seed: int = 0, errors: int = 0) -> dict[str, Any]:
    """Write the synthetic repository into ``out`` (replaced whole); returns what was written."""
    rng = random.Random(seed)
    ents = _entities()
    # Written beside its place and renamed into it whole: a temporary folder elsewhere (another
    # file system) could not be renamed, so a missing parent is made first.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_folder(out.parent, f".{out.name}-")
    try:
        (tmp / "seeds").mkdir()
        (tmp / "annotations" / "gold").mkdir(parents=True)
        manifest, clusters, injected = [], {}, []
        broken = {family: set(range(family - 1, min(n, 5 * errors), 5)) for family in range(1, 6)}
        for i in range(n):
            story = i // STORY_SIZE
            page, cluster_ids = _page(rng, ents, story, i)
            text = page.text
            data = text.encode("utf-8")
            doc_id = f"{i:07d}_{hashlib.sha256(data).hexdigest()[:12]}"
            (tmp / "seeds" / f"{doc_id}.txt").write_bytes(data)
            manifest.append(
                {
                    "doc_id": doc_id,
                    "file": f"{doc_id}.txt",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "story_id": f"story-{story:05d}",
                    "outlet": "Synthetic Wire",
                    "title": None,
                    "published": None,
                    "url": None,
                    "language": "en",
                    "notes": f"synthetic page {i} (seed {seed})",
                }
            )
            for cid in cluster_ids:
                clusters[cid] = {"cluster_id": cid, "story_id": f"story-{story:05d}", "statement": f"Claim {cid}."}
            gold = {
                "schema_version": SCHEMA_VERSION,
                "doc_id": doc_id,
                "text_sha256": hashlib.sha256(data).hexdigest(),  # text has only \n line ends
                "provenance": {"annotators": ["synth"], "rounds": [], "method": f"newsclaims synth, seed {seed}"},
                "mentions": page.mentions,
                "claims": page.claims,
                "attributions": page.attributions,
                "noise": page.noise,
            }
            for family, indices in broken.items():
                if i in indices:
                    code, record, fld = _inject(gold, family)
                    injected.append(
                        {"code": code, "path": f"annotations/gold/{doc_id}.json", "record": record, "field": fld}
                    )
            (tmp / "annotations" / "gold" / f"{doc_id}.json").write_text(dumps(gold), encoding="utf-8")
        (tmp / "seeds" / "manifest.json").write_text(
            dumps({"schema_version": SCHEMA_VERSION, "documents": manifest}), encoding="utf-8"
        )
        (tmp / "annotations" / "entities.json").write_text(
            dumps({"schema_version": SCHEMA_VERSION, "entities": ents.registry()}), encoding="utf-8"
        )
        (tmp / "annotations" / "clusters.json").write_text(
            dumps({"schema_version": SCHEMA_VERSION, "clusters": [clusters[k] for k in sorted(clusters)]}),
            encoding="utf-8",
        )
        stories = sorted({str(e["story_id"]) for e in manifest})
        (tmp / "annotations" / "splits.json").write_text(
            dumps({"schema_version": SCHEMA_VERSION, "splits": [{"story_id": s, "split": "test"} for s in stories]}),
            encoding="utf-8",
        )
        (tmp / "CHANGELOG.md").write_text("# Changelog\n\n## corpus 0.0.1 — synthetic\n", encoding="utf-8")
        (tmp / "injected.json").write_text(
            dumps(sorted(injected, key=lambda x: (x["path"], x["code"]))), encoding="utf-8"
        )
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"documents": n, "injected": len(injected)}
