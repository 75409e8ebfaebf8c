"""Attribution frames: from a cue, find its source and content in the sentence and quote structure."""
from __future__ import annotations

from dataclasses import dataclass, field

from onrecord.text.cues import (
    ADDRESSEE_VERBS, CONTINUATION_CUES, SUPPLEMENT_CUES, load_cue_lexicon, load_source_heads,
)
from onrecord.text.quotes import Quote
from onrecord.text.tokens import CLOSE_QUOTES, OPEN_QUOTES, STRAIGHT_QUOTES, Token

# Words that may sit between a source and its cue verb ("Blinken also said", "he has repeatedly argued").
CUE_MODIFIERS = frozenset(
    """has have had is was 's ’s would will did does do also previously later then again once first further
    recently never just still already not n't often publicly privately reportedly repeatedly had been
    has been have been has since long even quickly""".split()
)
# Words that end a source noun phrase when walking left from the cue.
SOURCE_STOPS = frozenset(
    """that and but or which when while as because if after before since so where though although with than
    until unless whereas despite like only even
    then whether what how why who whom whose to of for in on at by from into about said says this these those
    it’s it's is was are were be been has have had not also""".split()
)
NOT_APPOSITIVE_STARTS = SOURCE_STOPS | CONTINUATION_CUES
PRONOUNS = frozenset("he she they it i we you".split())
RELATIVE_SOURCES = frozenset("who which".split())
# Leading words of a content clause that are not part of it ("said that ...").
COMPLEMENTIZERS = frozenset(["that"])
# Prepositions that open an adverbial right after a cue ("said on Tuesday that", "told CNN in an interview").
ADVERBIAL_HEADS = frozenset("on in at during after before earlier later last this late early".split())
MAX_SOURCE_TOKENS = 9
# Leading words of what follows a cue that mark the content: "said that …", "said: …".
CONTENT_OPENERS = COMPLEMENTIZERS | {":"}


@dataclass
class Frame:
    """A candidate attribution as token index ranges: pieces are [start, end) token index pairs."""

    cue: list[tuple[int, int]]
    content: list[tuple[int, int]]
    source: list[tuple[int, int]] = field(default_factory=list)
    confidence: float = 1.0
    floating: bool = False  # no cue: the speaker comes from the layout (a floating or pull quote, floating.py)


class SentenceView:
    """A sentence's tokens with the quote structure around them, as the frame rules read it."""

    def __init__(self, tokens: list[Token], start: int, end: int, quotes: list[Quote], in_quote: list[int]):
        self.tokens, self.start, self.end = tokens, start, end
        self.quotes, self.in_quote = quotes, in_quote

    def is_closing_quote(self, i: int) -> bool:
        """Does token i close a quotation?"""
        if not (0 <= i < len(self.tokens)):
            return False
        q = self.in_quote[i]
        return q >= 0 and self.quotes[q].last == i and self.tokens[i].text in CLOSE_QUOTES + STRAIGHT_QUOTES

    def is_opening_quote(self, i: int) -> bool:
        """Does token i open a quotation?"""
        if not (0 <= i < len(self.tokens)):
            return False
        q = self.in_quote[i]
        return q >= 0 and self.quotes[q].first == i

    def trim(self, a: int, b: int) -> tuple[int, int]:
        """Drop punctuation (not quote marks) at both ends of the token range [a, b)."""
        while a < b and not self.tokens[a].is_word and self.tokens[a].text not in OPEN_QUOTES + STRAIGHT_QUOTES:
            a += 1
        while b > a and not self.tokens[b - 1].is_word and self.tokens[b - 1].text not in CLOSE_QUOTES + STRAIGHT_QUOTES + ("?", "!"):
            b -= 1
        return a, b

    def words_in(self, a: int, b: int) -> int:
        """Number of word tokens in [a, b)."""
        return sum(1 for t in self.tokens[a:b] if t.is_word)


def source_left(view: SentenceView, i: int) -> tuple[int, int] | None:
    """The noun phrase ending right before token i (walking left), as a token range, or None."""
    toks = view.tokens
    j = i - 1
    if j >= view.start and toks[j].text == ")":
        # "Sen. John Cornyn (R-Texas) told …": the party tag belongs to the source
        k = j - 1
        while k >= view.start and toks[k].text != "(" and j - k < 8:
            k -= 1
        if k >= view.start and toks[k].text == "(" and k > view.start and toks[k - 1].is_word:
            found = source_left(view, k)
            return (found[0], i) if found else None
    while j >= view.start and toks[j].is_word and (len(toks[j].text) > 1 or toks[j].text.isupper()):
        low = toks[j].lower
        if low == "of" and j < i - 1 and j > view.start and toks[j - 1].is_word and toks[j - 1].lower not in SOURCE_STOPS:
            j -= 1  # "Secretary of State Antony Blinken"
            continue
        if low in SOURCE_STOPS and j < i - 1:
            break
        if low in RELATIVE_SOURCES:  # "voters who said ..." — PolNeAR marks the relative pronoun as source
            return (j, i)
        if low in SOURCE_STOPS:
            return None
        if low in PRONOUNS:
            j -= 1
            break
        if i - j > MAX_SOURCE_TOKENS:
            break
        j -= 1
    a = j + 1
    if a >= i:
        return None
    # a lower-case run longer than 5 words is likely a clause, not a source
    if all(not t.is_capitalized for t in toks[a:i]) and i - a > 5:
        a = i - 3
    return (a, i) if plausible_source_head(toks[i - 1]) else None


CALENDAR_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december today yesterday""".split())
TIME_WORDS = CALENDAR_WORDS | {"this", "last", "month", "week", "year"}
NOT_SOURCE_STARTS = SOURCE_STOPS | ADVERBIAL_HEADS


def plausible_source_head(tok: Token) -> bool:
    """Can this word end a source ("Trump", "officials", "he"), unlike "Tuesday" or "now"?"""
    low = tok.lower
    if low in CALENDAR_WORDS:
        return False
    return tok.is_capitalized or low in load_source_heads()


def source_right(view: SentenceView, i: int) -> tuple[int, int] | None:
    """The noun phrase right after token i ("…,” said Mo Elleithee, a Clinton aide."), or None."""
    toks = view.tokens
    j = i
    if j >= view.end or not toks[j].is_word or toks[j].lower in NOT_SOURCE_STARTS:
        return None
    while j < view.end and toks[j].is_word and j - i < MAX_SOURCE_TOKENS:
        if toks[j].lower in SOURCE_STOPS and j > i:
            break
        j += 1
    # appositives right after belong to the source: "Dean Baker, co-director of the Center, a think tank."
    while (j + 1 < view.end and toks[j].text == "," and toks[j + 1].is_word
           and toks[j + 1].lower not in NOT_APPOSITIVE_STARTS):
        k = j + 1
        while k < view.end and toks[k].text not in (",", ".", ";", ":") + OPEN_QUOTES + STRAIGHT_QUOTES:
            k += 1
        if k - i > 3 * MAX_SOURCE_TOKENS:
            break
        j = k
    return i, j


# Words that open an adverbial clause: a 'that' after them belongs to that clause, not to the cue.
CLAUSE_OPENERS = frozenset("when while after before because if since although though whether".split())
SUBORDINATE_OPENERS = CLAUSE_OPENERS | {"as"}


def skip_after_cue(view: SentenceView, i: int, cue_word: str) -> int:
    """First token of the content after a cue ending at i: skips addressee, adverbials and 'that'."""
    toks = view.tokens
    j = i
    # "said that ..." / "said: ..." / "said, “..."
    window_end = min(view.end, i + 14)
    for k in range(i, window_end):
        t = toks[k]
        if t.lower in COMPLEMENTIZERS or t.text == ":":
            return k + 1
        if view.is_opening_quote(k) or t.text in (",", ";") or t.lower in CLAUSE_OPENERS:
            break
    if j < view.end and toks[j].text in ",:":
        j += 1
    if cue_word in ADDRESSEE_VERBS:
        # the addressee is a short noun phrase: "reporters", "CNN", "the Associated Press"
        k = j
        while k < view.end and k - j < 5 and toks[k].is_word and toks[k].lower not in NOT_SOURCE_STARTS:
            k += 1
        if k < view.end and toks[k].lower in ("to",):  # "urged voters to reject ..." keeps the infinitive
            return k
        j = k
    return j


def end_of_content(view: SentenceView, a: int, later_cues: list[int]) -> int:
    """Where a content starting at token a ends: the sentence end, or a later cue's clause ("…, adding")."""
    toks = view.tokens
    in_subordinate = toks[view.start].lower in SUBORDINATE_OPENERS
    for k in range(a + 1, view.end):
        # "While Trump laid out his vision, the crowd reacted …": the content ends with the opening clause
        if in_subordinate and toks[k].text == "," and view.in_quote[k] < 0:
            return k
        if (toks[k - 1].text in ",;—–" or view.is_closing_quote(k - 1)) and view.in_quote[k] < 0:
            if toks[k].lower in CONTINUATION_CUES or toks[k].lower == "according":
                return k - 1
            # ", Russia’s state-run news agency TASS reported." — a new source-cue pair closes the content
            for c in later_cues:
                if k < c <= k + MAX_SOURCE_TOKENS and all(t.is_word for t in toks[k:c]) and c + 2 >= view.end:
                    return k - 1
        # ", but there is growing anger …": a contrasting clause is the writer's, not the speaker's
        if toks[k].lower == "but" and toks[k - 1].text == "," and view.in_quote[k] < 0:
            return k - 1
        # "… and questioning how …" / "… but said …": the speaker goes on to a new act of saying
        if toks[k].lower in ("and", "but") and view.in_quote[k] < 0 and k + 1 < view.end:
            nxt = toks[k + 1]
            if nxt.lower in CONTINUATION_CUES or (k + 1 in later_cues and not nxt.is_capitalized):
                return k - 1 if toks[k - 1].text == "," else k
    return view.end


def quote_extent(view: SentenceView, first_tok: int) -> int | None:
    """If token `first_tok` opens a quotation, the token index just past its end (may leave the sentence)."""
    if view.is_opening_quote(first_tok):
        return view.quotes[view.in_quote[first_tok]].last + 1
    return None


APPOSITIVE_OPENERS = frozenset("a an the who whose which where citing quoting via himself herself whom".split())
ACCORDING_APPOSITIVE_OPENERS = APPOSITIVE_OPENERS | {"another"}


def appositive_source(view: SentenceView, comma: int) -> tuple[int, int] | None:
    """A subject with appositives before a cue: "Mr. Kaplan, a screenwriter, said", "CNN, citing sources, reported"."""
    toks = view.tokens
    end = comma
    for _ in range(3):  # at most a few appositive chunks: "Roxana M. Leon, 63, an independent voter, said"
        k = end - 1
        while k >= view.start and toks[k].text not in (",", ";", "—") and not view.is_closing_quote(k):
            k -= 1
        chunk = toks[k + 1:end]
        if not chunk or k < view.start or toks[k].text != ",":
            return None
        is_appositive = chunk[0].lower in APPOSITIVE_OPENERS or (len(chunk) == 1 and chunk[0].text[0].isdigit())
        if not is_appositive:
            return _subject_from_sentence_start(view, comma)
        head = source_left(view, k)
        if head is not None and head[0] > view.start and (toks[head[0] - 1].text != ","
                                                          or toks[head[0]].is_capitalized):
            return head[0], comma
        if head is not None and (head[0] == view.start or view.is_closing_quote(head[0] - 1)):
            return head[0], comma
        end = k
    return None


def _subject_from_sentence_start(view: SentenceView, comma: int) -> tuple[int, int] | None:
    """"Paul Porter, a truck driver from Ava, Mo., said …": the sentence opens with a name and its appositives."""
    toks = view.tokens
    first_comma = next((k for k in range(view.start, comma + 1) if toks[k].text == ","), None)
    if first_comma is None or first_comma == comma or comma - view.start > 4 * MAX_SOURCE_TOKENS:
        return None
    head = source_left(view, first_comma)
    if head is None or head[0] != view.start or toks[view.start].lower in ADVERBIAL_STARTS:
        return None
    if any(t.lower in SUBJECT_BREAKERS for t in toks[first_comma:comma]):
        return None
    return view.start, comma


# Words that show a comma-separated stretch is a clause, not an appositive.
SUBJECT_BREAKERS = frozenset("and but said says told is was are were has have had will would".split())


def sentence_subject(view: SentenceView) -> tuple[int, int] | None:
    """The capitalised name that opens a sentence ("Donald Trump", "The Kremlin"), if any."""
    toks = view.tokens
    j = view.start
    if j < view.end and toks[j].lower in ("the", "a", "an"):
        j += 1
    k = j
    while k < view.end and toks[k].is_word and (toks[k].is_capitalized or toks[k].lower in ("of", "’s", "'s")):
        k += 1
    if k == j or toks[j].lower in ADVERBIAL_STARTS or toks[j].lower in SOURCE_STOPS:
        return None
    return (view.start, k) if plausible_source_head(toks[k - 1]) else None


def frame_for_cue(view: SentenceView, i: int, later_cues: list[int], strength: float,
                  earlier_source: tuple[int, int] | None = None) -> Frame | None:
    """Build the attribution frame around the cue verb at token i, or None when no frame fits."""
    toks = view.tokens
    cue_word = toks[i].lower
    cue = (i, i + 1)
    # walk over modifiers between the source and the cue ("has also said")
    left = i
    while left - 1 >= view.start and toks[left - 1].lower in CUE_MODIFIERS:
        left -= 1
    if left < i and toks[left].lower in ("has", "have", "had"):
        cue = (left, i + 1)
    prev = left - 1
    src = None
    if prev >= view.start and (toks[prev].is_word or toks[prev].text == ")"):
        src = source_left(view, left)
    elif prev >= view.start and toks[prev].text == ",":
        src = appositive_source(view, prev)
    participle = cue_word in CONTINUATION_CUES or cue_word.endswith("ing")
    if src is None and participle and prev >= view.start and toks[prev].text == ",":
        # "Trump lashed out on Tuesday, saying …": the speaker is the sentence's subject
        subject = earlier_source or sentence_subject(view)
        if subject is not None and subject[1] <= prev:
            after = skip_after_cue(view, i + 1, cue_word)
            a, b = view.trim(after, end_of_content(view, after, later_cues))
            if view.words_in(a, b) >= 2:
                return Frame([cue], [(a, b)], [subject], confidence=strength)
        return None
    if src is None and earlier_source and prev >= view.start and toks[prev].lower in ("and", "but"):
        # "He pledged reform and said that ..." — the same subject as the cue before
        after = skip_after_cue(view, i + 1, cue_word)
        a, b = view.trim(after, end_of_content(view, after, later_cues))
        if view.words_in(a, b) < 2:
            return None
        return Frame([cue], [(a, b)], [earlier_source], confidence=strength)
    if src is None:
        # the inverted order: "…,” said Smith." / "…, said the Kremlin."
        if prev < view.start or not (toks[prev].text in (",", "—") or view.is_closing_quote(prev)):
            return None
        src = source_right(view, i + 1)
        if src is None or view.words_in(src[1], _skip_words(view, src[1])) > 4:
            return None
        content = _content_before(view, prev)
        if content is None:
            return None
        return Frame([cue], content + _continuation(view, _skip_words(view, src[1])), [src], confidence=strength)
    before_src = src[0] - 1
    quote_before = view.is_closing_quote(before_src)
    content_before_possible = before_src >= view.start and (toks[before_src].text in (",", "—") or quote_before)
    after = skip_after_cue(view, i + 1, cue_word)
    opens_quote = after < view.end and view.is_opening_quote(after)
    explicit_after = (opens_quote and not quote_before) or (
        after > i + 1 and toks[after - 1].lower in CONTENT_OPENERS)
    tail = _skip_words(view, i + 1)
    if cue_word in SUPPLEMENT_CUES and not (quote_before or explicit_after):
        return None  # "swing states" is a noun far more often than "it states" is a cue
    if content_before_possible and not explicit_after and (quote_before or _only_adverbial_after(view, i + 1, cue_word)):
        content = _content_before(view, before_src)
        if content is not None:
            return Frame([cue], content + _continuation(view, tail) + _parenthetical_rest(view, tail), [src],
                         confidence=strength)
    if view.words_in(after, view.end) < 2:
        return None
    end = quote_extent(view, after) if opens_quote else None
    if end is None or end < view.end:
        end = end_of_content(view, after, later_cues) if end is None else end
    a, b = view.trim(after, end)
    if view.words_in(a, b) < 2:
        return None
    pieces = [(a, b)]
    if opens_quote and b >= view.end:
        pieces += _continuation(view, b)
    return Frame([cue], pieces, [src], confidence=strength)


ADVERBIAL_STARTS = frozenset("""on in at during when after before while as of about to from with without upon
    last this earlier later recently today yesterday tonight then afterward afterwards again once also""".split()) | CALENDAR_WORDS


def _only_adverbial_after(view: SentenceView, j: int, cue_word: str) -> bool:
    """Is what follows the cue (up to a comma or the end) no clause of its own: "said on Tuesday", "said dryly"?"""
    toks = view.tokens
    if j >= view.end or toks[j].text in (",", ".", "!", "?", ";", "—") or view.is_opening_quote(j):
        return True
    first = toks[j]
    if cue_word in ADDRESSEE_VERBS and first.lower in ADDRESSEE_OBJECTS:
        return True
    return first.lower in ADVERBIAL_STARTS or first.lower.endswith("ly")


# Addressees that follow "told" in a parenthetical cue: "…, he told reporters."
ADDRESSEE_OBJECTS = frozenset("reporters me him her us them".split())


def _parenthetical_rest(view: SentenceView, j: int) -> list[tuple[int, int]]:
    """The content resuming after a parenthetical cue: "it is his job, he said, to talk to Congress."."""
    toks = view.tokens
    # not a participle clause of the speaker's own: "Blinken said, referring to claims …"
    if (j + 1 < view.end and toks[j].text == "," and toks[j + 1].is_word and not toks[j + 1].lower.endswith("ing")
            and toks[j + 1].lower not in load_cue_lexicon()):
        a, b = view.trim(j + 1, view.end)
        if view.words_in(a, b) >= 3:
            return [(a, b)]
    return []


def according_to_frame(view: SentenceView, i: int) -> Frame | None:
    """'According to X, CONTENT.' and 'CONTENT, according to X.'"""
    toks = view.tokens
    cue = (i, i + 2)
    j = i + 2
    while j < view.end and toks[j].text not in (",", ";", ".") + OPEN_QUOTES and j - i < 16:
        j += 1
    if j == i + 2:
        return None
    src_end = j
    # an appositive closed by a comma belongs to the source: "according to Dennis B. Ross, a former envoy, was …"
    if j + 1 < view.end and toks[j].text == "," and toks[j + 1].lower in ACCORDING_APPOSITIVE_OPENERS:
        k = j + 1
        while k < view.end and toks[k].text not in (",", ";", ".") + OPEN_QUOTES and k - j < 16:
            k += 1
        if k < view.end and toks[k].text == ",":
            src_end = j = k
    src = (i + 2, src_end)
    if i == view.start or (i > view.start and toks[i - 1].text not in ",—(" and view.words_in(view.start, i) < 3):
        a, b = view.trim(j, view.end)
        if view.words_in(a, b) < 2:
            return None
        end = quote_extent(view, a)
        return Frame([cue], [(a, max(b, end or b))], [src])
    content = _content_before(view, i - 1 if toks[i - 1].text in ",—(" else i)
    if content is None:
        return None
    # "At the heart of the trouble, according to X, was a decision …": the content resumes after
    if j < view.end and toks[j].text == ",":
        a, b = view.trim(j + 1, view.end)
        if view.words_in(a, b) >= 3:
            content.append((a, b))
    return Frame([cue], content, [src])


MAX_LABEL_TOKENS = 6
# Labels before a colon that head a section, not a speaker.
NOT_SPEAKER_LABELS = frozenset("""sponsored advertisement ad promoted update updated breaking exclusive watch video photo
    photos read related note correction credit listen live editor's editor’s full text transcript""".split())
DASHES = ("—", "–", "―", "-", "--")


def colon_frame(view: SentenceView, paragraph_end: int) -> Frame | None:
    """'Peskov: “There are no plans.”' / 'Q: How did it go?' — a speaker label before a colon."""
    toks = view.tokens
    colon = next((k for k in range(view.start, min(view.end, view.start + MAX_LABEL_TOKENS + 1))
                  if toks[k].text == ":"), None)
    if colon is None or colon == view.start or view.in_quote[colon] >= 0:
        return None
    label = toks[view.start:colon]
    if not all(t.is_word for t in label) or not plausible_source_head(label[-1]):
        return None
    if any(t.lower in SOURCE_STOPS or t.lower in ADVERBIAL_STARTS or t.lower in NOT_SPEAKER_LABELS for t in label):
        return None  # "In the end: …", "SPONSORED: …", "UPDATE: …"
    end = paragraph_end
    a, b = view.trim(colon + 1, end)
    if view.words_in(a, b) < 2:
        return None
    return Frame([(colon, colon + 1)], [(a, b)], [(view.start, colon)], confidence=0.6)


def dash_frame(tokens: list[Token], quote: Quote, sentence_end: int) -> Frame | None:
    """'“We will win.” — Jane Smith, campaign manager': a speaker named after a dash that follows a quote."""
    dash = quote.last + 1
    if not quote.closed or dash + 1 >= sentence_end or tokens[dash].text not in DASHES:
        return None
    k = dash + 1
    while k < sentence_end and tokens[k].is_word and k - dash <= MAX_LABEL_TOKENS:
        k += 1
    if k == dash + 1 or not tokens[dash + 1].is_capitalized or not tokens[k - 1].is_capitalized:
        return None
    return Frame([(dash, dash + 1)], [(quote.first, quote.last + 1)], [(dash + 1, k)], confidence=0.6)


CUE_NOUNS = frozenset("""claims claim allegations allegation assertion assertions accusations accusation warnings
    warning reports statements remarks comments""".split())


def cue_noun_frame(view: SentenceView, i: int) -> Frame | None:
    """'claims made by Ukraine’s Defense Ministry that CONTENT' — a cue noun with its source after 'by'."""
    toks = view.tokens
    j = i + 1
    if j < view.end and toks[j].lower in ("made", "issued", "voiced", "published"):
        j += 1
    if j >= view.end or toks[j].lower not in ("by", "from"):
        return None
    k = j + 1
    while k < view.end and toks[k].is_word and toks[k].lower != "that" and k - j <= MAX_SOURCE_TOKENS:
        k += 1
    if k >= view.end or toks[k].lower != "that" or k == j + 1 or not plausible_source_head(toks[k - 1]):
        return None
    # adverbials of time between the source and 'that' stay out of the source: "… Ministry this month that"
    src_end = k
    while src_end - 1 > j + 1 and toks[src_end - 1].lower in TIME_WORDS:
        src_end -= 1
    a, b = view.trim(k + 1, end_of_content(view, k + 1, []))
    if view.words_in(a, b) < 3:
        return None
    return Frame([(i, j + 1)], [(a, b)], [(j + 1, src_end)], confidence=0.6)


def _content_before(view: SentenceView, stop: int) -> list[tuple[int, int]] | None:
    """Content ending before token `stop` (a comma or closing quote): back to the sentence or quote start."""
    toks = view.tokens
    end = stop + 1 if view.is_closing_quote(stop) else stop
    start = view.start
    # a quotation that opened in an earlier sentence carries the content back to its opening mark
    closing = stop if view.is_closing_quote(stop) else stop - 1
    if closing >= view.start and view.is_closing_quote(closing):
        opening = view.quotes[view.in_quote[closing]].first
        # "… ticked through the code: “Civility was assumed,” he said": the quote alone was said
        start = opening if opening < start or (opening > start and toks[opening - 1].text == ":") else start
    a, b = view.trim(start, end)
    if view.words_in(a, b) < 2:
        return None
    if toks[a].lower in ADVERBIAL_STARTS and view.words_in(a, b) <= 5 and not view.is_closing_quote(b - 1):
        return None  # "On Thursday, Mr. Clinton said …": an adverbial, not what was said
    return [(a, b)]


def _skip_words(view: SentenceView, j: int) -> int:
    """Skip the rest of a clause after a source–cue pair up to a comma ("said when pressed, “…”")."""
    while j < view.end and view.tokens[j].text != "," and not view.is_opening_quote(j):
        j += 1
    return j


def _continuation(view: SentenceView, j: int) -> list[tuple[int, int]]:
    """A quotation resuming after the source–cue pair: '“…,” he said, “and more.”'."""
    toks = view.tokens
    if j < view.end and toks[j].text in ",:":
        j += 1
    if j < view.end and view.is_opening_quote(j):
        end = view.quotes[view.in_quote[j]].last + 1
        return [(j, end)]
    return []


BRIEFING_VERBS = frozenset({"briefed"})  # the past form only: "brief" and "briefs" are mostly nouns
TOPIC_PREPOSITIONS = frozenset({"on", "about"})
AUXILIARIES = frozenset("have has had been was were is are will would".split())


def briefing_frame(view: SentenceView, i: int) -> Frame | None:
    """'U.S. officials have briefed their EU allies on CONTENT': the briefer is the source, the topic the content.

    Passive "people briefed on the talks said …" names no briefer (no recipient before "on"): no frame.
    """
    toks = view.tokens
    j = i + 1  # the recipient: a short noun phrase ("their EU allies", "lawmakers")
    while j < view.end and toks[j].is_word and toks[j].lower not in TOPIC_PREPOSITIONS | {"by"} and j - i <= 6:
        j += 1
    if j == i + 1 or j >= view.end or toks[j].lower not in TOPIC_PREPOSITIONS:
        return None
    k = i
    while k - 1 > view.start and toks[k - 1].lower in AUXILIARIES:
        k -= 1
    source = source_left(view, k)
    if source is None:
        return None
    a, b = view.trim(j + 1, end_of_content(view, j + 1, []))
    if view.words_in(a, b) < 2:
        return None
    return Frame([(i, i + 1), (j, j + 1)], [(a, b)], [source], confidence=0.6)
