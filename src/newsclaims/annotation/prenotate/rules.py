"""A rule-based pre-annotator: page noise, claims, attributions and entity mentions guessed from the text.

Its output is what Label Studio shows as predictions ("--predictions rules") for an
annotator to correct; it never reads a gold file. Every rule is a generic pattern of
page chrome or of reporting syntax (schema/GUIDELINES.md, sections 1 and 5), never a
string of a particular page. How good the guesses are is measured against the gold
files by :func:`evaluation` (``scripts/prenotate_report.py`` writes the report).

Everything is a line-by-line or sentence-by-sentence scan with look-arounds of
bounded length, so the cost is linear in the length of the text; nothing compares
spans pairwise.

* :func:`noise_spans` — page chrome by line patterns, adjacent lines of one category
  merged into one span (blank lines do not split a block, content does).
* :func:`claim_candidates` — quotations and reporting cues with the nearest source
  noun phrase, outside the predicted noise.
* :func:`prenotate` — both, as a :class:`~newsclaims.core.models.GoldFile` that passes the
  span and layer rules of ``newsclaims validate`` (candidates that would break one are
  dropped, never emitted).
* :func:`entity_mentions` / :func:`prenotate_entities` — for the entities pass: every name and
  alias of the registry's entities found in the text (word-bounded, outside the predicted
  noise), linked to its entity, and dates, money and quantities by pattern, unlinked. The
  registry is the only input besides the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from newsclaims.core.models import Attribution, Claim, Entity, GoldFile, Mention, NoiseSpan, Provenance, Source, Span
from newsclaims.core.patterns import SCHEMA_VERSION
from newsclaims.core.spans import Cover, Interval
from newsclaims.core.vocab import EntityLabel, NoiseCategory, QuoteType, Stance

ANNOTATOR = "rules"
METHOD = (
    "Rule-based pre-annotation by newsclaims.annotation.prenotate (line patterns for page noise; quotations and "
    "reporting cues with the nearest source noun phrase for claims and attributions); unreviewed."
)
ENTITY_METHOD = (
    "Rule-based pre-annotation by newsclaims.annotation.prenotate for the entities pass (every name and alias "
    "of annotations/entities.json found in the text, with its entity id; dates, money and quantities by "
    "pattern, unlinked); unreviewed."
)

# ---------------------------------------------------------------------------------------------
# Small helpers


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``start:end`` shrunk to its first and last non-space character; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _make(text: str, start: int, end: int) -> Span | None:
    s = _span(text, start, end)
    return None if s is None else Span(start=s[0], end=s[1], text=text[s[0] : s[1]])


@dataclass(frozen=True)
class Line:
    start: int  # first non-space character
    end: int  # after the last non-space character
    text: str
    blank_before: bool  # a blank line separates it from the previous non-blank line


def _lines(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    blank = False
    for raw in text.split("\n"):
        s = _span(text, pos, pos + len(raw))
        if s is None:
            blank = True
        else:
            out.append(Line(s[0], s[1], text[s[0] : s[1]], blank))
            blank = False
        pos += len(raw) + 1
    return out


# ---------------------------------------------------------------------------------------------
# Noise

N = NoiseCategory

_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th)?\s+(?:" + _MONTHS + r")\.?,?\s+\d{4}"
    r"|(?:" + _MONTHS + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})"
)
_NAME = r"[A-Z][\w.'\u2019-]*"
# A photo credit closing a line: "(Photo | AP)", "(File Photo)", "(Express illustrations)", "(Reuters)".
_CREDIT = (
    r"\((?:(?:File\s+)?(?:Photos?|Image|Picture|Illustrations?)\b"
    r"|[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?\s+(?:[Pp]hotos?|[Ii]llustrations?|[Ii]mage)\b"
    r"|(?:AP|AFP|Reuters|PTI|ANI|Getty Images|EPA|IANS|Xinhua|Shutterstock)\b)[^()]{0,40}\)\s*$"
)

# One line, one category: (category, pattern over the stripped line, maximum length of the line).
_LINE_RULES: list[tuple[NoiseCategory, re.Pattern[str], int]] = [
    (
        N.METADATA,
        re.compile(r"(?:Published|Updated|Last [Uu]pdated|Posted|First published|Last modified)\s*(?:on|at)?\s*:"),
        300,
    ),
    (N.METADATA, re.compile(r".*\bA\s*\+\s*A\s*-\s*$"), 300),
    (N.METADATA, re.compile(r"(?:[Dd]ate\s*:?\s*)?" + _DATE + r"(?:\s+[A-Z][\w&'-]*){0,4}(?:\s*\|.*)?$"), 120),
    (N.METADATA, re.compile(r"\d+\s+min(?:ute)?s?\s+read$", re.IGNORECASE), 40),
    (
        N.RELATED_LINKS,
        re.compile(
            r"(?:ALSO READ|Also Read|Also read|READ MORE|Read More|Read more|READ ALSO|Read Also|Read also"
            r"|RELATED|Related|SEE ALSO|See also|WATCH|MORE FROM|Recommended)\s*[|:>»\-\u2013]"
        ),
        300,
    ),
    (
        N.BYLINE,
        re.compile(
            r"By\s+" + _NAME + r"(?:\s+" + _NAME + r"|\s+(?:and|&|de|van|von|bin|al)){0,5}"
            r"(?:\s*[,|/]\s*" + _NAME + r"(?:\s+" + _NAME + r"){0,3})?$"
        ),
        80,
    ),
    (
        N.BYLINE,
        re.compile(
            r"(?:Additional\s+)?(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Cc]ompiled|[Ww]ritten|[Ee]dited)\s+by\s+\S"
        ),
        160,
    ),
    (N.BYLINE, re.compile(r"[-\u2013\u2014]+\s*[A-Z][A-Z.'\u2019-]*(?:\s+[A-Z][A-Z.'\u2019-]*)+$"), 100),
    (
        N.BYLINE,
        re.compile(
            r"[A-Z]\.\s?[A-Z][A-Za-z'\u2019-]+(?:\s*/\s*[A-Z]\.\s?[A-Z][A-Za-z'\u2019-]+)*\s*-{1,2}\s*[A-Z]{1,4}$"
        ),
        60,
    ),
    (N.BYLINE, re.compile(r"[a-z]{2,4}(?:-[a-z]{2,4})?(?:/[a-z]{2,4})+$"), 30),
    (
        N.PROMO,
        re.compile(
            r"(?:Subscribe|Sign up)\b|.*\b(?:[Ff]ollow us\b|[Ss]ubscribe (?:to|for|now)\b|our (?:\w+ )?newsletter"
            r"|[Ss]ign up (?:for|to) (?:our|the)\b|[Dd]ownload (?:the|our) app)"
        ),
        160,
    ),
    (
        N.PROMO,
        re.compile(r".*\b[Ww]e are (?:now )?on (?:Telegram|WhatsApp|Whatsapp|Instagram|Google News|Twitter)"),
        160,
    ),
    (N.TAGS, re.compile(r"(?:TAGS|Tags|TOPICS|Topics|Keywords|KEYWORDS)\s*:?\s*$"), 20),
    (N.TAGS, re.compile(r"(?:Tags|TAGS|Topics|Keywords)\s*:\s*\S"), 300),
    (
        N.COMMENTS,
        re.compile(
            r"(?:\d+\s+)?(?:Comments?|COMMENTS?|Leave a [Rr]eply|Leave a [Cc]omment|Post a [Cc]omment|Add a [Cc]omment"
            r"|Join the (?:conversation|discussion)|Show [Cc]omments|View [Cc]omments)\s*:?$"
        ),
        40,
    ),
    (N.COMMENTS, re.compile(r"Disclaimer\s*:.*\bcomments?\b"), 1500),
    (
        N.COMMENTS,
        re.compile(r".*\b(?:views expressed in (?:the )?comments|comments? (?:will be|are|is) moderated)\b"),
        1500,
    ),
    (N.COMMENTS, re.compile(r".*\b(?:moderating|posting) (?:your |of )?comments\b"), 1500),
    (N.AUTHOR_BIO, re.compile(r"The following (?:\w+ )?tabs? change content below\.?$|About the [Aa]uthor:?$"), 80),
    (N.CAPTION, re.compile(r".*" + _CREDIT), 250),
    (N.CAPTION, re.compile(r"(?:Photo|PHOTO|Image|IMAGE|File photo|Picture)\s*(?:credit)?\s*[:|]\s*\S"), 200),
    (N.FOOTER, re.compile(r"Newspapers (?:in|from) [A-Z]\w*(?: [A-Z]\w*)*$"), 60),
    (N.FOOTER, re.compile(r"(?:©|Copyright\b|\(c\)\s*\d{4}).*|.*\bAll [Rr]ights [Rr]eserved\b.*"), 200),
    (
        N.FOOTER,
        re.compile(
            r"(?:Privacy Policy|Terms of (?:Use|Service)|Contact Us|About Us|Cookie Policy|Sitemap)(?:\s*[|·•]\s*.*)?$"
        ),
        120,
    ),
    (N.NAVIGATION, re.compile(r"[A-Z][\w&' -]{0,25}(?:\s*(?:[|\u203a»>]|&gt;)\s*[A-Z][\w&' -]{0,25}){1,6}$"), 120),
]

_SHARE_WORDS = _words(
    "facebook twitter x whatsapp flipboard linkedin email e-mail mail pinterest reddit telegram messenger "
    "print copy link share tweet sms tumblr koo threads bluesky"
)
_SEPARATORS = frozenset({"-", "\u2013", "\u2014", "|", "·"})
_NEWSPAPER_WORDS = _words(
    "Herald Times Post Journal Tribune Gazette Telegraph Guardian Express Chronicle News Daily Star Sun Mail "
    "Independent Observer Standard Globe Courier Inquirer Record Review Press Examiner Bulletin Dispatch Mirror "
    "Monitor Sentinel Statesman Hindu Register Citizen Nation Age Advertiser Argus Leader Enquirer"
)
_BULLETS = "•▪■●◦"
_CAPTION_TAIL = re.compile(r"\s*" + _CREDIT)


def _is_share_line(text: str) -> bool:
    words = [w.strip(".,:;|!").lower() for w in text.split()]
    words = [w for w in words if w]
    if len(words) >= 2 and all(w in _SHARE_WORDS for w in words):
        return True
    return bool(re.match(r"Share (?:this|on|via|the article|article)\b", text)) and len(text) <= 60


def _is_masthead(text: str) -> bool:
    words = text.split()
    return (
        1 <= len(words) <= 4
        and all(w[:1].isupper() and w.replace("-", "").isalpha() for w in words)
        and words[-1] in _NEWSPAPER_WORDS
    )


def _short_label(text: str) -> bool:
    """A short menu-like line: a few capitalised words, no sentence punctuation."""
    words = text.split()
    return (
        1 <= len(words) <= 4
        and len(text) <= 40
        and text[0].isupper()
        and not re.search(r"[.,;:!?\"“”'\u2018\u2019()]", text)
        and not text.startswith(("-", "\u2013"))
    )


def _line_category(line: Line) -> NoiseCategory | None:
    t = line.text
    if _is_share_line(t):
        return N.SOCIAL_SHARE
    for category, pattern, limit in _LINE_RULES:
        if len(t) <= limit and pattern.match(t):
            return category
    return None


def _headline_lists(lines: Sequence[Line], cats: list[NoiseCategory | None]) -> None:
    """Aggregator lists: separator lines ("-") alternating with short headline lines, three pairs at least.

    The list ends with the headline after its last separator.
    """
    i = 0
    while i < len(lines):
        if lines[i].text not in _SEPARATORS:
            i += 1
            continue
        j = i
        pairs = 0
        while (
            j + 1 < len(lines)
            and lines[j].text in _SEPARATORS
            and lines[j + 1].text not in _SEPARATORS
            and len(lines[j + 1].text) <= 160
        ):
            pairs += 1
            j += 2
        if pairs >= 3:
            for k in range(i, j):
                cats[k] = N.HEADLINE_LIST
            i = j
        else:
            i += 1


def _teaser_boxes(lines: Sequence[Line], cats: list[NoiseCategory | None]) -> None:
    """Related-story boxes: image captions alternating with headlines, with the box's short header."""
    i = 0
    while i < len(lines):
        j = i
        pairs = 0
        while (
            j + 1 < len(lines)
            and cats[j] == N.CAPTION
            and not lines[j + 1].blank_before
            and cats[j + 1] in (None, N.CAPTION)
            and _CAPTION_TAIL.search(lines[j + 1].text) is None
            and (j == i or not lines[j].blank_before)
        ):
            pairs += 1
            j += 2
        if pairs >= 2:
            first = i
            if i > 0 and not lines[i].blank_before and cats[i - 1] is None and _short_label(lines[i - 1].text):
                first = i - 1
            for k in range(first, j):
                cats[k] = N.RELATED_LINKS
            i = j
        else:
            i += 1


def _blocks(lines: Sequence[Line], cats: list[NoiseCategory | None]) -> None:
    """Rules that look at a line's neighbours."""
    n = len(lines)
    for i in range(n):
        cat = cats[i]
        nxt = i + 1
        # A tag header takes the tag list on the next line.
        header = cat == N.TAGS and lines[i].text.rstrip(":").lower() in {"tags", "topics", "keywords"}
        if header and nxt < n and cats[nxt] is None and len(lines[nxt].text) <= 300:
            cats[nxt] = N.TAGS
        # An author-box widget takes the biography that follows it without a blank line.
        if cat == N.AUTHOR_BIO:
            k = nxt
            while k < n and not lines[k].blank_before and cats[k] is None:
                cats[k] = N.AUTHOR_BIO
                k += 1
    # Image alt text: a line repeated by the caption that follows it.
    for i in range(n - 1):
        if cats[i] is None and cats[i + 1] == N.CAPTION:
            tail = _CAPTION_TAIL.search(lines[i + 1].text)
            if tail is not None and lines[i + 1].text[: tail.start()].strip() == lines[i].text:
                cats[i] = N.CAPTION
    # The first line of the page, when it is a newspaper's name.
    if n and cats[0] is None and _is_masthead(lines[0].text):
        cats[0] = N.MASTHEAD
    # Menu words in the chrome after the article: a short label with chrome before it and only chrome after it.
    # (Before the article, a short line between chrome lines is as likely the headline.)
    only_chrome_after = True
    for i in range(n - 1, -1, -1):
        if cats[i] is None and only_chrome_after and _short_label(lines[i].text) and i > 0 and cats[i - 1]:
            cats[i] = N.NAVIGATION
        only_chrome_after = only_chrome_after and cats[i] is not None


def noise_spans(text: str) -> list[NoiseSpan]:
    """Page chrome of ``text``, in text order, ids ``n001``…; one span per block of one category."""
    lines = _lines(text)
    cats: list[NoiseCategory | None] = [_line_category(line) for line in lines]
    _headline_lists(lines, cats)
    _teaser_boxes(lines, cats)
    _blocks(lines, cats)
    spans: list[tuple[int, int, NoiseCategory, str | None]] = []
    current: list[Any] | None = None  # [start, end, category]
    for line, cat in zip(lines, cats, strict=True):
        if cat is not None and current is not None and current[2] == cat:
            current[1] = line.end
            continue
        if current is not None:
            spans.append((current[0], current[1], current[2], None))
            current = None
        if cat is not None:
            current = [line.start, line.end, cat]
        elif line.text[0] in _BULLETS and len(line.text) > 1 and line.text[1].isspace():
            spans.append((line.start, line.start + 1, N.OTHER, "A print bullet before a paragraph."))
    if current is not None:
        spans.append((current[0], current[1], current[2], None))
    return [
        NoiseSpan(noise_id=f"n{i:03d}", start=s, end=e, text=text[s:e], category=cat, note=note)
        for i, (s, e, cat, note) in enumerate(spans, 1)
    ]


# ---------------------------------------------------------------------------------------------
# Claims and attributions


@dataclass(frozen=True)
class Candidate:
    """One guessed attribution: the claim's fragments, who (if anyone) and through which cue."""

    fragments: tuple[Span, ...]
    source: Span | None
    cue: Span | None
    quote_type: QuoteType


OPENING = '“"'
CLOSING = '”"'
_QUOTES = '"“”'

_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
_SKIP_LEFT = _words(
    "has have had is was were are also previously repeatedly later now then further again already "
    "will would did does do has since recently earlier once"
)
_CONNECTORS = frozenset({"of", "the", "and", "for", "at", "to", "de", "in"})
_DETERMINERS = frozenset({"the", "a", "an", "one", "two", "three", "some", "several", "many", "its", "their"})
_ROLE_HEADS = _words(
    "spokesman spokeswoman spokesperson official officials analysts analyst experts expert diplomats diplomat "
    "sources source reports report authorities leaders leader commander commanders envoy adviser advisor "
    "administration government ministry minister secretary ambassador president director head chief researchers "
    "investigators observers residents witnesses"
)
_ROLE_WORDS = _ROLE_HEADS | _words(
    "senior national security council foreign defence defense prime deputy general military intelligence "
    "research fellow academic former press state top regional local"
)
_STOP_CAPS = _words(
    "This That These Those There Their Its In On At But And Or If When While As After Before Since For With "
    "Last Earlier Later Meanwhile However Also Speaking Citing According What Such Both Some Many A An It "
    "He She They We I Then Now Still Yet So Thus Under Over From By Into During Despite Although Though "
    "Moreover Furthermore Instead Asked"
)
_ABBREVIATIONS = _words(
    "Mr Mrs Ms Dr Gen Sen Rep Gov Lt Col Sgt St Jr Sr No Nos Inc Co Corp Ltd vs etc Jan Feb Aug Sept Oct Nov "
    "Dec Prof Capt Maj Adm Cmdr Pres Rev Ft Mt approx"
)

_VERBS = (
    "said|says|say|told|tells|added|adds|adding|alleged|alleges|alleging|confirmed|confirms|denied|denies|"
    "warned|warns|insisted|insists|reported|reports|claimed|claims|claiming|stated|announced|announces|"
    "acknowledged|acknowledges|admitted|admits|suggested|suggests|reiterated|rejected|rejects|believes|"
    "noted|notes|explained|argued|argues|urged|urges|urging|saying|vowed|vowing|called|accused|accuses|"
    "accusing|described|describing|estimated|predicted|maintained|asserted|contended|conceded|stressed"
)
_CUE_RE = re.compile(
    r"(?<![\w\u2019'-])(?:"
    r"(?P<according>[Aa]ccording to)"
    r"|(?P<citing>[Cc]iting|cited)"
    r"|(?P<phrase>(?i:warns of|warned of|sounds? alarm over|sounded alarm over|expressed alarm over"
    r"|expresse[sd] concern (?:over|about|that)|expressed worry|stands accused|seen reports))"
    r"|(?P<verb>" + _VERBS + r")"
    r")(?![\w\u2019'-])"
)
_REPORT_LABEL = re.compile(r"(?:Report|REPORT|Reports|REPORTS)\s*:")
_AFTER_CUE = re.compile(
    r"(?:\s*,?\s*(?:on (?:" + _WEEKDAYS + r")|(?:in|during) (?:a|an|the|his|her|their|its) (?:[\w-]+ ){0,3}?"
    r"(?:statement|report|interview|briefing|assessment|post|tweet|note|remarks|speech|letter|conference|call)"
    r"|to (?:reporters|journalists|lawmakers|the press|AFP|Reuters|AP)|that(?=\s)))+"
)
_WORD = re.compile(r"\S+")
_SPLITS = re.compile(r",\s+(?=which\s)|,\s+(?:while|but|whereas|and that)\s+|;\s+")
_ADVERB_GAPS = re.compile(r"\s+(?:reportedly|allegedly)\s+")
_TRAILING_CONNECTOR = re.compile(r"(?:\s*[,;:]?\s*(?:\b(?:and|but|while|as|who|with)|,|--|\u2013|\u2014))+\s*$")


@dataclass
class Frame:
    cue: tuple[int, int]
    source: tuple[int, int] | None
    kind: str  # "verb", "according", "citing", "phrase", "label"
    start: int  # the frame's extent in the text: source and cue and what lies between
    end: int
    passive_subject: tuple[int, int] | None = None
    content: list[list[tuple[int, int]]] = field(default_factory=list)  # claims, each a list of fragments


class _Paragraph:
    """One non-noise line: its quotation marks paired and its sentences found, in one pass each."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.quotes: list[tuple[int, int]] = []  # (opening mark, closing mark or paragraph end)
        self.partner: dict[int, int] = {}
        open_at: int | None = None
        for i in range(start, end):
            ch = text[i]
            if ch == "“" or (ch == '"' and open_at is None):
                if open_at is None:
                    open_at = i
            elif ch in '”"' and open_at is not None:
                self.quotes.append((open_at, i))
                self.partner[open_at], self.partner[i] = i, open_at
                open_at = None
        if open_at is not None:
            self.quotes.append((open_at, end))
        self._qstarts = [q[0] for q in self.quotes]

    def quoted(self, pos: int) -> bool:
        """Whether ``pos`` is inside a quotation (its marks included)."""
        i = bisect_right(self._qstarts, pos) - 1
        return i >= 0 and self.quotes[i][0] <= pos <= self.quotes[i][1]

    def sentences(self) -> Iterator[tuple[int, int]]:
        text, start = self.text, self.start
        for m in re.finditer(r"[.!?][\"”\u2019']*\s+(?=[\"“\u2018']?[A-Z0-9])", text[self.start : self.end]):
            stop = self.start + m.start()
            space = text.rfind(" ", start, stop)
            word = text[space + 1 if space >= 0 else start : stop]
            if word.strip('"“(') in _ABBREVIATIONS or re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", word):
                continue
            end = self.start + m.end()
            yield start, end
            start = end
        if start < self.end:
            yield start, self.end


class _Tokens:
    def __init__(self, text: str, start: int, end: int) -> None:
        self.items = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
        self.starts = [s for s, _ in self.items]
        self.text = text

    def word(self, i: int) -> str:
        s, e = self.items[i]
        return self.text[s:e]

    def before(self, pos: int) -> int:
        """Index of the last token ending at or before ``pos``."""
        return bisect_right(self.starts, pos - 1) - 1 if self.items else -1

    def after(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos``."""
        i = bisect_right(self.starts, pos - 1)
        return i


_MAX_NP = 14
_WINDOW = 300  # characters looked back from a cue: every look-around is bounded, so the scan stays linear
_RIGHT_STOP = frozenset({"who", "which", "that", "for", "on", "in", "as", "said", "says", "told", "added"})
_MEDIA = re.compile(
    r"(?:an?|the)\s+(?:\w+\s+)?(?:interview|statement|report|assessment|briefing|note|study|survey|poll|data|figures)\b"
)


def _is_cap(word: str) -> bool:
    w = word.strip("\"“”'\u2018\u2019(")
    return bool(w) and (w[0].isupper() or w[0].isdigit()) and w.rstrip(".,;:\u2019's") not in _STOP_CAPS


def _left_np(toks: _Tokens, pos: int, low: int, common: bool = True) -> tuple[int, int] | None:
    """The source noun phrase ending just before ``pos``: a pronoun, or names and titles (no punctuation)."""
    i = toks.before(pos)
    # Auxiliaries, adverbs and "on Friday" between the source and its cue.
    stop = i - 6
    while i >= 0 and i > stop and toks.items[i][0] >= low:
        w = toks.word(i)
        if w in _SKIP_LEFT:
            i -= 1
        elif re.fullmatch(_WEEKDAYS + r"|" + _MONTHS, w) and i > 0 and toks.word(i - 1) == "on":
            i -= 2
        else:
            break
    if i < 0 or toks.items[i][0] < low:
        return None
    w = toks.word(i)
    if w.lower() in _PRONOUNS:
        return toks.items[i]
    if w[-1] in ",;:" + _QUOTES + "\u2019)" and not w.endswith(")"):
        return None
    last = i
    first = None
    k = i
    while k >= 0 and last - k < _MAX_NP and toks.items[k][0] >= low:
        w = toks.word(k)
        core = w.rstrip("\u2019's") if w.endswith(("\u2019s", "'s")) else w
        if k != last and w[-1] in ",;:" + _QUOTES:
            break
        if _is_cap(core) or core.lower() in _ROLE_WORDS:
            first = k
        elif w.lower() in _DETERMINERS and first is not None and not (k > 0 and toks.word(k - 1) in _CONNECTORS):
            first = k  # the determiner opens the phrase ("the US"), unless a preposition precedes it
            break
        elif w in _CONNECTORS and first is not None:
            pass
        else:
            break
        k -= 1
    words = [toks.word(j) for j in range(first, last + 1)] if first is not None else []
    if first is None or (not any(_is_cap(x) for x in words) and words[-1].lower() not in _ROLE_HEADS):
        return _determiner_np(toks, last, low) if common else None
    if words[-1].endswith(("\u2019s", "'s")):
        return None
    return toks.items[first][0], toks.items[last][1]


def _determiner_np(toks: _Tokens, last: int, low: int) -> tuple[int, int] | None:
    """A short common-noun phrase before a cue: "the mayor", "a company spokesman" (determiner + 1-3 words)."""
    for j in range(last, max(last - 4, -1), -1):
        if toks.items[j][0] < low:
            return None
        w = toks.word(j)
        if j < last and w.lower() in _DETERMINERS - {"its", "their"}:
            return toks.items[j][0], toks.items[last][1]
        if not (w.isalpha() and w.islower()) or w in _CONNECTORS:
            return None
    return None


def _right_np(toks: _Tokens, pos: int, high: int, passive: bool = False) -> tuple[int, int] | None:
    """A noun phrase starting at ``pos`` and running to the next comma or sentence end (short)."""
    i = toks.after(pos)
    first = i
    end: int | None = None
    while i < len(toks.items) and toks.items[i][0] < high and i - first < 12:
        w = toks.word(i)
        if i == first and (w.lower() in {"that", "to", "by"} or w[0] in _QUOTES):
            return None
        if i > first and (w.lower() in _RIGHT_STOP or (passive and w == "of")):
            break
        if re.fullmatch(r"(?:[A-Z]\.)+", w):
            end = toks.items[i][1]
            i += 1
            continue
        stripped = w.rstrip(".,;:" + _QUOTES)
        end = toks.items[i][0] + len(stripped)
        if stripped != w:
            break
        i += 1
    if end is None or end <= toks.items[first][0]:
        return None
    return toks.items[first][0], end


def _subject(toks: _Tokens, low: int, high: int) -> tuple[int, int] | None:
    """The noun phrase opening a sentence (after a dateline ending in a dash), for participle cues."""
    i = toks.after(low)
    for k in range(i, min(i + 10, len(toks.items))):
        if toks.word(k) in {"\u2013", "\u2014", "--", "-"}:
            i = k + 1
            break
    first = i
    last = None
    while i < len(toks.items) and toks.items[i][0] < high and i - first < _MAX_NP:
        w = toks.word(i)
        core = w.rstrip(",;:")
        if _is_cap(core) or core.lower() in _ROLE_WORDS or (i == first and w.lower() in _DETERMINERS):
            last = i
        elif w in _CONNECTORS and last is not None:
            pass
        else:
            break
        if core != w:
            break
        i += 1
    words = [toks.word(j) for j in range(first, last + 1)] if last is not None else []
    if last is None or not any(_is_cap(w) and w.lower() not in _DETERMINERS for w in words):
        return None
    end = toks.items[last][0] + len(toks.word(last).rstrip(",;:"))
    return toks.items[first][0], end


def _appositive_source(text: str, toks: _Tokens, low: int, cue_start: int) -> tuple[int, int] | None:
    """'NAME, APPOSITIVE, said': the whole stretch from the clause start to the comma before the cue."""
    if cue_start - low > _WINDOW:
        return None
    s = _span(text, low, cue_start)
    if s is None:
        return None
    start, end = s
    lead = re.match(r"that\s+", text[start:end])
    if lead is not None:
        start += lead.end()
    stretch = text[start:end]
    if not stretch.endswith(",") or "," not in stretch[:-1]:
        return None
    stretch = stretch[:-1]
    words = stretch.split()
    if len(words) > 25 or any(q in stretch for q in _QUOTES) or re.search(r"\s[\u2013\u2014-]+\s", stretch):
        return None
    head = stretch.split(",")[0].split()
    if not head or not (_is_cap(head[0]) or head[0].lower() in _DETERMINERS):
        return None
    if not all(_is_cap(w) or w in _CONNECTORS or w.lower() in _DETERMINERS | _ROLE_WORDS for w in head):
        return None
    if _CUE_RE.search(stretch):
        return None
    return start, end - 1


def _frames(text: str, para: _Paragraph, toks: _Tokens, s_start: int, s_end: int) -> list[Frame]:
    """Every reporting frame of one sentence, left to right, with its source resolved."""
    frames: list[Frame] = []
    label = _REPORT_LABEL.match(text, s_start)
    if label is not None:
        word_end = label.start() + len(label.group().rstrip(": "))
        frames.append(Frame((label.start(), word_end), None, "label", label.start(), label.end()))
    for m in _CUE_RE.finditer(text, s_start, s_end):
        if para.quoted(m.start()) or (frames and m.start() < frames[-1].end):
            continue
        kind = m.lastgroup or "verb"
        if m.group().startswith("describ") and text.startswith(" as ", m.end()):
            continue  # "what he described as ...": a relative clause, not a report
        cue = (m.start(), m.end())
        low = frames[-1].end if frames else s_start
        source: tuple[int, int] | None = None
        start, end = cue
        passive: tuple[int, int] | None = None
        after = text[m.end() : m.end() + 4]
        if kind in ("according", "citing"):
            source = _right_np(toks, m.end(), s_end)
            if source is None or _MEDIA.match(text, source[0]):
                continue
            end = source[1]
        else:
            before = text[max(low, m.start() - _WINDOW) : m.start()].rstrip()
            prev = toks.word(toks.before(m.start())) if toks.before(m.start()) >= 0 else ""
            if after.startswith(" by "):
                source = _right_np(toks, m.end() + 4, s_end, passive=True)
                passive = _left_np(toks, m.start(), low)
                if source is None:
                    continue
                end = source[1]
                start = passive[0] if passive else start
            elif prev == "who" and frames:
                source = next((f.source for f in reversed(frames) if f.kind != "citing" and f.source), None)
            else:
                # A participle ("..., saying", "a note urging") belongs to the clause's subject, not the noun before.
                source = _left_np(toks, m.start(), low, common=not m.group().endswith("ing"))
                if source is None and before[-1:] in CLOSING:
                    source = _right_np(toks, m.end(), s_end)  # '"...," said Eric Brewer'
                    if source is not None:
                        end = source[1]
                if source is None and before.endswith(","):
                    source = _appositive_source(text, toks, low, m.start())
                if source is None and m.group().endswith("ing"):
                    source = next((f.source for f in reversed(frames) if f.kind != "citing" and f.source), None)
                    if source is None:
                        source = _subject(toks, s_start, m.start())
                elif source is None and frames and before.endswith(("and", "but", ",")):
                    source = next((f.source for f in reversed(frames) if f.kind != "citing" and f.source), None)
            if source is None:
                continue
            if source[1] <= m.start() and passive is None and prev != "who":
                start = min(start, source[0]) if source[0] >= low else start
        frames.append(Frame(cue, source, kind, start, end, passive))
    return frames


def _strip_content(text: str, para: _Paragraph, start: int, end: int) -> tuple[int, int] | None:
    """Content boundaries (section 5.3): frame punctuation and enclosing quotation marks outside."""
    s = _span(text, start, end)
    if s is None:
        return None
    start, end = s
    for _ in range(4):
        while end > start and text[end - 1] in ".,;:" and not text.endswith("...", start, end):
            end -= 1
        if end - start >= 2 and text[end - 1] in CLOSING and text[end - 2] in ".,;:!?":
            end -= 2
            continue
        if end > start and text[end - 1] in CLOSING and para.partner.get(end - 1, -1) <= start:
            end -= 1
            continue
        break
    if end > start and text[start] in OPENING and para.partner.get(start, para.end) >= end:
        start += 1
    while end > start and text[end - 1] in ".,;:":
        end -= 1
    s = _span(text, start, end)
    if s is None or not re.search(r"\w", text[s[0] : s[1]]):
        return None
    return s


def _claims_in(text: str, para: _Paragraph, start: int, end: int) -> list[list[tuple[int, int]]]:
    """A content stretch split into claims (", which", ", while", "; ") and fragments (around "reportedly")."""
    out: list[list[tuple[int, int]]] = []
    pos = start
    pieces: list[tuple[int, int]] = []
    for m in _SPLITS.finditer(text, start, end):
        if not para.quoted(m.start()) or para.quoted(start):
            pieces.append((pos, m.start()))
            pos = m.end()
    pieces.append((pos, end))
    for ps, pe in pieces:
        frags: list[tuple[int, int]] = []
        fpos = ps
        for g in _ADVERB_GAPS.finditer(text, ps, pe):
            frags.append((fpos, g.start()))
            fpos = g.end()
        frags.append((fpos, pe))
        cleaned = [c for f in frags if (c := _strip_content(text, para, *f)) is not None]
        if cleaned:
            out.append(cleaned)
    return out


def _content_after(text: str, toks: _Tokens, frame: Frame, limit: int) -> int:
    """Where the content starts after a frame: past objects of "told", media, dates and "that"."""
    pos = frame.end
    if text[frame.cue[0] : frame.cue[1]] in ("told", "tells"):
        i = toks.after(pos)
        if i < len(toks.items) and toks.items[i][0] < limit:
            w = toks.word(i).rstrip(",")
            if w.isupper() or w in ("reporters", "journalists", "lawmakers", "parliament"):
                pos = toks.items[i][0] + len(w)
            elif _is_cap(w):
                j = i
                while j + 1 < len(toks.items) and _is_cap(toks.word(j + 1)) and j - i < 3:
                    j += 1
                pos = toks.items[j][1]
    m = _AFTER_CUE.match(text, pos, limit)
    if m is not None:
        pos = m.end()
    while pos < limit and (text[pos].isspace() or text[pos] in ",:"):
        pos += 1
    return pos


def _resolve(text: str, para: _Paragraph, toks: _Tokens, frames: list[Frame], s_start: int, s_end: int) -> None:
    """Give each frame its content: before it ('"X," he said'), after it ('he said X'), or a neighbour's."""
    consumed = s_start
    for n, f in enumerate(frames):
        nxt = frames[n + 1].start if n + 1 < len(frames) else s_end
        before = _span(text, consumed, f.start)
        before_text = text[before[0] : before[1]] if before else ""
        if f.kind == "citing":
            consumed = f.end
            continue
        if f.passive_subject is not None and " of " in text[f.end : f.end + 4]:
            tail = _TRAILING_CONNECTOR.search(text, f.end + 4, nxt)
            rest = _claims_in(text, para, f.end + 4, nxt if tail is None else tail.start())
            if rest:
                f.content = [[f.passive_subject, *rest[0]], *rest[1:]]
            consumed = nxt
            continue
        after = _content_after(text, toks, f, nxt)
        closes = after >= nxt or text[f.end : f.end + 1] in (",", ".", ";") or text[after - 1 : after] == ","
        quoted_before = bool(before_text) and before_text[-1] in CLOSING
        if re.search(r"\w", before_text) and (
            quoted_before or (closes and (before_text.endswith((",", "--", "\u2013", "\u2014"))))
        ):
            f.content = _claims_in(text, para, before[0], before[1]) if before else []
            # A quote split by its frame: '"X," he said, "Y."'
            split = re.compile(r"\s*,\s*[“\"]").match(text, f.end, nxt)
            if split is not None and f.content and f.kind != "according":
                q = split.end() - 1
                close = para.partner.get(q, para.end)
                second = _strip_content(text, para, q, min(close + 1, nxt))
                if second is not None:
                    f.content[-1].append(second)
                    consumed = min(close + 1, nxt)
                    continue
            consumed = f.end
            continue
        pos = _content_after(text, toks, f, nxt)
        if f.kind == "according" and f.start == s_start:
            pos = f.end
            while pos < nxt and (text[pos].isspace() or text[pos] == ","):
                pos += 1
        stop = nxt
        tail = _TRAILING_CONNECTOR.search(text, pos, stop)
        if tail is not None:
            stop = tail.start()
        word = text[f.cue[0] : f.cue[1]].lower()
        if (word.startswith("accus") or word.startswith("describ")) and f.kind == "verb":
            link = " of " if word.startswith("accus") else " as "
            of = text.find(link, pos, stop)
            if of > pos:
                subject = _strip_content(text, para, pos, of)
                rest = _claims_in(text, para, of + len(link), stop)
                if subject is not None and rest:
                    f.content = [[subject, *rest[0]], *rest[1:]]
                    consumed = nxt
                    continue
        f.content = _claims_in(text, para, pos, stop) if stop > pos else []
        consumed = max(nxt if f.content else f.end, f.end)
    # Frames with nothing of their own ("..., according to X"; "citing X"): the nearest neighbour's content.
    for n, f in enumerate(frames):
        if f.content:
            continue
        for k in (n - 1, n + 1, n - 2, n + 2):
            if 0 <= k < len(frames) and frames[k].content:
                f.content = frames[k].content
                break


def _quote_type(text: str, fragments: Sequence[tuple[int, int]], para: _Paragraph) -> QuoteType:
    inside = all(para.quoted(s) and para.quoted(e - 1) for s, e in fragments)
    marks = any(ch in _QUOTES for s, e in fragments for ch in text[s:e])
    if inside and not marks:
        return QuoteType.DIRECT
    if marks or any(para.quoted(s) or para.quoted(e - 1) for s, e in fragments):
        return QuoteType.MIXED
    return QuoteType.INDIRECT


def _content_regions(text: str, noise: Sequence[NoiseSpan]) -> Iterator[tuple[int, int]]:
    """The non-blank lines of ``text`` outside noise, as paragraphs (a noise span inside a line cuts it)."""
    cover = Cover(Interval(n.start, n.end, n.noise_id) for n in noise)
    for line in _lines(text):
        hit = cover.first_overlap(line.start, line.end)
        if hit is None:
            yield line.start, line.end
        elif hit.start <= line.start and hit.end < line.end:
            s = _span(text, hit.end, line.end)
            if s is not None and cover.first_overlap(*s) is None:
                yield s


def claim_candidates(text: str, noise: Sequence[NoiseSpan] | None = None) -> list[Candidate]:
    """Attributed claims of ``text`` outside ``noise`` (computed by :func:`noise_spans` when not given)."""
    if noise is None:
        noise = noise_spans(text)
    out: list[Candidate] = []
    last: Frame | None = None  # the latest frame, for quotations that continue it
    for p_start, p_end in _content_regions(text, noise):
        para = _Paragraph(text, p_start, p_end)
        toks = _Tokens(text, p_start, p_end)
        opens_with_quote = text[p_start] in OPENING
        if not opens_with_quote or (last is not None and last.kind == "label"):
            last = None if not opens_with_quote else last
        for s_start, s_end in para.sentences():
            frames = _frames(text, para, toks, s_start, s_end)
            _resolve(text, para, toks, frames, s_start, s_end)
            if not frames:
                # A quotation with no frame of its own continues the latest speaker (section 5.5).
                whole = _strip_content(text, para, s_start, s_end)
                if last is not None and whole is not None and para.quoted(whole[0]) and para.quoted(whole[1] - 1):
                    for claim in _claims_in(text, para, s_start, s_end):
                        out.append(_candidate(text, para, claim, last))
                continue
            for f in frames:
                for claim in f.content:
                    out.append(_candidate(text, para, claim, f))
            last = frames[-1] if any(q for q in frames[-1].content) else last
    return out


def _candidate(text: str, para: _Paragraph, claim: Sequence[tuple[int, int]], frame: Frame) -> Candidate:
    frags = tuple(Span(start=s, end=e, text=text[s:e]) for s, e in claim)
    source = None if frame.source is None else _make(text, *frame.source)
    cue = _make(text, *frame.cue)
    return Candidate(frags, source, cue, _quote_type(text, claim, para))


# ---------------------------------------------------------------------------------------------
# The pre-annotation file


def _valid(text: str, span: Span) -> bool:
    return (
        0 <= span.start < span.end <= len(text)
        and text[span.start : span.end] == span.text
        and not (span.text[0].isspace() or span.text[-1].isspace())
    )


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def prenotate(doc_id: str, text: str, text_sha256: str) -> GoldFile:
    """The rules' annotation of one document, as an annotation file (noise, claims, attributions; no mentions)."""
    noise = noise_spans(text)
    cover = Cover(Interval(n.start, n.end, n.noise_id) for n in noise)

    def clean(span: Span | None) -> bool:
        return span is None or (_valid(text, span) and cover.first_overlap(span.start, span.end) is None)

    grouped: dict[tuple[tuple[int, int], ...], list[Candidate]] = {}
    for c in claim_candidates(text, noise):
        frags = c.fragments
        if not frags or not all(clean(f) for f in frags):
            continue
        if any(frags[i].start < frags[i - 1].end for i in range(1, len(frags))):
            continue
        if not (clean(c.source) and clean(c.cue)):
            continue
        if any(part is not None and _overlaps(part, f) for part in (c.source, c.cue) for f in frags):
            continue
        key = tuple((f.start, f.end) for f in frags)
        same = grouped.setdefault(key, [])
        if all((x.source, x.cue) != (c.source, c.cue) for x in same):
            same.append(c)
    claims: list[Claim] = []
    attributions: list[Attribution] = []
    for n, key in enumerate(sorted(grouped), 1):
        members = grouped[key]
        claim_id = f"c{n:03d}"
        claims.append(Claim(claim_id=claim_id, fragments=list(members[0].fragments), checkworthy=True))
        for c in members:
            source = None if c.source is None else Source(start=c.source.start, end=c.source.end, text=c.source.text)
            attributions.append(
                Attribution(
                    attribution_id=f"a{len(attributions) + 1:03d}",
                    claim_id=claim_id,
                    source=source,
                    cue=c.cue,
                    quote_type=c.quote_type,
                    stance=Stance.ASSERTS,
                )
            )
    return GoldFile(
        schema_version=SCHEMA_VERSION,
        doc_id=doc_id,
        text_sha256=text_sha256,
        provenance=Provenance(annotators=[ANNOTATOR], rounds=[], method=METHOD),
        mentions=[],
        claims=claims,
        attributions=attributions,
        noise=noise,
    )


# ---------------------------------------------------------------------------------------------
# Entities: every name and alias of the registry, and values by pattern

# A name's words as written, any run of whitespace between them (a non-breaking space in the
# page meets a space in the registry), never inside a longer word.
_NAME_EDGE_BEFORE, _NAME_EDGE_AFTER = r"(?<!\w)", r"(?!\w)"

_APPROX = r"(?:(?:more|less|fewer) than|about|around|nearly|almost|over|under|some|up to|at least|roughly)\s+"
_SCALE = r"(?:\s+(?:thousand|million|billion|trillion))?"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|dozens|hundreds|thousands|millions|billions"
)
_CURRENCY_WORDS = r"dollars|euros|pounds|rubles|roubles|rials|yuan|rupees"
_NOT_AN_ID = r"(?<![\w.,$€£¥/-])(?<!No\. )"  # not "Su-35", "No. 2231", "2,000" cut short, "$4"
_NUMBER_END = r"(?![\w,]\d|[\w-]|:\d)"  # not "10:30", "4th", "35-year"
_MONTH_NAMES = (
    "January|February|March|April|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# A bare number right after a capitalised word names a model rather than counting.
_DESIGNATION = re.compile(r"(?<![.!?:\n\u201c\"] )\b[A-Z][\w-]*[ -]$")
_VALUE_RULES: list[tuple[EntityLabel, re.Pattern[str]]] = [
    (
        EntityLabel.MONEY,
        re.compile(
            rf"(?<!\w)(?:{_APPROX})?(?:[$€£¥]\s?(?:{_NUMBER}){_SCALE}(?:\s+(?:{_CURRENCY_WORDS}))?"
            rf"|(?:{_NUMBER}){_SCALE}\s+(?:{_CURRENCY_WORDS})"
            rf"|(?:millions|billions|trillions|hundreds of millions) of (?:{_CURRENCY_WORDS}))(?!\w)"
        ),
    ),
    (
        EntityLabel.DATE,
        re.compile(
            # "May" alone is as often the verb: with a day or a year only.
            rf"(?<!\w)(?:(?:{_DAY}\s+)?(?:{_MONTH_NAMES}|May(?=\s+\d))(?:\s+{_DAY})?(?:,?\s+\d{{4}})?"
            rf"|\d{{1,2}}\s+May(?:,?\s+\d{{4}})?"
            r"|\d{4}-\d{2}-\d{2}"
            r"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
            r"|(?:(?:[Ll]ast|[Tt]his|[Nn]ext|[Ee]arlier this|[Ll]ater this)\s+"
            r"(?:week|month|year|summer|winter|spring|autumn|fall))"
            r"|today|yesterday|tomorrow"
            r"|(?:19|20)\d{2}(?![\d,]))(?!\w)"
        ),
    ),
    (
        EntityLabel.QUANTITY,
        re.compile(
            rf"{_NOT_AN_ID}(?:{_APPROX})?(?:(?:{_NUMBER}){_SCALE}(?:\s?(?:%|percent|mm|km|kg|km/h))?"
            rf"|(?:{_NUMBER_WORDS}){_SCALE}){_NUMBER_END}"
        ),
    ),
]


@lru_cache(maxsize=1 << 16)
def _name_pattern(surface: str) -> re.Pattern[str] | None:
    words = surface.split()
    if not words:
        return None
    return re.compile(_NAME_EDGE_BEFORE + r"\s+".join(map(re.escape, words)) + _NAME_EDGE_AFTER)


def _in_noise(cover: Cover[str], start: int, end: int) -> bool:
    return cover.first_overlap(start, end) is not None


def registry_matches(
    text: str, entities: Iterable[Entity], cover: Cover[str]
) -> list[tuple[int, int, str, str | None]]:
    """(start, end, label, entity_id) of every name and alias of ``entities`` found in ``text``,
    word-bounded and outside the noise of ``cover``, in text order; they may nest, never cross.

    A span that names several entities of one label is offered unlinked (entity_id None), one of
    entities of several labels not at all. Of two crossing matches the one that starts first (the
    longer, where both start together) is kept.
    """
    found: dict[tuple[int, int], dict[str, str]] = {}  # (start, end) -> entity_id -> label
    by_surface: dict[str, dict[str, str]] = {}
    for e in entities:
        for surface in (e.name, *e.aliases):
            by_surface.setdefault(" ".join(surface.split()), {})[e.entity_id] = e.label.value
    for surface, named in sorted(by_surface.items()):
        pattern = _name_pattern(surface)
        if pattern is None:
            continue
        for hit in pattern.finditer(text):
            if not _in_noise(cover, hit.start(), hit.end()):
                found.setdefault((hit.start(), hit.end()), {}).update(named)
    out: list[tuple[int, int, str, str | None]] = []
    open_: list[tuple[int, int]] = []  # the accepted spans that may still contain the next one
    for (start, end), named in sorted(found.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        labels = set(named.values())
        if len(labels) != 1:
            continue
        while open_ and open_[-1][1] <= start:
            open_.pop()
        if open_ and open_[-1][1] < end:
            continue  # it starts inside an accepted name and ends after it: crossing
        open_.append((start, end))
        out.append((start, end, labels.pop(), next(iter(named)) if len(named) == 1 else None))
    return out


def value_matches(text: str, cover: Cover[str], taken: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, label) of dates, money and quantities found by pattern, outside the noise of
    ``cover`` and sharing no character with ``taken`` (the registry's names); the longest first
    where two overlap, a date or money before a quantity of the same span."""
    names = Cover(Interval(s, e, "") for s, e in taken)
    candidates: dict[tuple[int, int], str] = {}
    for label, pattern in _VALUE_RULES:
        for hit in pattern.finditer(text):
            span = _span(text, hit.start(), hit.end())
            if span is None or _in_noise(cover, *span) or names.first_overlap(*span) is not None:
                continue
            if label is EntityLabel.QUANTITY and _DESIGNATION.search(text, max(0, span[0] - 40), span[0]):
                continue  # "Shahid 129", "Mohajer 6": a model's designation, not a count
            candidates.setdefault(span, label.value)
    out: list[tuple[int, int, str]] = []
    last_end = 0
    for (start, end), value in sorted(candidates.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if start >= last_end:
            out.append((start, end, value))
            last_end = end
    return out


def entity_mentions(text: str, entities: Iterable[Entity], noise: Sequence[NoiseSpan] | None = None) -> list[Mention]:
    """The rules' mentions of ``text`` for the entities pass: every name and alias of the registry
    (``registry_matches``, with its entity id) and dates, money and quantities by pattern
    (``value_matches``, unlinked), outside ``noise`` (computed by :func:`noise_spans` when not given).
    They pass the span and layer rules: none crosses another, none repeats a span."""
    if noise is None:
        noise = noise_spans(text)
    cover = Cover(Interval(n.start, n.end, n.noise_id) for n in noise)
    names = registry_matches(text, entities, cover)
    values = value_matches(text, cover, [(s, e) for s, e, _, _ in names])
    found = sorted([*names, *((s, e, label, None) for s, e, label in values)], key=lambda m: (m[0], -m[1], m[2]))
    return [
        Mention(
            mention_id=f"m{i:03d}",
            start=start,
            end=end,
            text=text[start:end],
            label=EntityLabel.of(label),
            entity_id=entity_id,
        )
        for i, (start, end, label, entity_id) in enumerate(found, 1)
    ]


def prenotate_entities(doc_id: str, text: str, text_sha256: str, entities: Iterable[Entity]) -> GoldFile:
    """The rules' annotation of one document for the entities pass: its mentions (``entity_mentions``)."""
    return GoldFile(
        schema_version=SCHEMA_VERSION,
        doc_id=doc_id,
        text_sha256=text_sha256,
        provenance=Provenance(annotators=[ANNOTATOR], rounds=[], method=ENTITY_METHOD),
        mentions=entity_mentions(text, entities),
        claims=[],
        attributions=[],
        noise=[],
    )


# ---------------------------------------------------------------------------------------------
# Measured against the gold files
