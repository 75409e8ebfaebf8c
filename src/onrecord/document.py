"""The small data types every stage passes along: Document, Attribution, TextSpan, Speaker."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("direct", "mixed", "indirect")
ACTS = ("speech", "thought")  # what an attribution reports: said, told … or believes, hopes … (text/acts.py)
SEGMENT_LABELS = ("article", "boilerplate", "advertorial")
SPEAKER_TYPES = ("person", "organization", "media", "anonymous", "document", "unknown")
# a person speaker's gender: decided from in-text evidence or a strongly gendered first name (resolve/gender.py);
# "unknown" is an outcome (no evidence, or evidence that conflicts), not an error. Only persons have one.
GENDERS = ("woman", "man", "nonbinary", "unknown")
# kinds of evidence, strongest first: "he"/"she" resolved to the person, Mr./Ms./Dame…, chairwoman/father…,
# the first name in a name–gender table, and the user's own correction (ledger)
GENDER_EVIDENCE_KINDS = ("pronoun", "honorific", "role_noun", "first_name", "correction")
MAX_DOC_ID = 1000  # characters of a document id: what a URL path and a ledger key take comfortably

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str every such code point is half a pair, alone


class BadDocumentId(ValueError):
    """A document id that can't name a document; the message says why, in a few words."""


def check_doc_id(doc_id: str) -> str:
    """`doc_id` when it can name a document, else BadDocumentId: the one rule of ingest and the web UI.

    Not empty, at most MAX_DOC_ID characters, no control characters (tabs and newlines included), valid
    Unicode: every id the ledger stores is then one a document page can be asked for (taken as it is, not
    stripped: a file named "draft .txt" has the id "draft ").
    """
    if not isinstance(doc_id, str) or not doc_id:
        raise BadDocumentId("empty")
    if len(doc_id) > MAX_DOC_ID:
        raise BadDocumentId(f"at most {MAX_DOC_ID} characters (got {len(doc_id)})")
    if any(unicodedata.category(c) == "Cc" for c in doc_id):
        raise BadDocumentId("control characters are not allowed")
    if _LONE_SURROGATE.search(doc_id):
        raise BadDocumentId("not valid Unicode (a lone surrogate)")
    return doc_id


def replace_surrogates(text: str) -> tuple[str, int]:
    """`text` with each lone surrogate replaced by U+FFFD, and how many there were.

    A lone surrogate (half a UTF-16 pair: a JSON `\\ud800` escape, a file name that isn't UTF-8) is a
    legal Python character that can't be encoded as UTF-8, so such text could be neither stored nor printed.
    """
    return _LONE_SURROGATE.subn("\ufffd", text)


@dataclass
class TextSpan:
    """A piece of the input text, possibly discontinuous: `spans` are [start, end) character offsets."""

    text: str
    spans: list[tuple[int, int]]

    @classmethod
    def from_offsets(cls, source_text: str, spans: list[tuple[int, int]]) -> "TextSpan":
        """Build a span whose text is read from `source_text` (pieces joined by ' … ')."""
        spans = [(s, e) for s, e in spans if e > s]
        return cls(" … ".join(source_text[s:e] for s, e in spans), spans)

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass(frozen=True)
class GenderEvidence:
    """One piece of evidence about a person's gender: the words that say it and where they are."""

    kind: str  # one of GENDER_EVIDENCE_KINDS
    value: str  # "woman" | "man" | "nonbinary": what this piece says
    text: str  # the words: "she", "Ms.", "chairwoman", "Jennifer"
    start: int | None = None  # [start, end) in the document text; None where the evidence isn't in the text
    end: int | None = None
    score: float | None = None  # first names: the name table's share for `value` (0.5..1)


@dataclass
class Speaker:
    """The entity a source refers to, resolved from the text ("he" → Dmitry Polyanskiy)."""

    name: str | None
    type: str = "unknown"  # one of SPEAKER_TYPES
    role: str | None = None  # "Kremlin spokesman"
    affiliation: str | None = None  # "Kremlin", "Russia"
    # persons only: one of GENDERS and the evidence for it in this document (None for every other type, and
    # when gender resolution did not run); not part of a speaker's identity, so left out of ==
    gender: str | None = field(default=None, compare=False)
    gender_evidence: list[GenderEvidence] = field(default_factory=list, compare=False)


@dataclass
class Attribution:
    """One attribution relation: `source` said `content` (signalled by `cue`)."""

    content: TextSpan
    kind: str  # one of KINDS
    source: TextSpan | None = None
    cue: TextSpan | None = None
    speaker: Speaker | None = None
    via: list[Speaker] = field(default_factory=list)  # reporting chain, nearest outlet first
    confidence: float = 1.0
    act: str | None = "speech"  # one of ACTS, from the cue (`act_of`); None only on gold that doesn't say
    # no cue: a paragraph that is only a quotation, by the speaker before it, or a pull quote above a name line
    floating: bool = False


@dataclass(frozen=True)
class Segment:
    """A stretch [start, end) of the text (a paragraph or line) with its label and why it got it."""

    start: int
    end: int
    label: str  # one of SEGMENT_LABELS
    reason: str  # "body text", "newsletter form", "promo code", ...


@dataclass
class DocumentMetadata:
    """What is known about where a text came from: from the input (HTML, JSONL, WARC) or the text itself."""

    url: str | None = None
    published: str | None = None  # ISO date or date-time, as found
    title: str | None = None
    byline: str | None = None  # the author(s): "Isabel Van Brugen"
    outlet: str | None = None  # the publisher, or the outlet it was syndicated from ("The Epoch Times")

    def filled_from(self, fallback: "DocumentMetadata | None") -> "DocumentMetadata":
        """Field by field, this metadata's value, else `fallback`'s: what the input gave wins over the page's
        or the text's own."""
        if fallback is None:
            return self
        return DocumentMetadata(**{name: getattr(self, name) or getattr(fallback, name)
                                   for name in DocumentMetadata.__dataclass_fields__})


@dataclass
class Document:
    """An input text and what onrecord found in it."""

    text: str
    doc_id: str | None = None
    attributions: list[Attribution] = field(default_factory=list)
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    segments: list[Segment] = field(default_factory=list)  # empty when the text was not segmented
    # True when the text was longer than ExtractOptions.max_chars: only its first max_chars characters were
    # segmented and searched for attributions (the text itself is kept whole)
    truncated: bool = False
