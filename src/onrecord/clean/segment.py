"""Segmenter: label each line of a news text `article`, `boilerplate` or `advertorial`, with a reason.

A line runs from one newline to the next. It is read in three steps:
1. inline pieces come out first, each a segment of its own: markup tags (`<tweet …>`), a wire dateline
   ("WASHINGTON (AP) — ", "(CNN)" glued to the first word), a city dateline among the first lines
   ("VIENNA — "), a date that opens the text ("date 2021-11-24 …");
2. the rest of the line is matched against the line rules (`onrecord/data/segment_rules.json`):
   date lines, bylines, "Follow X on Twitter", newsletter forms, promo codes, … — the first rule that
   fits gives the label and reason; advertorial evidence is summed over the line;
3. context: the short lines under a "Related:" header are its list, and once a newsletter form,
   advert or editor's note starts in the second half of the text, the lines after it stay non-article
   unless they read as attributed article prose ("…, Smith said.").
Blank lines belong to the segment before them, so segments cover the text, in order, end to end.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from onrecord.clean.metadata import HEADER_LINES, match_byline, match_date_line
from onrecord.data import load_json
from onrecord.document import SEGMENT_LABELS, Segment
from onrecord.text.cues import load_cue_lexicon
from onrecord.errors import Errors

DEFAULT_RULES = "onrecord.segment_rules.v1"
ARTICLE = "article"
BODY_TEXT = "body text"
ATTRIBUTED_PROSE = "attributed prose"
SPEAKER_LABEL = "speaker label"
# In a tail, a line with a word that is a cue at least this often on PolNeAR train reads as attributed prose.
PROSE_CUE_STRENGTH = 0.5
PROSE_MIN_WORDS = 8
EMBEDDED_POST = "embedded post"
HEADLINE_MAX_WORDS = 25
HEADLINE_CAPITALS = 0.75  # share of capitalised words in a headline-case line
_HEADLINE_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_WORD = re.compile(r"[a-z]+")
_CLOSING_QUOTE = re.compile(r"[”\"’'»]\W{0,2}$")
_BLANK = re.compile(r"[^\n]")
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"  # a byte-order mark or zero-width space opening a line


@dataclass(frozen=True)
class Patterns:
    """A rule's patterns as two alternations: those anchored at the line start (tried there only) and the rest."""

    at_start: re.Pattern | None
    anywhere: re.Pattern | None
    keywords: tuple[str, ...] = ()  # one of them is in every match of `anywhere`: checked first, it is much faster


@dataclass(frozen=True)
class LineRule:
    """One rule of the rules file: when `patterns` fit a line, the line gets `label` and `reason`."""

    reason: str
    label: str
    patterns: Patterns
    max_words: int | None = None
    strength: int = 0  # advertorial evidence per match; 0 for boilerplate rules
    at_end: bool = False  # only among the last lines of the text
    tail: bool = False  # near the end, the lines after it stay non-article
    opens_list: bool = False  # the short lines after it are its list ("Related:")
    speaker_after_quote: bool = False  # "- Sanders." under a quotation names its speaker: article
    signs_post: bool = False  # "@handle." signs the short line above it: a tweet or reader comment, not the article
    heading: bool = False  # a subheading in the body; the text's first line is the headline and stays article


@dataclass(frozen=True)
class InlineRule:
    """A piece taken out of a line before the line rules run (markup tags, a dateline)."""

    reason: str
    label: str
    pattern: re.Pattern
    prefix: bool = False  # only at the start of a line
    # only among the first HEADER_LINES lines that hold text: "VIENNA — " opens a story, while further down an
    # all-caps run before a dash is a section heading ("QUESTIONABLE MEDICAL CLAIMS — ") that may hold prose
    header: bool = False
    keywords: tuple[str, ...] = ()  # one of them is in every match (a fast check first)


@dataclass(frozen=True)
class SegmentRules:
    """The compiled rules file."""

    name: str
    rules: tuple[LineRule, ...]
    inline: tuple[InlineRule, ...]
    long_line_words: int  # advertorial needs twice the evidence in a line longer than this
    end_lines: int  # how many last lines `at_end` rules look at
    list_item_words: int  # a list item under a "Related:" header is at most this long (or in headline case)
    post_words: int  # the line a `signs_post` line signs is at most this long


def _alternation(rule: dict, patterns: list[str]) -> re.Pattern | None:
    """One regular expression for several patterns, case-insensitive unless the rule says otherwise."""
    flags = 0 if rule.get("case_sensitive") else re.IGNORECASE
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags) if patterns else None


def _compile(rule: dict) -> Patterns:
    """A line rule's patterns; one anchored with ^ is tried at the line start only (a search tries every position)."""
    return Patterns(_alternation(rule, [p[1:] for p in rule["patterns"] if p.startswith("^")]),
                    _alternation(rule, [p for p in rule["patterns"] if not p.startswith("^")]),
                    tuple(rule.get("keywords", ())))


@lru_cache(maxsize=4)
def load_segment_rules(name: str = DEFAULT_RULES) -> SegmentRules:
    """Compile the packaged rules file named `name`."""
    if name != DEFAULT_RULES:
        raise ValueError(Errors.E010.format(name=name, available=DEFAULT_RULES))
    raw = load_json("segment_rules.json")
    rules = tuple(
        LineRule(r["reason"], r["label"], _compile(r), r.get("max_words"), r.get("strength", 0),
                 r.get("position") == "end", r.get("tail", False), r.get("opens_list", False),
                 r.get("speaker_after_quote", False), r.get("signs_post", False), r.get("heading", False))
        for r in raw["rules"]
    )
    inline = tuple(InlineRule(r["reason"], r["label"], _alternation(r, r["patterns"]), r.get("prefix", False),
                              r.get("header", False), tuple(r.get("keywords", ()))) for r in raw["inline"])
    for rule in rules + inline:
        assert rule.label in SEGMENT_LABELS, rule
    return SegmentRules(raw["name"], rules, inline, raw["long_line_words"], raw["end_lines"], raw["list_item_words"],
                        raw["post_words"])


@dataclass(frozen=True)
class _Screen:
    """What the line rules need to try on a line of a given length and position; rule `i` is bit `i` of a mask.

    keywords: (keyword, mask of the rules whose `anywhere` patterns it lets run), for the advertorial rules
    and the rules that may label such a line only (a long line skips the keywords of the short-line rules);
    always: the rules among those with `anywhere` patterns and no keywords (they always run);
    eligible: the non-advertorial rules that may label such a line;
    at_start: their line-start patterns as one alternation, rule `i` as group `_r{i}`: the first branch
    that matches is the first of them, in order, that fits at the line start."""

    keywords: tuple[tuple[str, int], ...]
    always: int
    eligible: int
    at_start: re.Pattern | None


@dataclass(frozen=True)
class _LinePlan:
    """The line rules arranged for speed: a `_Screen` for each line length (up to a `max_words` limit) and
    position (among the last lines or not), and the advertorial rules as masks."""

    limits: tuple[int, ...]  # the rules' distinct `max_words`, ascending
    screens: tuple[_Screen, ...]  # screens[2 * (how many limits a line's words exceed) + at_end]
    strong: int  # the advertorial rules
    strong_at_start: int  # those with line-start patterns (tried on every line)

    def screen(self, words: int, at_end: bool) -> _Screen:
        return self.screens[2 * bisect_left(self.limits, words) + at_end]


def _screen(rules: tuple[LineRule, ...], words: int, at_end: bool) -> _Screen:
    """The screen for lines of `words` words, among the last lines (`at_end`) or not."""
    eligible = [not (r.strength or (r.max_words is not None and words > r.max_words) or (r.at_end and not at_end))
                for r in rules]
    masks: dict[str, int] = {}
    always = 0
    branches = []
    for i, rule in enumerate(rules):
        patterns = rule.patterns
        if (eligible[i] or rule.strength) and patterns.anywhere is not None:
            if patterns.keywords:
                for keyword in patterns.keywords:
                    masks[keyword] = masks.get(keyword, 0) | 1 << i
            else:
                always |= 1 << i
        if eligible[i] and patterns.at_start is not None:
            # joined with the others, a pattern's group numbers move: it may not refer to them
            if patterns.at_start.groupindex or re.search(r"\\[1-9]|\(\?P=", patterns.at_start.pattern):
                raise ValueError(f"Rule '{rule.reason}': line-start patterns can't use named groups or backreferences")
            flags = "i" if patterns.at_start.flags & re.IGNORECASE else "-i"
            branches.append(f"(?P<_r{i}>(?{flags}:{patterns.at_start.pattern}))")
    return _Screen(tuple(masks.items()), always, sum(1 << i for i, e in enumerate(eligible) if e),
                   re.compile("|".join(branches)) if branches else None)


@lru_cache(maxsize=4)
def _line_plan(name: str = DEFAULT_RULES) -> _LinePlan:
    """The plan for the packaged rules file `name` (built from its compiled patterns)."""
    rules = load_segment_rules(name).rules
    limits = tuple(sorted({r.max_words for r in rules if r.max_words is not None}))
    # a line of `words` words exceeds the limits below bisect_left(limits, words): these lengths stand for each count
    lengths = [limits[0] if limits else 0] + [limit + 1 for limit in limits]
    screens = tuple(_screen(rules, words, at_end) for words in lengths for at_end in (False, True))
    strong = sum(1 << i for i, rule in enumerate(rules) if rule.strength)
    at_start = sum(1 << i for i, rule in enumerate(rules) if rule.strength and rule.patterns.at_start is not None)
    return _LinePlan(limits, screens, strong, at_start)


@dataclass
class _Line:
    """A line that holds text: its inline pieces, the text left between them, and what that text is."""

    start: int
    end: int
    pieces: list[tuple[int, int, str, str]] = field(default_factory=list)  # (start, end, label, reason)
    body: list[tuple[int, int]] = field(default_factory=list)  # stretches left for the line rules
    body_text: str = ""
    lower: str = ""  # `body_text` in lower case, where the inline step worked it out already
    words: int = 0
    label: str = ARTICLE
    reason: str = BODY_TEXT
    ruled: bool = False  # a rule labelled it (not just the context)
    rule: LineRule | None = None


def segment(text: str, rules: str = DEFAULT_RULES) -> list[Segment]:
    """Label the lines of `text`; the segments cover it from 0 to len(text), in order, never overlapping."""
    if not isinstance(text, str) or not text:
        return []
    compiled = load_segment_rules(rules)
    plan = _line_plan(rules)
    lines = _lines(text, compiled)
    for n, line in enumerate(lines):
        _label_line(line, n, len(lines), compiled, plan)
    _apply_context(lines, compiled)
    return _tile(text, lines)


def article_text(text: str, segments: list[Segment]) -> str:
    """`text` with every non-article character except newlines made a space: same length, same offsets."""
    if all(s.label == ARTICLE for s in segments):
        return text
    return "".join(text[s.start:s.end] if s.label == ARTICLE else _BLANK.sub(" ", text[s.start:s.end])
                   for s in segments)


def _lines(text: str, rules: SegmentRules) -> list[_Line]:
    """The lines that hold text, with their inline pieces cut out."""
    lines, start = [], 0
    for raw in text.split("\n"):
        end = start + len(raw)
        stripped = raw.strip().strip(_INVISIBLE).strip()
        if stripped:
            first = start + raw.index(stripped)
            line = _Line(first, first + len(stripped))
            _cut_inline(text, line, rules, len(lines))
            lines.append(line)
        start = end + 1
    return lines


def _cut_inline(text: str, line: _Line, rules: SegmentRules, number: int) -> None:
    """Take the inline pieces out of a line (the `number`th that holds text, from 0) and keep the stretches
    between them as its body."""
    content = text[line.start:line.end]
    found = []  # (start, end, label, reason), offsets in `content`
    date = match_date_line(content) if number == 0 else None
    if date is not None and date.end < len(content):  # the text opens "date 2021-11-24 U.S. Chairman …"
        found.append((0, date.end, "boilerplate", "date line"))
    lower = content.lower()
    for rule in rules.inline:
        if rule.keywords and not any(map(lower.__contains__, rule.keywords)) or rule.header and number >= HEADER_LINES:
            continue
        if rule.prefix:
            at = found[-1][1] if found else 0
            m = rule.pattern.match(content[at:])
            if m and m.end() > 0:
                found.append((at, at + m.end(), rule.label, rule.reason))
        else:
            found.extend((m.start(), m.end(), rule.label, rule.reason)
                         for m in rule.pattern.finditer(content) if m.end() > m.start())
    if not found:  # most lines: the whole line is the body
        line.body.append((line.start, line.end))
        line.body_text, line.lower, line.words = content, lower, len(content.split())
        return
    # at one position the longest piece wins: a whole `<tweet …>…</tweet>` over its opening tag
    pieces = sorted((line.start + s, line.start + e, label, reason) for s, e, label, reason in found)
    pieces.sort(key=lambda piece: (piece[0], -piece[1]))
    at = line.start
    for start, end, label, reason in pieces:
        if start < at:  # overlapping matches: the earlier piece wins
            continue
        if text[at:start].strip():
            line.body.append((at, start))
        line.pieces.append((start, end, label, reason))
        at = end
    if text[at:line.end].strip():
        line.body.append((at, line.end))
    line.body_text = " ".join(text[s:e].strip() for s, e in line.body)
    line.words = len(line.body_text.split())


def _label_line(line: _Line, n: int, count: int, rules: SegmentRules, plan: _LinePlan) -> None:
    """Give a line's body the label of the first rule that fits it (summing advertorial evidence).

    Same answer as trying each rule in turn, with less work: one keyword scan says which rules may match
    anywhere in the line, one regular expression finds the first rule that fits at the line start, and the
    rules that may not label a line this long, or this far from the end, are left out of both."""
    body = line.body_text
    if not body:
        return
    date = match_date_line(body)
    if date is not None and date.end == len(body):  # the whole line (a date opening prose is cut off in line 1 only)
        return _set(line, "boilerplate", "date line")
    if match_byline(body) is not None:
        return _set(line, "boilerplate", "byline")
    screen = plan.screen(line.words, n >= count - rules.end_lines)
    lower = line.lower or body.lower()
    may = screen.always
    for keyword, bits in screen.keywords:
        if keyword in lower:
            may |= bits
    evidence, best = 0, None
    strong = may & plan.strong | plan.strong_at_start  # the advertorial rules that may fit, as bits
    while strong:
        i = (strong & -strong).bit_length() - 1  # the lowest bit: the first rule left
        strong &= strong - 1
        rule = rules.rules[i]
        patterns = rule.patterns
        hits = 1 if patterns.at_start is not None and patterns.at_start.match(body) else 0
        if may >> i & 1:
            hits += sum(1 for _ in patterns.anywhere.finditer(body))
        if hits and best is None:
            best = rule
        evidence += hits * rule.strength
    if evidence >= (4 if line.words > rules.long_line_words else 2):
        return _set(line, best.label, best.reason, best)
    m = screen.at_start.match(body) if screen.at_start is not None else None
    first = int(m.lastgroup[2:]) if m is not None else len(rules.rules)
    may &= screen.eligible & ((1 << first) - 1)  # only a rule before the one that fits at the line start comes first
    while may:
        rule = rules.rules[(may & -may).bit_length() - 1]  # the lowest bit: the first rule left
        if rule.patterns.anywhere.search(body) is not None:
            return _set(line, rule.label, rule.reason, rule)
        may &= may - 1
    if m is not None:
        rule = rules.rules[first]
        return _set(line, rule.label, rule.reason, rule)


def _set(line: _Line, label: str, reason: str, rule: LineRule | None = None) -> None:
    """Label a line by a rule."""
    line.label, line.reason, line.ruled, line.rule = label, reason, True, rule


def _apply_context(lines: list[_Line], rules: SegmentRules) -> None:
    """Lists under a header and the tail after a newsletter form or advert near the end."""
    in_list: LineRule | None = None
    tail: LineRule | None = None
    for n, line in enumerate(lines):
        rule = line.rule
        if rule is not None and rule.speaker_after_quote and n and _CLOSING_QUOTE.search(lines[n - 1].body_text):
            line.label, line.reason, line.ruled, line.rule = ARTICLE, SPEAKER_LABEL, False, None
            continue
        if rule is not None and rule.heading and n == 0:  # the headline: headlines report statements too
            line.label, line.reason, line.ruled, line.rule = ARTICLE, BODY_TEXT, False, None
        if rule is not None and rule.signs_post and n and not lines[n - 1].ruled \
                and 0 < lines[n - 1].words <= rules.post_words and not _reads_as_attributed(lines[n - 1]):
            lines[n - 1].label, lines[n - 1].reason = rule.label, EMBEDDED_POST
        if line.ruled:
            in_list = rule if rule is not None and rule.opens_list else None
            if tail is None and rule is not None and rule.tail and 2 * n >= len(lines):
                tail = rule
            continue
        if not line.body_text:
            continue
        if in_list is not None and (line.words <= rules.list_item_words or _headline_case(line.body_text)):
            line.label, line.reason = in_list.label, in_list.reason
            continue
        in_list = None
        if tail is not None:
            if _reads_as_attributed(line):
                line.reason = ATTRIBUTED_PROSE
            else:
                line.label, line.reason = tail.label, f"after {tail.reason}"


def _headline_case(text: str) -> bool:
    """Is a line written like a headline ("Rand Paul Scores Direct Hit On Donald Trump"): a few words, and
    nearly all those of four letters or more capitalised ("with", "from" are lower case in some styles)?"""
    words = _HEADLINE_WORD.findall(text)
    long = [w for w in words if len(w) >= 4]
    return (len(words) <= HEADLINE_MAX_WORDS and len(long) >= 3
            and sum(w[0].isupper() for w in long) >= HEADLINE_CAPITALS * len(long))


def _reads_as_attributed(line: _Line) -> bool:
    """Does a line read as attributed article prose: long enough, with a word that is mostly a cue ("said")?"""
    if line.words < PROSE_MIN_WORDS:
        return False
    lexicon = load_cue_lexicon()
    return any(lexicon.get(w, 0.0) >= PROSE_CUE_STRENGTH for w in _WORD.findall(line.body_text.lower()))


def _tile(text: str, lines: list[_Line]) -> list[Segment]:
    """Segments from the labelled pieces: each runs to the next one's start; equal neighbours merge."""
    marks: list[tuple[int, str, str]] = []  # (start, label, reason)
    for line in lines:
        if not line.pieces and len(line.body) == 1:  # most lines: one piece of one label
            marks.append((line.body[0][0], line.label, line.reason))
            continue
        parts = [(s, label, reason) for s, _, label, reason in line.pieces]
        parts += [(s, line.label, line.reason) for s, _ in line.body]
        marks.extend(sorted(parts))
    if not marks:
        return [Segment(0, len(text), ARTICLE, BODY_TEXT)]
    starts, kinds = [0], [marks[0][1:]]  # where each run of equal (label, reason) starts, and what it is
    for start, label, reason in marks:
        if kinds[-1] != (label, reason):
            starts.append(start)
            kinds.append((label, reason))
    ends = starts[1:] + [len(text)]
    return [Segment(start, end, label, reason) for start, end, (label, reason) in zip(starts, ends, kinds)]
