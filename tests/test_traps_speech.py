"""Issue 16, trap classes 1 and 2: "Name: text" lines and events that read like speech are no statements.

The sentences are invented in the styles of blotters, wire copy, market reports and transcripts.
"""
import pytest

from onrecord import ExtractOptions
from onrecord import extract as extract_with
from onrecord.extract.filters import (
    Labels, appointment, auxiliary_cue, drop_non_statements, quantity_move, speaker_label_not_speech,
)
from onrecord.extract.frames import Frame
from onrecord.text.analysis import analyse

RULES = ExtractOptions(profile="rules")


def colon_sources(text: str) -> list[str]:
    """The sources of the colon-cued attributions the rules find in `text`."""
    return [a.source.text for a in extract_with(text, RULES).attributions if a.cue and a.cue.text == ":"]


# --- class 1: a colon is a cue in transcripts, Q&As, before quotations and in a speaker's headline

@pytest.mark.parametrize("text", [
    # blotter field labels, each repeated per record
    "POLICE LOG\n\nName: Marta Q. Ellery\nCharge: Theft under $500\nBond: $1,000\n\n"
    "Name: Otto B. Grell\nCharge: Trespassing\nBond: Released",
    # a credit line, a dateline in capitals, page chrome in the body
    "Floods close the coast road\n\nThe road was shut on Monday after the river rose.\n\nSOURCE: Wire services",
    "VARNO: Crews worked through the night to restore power to the valley.\n\nThe utility gave no timetable.",
    "Crews restored power on Sunday.\n\nRead more: Storm season arrives early in the valley",
    # an explainer headline: the label is the topic, not the speaker
    "Ilse Marnow: Why is the harbour board asking for her return?\n\nThe board wrote to the court on Monday.",
])
def test_name_colon_lines_outside_transcripts_are_not_quotes(text):
    assert colon_sources(text) == []


@pytest.mark.parametrize("text, speakers", [
    # a briefing transcript: a speaker label that returns, its turns in the first person or asking
    ("BRIEFING TRANSCRIPT\n\nHALDEN: Good morning. I will take a few questions.\n\n"
     "Q: Is the ferry contract signed?\n\nHALDEN: It is not signed. We expect it next week.",
     ["HALDEN", "Q", "HALDEN"]),
    # a Q&A interview: Q and A
    ("Q: How did the season go?\n\nA: Better than we hoped.", ["Q", "A"]),
    # a label before a quotation
    ("The minister spoke after the vote.\n\nTorvik: “There will be no second ballot.”", ["Torvik"]),
    # a headline naming its speaker, as PolNeAR annotates it
    ("Marlowe: Harbour tax will not rise this year\n\nThe mayor spoke on Monday.", ["Marlowe"]),
])
def test_speaker_labels_in_transcripts_and_headlines_stay(text, speakers):
    assert colon_sources(text) == speakers


def test_speaker_label_check_gives_its_reason():
    text = "Hearing notes\n\nName: Marta Q. Ellery\n\nName: Otto B. Grell"
    analysis = analyse(text)
    colon = next(k for k, t in enumerate(analysis.tokens) if t.text == ":")
    frame = Frame([(colon, colon + 1)], [(colon + 1, colon + 4)], [(colon - 1, colon)])
    assert speaker_label_not_speech(analysis, frame, Labels(analysis)) == "label outside a transcript"


# --- class 2: events read as speech

def frame_for(text: str, cue: str, content: str, source: str | None = None) -> tuple:
    """An analysis of `text` and a frame whose cue, content and source are the given pieces of it."""
    analysis = analyse(text)

    def span(piece: str) -> tuple[int, int]:
        start = text.index(piece)
        end = start + len(piece)
        toks = [k for k, t in enumerate(analysis.tokens) if t.start >= start and t.end <= end]
        return toks[0], toks[-1] + 1

    return analysis, Frame([span(cue)], [span(content)], [span(source)] if source else [])


@pytest.mark.parametrize("text, cue, content, source", [
    ("The Harlow 50 added 18.4 points to 2,911.07.", "added", "18.4 points to 2,911.07", "The Harlow 50"),
    ("Shares of Pellam fell nearly 6% in late trade.", "fell", "nearly 6% in late trade", "Shares of Pellam"),
])
def test_quantity_moves_are_not_speech(text, cue, content, source):
    assert quantity_move(*frame_for(text, cue, content, source)) == "quantity move"


def test_added_with_a_clause_is_speech():
    text = "The index is fragile, she added, and could fall again."
    assert quantity_move(*frame_for(text, "added", "The index is fragile", "she")) is None


@pytest.mark.parametrize("text, cue, content", [
    ("Priya Dallow was named chief executive on Friday.", "was named", "chief executive"),
    ("Two deputies were appointed to the review board.", "were appointed", "to the review board"),
])
def test_passive_appointments_are_not_speech(text, cue, content):
    assert appointment(*frame_for(text, cue, content)) == "passive appointment"


@pytest.mark.parametrize("text, cue, content, source, reason", [
    ("Governor Pell was able to leave the talks.", "was", "able to leave the talks", "Governor Pell",
     "past or future auxiliary as cue"),
    ("A tribunal will decide next month whether he stays.", "will", "decide next month whether he stays",
     "A tribunal", "past or future auxiliary as cue"),
    ("The then interior minister formally approved the transfer.", "formally", "approved the transfer",
     "The then interior minister", "event verb after an auxiliary cue"),
])
def test_auxiliary_cues_are_not_speech(text, cue, content, source, reason):
    assert auxiliary_cue(*frame_for(text, cue, content, source)) == reason


@pytest.mark.parametrize("text, cue, content, source", [
    ("He was also accused by a rival of lying.", "was", "also accused by a rival of lying", "He"),  # passive speech
    ("She is promoting her housing plan.", "is", "promoting her housing plan", "She"),  # present: the tagger's habit
    ("He has promoted untested cures.", "has", "promoted untested cures", "He"),  # "promoted" advocates
])
def test_auxiliary_cues_before_a_verb_of_saying_stay(text, cue, content, source):
    assert auxiliary_cue(*frame_for(text, cue, content, source)) is None


def test_drop_non_statements_keeps_statements():
    analysis, said = frame_for("Mayor Olin said the bridge would reopen.", "said", "the bridge would reopen",
                               "Mayor Olin")
    assert drop_non_statements(analysis, [said]) == [said]
