"""Which annotation files could break a record or span rule; the others skip ``rules.py``.

The rules explain a file's problems precisely, but in Python, record by record, and
over a corpus of mostly sound pages that walk was most of the validation time. The
screen answers only "can any rule of ``check_records`` or ``check_spans`` fail for
this file?", in compiled code (``_clean.c``): the file's ids, references, offsets,
slices and layer overlaps in one pass over its records and a sort per layer. A file
it passes has no problem (tested against the rules on random edits); a file it does
not pass goes through the rules, which write the messages: they remain the one
statement of what each rule means. It declines (False) whatever it was not written
for, such as integral float offsets.

Without the compiled module (a machine that could not build it) nothing passes the
screen and every file goes through the rules: the same problems, more slowly.
"""

from __future__ import annotations

from collections.abc import Callable

from newsclaims.validation.rules import Rec, Registries, file_stem

_clean: Callable[[object, str, object, object, str | None], bool] | None
try:
    from newsclaims.validation._clean import clean as _clean
except ImportError:  # the tests force this path by setting _clean to None
    _clean = None

COMPILED = _clean is not None


def passes(label: str, gold: Rec, reg: Registries) -> bool:
    """True when no rule of ``check_records`` or ``check_spans`` can fail for this file."""
    documents = reg.documents
    if _clean is None or documents is None:  # a gold that is not a dict: _clean declines it
        return False
    doc_id = gold["doc_id"]
    if file_stem(label) != doc_id:  # NC508
        return False
    doc = documents.get(doc_id)
    if doc is None or gold["text_sha256"] != doc.text_sha256:  # NC507, NC501
        return False
    return bool(_clean(gold, doc.text, reg.entity_labels, reg.cluster_stories, doc.entry.story_id))
