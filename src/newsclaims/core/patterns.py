"""Names, patterns and the schema version: what the models and the hot path of validate share.

Plain strings and functions, no pydantic: ``newsclaims validate`` reads them on every run,
and a file that passes the generated JSON Schema never needs the models (``core.models``).
Also how entity names are compared (``surface_key``), which linking, its proposals and
their agreement share across the annotation layers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, get_args

END_GUARD = "(?!\\n)"


def whole(body: str) -> str:
    """A pattern matching the whole string, with the same meaning in every regex dialect.

    JSON Schema patterns are ECMA-262, where ``$`` is the end of input; Python's
    ``re`` (used by the ``jsonschema`` package, and by pydantic here) also lets
    ``$`` match before a final newline. The look-ahead closes that gap.
    """
    return f"^{body}${END_GUARD}"


def native(pattern: str) -> str:
    """``pattern`` for pydantic's Rust engine, where ``$`` is already the end of input.

    The models validate with Rust's linear-time ``regex``, faster than Python's ``re`` over
    a large manifest; ``schema.jsonschema`` puts the guard back into every exported
    pattern, so the JSON Schema files, and Python's ``re`` elsewhere, see ``whole``'s form.
    """
    return pattern.removesuffix(END_GUARD)


# Anything that may end up in a file path (doc ids, round and annotator names)
# and every record id: lower-case, no dots, no slashes, so "../x" can never pass.
NAME_PATTERN = whole("[a-z0-9][a-z0-9_-]{0,63}")
SEED_FILE_PATTERN = whole("[A-Za-z0-9][A-Za-z0-9_-]{0,99}\\.txt")
SHA256_PATTERN = whole("[0-9a-f]{64}")
WIKIDATA_PATTERN = whole("Q[1-9][0-9]*")
LANGUAGE_PATTERN = whole("[a-z]{2,3}")
URL_PATTERN = whole("https?://\\S+")

# The versions a file may pin: the first is the one every writer writes, the others are still
# read. 1.1 (issue #18) lets a mention of a round's annotator file be unlinked (entity_id null,
# with the annotator's proposed_entity) and gives registry entities aliases; every 1.0 file is
# a valid 1.1 file, so both are read with the same models. 1.2 (issue #20) gives an attribution's
# source the entity it is (`entity_id`, for pronouns and descriptions too) or marks it `unnamed`;
# both are left out of a file that does not use them, so 1.0 and 1.1 files are read as they are.
SchemaVersion = Literal["1.2", "1.1", "1.0"]
SCHEMA_VERSION: SchemaVersion = get_args(SchemaVersion)[0]

# How entity names are compared (entity linking, the grouping of proposals, linking agreement).
NORMALISATION = (
    "NFKC, case-folded, a possessive 's dropped, dashes and underscores read as spaces, every other "
    "punctuation mark and symbol (emoji included) dropped, whitespace collapsed"
)
_POSSESSIVE = re.compile(r"(?<=\w)'s(?!\w)")


def surface_key(text: str) -> str:
    """A name as entity linking compares it (``NORMALISATION``); "" when nothing is left.

    "Ines Castellanos-Rudd" with a non-breaking space, "ines castellanos rudd" and
    "ines-castellanos-rudd" are one key, as are "Iran's" and "IRAN", "U.S." and "US"; an emoji
    or a quotation mark is no part of a name.
    """
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'").casefold()
    folded = _POSSESSIVE.sub("", folded)
    kept = []
    for ch in folded:
        kind = unicodedata.category(ch)
        if kind in ("Pd", "Pc"):
            kept.append(" ")
        elif kind[0] not in "PS":
            kept.append(ch)
    return " ".join("".join(kept).split())
