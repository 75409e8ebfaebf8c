"""What the text itself says about where it came from: a leading date line and a byline ("By …")."""
from __future__ import annotations

import re
from dataclasses import dataclass

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
_BYLINE = re.compile(
    r"(?:(?:Article|Story|Report|Text|Words|Written|Reporting|Analysis|Commentary|Opinion)[ \t]+)?[Bb][Yy]:?[ \t]+"
    rf"(?P<names>{_NAME}(?:[ \t]+(?:and|&)[ \t]+{_NAME})*)(?P<rest>.*)$"  # after a comma: the outlet or a role
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
