"""Extract stage: an analysed text in, attributions out (source, cue, content, kind).

Rule frames from cues (`frames.py`) → with a learned profile, the tagger's frames (`tagger.py`) completed
by quotation structure → parenthetical cues dropped → follow-up quotes attached. The orchestrator
(`onrecord.pipeline`) runs this stage after the clean stage and before the resolve stage.
"""
from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

from onrecord.document import Attribution, TextSpan
from onrecord.text.acts import act_of
from onrecord.text.cues import RELAY_CUES, load_cue_lexicon
from onrecord.extract.filters import drop_non_statements
from onrecord.extract.frames import (
    BRIEFING_VERBS, CUE_NOUNS, DASHES, Frame, SentenceView, according_to_frame, briefing_frame, colon_frame,
    cue_noun_frame, dash_frame, frame_for_cue,
)
from onrecord.extract.calibration import IDENTITY, Calibration, rules_calibration
from onrecord.extract.floating import floating_frames
from onrecord.extract.repairs import repair_spans
from onrecord.text.tokens import Token, paragraph_ends
from onrecord.text.kinds import classify_kind
from onrecord.options import ExtractOptions
from onrecord.text.analysis import Analysis


def find_attributions(analysis: Analysis, options: ExtractOptions) -> list[Attribution]:
    """Run the extraction stages over an analysed text and return attributions in text order.

    Rules find the candidate frames; with a learned profile the tagger reads them as features and
    decides cues and spans itself; quotation structure then completes the frames either way.
    """
    if not analysis.tokens:
        return []
    frames = rule_frames(analysis, options)
    if options.profile != "rules":
        from onrecord.extract.tagger import load_tagger

        frames = complete_tagger_frames(analysis, load_tagger(options.profile).frames(analysis, frames), frames)
    frames = repair_spans(analysis, drop_non_statements(analysis, frames))
    frames += floating_frames(analysis, frames)
    attach_follow_up_quotes(analysis.tokens, analysis.sentences, analysis.quotes, analysis.in_quote, frames)
    frames.sort(key=lambda f: f.content[0][0])
    calibrate_frames(frames, options)
    return [_to_attribution(analysis.text, analysis.tokens, f) for f in frames]


def calibrate_frames(frames: list[Frame], options: ExtractOptions) -> None:
    """Each frame's raw score becomes a calibrated confidence (the profile's map; which frames exist is untouched)."""
    calibration = calibration_for(options)
    for f in frames:
        f.confidence = calibration(f.confidence)


def calibration_for(options: ExtractOptions) -> Calibration:
    """The confidence map for these options: the learned model's (loaded and checked with it), or the rules
    profile's where the cue lexicon and threshold are the ones it was fitted with; the identity with `calibrate` off."""
    if not options.calibrate:
        return IDENTITY
    if options.profile == "rules":
        return rules_calibration(options.cue_lexicon, options.cue_threshold)
    from onrecord.extract.tagger import load_tagger

    return load_tagger(options.profile).calibration


def complete_tagger_frames(analysis: Analysis, tagged: list[Frame], rules: list[Frame]) -> list[Frame]:
    """The tagger's frames, completed by what quotation structure and word order settle better."""
    borrow_rule_sources(tagged, rules)
    frames = tagged + [f for f in rules if analysis.tokens[f.cue[0][0]].lower in STRUCTURAL_CUES
                       and not overlaps_model_frame(f, tagged)]
    extend_to_quote_ends(analysis, frames)
    keep_nearest_source(frames)
    close_content_gaps(frames)
    return drop_parenthetical_cues(analysis.tokens, fold_relay_frames(analysis.tokens, frames))


# Rule frames built from text structure rather than a verb: "according to", cue nouns ("claims made by
# X that"), speaker labels ("Peskov: …") and dashes ("“…” — Jane Smith"). Kept next to the tagger's frames
# when it found nothing there (dev: content_exact +1.6, attribution F1 −0.4; seed: one statement more).
STRUCTURAL_CUES = frozenset({"according", ":"} | set(CUE_NOUNS) | set(DASHES) | BRIEFING_VERBS)


def borrow_rule_sources(tagged: list[Frame], rules: list[Frame]) -> None:
    """A tagger frame without a source takes the source a rule frame found for the same cue ("…, saying
    that …": the rules read the sentence's subject, the tagger's window may not reach it)."""
    sources = {k: f.source for f in rules if f.source for k in _tokens_of(f.cue)}
    for f in tagged:
        if not f.source:
            f.source = next((list(sources[k]) for k in sorted(_tokens_of(f.cue)) if k in sources), [])


def _tokens_of(pieces: list[tuple[int, int]]) -> set[int]:
    """Token indices covered by [start, end) pieces."""
    return {k for a, b in pieces for k in range(a, b)}


def overlaps_model_frame(rule: Frame, frames: list[Frame]) -> bool:
    """Does a rule frame repeat one of the tagger's: its cue in their cue or source, or mostly the same
    content (content nested inside a model frame's content, cue and all, is a separate attribution)?"""
    cue, content = _tokens_of(rule.cue), _tokens_of(rule.content)
    for f in frames:
        if cue & _tokens_of(f.cue + f.source):
            return True
        other = _tokens_of(f.content)
        if not cue & other and len(content & other) >= 0.5 * len(content | other):
            return True
    return False


def model_version(options: ExtractOptions) -> str:
    """What extracts under these options: "rules (…)" or the learned model's profile and version.

    Loading the model here also checks its files, so callers can fail early with one clear line.
    """
    if options.profile == "rules":
        return f"rules ({options.cue_lexicon})"
    from onrecord.extract.tagger import load_tagger

    return load_tagger(options.profile).version


def rule_frames(analysis: Analysis, options: ExtractOptions) -> list[Frame]:
    """The frames the cue lexicon and frame rules find, parenthetical relay cues dropped."""
    a = analysis
    frames = frames_from_cues(a.text, a.tokens, a.sentences, a.quotes, a.in_quote, options)
    return drop_parenthetical_cues(a.tokens, frames)


def extend_to_quote_ends(analysis: Analysis, frames: list[Frame]) -> None:
    """A content piece that opens a quotation runs to the quotation's end, across sentences."""
    starts = {}
    for q in analysis.quotes:
        starts[q.first] = q
        starts[q.first + 1] = starts.get(q.first + 1, q)
    for f in frames:
        for n, (a, b) in enumerate(f.content):
            q = starts.get(a)
            if q is not None and q.last + 1 > b:
                f.content[n] = (a, q.last + 1)


def frames_from_cues(text: str, tokens: list[Token], sentences, quotes, in_quote: list[int],
                     options: ExtractOptions) -> list[Frame]:
    """Find the cues of each sentence and build the attribution frame around each one."""
    lexicon = load_cue_lexicon(options.cue_lexicon)
    cue_words = frame_cue_words(options.cue_lexicon, options.cue_threshold)
    paragraph_end = paragraph_ends(text, tokens)
    frames: list[Frame] = []
    for start, end in sentences:
        view = SentenceView(tokens, start, end, quotes, in_quote)
        # a speaker label opens a paragraph: "Q: …", "Peskov: “…”"
        opens_paragraph = start == 0 or paragraph_end[start - 1] != paragraph_end[start]
        label = colon_frame(view, paragraph_end[start]) if opens_paragraph else None
        if label is not None:
            frames.append(label)
        cues = [i for i in range(start, end)
                if (cue_words is None or tokens[i].lower in cue_words) and _is_cue(tokens, i, in_quote)]
        earlier_source = None
        for n, i in enumerate(cues):
            if tokens[i].lower == "according":
                frame = according_to_frame(view, i)
            elif tokens[i].lower in CUE_NOUNS:
                frame = cue_noun_frame(view, i)
            elif tokens[i].lower in BRIEFING_VERBS:
                frame = briefing_frame(view, i)
            else:
                frame = frame_for_cue(view, i, cues[n + 1:], lexicon.get(tokens[i].lower, 0.0), earlier_source)
            if frame is not None:
                frames.append(frame)
                earlier_source = frame.source[0] if frame.source else earlier_source
    covered = {k for f in frames for a, b in f.content for k in range(a, b)}
    sentence_starts = [start for start, _ in sentences]
    for q in quotes:
        if q.first not in covered and q.last + 1 < len(tokens):
            frame = dash_frame(tokens, q, _sentence_end(sentences, sentence_starts, q.last + 1))
            if frame is not None:
                frames.append(frame)
    return frames


def _sentence_end(sentences, starts: list[int], k: int) -> int:
    """The end of the sentence that holds token k (k itself when none does); `starts`: the sentences' starts."""
    n = bisect_right(starts, k) - 1
    return sentences[n][1] if n >= 0 and k < sentences[n][1] else k


def keep_nearest_source(frames: list[Frame]) -> None:
    """A source in several pieces keeps the piece nearest its cue (PolNeAR sources are one span)."""
    for f in frames:
        if len(f.source) > 1:
            cue = f.cue[0][0]
            f.source = [min(f.source, key=lambda piece: min(abs(piece[0] - cue), abs(piece[1] - cue)))]


def close_content_gaps(frames: list[Frame]) -> None:
    """Join content pieces whose gap holds none of the frame's own cue or source.

    "“A,” he said, “B.”" keeps two pieces around its cue; "TASS reported: Kremlin spokesman Dmitry
    Peskov told reporters that …" gets one content, the nested attribution inside it.
    """
    for f in frames:
        own = {k for a, b in f.cue + f.source for k in range(a, b)}
        pieces = sorted(f.content)
        joined = [pieces[0]]
        for a, b in pieces[1:]:
            gap = range(joined[-1][1], a)
            if not any(k in own for k in gap):
                joined[-1] = (joined[-1][0], max(b, joined[-1][1]))
            else:
                joined.append((a, b))
        f.content = joined


NAME_LINKS = frozenset(["of", "the", "for", "de"])  # lower-case words inside outlet names ("The Times of India")


def fold_relay_frames(tokens: list[Token], frames: list[Frame]) -> list[Frame]:
    """"CNN, citing unnamed sources, reported that …": fold the relay into the main frame's source.

    The tagger, like PolNeAR, marks "citing" as a frame of its own (CNN → unnamed sources). The
    reporting frame then gets "CNN, citing unnamed sources" as its source, which the resolve stage
    reads as speaker "unnamed sources" via CNN, and the relay frame is dropped.
    """
    relays = [f for f in frames if tokens[f.cue[0][0]].lower in RELAY_CUES]
    folded = set()
    for relay in relays:
        relay_cue, relay_end = relay.cue[0][0], max(b for _, b in relay.content)
        for frame in frames:
            if frame is relay or not frame.source or frame.cue[0][0] < relay_end or frame.cue[0][0] - relay_end > 2:
                continue
            start, end = frame.source[0][0], frame.source[-1][1]
            # the relay names the same source, or (tagged without one) follows the frame's source: "CNN, citing"
            if not ((relay.source and relay.source[0][0] == start) or (not relay.source and 0 <= relay_cue - end <= 2)):
                continue
            frame.source = [(start, relay_end)]
            folded.add(id(relay))
            break
    frames = [f for f in frames if id(f) not in folded]
    for frame in frames:
        trim_relay_source(tokens, frame)
    return frames


def trim_relay_source(tokens: list[Token], frame: Frame) -> None:
    """A source "His remarks came after CNN, citing unnamed sources" starts at the outlet's name: CNN."""
    if len(frame.source) != 1:
        return
    start, end = frame.source[0]
    relay = next((k for k in range(start, end) if tokens[k].lower in RELAY_CUES), None)
    if relay is None:
        return
    name = relay
    while name > start and not tokens[name - 1].is_word:  # the comma before "citing"
        name -= 1
    last = name
    while name > start and (tokens[name - 1].is_capitalized or tokens[name - 1].lower in NAME_LINKS):
        name -= 1
    while name < last and tokens[name].text in NAME_LINKS:  # a lower-case link cannot open a name
        name += 1
    if name < last:
        frame.source = [(name, end)]


def drop_parenthetical_cues(tokens: list[Token], frames: list[Frame]) -> list[Frame]:
    """Drop a cue that lies inside another frame's source: "CNN, citing unnamed sources, reported"."""
    in_sources = {k for f in frames for a, b in f.source for k in range(a, b)}
    return [f for f in frames
            if not (tokens[f.cue[0][0]].lower in RELAY_CUES and any(a in in_sources for a, _ in f.cue))]


@lru_cache(maxsize=8)
def frame_cue_words(lexicon_name: str, threshold: float) -> frozenset[str] | None:
    """The words that open a frame: lexicon words of strength `threshold` or more, cue nouns, "briefed" and "according".

    None when the threshold is 0 or less: then every word does.
    """
    if threshold <= 0:
        return None
    lexicon = load_cue_lexicon(lexicon_name)
    return frozenset([w for w, p in lexicon.items() if p >= threshold] + list(CUE_NOUNS) + list(BRIEFING_VERBS)
                     + ["according"])


def _is_cue(tokens: list[Token], i: int, in_quote: list[int]) -> bool:
    """Is token i, one of the frame cue words, a cue here: outside quotation marks ("according" only before "to")?"""
    if in_quote[i] >= 0:
        return False
    return tokens[i].lower != "according" or (i + 1 < len(tokens) and tokens[i + 1].lower == "to")


def attach_follow_up_quotes(tokens: list[Token], sentences, quotes, in_quote: list[int], frames: list[Frame]) -> None:
    """Join a quotation with no cue of its own ("“Never planned, never did.”") to the attribution before it.

    A quotation that makes up whole sentences and follows a sentence with an attribution (in the same
    paragraph or the next) continues that attribution's content, as PolNeAR annotates it: its speaker
    is known from context. Other cue-less quotations are left alone: on PolNeAR train fewer than 1% of
    them are attributions of their own.
    """
    covered = {k for f in frames for a, b in f.content + f.source + f.cue for k in range(a, b)}
    sentence_of = [0] * len(tokens)
    for n, (start, end) in enumerate(sentences):
        sentence_of[start:end] = [n] * (end - start)
    by_sentence: dict[int, list[Frame]] = {}
    for f in sorted(frames, key=_last_token):
        by_sentence.setdefault(sentence_of[_last_token(f)], []).append(f)
    for q in quotes:
        if any(i in covered for i in range(q.first, q.last + 1)):
            continue
        if sum(1 for t in tokens[q.first:q.last + 1] if t.is_word) < 3:
            continue
        n = sentence_of[q.first]
        starts_sentence = sentences[n][0] == q.first
        ends_sentence = all(not t.is_word for t in tokens[q.last + 1:sentences[sentence_of[q.last]][1]])
        previous = by_sentence.get(n - 1)
        if not (starts_sentence and ends_sentence and previous):
            continue
        # prefer the attribution that quotes: "“…,” Ms. Hughes said, pointing out … “But those days are gone.”"
        quoting = [f for f in previous if any(in_quote[a] >= 0 for a, _ in f.content)]
        (quoting or previous)[-1].content.append((q.first, q.last + 1))
        covered.update(range(q.first, q.last + 1))


def _last_token(frame: Frame) -> int:
    """Index of the last token a frame covers."""
    return max(b for _, b in frame.content + frame.source + frame.cue) - 1


def _to_attribution(text: str, tokens: list[Token], frame: Frame) -> Attribution:
    """Turn a token-range frame into an Attribution with character offsets."""

    def span(pieces):
        pieces = [(tokens[a].start, tokens[b - 1].end) for a, b in pieces if b > a]
        return TextSpan.from_offsets(text, pieces) if pieces else None

    content, cue = span(frame.content), span(frame.cue)
    return Attribution(
        content=content,
        kind=classify_kind(text, content.spans),
        source=span(frame.source),
        cue=cue,
        confidence=round(frame.confidence, 3),
        act=act_of(cue and cue.text),
        floating=frame.floating,
    )
