"""Claim clusters without hand edits: propose candidates for unclustered claims, apply decisions.

``propose`` lists, for every claim of a gold file that has no ``cluster_id``, the clusters of
its story and the unclustered claims of the story's other documents that read most alike
(``similarity``), as a decisions file (``ClusterDecisions``) whose ``decision`` fields a lead
fills in. ``apply_decisions``, ``assign`` and ``create`` turn decisions into edits of the gold
files and ``annotations/clusters.json``. Every edit is planned in memory, checked with the
validator's own rules and written only when the repository would still validate (all or
nothing); re-applying what is already there changes no byte. docs/clusters.md explains the
score, its limits and the file format.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import Field, TypeAdapter, ValidationError

from newsclaims.annotation.decisions import Refusal, Refused, read_decisions_file
from newsclaims.core.jsonio import model_dumps, write_text_atomic
from newsclaims.core.layout import Layout, display
from newsclaims.core.models import SCHEMA_VERSION, ClaimCluster, ClustersFile, GoldFile, Name, NonEmpty, Record
from newsclaims.core.problems import Problem
from newsclaims.schema.shape import parse_model
from newsclaims.validation.rules import Registries, check_registry_ids
from newsclaims.validation.sources import InvalidInputs, Sources, load_sources
from newsclaims.validation.stream import check_file

# -- the score ----------------------------------------------------------------------------------

METHOD = (
    "idf-weighted cosine over content-word unigrams and bigrams (NFKC, case-folded, stop words "
    "removed, final -s folded); idf over the story's claims and statements; a cluster scores "
    "its best of statement and members"
)

# Function words carry no claim: without them "Iran said it sent drones" and "drones sent by
# Iran" share every feature left. Reporting verbs stay: in a claim they are content.
_STOP = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP.split())

# Letters and digits, with inner hyphens and apostrophes kept inside the word (Su-35, Iran's).
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


def words(text: str) -> list[str]:
    """The content words of ``text``, in order, normalised.

    NFKC (a non-breaking space becomes a space, full-width letters plain), curly apostrophes
    straightened, case folded; a word is a run of letters and digits (emoji and punctuation
    separate words and are dropped). A possessive ``'s`` and, on words of four letters or
    more, a final ``-s`` (not ``-ss``) are folded, so "drones" meets "drone" and "Iran's"
    meets "Iran"; stop words are removed.
    """
    normal = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    out = []
    for word in _WORD.findall(normal):
        word = word.removesuffix("'s")
        if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word not in STOP_WORDS:
            out.append(word)
    return out


def features(text: str) -> frozenset[str]:
    """The unigrams and the bigrams of adjacent content words of ``text`` (``words``)."""
    ws = words(text)
    return frozenset([*ws, *(f"{a} {b}" for a, b in pairwise(ws))])


def idf_weights(texts: Iterable[frozenset[str]]) -> dict[str, float]:
    """Each feature's weight: ``1 + ln((n + 1) / (df + 1))`` over ``n`` texts (smoothed idf).

    A word every claim of the story shares (the story's protagonists) weighs 1, a word of one
    claim about ``1 + ln(n / 2)``.
    """
    df: Counter[str] = Counter()
    n = 0
    for fs in texts:
        df.update(fs)
        n += 1
    return {f: 1.0 + math.log((n + 1) / (k + 1)) for f, k in df.items()}


def similarity(a: frozenset[str], b: frozenset[str], weights: Mapping[str, float]) -> float:
    """The cosine of the two feature sets, each feature weighted by ``weights`` (1 if absent).

    ``sum(w² over shared) / sqrt(sum(w² over a) * sum(w² over b))``: 1 for the same features, 0
    for none shared. ``math.fsum`` makes the sums independent of set order (and so of the hash
    seed); the result is rounded to 4 decimals.
    """
    if not a or not b:
        return 0.0
    shared = math.fsum(weights.get(f, 1.0) ** 2 for f in a & b)
    if shared == 0.0:
        return 0.0
    norm = math.sqrt(math.fsum(weights.get(f, 1.0) ** 2 for f in a) * math.fsum(weights.get(f, 1.0) ** 2 for f in b))
    return round(min(1.0, shared / norm), 4)


# -- the decisions file -------------------------------------------------------------------------

Score = Annotated[float, Field(ge=0, le=1, description="Similarity, 0 (nothing shared) to 1, 4 decimals.")]


class ClusterCandidate(Record):
    """An existing cluster of the claim's story."""

    kind: Literal["cluster"] = Field(description="An existing cluster: decide `assign <cluster_id>`.")
    cluster_id: Name
    score: Score
    statement: NonEmpty = Field(description="The cluster's statement.")
    members: int = Field(ge=0, description="How many claims the cluster has.")
    matched: NonEmpty = Field(
        description="What scored best: `statement`, or the member claim as `<doc_id>/<claim_id>`."
    )


class ClaimCandidate(Record):
    """An unclustered claim of another document of the story, to form a new cluster with."""

    kind: Literal["claim"] = Field(description="An unclustered claim: decide `new <cluster_id> <statement>`.")
    doc_id: Name
    claim_id: Name
    score: Score
    text: NonEmpty = Field(description="The claim's fragments, joined by ' … '.")


Candidate = Annotated[ClusterCandidate | ClaimCandidate, Field(discriminator="kind")]


class ClaimProposal(Record):
    """One unclustered claim, its ranked candidates and the lead's decision."""

    doc_id: Name
    claim_id: Name
    story_id: Name = Field(description="The story of the claim's document.")
    text: NonEmpty = Field(description="The claim's fragments, joined by ' … '.")
    candidates: list[Candidate] = Field(description="Best first; ties by kind, then id.")
    decision: str = Field(
        default="",
        description='"" (undecided: skipped), "none", "assign <cluster_id>" or "new <cluster_id> <statement>".',
    )


# The decisions file's own format: it is no annotation file, and versions apart from them.
DecisionsFormat = Literal["newsclaims-cluster-decisions/1"]
DECISIONS_FORMAT: DecisionsFormat = "newsclaims-cluster-decisions/1"


class ClusterDecisions(Record):
    """What ``newsclaims clusters propose`` writes and ``newsclaims clusters apply`` reads."""

    format: DecisionsFormat = Field(description="The version of this file's format.")
    method: NonEmpty = Field(description="How the scores were computed.")
    claims: list[ClaimProposal] = Field(description="Sorted by doc_id, then claim_id.")


def decisions_dumps(decisions: ClusterDecisions) -> str:
    """The decisions file's text: the same data gives the same bytes."""
    return model_dumps(decisions)


# -- reading the repository ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRef:
    """A claim of a gold file, with its text and cluster."""

    doc_id: str
    claim_id: str
    story_id: str
    text: str
    cluster_id: str | None

    @property
    def ref(self) -> str:
        return f"{self.doc_id}/{self.claim_id}"


def claim_text(fragments: Iterable[str]) -> str:
    return " … ".join(fragments)


def claim_refs(sources: Sources) -> list[ClaimRef]:
    """Every claim of every gold file, by doc_id then claim_id."""
    out = []
    for doc_id in sorted(sources.gold):
        story = sources.documents[doc_id].entry.story_id
        for c in sources.gold[doc_id].claims:
            out.append(ClaimRef(doc_id, c.claim_id, story, claim_text(f.text for f in c.fragments), c.cluster_id))
    return sorted(out, key=lambda r: (r.doc_id, r.claim_id))


class ClusterError(Refused):
    """Refused; nothing was written. A refusal names a claim as ``doc_id/claim_id``, or a cluster."""


def _load(root: Path) -> Sources:
    try:
        return load_sources(root)
    except InvalidInputs as e:
        raise ClusterError(
            "the repository does not validate; fix these first (newsclaims validate --inputs-only):",
            problems=e.problems,
        ) from e


# -- propose ------------------------------------------------------------------------------------


def propose(root: Path, doc_ids: Sequence[str] = (), *, top: int = 5, min_score: float = 0.05) -> ClusterDecisions:
    """Candidates for every unclustered claim (of ``doc_ids`` only, when given), best first.

    A claim's candidates are the clusters of its story, each scored by the best of its
    statement and its members, and the unclustered claims of the story's other documents;
    at most ``top`` of them, each scoring at least ``min_score``.
    """
    if top < 1 or not 0 <= min_score <= 1:
        raise ClusterError(f"top {top} and min_score {min_score}: expected top >= 1 and 0 <= min_score <= 1")
    sources = _load(root)
    unknown = sorted(set(doc_ids) - set(sources.gold))
    if unknown:
        raise ClusterError(
            "no gold file for: " + ", ".join(unknown) + "; expected doc_ids of annotations/gold/<doc_id>.json"
        )
    refs = claim_refs(sources)
    members: dict[str, list[ClaimRef]] = {}
    for r in refs:
        if r.cluster_id is not None:
            members.setdefault(r.cluster_id, []).append(r)
    feats = {r.ref: features(r.text) for r in refs}
    statements = {cid: features(c.statement) for cid, c in sources.clusters.items()}
    stories = sorted({r.story_id for r in refs})
    weights = {
        s: idf_weights(
            [
                *(feats[r.ref] for r in refs if r.story_id == s),
                *(statements[cid] for cid, c in sources.clusters.items() if c.story_id == s),
            ]
        )
        for s in stories
    }
    wanted = set(doc_ids)
    proposals = []
    for claim in refs:
        if claim.cluster_id is not None or (wanted and claim.doc_id not in wanted):
            continue
        w, mine = weights[claim.story_id], feats[claim.ref]
        found: list[ClusterCandidate | ClaimCandidate] = []
        for cid in sorted(sources.clusters):
            cluster = sources.clusters[cid]
            if cluster.story_id != claim.story_id:
                continue
            best, matched = similarity(mine, statements[cid], w), "statement"
            for m in members.get(cid, []):
                score = similarity(mine, feats[m.ref], w)
                if score > best:
                    best, matched = score, m.ref
            found.append(
                ClusterCandidate(
                    kind="cluster",
                    cluster_id=cid,
                    score=best,
                    statement=cluster.statement,
                    members=len(members.get(cid, [])),
                    matched=matched,
                )
            )
        for other in refs:
            if other.cluster_id is None and other.story_id == claim.story_id and other.doc_id != claim.doc_id:
                found.append(
                    ClaimCandidate(
                        kind="claim",
                        doc_id=other.doc_id,
                        claim_id=other.claim_id,
                        score=similarity(mine, feats[other.ref], w),
                        text=other.text,
                    )
                )
        ranked = sorted((c for c in found if c.score >= min_score and c.score > 0), key=_rank)[:top]
        proposals.append(
            ClaimProposal(
                doc_id=claim.doc_id,
                claim_id=claim.claim_id,
                story_id=claim.story_id,
                text=claim.text,
                candidates=ranked,
            )
        )
    return ClusterDecisions(format=DECISIONS_FORMAT, method=METHOD, claims=proposals)


def _rank(c: ClusterCandidate | ClaimCandidate) -> tuple[float, int, str]:
    # Best first; on a tie an existing cluster before a new one, then by id.
    if isinstance(c, ClusterCandidate):
        return (-c.score, 0, c.cluster_id)
    return (-c.score, 1, f"{c.doc_id}/{c.claim_id}")


def write_decisions(path: Path, decisions: ClusterDecisions) -> None:
    write_text_atomic(path, decisions_dumps(decisions))


def read_decisions(path: Path) -> ClusterDecisions:
    """Read a decisions file; raises ``ClusterError`` locating every problem of its shape."""
    return read_decisions_file(path, ClusterDecisions, ClusterError, "a decisions file", _claim_of)


def _claim_of(raw: object, loc: tuple[int | str, ...]) -> tuple[str, tuple[int | str, ...]]:
    """A shape error of a decisions file, named by its claim (``doc_id/claim_id``) where it is in one."""
    if len(loc) >= 2 and loc[0] == "claims" and isinstance(loc[1], int) and isinstance(raw, dict):
        entry = raw["claims"][loc[1]]
        doc_id, claim_id = (entry.get("doc_id"), entry.get("claim_id")) if isinstance(entry, dict) else (None, None)
        ok = isinstance(doc_id, str) and isinstance(claim_id, str)
        return (f"{doc_id}/{claim_id}" if ok else f"claims[{loc[1]}]"), loc[2:]
    return "", loc


# -- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assign:
    cluster_id: str


@dataclass(frozen=True)
class New:
    cluster_id: str
    statement: str


@dataclass(frozen=True)
class Leave:
    """``none``: the claim stays without a cluster."""


Decision = Assign | New | Leave | None  # None: undecided

DECISION_FORMS = '"" (undecided), "none", "assign <cluster_id>" or "new <cluster_id> <statement>"'
_NAME: TypeAdapter[str] = TypeAdapter(Name)


def parse_decision(text: str) -> Decision:
    """The decision a ``decision`` field states; raises ValueError saying what was expected."""
    parts = text.strip().split(maxsplit=2)
    if not parts:
        return None
    verb = parts[0]
    if verb == "none" and len(parts) == 1:
        return Leave()
    if verb == "assign" and len(parts) == 2:
        _check_name(parts[1])
        return Assign(parts[1])
    if verb == "new" and len(parts) == 3:
        _check_name(parts[1])
        return New(parts[1], " ".join(parts[2].split()))
    if verb == "new" and len(parts) == 2:
        raise ValueError(f'{text!r} has no statement: expected "new {parts[1]} <statement>"')
    raise ValueError(f"{text!r} is not a decision: expected {DECISION_FORMS}")


def _check_name(name: str) -> None:
    """Refuse a cluster id the models would refuse (``core.models.Name``), saying what is expected."""
    try:
        _NAME.validate_python(name)
    except ValidationError:
        raise ValueError(
            f"cluster id {name!r} is not a valid name: expected 1 to 64 lower-case letters, digits, '_' or '-', "
            "starting with a letter or digit"
        ) from None


# -- planning and writing edits -----------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """What an apply, assign or create did (or, with nothing in ``written``, found already done)."""

    assigned: tuple[str, ...]  # claims given a cluster, as doc_id/claim_id
    created: tuple[str, ...]  # cluster ids added to clusters.json
    unchanged: tuple[str, ...]  # claims whose decision was already in the files
    undecided: tuple[str, ...]  # claims with an empty decision
    left: tuple[str, ...]  # claims decided "none"
    written: tuple[str, ...]  # files written, as problems name them


Outcome = Literal["assigned", "unchanged", "refused"]


class Where(NamedTuple):
    """Where a decision comes from, as a refusal names it: file, record, field."""

    path: str
    record: str
    field: str


@dataclass
class _Plan:
    """Edits gathered in memory: nothing touches the disk before ``commit``."""

    root: Path
    sources: Sources
    clusters: dict[str, ClaimCluster] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    assignments: dict[tuple[str, str], str] = field(default_factory=dict)  # (doc_id, claim_id) -> cluster_id
    refusals: list[Refusal] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.clusters = dict(self.sources.clusters)

    @property
    def layout(self) -> Layout:
        return Layout(self.root)

    def story_of(self, doc_id: str) -> str:
        return self.sources.documents[doc_id].entry.story_id

    def refuse(self, where: Where, message: str, fld: str | None = None) -> Literal["refused"]:
        self.refusals.append(Refusal(where.path, where.record, fld or where.field, message))
        return "refused"

    def create(self, where: Where, cluster: ClaimCluster) -> bool:
        """Add ``cluster`` unless it is there already with the same story and statement; False: refused."""
        cid = cluster.cluster_id
        known = self.clusters.get(cid)
        if known is None:
            self.clusters[cid] = cluster
            self.created.append(cid)
            return True
        if known.story_id != cluster.story_id:
            self.refuse(
                where,
                f"cluster {cid!r} already exists, of story {known.story_id!r}; "
                f"expected a new cluster_id for story {cluster.story_id!r}",
            )
            return False
        if known.statement != cluster.statement:
            self.refuse(
                where,
                f"cluster {cid!r} already exists with the statement {known.statement!r}; "
                f'expected "assign {cid}", or a new cluster_id',
            )
            return False
        return True

    def assign(self, where: Where, doc_id: str, claim_id: str, cluster_id: str, replace: bool) -> Outcome:
        """Plan ``doc_id/claim_id`` into ``cluster_id``: "refused" (with a refusal) when it cannot be."""
        gold = self.sources.gold.get(doc_id)
        if gold is None:
            msg = f"document {doc_id!r} has no gold file; expected a doc_id of annotations/gold/<doc_id>.json"
            return self.refuse(where, msg, "doc_id")
        claim = next((c for c in gold.claims if c.claim_id == claim_id), None)
        if claim is None:
            msg = f"claim {claim_id!r} is not in annotations/gold/{doc_id}.json; expected one of its claim ids"
            return self.refuse(where, msg, "claim_id")
        cluster = self.clusters.get(cluster_id)
        story = self.story_of(doc_id)
        if cluster is None:
            return self.refuse(
                where,
                f"cluster {cluster_id!r} is not in annotations/clusters.json; expected an existing cluster of "
                f'story {story!r}, or "new {cluster_id} <statement>" to create it',
            )
        if cluster.story_id != story:
            return self.refuse(
                where,
                f"cluster {cluster_id!r} is of story {cluster.story_id!r}; expected a cluster of story {story!r} "
                f"(the story of document {doc_id!r})",
            )
        if claim.cluster_id not in (None, cluster_id) and not replace:
            return self.refuse(
                where,
                f"claim is already in cluster {claim.cluster_id!r}; expected a claim without a cluster "
                "(propose again, or assign with --replace)",
            )
        self.assignments[(doc_id, claim_id)] = cluster_id
        return "unchanged" if claim.cluster_id == cluster_id else "assigned"

    def commit(self) -> tuple[str, ...]:
        """Check the planned files with the validator's rules and write the ones that change.

        clusters.json is written before the gold files: a cluster nobody cites yet breaks no
        rule, so a write cut short leaves a repository that still validates.
        """
        if self.refusals:
            raise ClusterError("refused; nothing was changed:", sorted(self.refusals, key=Refusal.order))
        lay = self.layout
        writes: list[tuple[Path, str]] = []
        clusters_text = self._clusters_text()
        if clusters_text is not None:
            writes.append((lay.clusters, clusters_text))
        for doc_id, gold in sorted(self._edited_gold().items()):
            writes.append((lay.gold / f"{doc_id}.json", model_dumps(gold)))
        self._check(writes)
        for path, text in writes:
            write_text_atomic(path, text, root=lay.root)
        return tuple(display(p) for p, _ in writes)

    def _clusters_text(self) -> str | None:
        if not self.created:
            return None
        listed = list(self.sources.clusters.values())
        for cid in self.created:  # in cluster_id order where the file is; appended otherwise
            keys = [c.cluster_id for c in listed]
            at = bisect.bisect_right(keys, cid) if keys == sorted(keys) else len(listed)
            listed.insert(at, self.clusters[cid])
        return model_dumps(ClustersFile(schema_version=SCHEMA_VERSION, clusters=listed))

    def _edited_gold(self) -> dict[str, GoldFile]:
        by_doc: dict[str, dict[str, str]] = {}
        for (doc_id, claim_id), cid in self.assignments.items():
            by_doc.setdefault(doc_id, {})[claim_id] = cid
        out = {}
        for doc_id, changes in by_doc.items():
            gold = self.sources.gold[doc_id]
            claims = [
                c.model_copy(update={"cluster_id": changes[c.claim_id]}) if c.claim_id in changes else c
                for c in gold.claims
            ]
            if claims != gold.claims:
                out[doc_id] = gold.model_copy(update={"claims": claims})
        return out

    def _check(self, writes: list[tuple[Path, str]]) -> None:
        """Every problem the validator would report in the files about to be written."""
        lay = self.layout
        found: list[Problem] = []
        clusters = self.sources.clusters
        for path, text in writes:
            if path == lay.clusters:
                label = display(path)
                parsed, problems = parse_model(label, text.encode(), ClustersFile)
                found += problems
                if parsed is not None:
                    found += check_registry_ids(label, [c.cluster_id for c in parsed.clusters], "cluster_id")
                    clusters = {c.cluster_id: c for c in parsed.clusters}
        docs = self.sources.documents
        registries = Registries.of(self.sources.entities, clusters, docs, set(docs))
        for path, text in writes:
            if path != lay.clusters:
                found += check_file(display(path), text.encode(), registries)
        if found:
            raise ClusterError("the result would not validate; nothing was changed:", problems=sorted(set(found)))


# -- the operations -----------------------------------------------------------------------------


def apply_decisions(root: Path, decisions: ClusterDecisions, label: str = "decisions") -> Applied:
    """Apply every decided claim of ``decisions``: all of them, or (``ClusterError``) none.

    ``label`` names the decisions file in refusals. A "new" cluster is created with the
    story of its claim's document; other decisions of the file may assign to it.
    """
    plan = _Plan(root, _load(root))
    parsed: list[tuple[ClaimProposal, str, Decision]] = []
    seen: set[tuple[str, str]] = set()
    for p in decisions.claims:
        record = f"{p.doc_id}/{p.claim_id}"
        if (p.doc_id, p.claim_id) in seen:
            msg = "the claim is listed twice; expected one entry per claim"
            plan.refusals.append(Refusal(label, record, "claim_id", msg))
            continue
        seen.add((p.doc_id, p.claim_id))
        try:
            decision = parse_decision(p.decision)
        except ValueError as e:
            plan.refusals.append(Refusal(label, record, "decision", str(e)))
            continue
        if p.doc_id in plan.sources.documents and (story := plan.story_of(p.doc_id)) != p.story_id:
            msg = f"story {p.story_id!r} is not the document's story {story!r}; expected {story!r} (propose again)"
            plan.refusals.append(Refusal(label, record, "story_id", msg))
            continue
        parsed.append((p, record, decision))
    refused: set[str] = set()  # its "new" was refused: say so once
    # Creations first, so that a claim of the file may be assigned to a cluster another one creates.
    for p, record, decision in parsed:
        if isinstance(decision, New):
            if p.doc_id not in plan.sources.documents:
                continue  # refused below, by assign
            cluster = ClaimCluster(
                cluster_id=decision.cluster_id, story_id=plan.story_of(p.doc_id), statement=decision.statement
            )
            if not plan.create(Where(label, record, "decision"), cluster):
                refused.add(record)
    assigned: list[str] = []
    unchanged: list[str] = []
    undecided: list[str] = []
    left: list[str] = []
    for p, record, decision in parsed:
        if record in refused:
            continue
        if decision is None:
            undecided.append(record)
        elif isinstance(decision, Leave):
            left.append(record)
        else:
            outcome = plan.assign(Where(label, record, "decision"), p.doc_id, p.claim_id, decision.cluster_id, False)
            (unchanged if outcome == "unchanged" else assigned).append(record)
    written = plan.commit()
    return Applied(tuple(assigned), tuple(plan.created), tuple(unchanged), tuple(undecided), tuple(left), written)


def assign(root: Path, doc_id: str, claim_id: str, cluster_id: str, *, replace: bool = False) -> Applied:
    """Put one claim into an existing cluster of its story (``replace``: even if it has another)."""
    plan = _Plan(root, _load(root))
    record = f"{doc_id}/{claim_id}"
    where = Where("command line", record, "cluster_id")
    outcome: Outcome = "refused"
    try:
        _check_name(cluster_id)
    except ValueError as e:
        plan.refuse(where, str(e))
    else:
        outcome = plan.assign(where, doc_id, claim_id, cluster_id, replace)
    written = plan.commit()
    if outcome == "unchanged":
        return Applied((), (), (record,), (), (), written)
    return Applied((record,), (), (), (), (), written)


def create(root: Path, cluster_id: str, story_id: str, statement: str, note: str | None = None) -> Applied:
    """Add a cluster to clusters.json; the same cluster again changes nothing."""
    plan = _Plan(root, _load(root))
    where = Where("command line", cluster_id, "cluster_id")
    statement = " ".join(statement.split())
    stories = sorted({d.entry.story_id for d in plan.sources.documents.values()})
    try:
        _check_name(cluster_id)
    except ValueError as e:
        plan.refuse(where, str(e))
    if story_id not in stories:
        msg = f"story {story_id!r} has no document; expected one of {', '.join(map(repr, stories))}"
        plan.refuse(where, msg, "story_id")
    if not statement:
        plan.refuse(where, "the statement is empty; expected a canonical, neutral wording of the claim", "statement")
    if not plan.refusals:
        plan.create(where, ClaimCluster(cluster_id=cluster_id, story_id=story_id, statement=statement, note=note))
    written = plan.commit()
    return Applied((), tuple(plan.created), (), (), (), written)


@dataclass(frozen=True)
class ClusterListing:
    """A cluster with its member claims (doc_id/claim_id, sorted)."""

    cluster: ClaimCluster
    members: tuple[ClaimRef, ...]


def list_clusters(root: Path, story_id: str | None = None) -> list[ClusterListing]:
    """Every cluster (of ``story_id`` only, when given) with its members, by cluster_id."""
    sources = _load(root)
    members: dict[str, list[ClaimRef]] = {}
    for r in claim_refs(sources):
        if r.cluster_id is not None:
            members.setdefault(r.cluster_id, []).append(r)
    return [
        ClusterListing(c, tuple(members.get(cid, ())))
        for cid, c in sorted(sources.clusters.items())
        if story_id is None or c.story_id == story_id
    ]
