"""What the text itself says about where it came from (a leading date line, a byline "By …"), and bylines
cleaned of their prefixes and roles wherever they came from ("Analysis by Jane Doe; CNN Editor-at-large")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from onrecord.data import load_json
from onrecord.document import DocumentMetadata

HEADER_LINES = 8  # the date line and byline are looked for among the first lines that hold text

_MONTHS = {m[:3].lower(): n for n, m in enumerate(
    "January February March April May June July August September October November December".split(), 1)}
_MONTH = r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_ISO = r"(?P<iso>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
_WRITTEN = rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
_DATE = rf"(?:{_ISO}|{_WRITTEN})"
# "date 2021-11-24", "Published: Nov. 24, 2021" open a line (the article may follow on the same line) …
_KEYWORD_DATE = re.compile(rf"(?i:date|published|posted|first published)\s*:?\s+{_DATE}\b[.,]?\s*")
# … a date alone makes a line of its own: "Saturday, December 19, 2015."
_BARE_DATE = re.compile(rf"{_DATE}(?:,?\s+\d{{1,2}}:\d{{2}}\s*(?i:[ap]\.?m\.?)?(?:\s+[A-Z]{{2,4}})?)?\s*[.,]?\s*$")

_NAME_WORD = r"(?:[A-Z][\w'’.\-]*|van|von|de|der|den|da|di|du|dos|la|le|al|bin|ibn)"
_NAME = rf"[A-Z][\w'’.\-]*(?:[ \t]+{_NAME_WORD}){{0,5}}"
# "By", "Analysis by", "Written by", … before a byline's names
_BY_WORDS = r"(?:(?:Article|Story|Report|Text|Words|Written|Reporting|Analysis|Commentary|Opinion)[ \t]+)?[Bb][Yy]:?"
_BY = _BY_WORDS + r"[ \t]+"
_BYLINE = re.compile(
    _BY + rf"(?P<names>{_NAME}(?:[ \t]+(?:and|&)[ \t]+{_NAME})*)(?P<rest>.*)$"  # after a comma: the outlet or a role
)
# The words a byline may hold besides names: "… from our premium news partners at The Epoch Times".
_BYLINE_WORDS = frozenset(
    "from for at of the our and news partners partner premium staff writer reporter correspondent contributor "
    "special to senior editor in with via a an exclusive syndicated courtesy".split()
)
_BYLINE_WORD = re.compile(r"[A-Za-z][\w'’.\-]*")
_BYLINE_TAIL = re.compile(r"(?:,|\||—|–|-|\(|from\b|for\b|at\b|of\b|via\b)")  # what may follow the names
_OUTLET = re.compile(r"(?P<outlet>(?:The[ \t]+)?[A-Z][\w'’.&\-]*"
                     r"(?:[ \t]+(?:of[ \t]+|the[ \t]+|and[ \t]+|&[ \t]+)?[A-Z][\w'’.&\-]*)*)[ \t]*[.)]?[ \t]*$")
_ROLE_WORDS = frozenset("staff writer reporter correspondent contributor editor senior special chief political "
                        "national columnist".split())
# A piece of a byline with one of these words is a role ("CNN Editor-at-large", "Senior White House Correspondent") …
_ROLE_HEADS = _ROLE_WORDS - {"senior", "special", "chief", "political", "national"} | frozenset(
    "writers reporters correspondents contributors editors columnists contributing journalist analyst producer "
    "anchor critic bureau".split())
# … and these words may stand before its head ("Senior", "White House"); what stands before them is the outlet.
_ROLE_MODIFIERS = _ROLE_WORDS | _ROLE_HEADS | frozenset(
    "white house foreign deputy managing executive associate investigative global digital at large".split())
_BYLINE_SEPARATOR = re.compile(r"\s*(?:[;,|/]|\s[—–-]\s)\s*")
_BY_PREFIX = re.compile(rf"{_BY_WORDS}(?:[ \t]+|$)|(?:and|&)[ \t]+", re.IGNORECASE)  # ", and Sam Ng"


@dataclass(frozen=True)
class DateLine:
    """A date that opens a line: `end` is where the date line stops in that line."""

    end: int
    published: str  # ISO date (or date-time, as found)


def match_date_line(line: str) -> DateLine | None:
    """The date a line opens with ("date 2021-11-24 …") or consists of ("December 19, 2015."), else None."""
    line_start = len(line) - len(line.lstrip())
    m = _KEYWORD_DATE.match(line, line_start) or _BARE_DATE.match(line, line_start)
    if m is None:
        return None
    if m["iso"]:
        published = m["iso"]
    else:
        day = int(m["day"])
        if not 1 <= day <= 31:
            return None
        published = f"{m['year']}-{_MONTHS[m['month'][:3].lower()]:02d}-{day:02d}"
    return DateLine(m.end(), published)


def match_byline(line: str) -> tuple[str, str | None] | None:
    """(byline, outlet) of a byline line ("Article by Isabel Van Brugen from … The Epoch Times"), else None."""
    m = _BYLINE.match(line.strip())
    if m is None:
        return None
    rest = m["rest"].strip()
    words = _BYLINE_WORD.findall(rest)
    # "By Tuesday, Trump had won" is a sentence, not a byline: its other words are not byline words
    if any(w[0].islower() and w.lower() not in _BYLINE_WORDS for w in words) or len(words) > 15:
        return None
    if rest and not _BYLINE_TAIL.match(rest):
        return None
    names = m["names"]
    if names.isupper():
        names = names.title()
    return names, _outlet(rest)


def _outlet(rest: str) -> str | None:
    """The outlet that ends a byline's tail ("… at The Epoch Times."), unless it is a role ("Staff Writer")."""
    m = _OUTLET.search(rest)
    if m is None:
        return None
    outlet = m["outlet"].rstrip(".")
    if all(w.lower() in _ROLE_WORDS or w.lower()[:-1] in _ROLE_WORDS for w in outlet.split()):  # "Staff Writers"
        return None
    return outlet


@lru_cache(maxsize=1)
def _media_name_heads() -> frozenset[str]:
    """The last words of outlet names ("Press", "Times"), from the speaker lexicon's data file."""
    return frozenset(load_json("speaker_lexicon.json")["media_name_heads"])


@dataclass(frozen=True)
class Byline:
    """A byline taken apart: the authors' names ("Jane Doe, John Roe"), and the outlet a role named ("CNN")."""

    names: str | None
    outlet: str | None = None


def clean_byline(byline: str | None) -> Byline:
    """The names in a byline as a page or feed gives it, without "By"-style prefixes and roles.

    "Analysis by Jane Doe; CNN Editor-at-large" → names "Jane Doe", outlet "CNN". The byline is split at
    `;`, `,`, `|`, `/` and spaced dashes; a piece with a role word ("Staff Writer") is a role, and the words
    before its role words are the outlet; the other pieces are names (several authors are kept)."""
    names, outlet = [], None
    for piece in _BYLINE_SEPARATOR.split(byline.strip()) if isinstance(byline, str) else ():
        piece = _BY_PREFIX.sub("", piece.strip(" :"), count=1).strip()
        words = piece.split()
        if not words:
            continue
        parts = [[p.lower() for p in w.split("-")] for w in words]
        if any(p in _ROLE_HEADS for word in parts for p in word):
            # "CNN Editor-at-large": the words before the first role word name the outlet
            roles = [i for i, word in enumerate(parts) if any(p in _ROLE_MODIFIERS for p in word)]
            outlet = outlet or " ".join(words[:roles[0]]).removesuffix("’s").removesuffix("'s") or None
            if roles[0] == 0 and roles[-1] + 1 < len(words):  # "Editor-in-Chief Mary Poe": a name after the role
                names.append(" ".join(words[roles[-1] + 1:]))
        elif len(words) == 1 or words[-1] in _media_name_heads():  # "Reuters", "Associated Press": no person
            outlet = outlet or piece
        elif piece not in names:
            names.append(piece.title() if piece.isupper() and len(words) > 1 else piece)
    return Byline(", ".join(names) or None, outlet)


def header_lines(text: str, limit: int = HEADER_LINES) -> list[tuple[int, str]]:
    """(offset, line) of the first `limit` lines that hold text."""
    found, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            found.append((start, line))
            if len(found) >= limit:
                break
        start += len(line) + 1
    return found


def text_metadata(text: str) -> DocumentMetadata:
    """The publication date, byline and outlet the first lines of `text` give (None where they give none)."""
    metadata = DocumentMetadata()
    for _, line in header_lines(text if isinstance(text, str) else ""):
        if metadata.published is None and (date := match_date_line(line)) is not None:
            metadata.published = date.published
            line = line[date.end:]  # "date 2021-11-24 U.S. Chairman …": the article goes on
        if metadata.byline is None and (byline := match_byline(line)) is not None:
            metadata.byline, metadata.outlet = byline[0], metadata.outlet or byline[1]
    return metadata
