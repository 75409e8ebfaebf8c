"""Statements whose speaker comes from the layout, not a cue: floating quotes and pull quotes.

A *floating quote* is a paragraph that is only a quotation, right after a paragraph whose last
statement has a source (`“…,” Moore said.` ⏎ `“The Earth is kind of a small place.”`): the same speaker
says it. Several such paragraphs in a row chain to that speaker; a paragraph with a statement of its
own, a paragraph without one (a heading) or a non-article line (blanked by the clean stage) ends the chain.

A *pull quote* (or quote box) is a standalone statement line followed by a line that holds only a
name (`The board's failures constitute an emergency.` ⏎ `Linda Lamoureux`), as many pages read after
text extraction: the name line is the source.

Both become cue-less frames marked `floating`; the floating quote's source is its antecedent's source
span, so the resolve stage names both speakers the same way. PolNeAR mostly joins a floating quote
to the content of the attribution before it instead (train: 96 joined, 25 separate): `onrecord evaluate
--without-floating` scores without these frames.
"""
from __future__ import annotations

from bisect import bisect_right

from onrecord.extract.frames import Frame
from onrecord.text.analysis import Analysis
from onrecord.text.tokens import CLOSE_QUOTES, STRAIGHT_QUOTES, Token, paragraph_ends

MIN_QUOTE_WORDS = 3  # as for follow-up quotes: "“Yes.”" alone is too little to stand as a statement
MIN_PULL_QUOTE_WORDS = 5  # a statement line, not a caption fragment or a kicker
NAME_WORDS = (2, 4)  # a name line: "Linda Lamoureux", "Mary-Ann O'Neil", "Jean-Paul de la Roche"
NAME_PARTICLES = frozenset({"de", "da", "del", "della", "di", "du", "la", "le", "van", "von", "der", "bin", "al"})
SENTENCE_ENDS = frozenset(".!?")
PERSONAL_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "it", "they"})
MAX_LABEL_WORDS = 3  # "“PENCE:", "“Gov. Mike Pence:"
CLOSING_MARKS = frozenset(CLOSE_QUOTES + STRAIGHT_QUOTES + ("’", "'", ")"))  # may follow the last stop


def floating_frames(analysis: Analysis, frames: list[Frame]) -> list[Frame]:
    """Frames for the pull quotes and floating quotes of a text, in text order.

    A floating paragraph that one of `frames` took into its content (PolNeAR's way of writing it) is
    cut out of that content: it is a statement of its own.
    """
    tokens = analysis.tokens
    paragraphs = _paragraphs(analysis.text, tokens)
    starts = [start for start, _ in paragraphs]
    said_in: dict[int, list[Frame]] = {}  # paragraph index → the frames said there
    for f in frames:
        said_in.setdefault(bisect_right(starts, _anchor(f)) - 1, []).append(f)
    found: list[Frame] = []
    antecedent: Frame | None = None  # the statement a floating quote would continue
    for n, (start, end) in enumerate(paragraphs):
        own = said_in.get(n, [])
        following = paragraphs[n + 1] if n + 1 < len(paragraphs) else None
        if n and _is_new_block(analysis.text, tokens, paragraphs[n - 1][1], start):
            antecedent = None
        # the name line under a statement line settles its speaker (unless the line reports another's speech)
        if (following is not None and not _is_new_block(analysis.text, tokens, end, following[0])
                and _is_name_line(tokens, *following) and _is_statement_line(analysis, start, end)
                and not _reports_speech(tokens, own)):
            found.append(Frame(cue=[], content=[(start, end)], source=[following], floating=True))
            antecedent = None
        elif own:
            antecedent = _last_statement(own, analysis.in_quote)
        elif (antecedent is not None and _is_only_quotation(analysis, start, end)
              and not _opens_with_label(tokens, start)
              and (_closes(analysis, start) or _continues(analysis, said_in, paragraphs, n + 1))):
            _cut_content(frames, start, end)
            antecedent = Frame(cue=[], content=[(start, end)], source=list(antecedent.source),
                               confidence=antecedent.confidence, floating=True)
            found.append(antecedent)
        else:
            antecedent = None
    return found


def _paragraphs(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """[start, end) token ranges of the text's lines that hold tokens."""
    ends = paragraph_ends(text, tokens)
    paragraphs, start = [], 0
    while start < len(tokens):
        paragraphs.append((start, ends[start]))
        start = ends[start]
    return paragraphs


def _anchor(frame: Frame) -> int:
    """Where a frame is said: its cue, else its source (its content may run on into later paragraphs)."""
    return (frame.cue or frame.source or frame.content)[0][0]


def _last_statement(frames: list[Frame], in_quote: list[int]) -> Frame | None:
    """The statement a floating quote continues: the last that has a source, quoting ones first
    ("“…,” Ms. Hughes said, pointing out that …" ⏎ "“…”"); None when the last statement has no source."""
    last = max(frames, key=_anchor)
    if not last.source:
        return None
    quoting = [f for f in frames if f.source and any(in_quote[a] >= 0 for a, _ in f.content)]
    return max(quoting or [last], key=_anchor)


def _is_new_block(text: str, tokens: list[Token], before: int, at: int) -> bool:
    """Does a non-article line (blanked to spaces by the clean stage) lie between token `before - 1` and `at`?"""
    gap = text[tokens[before - 1].end:tokens[at].start].split("\n")[1:-1]
    return any(line.strip() == "" and line for line in gap)


def _is_only_quotation(analysis: Analysis, start: int, end: int) -> bool:
    """Is the paragraph [start, end) one or more quotations and nothing else (trailing marks aside)?"""
    tokens, in_quote = analysis.tokens, analysis.in_quote
    if in_quote[start] < 0 or analysis.quotes[in_quote[start]].first != start:
        return False
    words = [k for k in range(start, end) if tokens[k].is_word]
    return len(words) >= MIN_QUOTE_WORDS and all(in_quote[k] >= 0 for k in words)


def _closes(analysis: Analysis, start: int) -> bool:
    """Does the quotation that opens the paragraph at token `start` close with a mark?"""
    return analysis.quotes[analysis.in_quote[start]].closed


def _continues(analysis: Analysis, said_in: dict[int, list[Frame]], paragraphs: list[tuple[int, int]], n: int) -> bool:
    """Is paragraph n, after a quotation left open, its continuation: a quotation with no statement of its own?

    News style leaves the closing mark off a paragraph whose quotation goes on in the next one; an open
    quotation followed by anything else (narration, a quote with its own cue) is a passage misread, as
    in an excerpt of another article quoted paragraph by paragraph.
    """
    if n >= len(paragraphs):
        return False
    start, end = paragraphs[n]
    return (not _is_new_block(analysis.text, analysis.tokens, paragraphs[n - 1][1], start)
            and _is_only_quotation(analysis, start, end) and not said_in.get(n))


def _is_statement_line(analysis: Analysis, start: int, end: int) -> bool:
    """A line that reads as a whole statement: enough words, ending as a sentence ends."""
    tokens = analysis.tokens
    last = end - 1
    while last > start and tokens[last].text in CLOSING_MARKS:
        last -= 1
    words = sum(1 for t in tokens[start:end] if t.is_word)
    return words >= MIN_PULL_QUOTE_WORDS and tokens[last].text[-1] in SENTENCE_ENDS


def _reports_speech(tokens: list[Token], frames: list[Frame]) -> bool:
    """Does a line report someone's speech ("His lawyer, Jane Doe, argues that …"): a frame in it whose
    source is not a personal pronoun? Then it is body text, not a pull quote (which speaks in the first
    person: "We were told to choose …", where the tagger may read "We … told" as a frame)."""
    return any(f.source and not all(tokens[k].lower in PERSONAL_PRONOUNS for a, b in f.source for k in range(a, b))
               for f in frames)


def _opens_with_label(tokens: list[Token], start: int) -> bool:
    """Does a quotation open with a speaker label ("“PENCE: Well, …"): a transcript, its speakers named inside?"""
    label = tokens[start + 1:start + 1 + MAX_LABEL_WORDS + 1]
    colon = next((n for n, t in enumerate(label) if t.text == ":"), None)
    return colon is not None and colon > 0 and all(t.is_capitalized for t in label[:colon])


def _is_name_line(tokens: list[Token], start: int, end: int) -> bool:
    """A line that holds only a person's name: 2 to 4 capitalised words (particles and initials allowed)."""
    line = tokens[start:end]
    names = [t for t in line if t.lower not in NAME_PARTICLES]
    if not (NAME_WORDS[0] <= len(names) <= NAME_WORDS[1]) or not line[0].is_capitalized:
        return False
    return all(t.is_word and t.is_capitalized and not any(c.isdigit() for c in t.text) for t in names)


def _cut_content(frames: list[Frame], start: int, end: int) -> None:
    """Take the tokens [start, end) out of every frame's content that holds more than them."""
    for f in frames:
        kept = [piece for a, b in f.content for piece in ((a, min(b, start)), (max(a, end), b)) if piece[1] > piece[0]]
        if kept:
            f.content = kept
