"""Span repairs: frames whose roles the cue rules or the tagger read the wrong way round, set right.

Run once over the finished frames (rules or tagger alike), each repair a reading of one linguistic class:

* a passive report ("X was accused of Z", "X is said to Z") names no speaker in its subject: the speaker is
  the agent after "by", or there is none. PolNeAR annotates "Roof is accused of a massacre" with no source and
  content "Roof … a massacre", "he was accused by a reporter of grabbing her" with source "a reporter";
* a medium phrase after a speech verb ("said in a text message") is no frame of its own;
* a dateline ("VIENNA —") opens a paragraph, not what anyone said;
* a subject interrupted by a parenthetical before its cue ("Two officials, who spoke on condition of
  anonymity, said") is the noun phrase before the parenthetical, not a word inside it ("who", "the").
"""
from __future__ import annotations

from bisect import bisect_right

from onrecord.extract.filters import SPEECH_VERB_STRENGTH
from onrecord.extract.frames import (
    APPOSITIVE_OPENERS, DASHES, TIME_WORDS, Frame, SentenceView, appositive_source, source_left, source_right,
)
from onrecord.text.analysis import Analysis
from onrecord.text.cues import CONTINUATION_CUES, load_cue_lexicon
from onrecord.text.tokens import Token

BE_FORMS = frozenset("is was were are be been being 's ’s".split())
PERFECT_AUXILIARIES = frozenset("has have had will would may might could can".split())
# Adverbs that sit between the auxiliary and the participle: "is also accused", "have sometimes been accused".
PASSIVE_ADVERBS = frozenset("also sometimes often repeatedly previously widely long now already once never "
                            "since further later reportedly publicly falsely wrongly".split())
# Passive reports whose subject is what the report is about: content = subject + the rest ("X … of Z").
TOPIC_PASSIVES = frozenset("""accused alleged criticized criticised blamed suspected ordered said reported believed
    thought rumored rumoured expected understood""".split())
# Passive speech acts whose subject is the addressee: "X was told by Y that Z" → source Y, content Z.
ADDRESSEE_PASSIVES = frozenset("told asked warned urged informed".split())
# The preposition after a topic passive belongs to the cue: "is accused of", "was criticized for".
CUE_PREPOSITIONS = frozenset(["of", "for"])
# Irregular past participles: a "by" right after one is that participle's agent ("accused of being paid by X").
IRREGULAR_PARTICIPLES = frozenset("""paid made held led run sent set put built bought brought caught kept left lost
    met sold spent taught thought won hit hurt shot cut""".split())


def repair_spans(analysis: Analysis, frames: list[Frame]) -> list[Frame]:
    """Set right the frames of the classes above; returns the frames (medium-phrase duplicates dropped).
    Frames with no cue (floating and pull quotes) have no verb to repair around: they pass unchanged."""
    cued = drop_medium_frames(analysis, [f for f in frames if f.cue])
    for frame in cued:
        repair_passive(analysis, frame)
        repair_interrupted_subject(analysis, frame)
        trim_dateline(analysis.tokens, frame)
    return cued + [f for f in frames if not f.cue]


def _sentence_view(analysis: Analysis, k: int) -> SentenceView:
    """The SentenceView of the sentence holding token k."""
    starts = [s for s, _ in analysis.sentences]
    start, end = analysis.sentences[max(0, bisect_right(starts, k) - 1)]
    return SentenceView(analysis.tokens, start, end, analysis.quotes, analysis.in_quote)


def passive_participle(tokens: list[Token], frame: Frame) -> tuple[int, int] | None:
    """(first auxiliary, participle) of a passive report in or right after the frame's cue, or None.

    "is also accused", "have sometimes been accused", "was said": a form of "be" (after "has", "will" …),
    adverbs, then one of the passive report participles.
    """
    cue_start, cue_end = min(a for a, _ in frame.cue), max(b for _, b in frame.cue)
    for k in range(cue_start, min(cue_end + 4, len(tokens))):
        if tokens[k].lower not in TOPIC_PASSIVES | ADDRESSEE_PASSIVES:
            if k >= cue_end and tokens[k].lower not in BE_FORMS | PASSIVE_ADVERBS:
                return None  # past the cue, only the rest of the verb group may come before the participle
            continue
        j = k - 1
        while j >= 0 and tokens[j].lower in PASSIVE_ADVERBS:
            j -= 1
        if j < 0 or tokens[j].lower not in BE_FORMS:
            continue
        while j - 1 >= 0 and (tokens[j - 1].lower in PERFECT_AUXILIARIES | BE_FORMS | PASSIVE_ADVERBS):
            j -= 1
        while tokens[j].lower in PASSIVE_ADVERBS:  # "also has been": the adverb is no auxiliary of the subject
            j += 1
        if j <= cue_end and k >= cue_start:
            return j, k
    return None


def repair_passive(analysis: Analysis, frame: Frame) -> None:
    """"X is accused of Z" has no source, "X was accused by Y of Z" has source Y: never X, the accused."""
    tokens = analysis.tokens
    found = passive_participle(tokens, frame)
    if found is None:
        return
    aux, participle = found
    view = _sentence_view(analysis, participle)
    if any(a > participle for a, _ in frame.source):
        # the source already follows the cue, the agent ("has been accused by the Turkish government"): its extent
        repair_agent_extent(view, frame, participle)
        return
    # the subject: what the source and content held before the auxiliary ("Colin … Dorn, 58, of Harwick,")
    before = [a for a, b in frame.source + frame.content if b <= aux]
    subject = view.trim(min(before), aux) if before else None
    after = [(max(a, participle + 1), b) for a, b in frame.content if b > participle + 1]
    agent = None
    cue_end = participle + 1
    if cue_end < view.end and tokens[cue_end].lower == "by":
        agent = agent_phrase(view, cue_end + 1)
        cue_end += 1
        if agent is not None:
            after = [(max(a, agent[1]), b) for a, b in after if b > agent[1]]
    elif cue_end < view.end and tokens[cue_end].lower in CUE_PREPOSITIONS and tokens[participle].lower in TOPIC_PASSIVES:
        cue_end += 1
        after = [(max(a, cue_end), b) for a, b in after if b > cue_end]
    if agent is None and after:
        agent, cut = trailing_agent(view, after[-1])
        if agent is not None:
            after[-1] = view.trim(after[-1][0], cut)
    after = [view.trim(a, b) for a, b in after]
    after = [(a, b) for a, b in after if b > a]
    if not after:
        return
    keep_subject = tokens[participle].lower in TOPIC_PASSIVES and subject is not None and subject[1] > subject[0]
    frame.content = ([subject] if keep_subject else []) + after
    frame.source = [view.trim(*agent)] if agent is not None else []
    frame.cue = [(aux, cue_end)]


def repair_agent_extent(view: SentenceView, frame: Frame, participle: int) -> None:
    """"was accused by a partner, Henrik Sollund, of hiding …": the agent runs over its appositives, out of the
    content, and "by" joins the cue."""
    by = participle + 1
    if by >= view.end or view.tokens[by].lower != "by" or frame.source[0][0] != by + 1:
        return
    agent = agent_phrase(view, by + 1)
    if agent is None:
        return
    frame.source = [view.trim(*agent)]
    frame.content = [piece for a, b in frame.content for piece in _outside(view, (a, b), agent) if piece[1] > piece[0]]
    frame.cue = [(a, max(b, by + 1)) if b == by else (a, b) for a, b in frame.cue]


def _outside(view: SentenceView, piece: tuple[int, int], cut: tuple[int, int]) -> list[tuple[int, int]]:
    """The parts of a token piece outside the range `cut`, trimmed of punctuation."""
    a, b = piece
    if b <= cut[0] or a >= cut[1]:
        return [piece]
    return [view.trim(a, cut[0]), view.trim(cut[1], b)]


def trailing_agent(view: SentenceView, piece: tuple[int, int]) -> tuple[tuple[int, int] | None, int]:
    """"… of lying to auditors by a former colleague, Rhian Tate": the agent that ends the content, and where
    the content then ends; (None, end) when the content ends with no agent.

    A "by" right after another participle is that participle's agent ("accused of being paid by Moscow").
    """
    toks = view.tokens
    a, b = piece
    for k in range(b - 2, a, -1):
        if toks[k].lower != "by" or view.in_quote[k] >= 0:
            continue
        previous = toks[k - 1].lower
        if previous.endswith(("ed", "en", "wn")) or previous in IRREGULAR_PARTICIPLES:
            return None, b
        agent = agent_phrase(view, k + 1)
        if agent is None:
            return None, b
        rest = view.trim(agent[1], b)
        # the agent ends the content, or a clause of its own follows: ", who told the court", "after the collapse"
        if rest[1] > rest[0] and toks[agent[1]].text != "," and toks[agent[1]].lower not in CLAUSE_AFTER_AGENT:
            return None, b
        return agent, k
    return None, b


CLAUSE_AFTER_AGENT = frozenset("after before when while in on at during which who whose because".split())
# Partitive heads: "some of his rivals", "two of the partners" are one agent.
PARTITIVES = frozenset("some many several most all none one two three four few members leaders".split())


def agent_phrase(view: SentenceView, i: int) -> tuple[int, int] | None:
    """The agent noun phrase starting at token i (after "by"): a source-like phrase ("some of his rivals")."""
    agent = source_right(view, i)
    if agent is None:
        return None
    toks = view.tokens
    a, b = agent
    # "by store manager Rita Colfax, according to the sheriff's office": a new attribution is no appositive
    b = next((k for k in range(a + 1, b) if toks[k].text == "," and toks[k + 1].lower == "according"), b)
    if b - a == 1 and toks[a].lower in PARTITIVES and b + 1 < view.end and toks[b].lower == "of":
        rest = source_right(view, b + 1)
        if rest is not None:
            b = rest[1]
    head = toks[next((k - 1 for k in range(a + 1, b) if toks[k].text == ","), b - 1)]
    # "by" also opens measures, times and means: "by 5 percent", "by Tuesday", "by far", "by email"
    if head.text[0].isdigit() or head.lower in TIME_WORDS or head.lower in NOT_AGENT_HEADS:
        return None
    return a, b


NOT_AGENT_HEADS = frozenset("""far now then law hand default contrast comparison phone email e-mail mail post percent
    dozen dozens hundreds thousands way name mistake accident chance design""".split())


# Nouns of the medium a statement was made in: "said in a statement", "told CNN in an interview".
MEDIUM_NOUNS = frozenset("""statement interview email e-mail message letter tweet post video release speech call
    briefing""".split())
MEDIUM_PREPOSITIONS = frozenset("in during on via through".split())
DETERMINERS = frozenset("a an the his her its their our my your this".split())


def medium_phrase_verb(tokens: list[Token], frame: Frame) -> int | None:
    """The speech verb whose medium phrase holds the frame's cue ("said" in "said in a text message"), or None."""
    cue_start, cue_end = min(a for a, _ in frame.cue), max(b for _, b in frame.cue)
    if tokens[cue_end - 1].lower not in MEDIUM_NOUNS:
        return None
    j = cue_start
    while j > 0 and tokens[j - 1].lower not in MEDIUM_PREPOSITIONS and cue_start - j < 4 and tokens[j - 1].is_word:
        j -= 1
    if j < 2 or tokens[j - 1].lower not in MEDIUM_PREPOSITIONS:
        return None
    if not all(t.lower in DETERMINERS or not t.is_capitalized for t in tokens[j:cue_start]):
        return None
    verb = j - 2
    return verb if verb >= 0 and tokens[verb].lower in SPEECH_VERBS else None


SPEECH_VERBS = frozenset("said says say told tells wrote writes announced added stated".split())


def drop_medium_frames(analysis: Analysis, frames: list[Frame]) -> list[Frame]:
    """A frame cued by a medium phrase ("a text message" in "said in a text message") repeats the frame of
    its speech verb: dropped when that frame exists, else given the verb as its cue and the verb's source."""
    tokens = analysis.tokens
    cue_tokens = {k for f in frames for a, b in f.cue for k in range(a, b)}
    kept = []
    for frame in frames:
        verb = medium_phrase_verb(tokens, frame)
        if verb is None:
            kept.append(frame)
            continue
        if verb in cue_tokens:
            continue
        source = source_left(_sentence_view(analysis, verb), verb)
        if source is None:
            continue
        frame.cue = [(verb, max(b for _, b in frame.cue))]
        frame.source = [source]
        kept.append(frame)
    return kept


def trim_dateline(tokens: list[Token], frame: Frame) -> None:
    """A content that opens with a dateline ("VIENNA —", "KESTRA, March 12 (Reuters) -") starts after its dash."""
    if not frame.content:
        return
    a, b = frame.content[0]
    first = tokens[a].text
    if not (len(first) > 1 and first.isupper() and first.isalpha()):
        return
    for k in range(a + 1, min(b - 1, a + 12)):
        text = tokens[k].text
        if text in DASHES:
            frame.content[0] = (k + 1, b)
            return
        if not (tokens[k].is_capitalized or text.isdigit() or text in ",()."):
            return


def repair_interrupted_subject(analysis: Analysis, frame: Frame) -> None:
    """A cue right after a parenthetical set off by commas ("X, who spoke on condition of anonymity, said";
    "X, where the line would end, said") takes the noun phrase before the parenthetical as its source: a source read inside it
    (the relative pronoun, a word of its clause, the comma itself) is set right; a source outside it stays.
    Only a finite verb of saying has that subject: a participle after a comma ("X, known as Y"; "…, saying
    that") modifies what comes before it, and its source is another matter."""
    c = frame.cue[0][0]
    tokens = analysis.tokens
    if c == 0 or tokens[c - 1].text != "," or not frame.source:
        return
    word = tokens[c].lower
    if word in CONTINUATION_CUES or load_cue_lexicon().get(word, 0.0) < SPEECH_VERB_STRENGTH:
        return
    view = _sentence_view(analysis, c)
    opening = next((k for k in range(c - 2, view.start - 1, -1) if tokens[k].text == ","), None)
    if opening is None or tokens[opening + 1].lower not in APPOSITIVE_OPENERS:
        return  # the stretch before the cue is no parenthetical we know ("…, its director, Jo Lee, told")
    source_tokens = [k for a, b in frame.source for k in range(a, b)]
    subject = appositive_source(view, c - 1)
    first_comma = next((k for k in range(subject[0], c - 1) if tokens[k].text == ","), None) if subject else None
    if first_comma is not None and all(opening <= k < c for k in source_tokens):
        frame.source = [(subject[0], first_comma)]  # the noun phrase: the speaker's name, not the aside
