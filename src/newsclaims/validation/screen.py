"""Which annotation files could break a record or span rule; the others skip ``rules.py``.

The rules explain a file's problems precisely, but in Python, record by record, and
over a corpus of mostly sound pages that walk was most of the validation time. The
screen answers only "can any rule of ``check_records`` or ``check_spans`` fail for
this file?", in compiled code (``_clean.c``): the file's ids, references, offsets,
slices and layer overlaps in one pass over its records and a sort per layer. A file
it passes has no problem (tested against the rules on random edits); a file it does
not pass goes through the rules, which write the messages: they remain the one
statement of what each rule means. It declines (False) whatever it was not written
for, such as integral float offsets, and every file with an unlinked mention (legal in a
round's annotator file, NC312 in gold: the rules know the file's place, ``rules.in_round``).

Without the compiled module (a machine that could not build it) nothing passes the
screen and every file goes through the rules: the same problems, more slowly.

Which rules it stands for is stated below (``SCREENED``), and which of NC2xx-NC5xx are
not its business, with the reason (``NOT_SCREENED``): a rule that ``check_records`` or
``check_spans`` runs but the screen does not know would never run on a file it passes.
``tests/test_screen.py`` fails while a code of those families is in neither, or while a
code of ``SCREENED`` has no break case there (CONTRIBUTING.md, "Adding a rule").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from newsclaims.validation.rules import Rec, Registries, file_stem, speaker_passes

_clean: Callable[[object, str, object, object, str | None], bool] | None
try:
    from newsclaims.validation._clean import clean as _clean
except ImportError:  # the tests force this path by setting _clean to None
    _clean = None

COMPILED = _clean is not None

# The rules _clean.c restates: all of check_spans, and the rules of check_records about the
# file's own records (ids, references, the order of a claim's fragments).
RESTATED = (
    frozenset(["NC201", "NC202", "NC203", "NC204", "NC205"])
    | frozenset(["NC301", "NC303", "NC304", "NC305", "NC306", "NC307", "NC308", "NC309", "NC310", "NC311"])
    # An unlinked mention is NC312 in gold and legal in a round's annotator file: _clean.c, which
    # is not given the file's place, declines every file with one, and the rules decide.
    | frozenset(["NC312"])
    | frozenset(["NC401", "NC402", "NC403", "NC404", "NC405", "NC406"])
)
# The rest of check_records, about which document the file annotates: ``passes`` checks them
# itself, in Python, before it asks _clean (which sees the text, not the file name or manifest);
# and the speakers of the attributions (NC313, NC314: schema 1.2), a loop over the few
# attributions that name an entity, which _clean.c was written before.
CHECKED_FIRST = frozenset(["NC501", "NC507", "NC508"]) | frozenset(["NC313", "NC314"])
# Every rule that a file the screen passes skips: every rule it must refuse a file for.
SCREENED = RESTATED | CHECKED_FIRST

# The other rules of NC2xx-NC5xx, by why they are not the screen's business: none is about
# one annotation file, and each is checked where its input is read, screen or no screen.
NOT_SCREENED: Mapping[str, frozenset[str]] = {
    "ids within entities.json or clusters.json, checked as they are read (check_registry_ids)": frozenset(["NC302"]),
    "seeds/manifest.json against the names in seeds/ (check_manifest_listing)": frozenset(["NC502", "NC503", "NC505"]),
    "one seed file's bytes, checked as the seed is read (check_seed)": frozenset(["NC504", "NC509"]),
    "all seed files together, merged after the documents (check_duplicate_bytes)": frozenset(["NC506"]),
    "annotations/splits.json against the manifest's stories, checked as it is read (check_splits)": frozenset(
        ["NC511", "NC512", "NC513"]
    ),
    "the folders of the repository and round.json, checked as they are listed (folders.py)": frozenset(["NC510"]),
}


def passes(label: str, gold: Rec, reg: Registries) -> bool:
    """True when no rule of ``check_records`` or ``check_spans`` (``SCREENED``) can fail for this file."""
    documents = reg.documents
    if _clean is None or documents is None:  # a gold that is not a dict: _clean declines it
        return False
    doc_id = gold["doc_id"]
    if file_stem(label) != doc_id:  # NC508
        return False
    doc = documents.get(doc_id)
    if doc is None or gold["text_sha256"] != doc.text_sha256:  # NC507, NC501
        return False
    if reg.entity_labels is None or not speaker_passes(gold, reg.entity_labels):  # NC313, NC314
        return False
    return bool(_clean(gold, doc.text, reg.entity_labels, reg.cluster_stories, doc.entry.story_id))
