"""The label vocabulary: the one place where every label and its definition lives.

JSON Schema, the field reference, Label Studio configs, dataset features and the
guidelines' tables are all generated from these enums. Change a label here, then
run ``newsclaims schema`` (and rebuild); tests fail while a generated file drifts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self, cast

if TYPE_CHECKING:  # pydantic calls the hook below; the vocabulary itself does not need it
    from pydantic import GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema


class Vocab(StrEnum):
    """A string enum whose members carry a one-line definition.

    Members are declared as ``NAME = "value", "definition"``; the value is what is
    stored in files, the definition is shown to annotators and in the docs.
    """

    definition: str

    def __new__(cls, value: str, definition: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.definition = definition
        return member

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # Non-Python consumers (editors, check-jsonschema users) see the definitions too.
        schema: dict[str, Any] = handler.resolve_ref_schema(handler(core))
        schema["enumDescriptions"] = [m.definition for m in cls]
        return schema

    @classmethod
    def of(cls, value: str) -> Self:
        """The member with this stored value (``ValueError`` if there is none)."""
        member = cls._value2member_map_.get(value)
        if member is None:
            raise ValueError(f"{value!r} is not a {cls.__name__}: expected one of {', '.join(cls.values())}")
        return cast(Self, member)

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def definitions(cls) -> dict[str, str]:
        return {m.value: m.definition for m in cls}


class EntityLabel(Vocab):
    """Types of entity mentions (OntoNotes-style, with WEAPON split from PRODUCT)."""

    PERSON = "PERSON", "A named individual person, without titles or roles."
    NORP = (
        "NORP",
        "A nationality, religious or political group used as a name or adjective (Iranian, Western).",
    )
    ORG = "ORG", "A named organisation: government body, agency, company, outlet, armed force, group."
    GPE = "GPE", "A geopolitical entity: a country, city or state, including its use for its government."
    LOC = "LOC", "A non-political location: region, sea, mountain range (Caspian Sea region, Middle East)."
    FAC = "FAC", "A named facility or built site: airport, base, plant, zone (Mehrabad airport)."
    WEAPON = (
        "WEAPON",
        "A named weapon model or system, or a generic weapon type used as a name (Shahid 136, Su-35).",
    )
    PRODUCT = "PRODUCT", "A named product, vehicle or technology that is not a weapon."
    EVENT = "EVENT", "A named or uniquely identifiable event: a war, an invasion, a summit, a trip."
    LAW = "LAW", "A named legal or diplomatic instrument: treaty, resolution, deal, sanctions law."
    DATE = "DATE", "An absolute or relative date or period (Friday, July 2022, since August)."
    MONEY = "MONEY", "A monetary amount with its unit ($275 million, billions of dollars)."
    QUANTITY = (
        "QUANTITY",
        "A count or measurement, without the counted noun (around 400, at least 10, hundreds).",
    )


class NoiseCategory(Vocab):
    """Categories of page chrome: text that is on the page but not part of the article."""

    HEADLINE_LIST = "headline_list", "A list of headlines of other, unrelated stories (aggregator pages)."
    NAVIGATION = "navigation", "Site navigation, section names and menu words (Home World, Fifa World Cup)."
    RELATED_LINKS = (
        "related_links",
        "Links or teasers to other stories: ALSO READ lines, related-story lists.",
    )
    SOCIAL_SHARE = "social_share", "Share-button words and social-media names (facebook twitter whatsapp)."
    PROMO = "promo", "Self-promotion of the outlet: follow us, subscribe, newsletter, app prompts."
    COMMENTS = "comments", "Comment boxes, comment headers, moderation disclaimers, 'Leave a Reply'."
    AUTHOR_BIO = "author_bio", "A biography of the author and its widget text."
    BYLINE = "byline", "Author and agency credits and sign-offs (By AFP, Reporting by …, L.Carrico--PC)."
    METADATA = (
        "metadata",
        "Publication metadata: date and section lines, published/updated lines, font-size widgets.",
    )
    CAPTION = "caption", "Photo captions, photo credits and image alt text."
    MASTHEAD = "masthead", "The name of the publication printed as a masthead (Calgary Herald)."
    TAGS = "tags", "Tag and keyword lists and their header (TAGS)."
    FOOTER = "footer", "Page or edition footers (Newspapers in English, Newspapers from Canada)."
    ADVERTISEMENT = "advertisement", "Advertising and sponsored content."
    OTHER = "other", "Chrome that fits no other category; say what it is in the span's note."


class QuoteType(Vocab):
    """How the content of an attribution is rendered."""

    DIRECT = "direct", "The content is quoted verbatim inside quotation marks."
    INDIRECT = "indirect", "The content is paraphrased or reported without quotation marks."
    MIXED = "mixed", "The content mixes paraphrase with quoted words or phrases."


class Stance(Vocab):
    """The stance of the source toward the content it is credited with."""

    ASSERTS = "asserts", "The source states or endorses the content as true."
    DENIES = "denies", "The source rejects the content as false."
    HEDGES = "hedges", "The source presents the content as possible or uncertain (may, could, reportedly)."
    UNCOMMITTED = (
        "uncommitted",
        "The source reports the content without committing to it (would not confirm, unable to verify).",
    )


class Split(Vocab):
    """The split a story's pages are in (annotations/splits.json); no story straddles two."""

    TRAIN = "train", "For training models."
    VALIDATION = "validation", "For choosing models and settings while training."
    TEST = "test", "For evaluation only: never trained or tuned on."


ALL_VOCABS: tuple[type[Vocab], ...] = (EntityLabel, NoiseCategory, QuoteType, Stance, Split)
