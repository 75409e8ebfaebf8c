"""Frames that are not statements: speaker labels outside transcripts, market moves, appointments.

Each check reads a finished frame (from the rules or the tagger) and returns why it is no statement, or
None. `drop_non_statements` runs them all; the extract stage calls it before follow-up quotes attach.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from onrecord.extract.frames import MAX_LABEL_TOKENS, Frame
from onrecord.text.analysis import Analysis
from onrecord.text.cues import load_cue_lexicon
from onrecord.text.tokens import paragraph_ends

# Words that show a transcript turn is speech: the speaker and the addressee in person.
FIRST_SECOND_PERSON = frozenset("i i'm i’m me my we we're we’re us our you you're you’re your".split())
QA_LABELS = frozenset({"q", "a"})
WH_WORDS = frozenset("what why how who when where which".split())


class Labels:
    """The "Label: text" lines that open paragraphs in a document, by label (lower case)."""

    def __init__(self, analysis: Analysis):
        self.tokens, self.in_quote, self.quotes = analysis.tokens, analysis.in_quote, analysis.quotes
        self.paragraph_end = paragraph_ends(analysis.text, analysis.tokens)
        self.turns: dict[str, list[tuple[int, int]]] = {}  # label → the (first, end) token ranges after its colon
        self.label_lines: set[int] = set()  # the first tokens of the lines that open with a label
        start = 0
        while start < len(self.tokens):
            end = self.paragraph_end[start]
            colon = label_colon(self.tokens, start, end)
            if colon is not None:
                self.turns.setdefault(self.label(start, colon), []).append((colon + 1, end))
                self.label_lines.add(start)
            start = end

    def label(self, start: int, colon: int) -> str:
        """The label's words in lower case."""
        return " ".join(t.lower for t in self.tokens[start:colon])

    def is_speaker(self, label: str) -> bool:
        """A transcript's speaker label: it opens two paragraphs or more, and one of its turns reads as speech."""
        if label in QA_LABELS and QA_LABELS <= self.turns.keys():
            return True  # an interview printed as questions and answers
        turns = self.turns.get(label, [])
        speaks = any(self.is_speech_turn(a, b) for a, b in turns)
        # a one-time speaker in a transcript ("REPORTER: Will you resign?") counts once the transcript is clear
        return speaks and (len(turns) >= 2 or self.is_transcript)

    @cached_property
    def is_transcript(self) -> bool:
        """Does one label return as a speaker: two turns or more, one of them speech?"""
        return any(len(turns) >= 2 and any(self.is_speech_turn(a, b) for a, b in turns)
                   for turns in self.turns.values())

    def is_speech_turn(self, a: int, b: int) -> bool:
        """Does a turn address someone: a first- or second-person word, or a question?"""
        words = self.tokens[a:b]
        return any(t.lower in FIRST_SECOND_PERSON for t in words) or any(t.text == "?" for t in words)


def label_colon(tokens, start: int, end: int) -> int | None:
    """The colon of a "Label: text" line opening at token `start` (the label all words), or None."""
    for k in range(start, min(end, start + MAX_LABEL_TOKENS + 1)):
        if tokens[k].text == ":":
            return k if k > start and k + 1 < end else None
        if not tokens[k].is_word:
            return None
    return None


def speaker_label_not_speech(analysis: Analysis, frame: Frame, labels: Labels) -> str | None:
    """A colon is a cue in a transcript or Q&A ("Q: …", "MARSH: …"), before a quotation ("Peskov: “…”") and in
    a headline naming its speaker ("Pence: Flowers won't be at debate"); not in blotter fields ("Bond: $2,500"),
    datelines ("NEW DELHI: …"), credits ("SOURCE: News agencies") or page chrome ("Read more: …")."""
    tokens = analysis.tokens
    (cue_start, cue_end), = frame.cue if len(frame.cue) == 1 else ((0, 0),)
    if cue_end - cue_start != 1 or tokens[cue_start].text != ":":
        return None
    if not frame.source:
        return "speaker label without a label"
    content = min(a for a, _ in frame.content)
    q = analysis.in_quote[content]
    if q >= 0 and analysis.quotes[q].first == content:
        return None
    start, colon = frame.source[0][0], cue_start
    if labels.is_speaker(labels.label(start, colon)):
        return None
    if labels.paragraph_end[colon] == labels.paragraph_end[0]:  # the headline
        if all(not t.text.isalpha() or t.text.isupper() for t in tokens[start:colon]):
            return "all-capitals label in a headline"  # "NEW DELHI: …", "UPDATE: …"
        last = labels.paragraph_end[colon] - 1
        if last + 1 in labels.label_lines:
            return "field list"  # "Name: …" ⏎ "Charge: …": a record's fields, its title line blanked as chrome
        if tokens[colon + 1].lower in WH_WORDS and tokens[last].text == "?":
            return "explainer headline"  # "Arvid Kolstad: Why is he wanted?"
        return None
    return "label outside a transcript"


# Verbs of market and quantity moves: "the index added 20.72 points", "shares fell 3%".
QUANTITY_VERBS = frozenset("""added gained rose fell lost climbed dropped slipped jumped declined advanced eased
    edged tumbled surged shed slid sank soared rallied""".split())
APPROXIMATORS = frozenset("about nearly almost some roughly around just over more than".split())


def quantity_move(analysis: Analysis, frame: Frame) -> str | None:
    """"The index added 20.72 points": a verb whose object is a quantity reports a move, not speech."""
    tokens = analysis.tokens
    if tokens[frame.cue[-1][1] - 1].lower not in QUANTITY_VERBS:
        return None
    k = min(a for a, _ in frame.content)
    while k < len(tokens) and tokens[k].lower in APPROXIMATORS:
        k += 1
    if k < len(tokens) and (tokens[k].text[0].isdigit() or tokens[k].text in ("$", "€", "£")):
        return "quantity move"
    return None


BE_FORMS = frozenset("is are was were be been being 's ’s".split())
APPOINTMENT_VERBS = frozenset("named appointed elected promoted chosen picked hired nominated".split())


def appointment(analysis: Analysis, frame: Frame) -> str | None:
    """"Mayer was named chairman": a passive appointment is an event about its subject, not a statement."""
    tokens = analysis.tokens
    for a, b in frame.cue:
        for k in range(a, b):
            if tokens[k].lower in APPOINTMENT_VERBS and k > 0 and tokens[k - 1].lower in BE_FORMS:
                return "passive appointment"
    return None


# Acts that change a state of affairs, not a claim ("promoted" is left out: "he has promoted therapies" advocates).
EVENT_VERBS = frozenset("approved appointed named elected hired signed".split())
AUXILIARIES = BE_FORMS | frozenset("has have had will would 'll ’ll did does do not n't never".split())
PAST_OR_FUTURE = frozenset("was were will 'll ’ll".split())
SPEECH_VERB_STRENGTH = 0.6  # cue-lexicon strength above which a word is read as a verb of saying ("accused" 0.74)


def auxiliary_cue(analysis: Analysis, frame: Frame) -> str | None:
    """A cue of auxiliaries and adverbs alone names no act of saying when it is past or future "be"/"will"
    ("Trump was eager to …", "A court will decide …") or when an appointment or approval verb follows
    ("the Home Secretary formally approved …")."""
    words = [t.lower for a, b in frame.cue for t in analysis.tokens[a:b]]
    if not words or not all(w in AUXILIARIES or w.endswith("ly") for w in words):
        return None
    cue_end = frame.cue[-1][1]
    k = min((a for a, _ in frame.content if a >= cue_end), default=min(a for a, _ in frame.content))
    while k + 1 < len(analysis.tokens) and (analysis.tokens[k].lower.endswith("ly") or analysis.tokens[k].lower == "also"):
        k += 1  # the verb after the cue: "was also accused"
    first = analysis.tokens[k].lower
    if load_cue_lexicon().get(first, 0.0) >= SPEECH_VERB_STRENGTH and first not in APPOINTMENT_VERBS:
        return None  # a passive of speech, "He was also accused by …": its frame is the passive rule's to mend
    if any(w in PAST_OR_FUTURE for w in words):
        return "past or future auxiliary as cue"
    if first in EVENT_VERBS:
        return "event verb after an auxiliary cue"
    return None


Check = Callable[[Analysis, Frame], "str | None"]
EVENT_CHECKS: tuple[Check, ...] = (quantity_move, appointment, auxiliary_cue)


def drop_non_statements(analysis: Analysis, frames: list[Frame], checks: tuple[Check, ...] = EVENT_CHECKS,
                        labels: bool = True) -> list[Frame]:
    """The frames that are statements: speaker labels checked against the document's labels, events dropped."""
    found = Labels(analysis) if labels else None
    kept = []
    for f in frames:
        if found is not None and speaker_label_not_speech(analysis, f, found):
            continue
        if any(check(analysis, f) for check in checks):
            continue
        kept.append(f)
    return kept
