"""Floating quotes and pull quotes (issue 16, trap classes 4 and 5): statements with no cue whose speaker
comes from the layout — the paragraph before, or the name line after."""
import json

import pytest

from onrecord import ExtractOptions
from onrecord import extract as extract_with
from onrecord.document import Attribution, Document, TextSpan
from onrecord.evaluate import evaluate_folder
from onrecord.extract.floating import floating_frames
from onrecord.extract.frames import Frame
from onrecord.serialize import attribution_from_dict, attribution_to_dict
from onrecord.text.analysis import analyse

RULES = ExtractOptions(profile="rules")  # the layout rules run after every profile's frames; rules need no model


def extract(text: str) -> Document:
    """The rules profile's extraction of `text`."""
    return extract_with(text, RULES)


def floating(doc: Document) -> list[Attribution]:
    """The document's floating attributions, in text order."""
    return [a for a in doc.attributions if a.floating]


def summary(doc: Document) -> list[tuple]:
    """(source, cue, content, floating) of every attribution, for assertion messages."""
    return [(a.source and a.source.text, a.cue and a.cue.text, a.content.text, a.floating) for a in doc.attributions]


# --- floating quotes -------------------------------------------------------------------------------------

def test_quotation_paragraph_after_a_statement_is_its_speakers():
    doc = extract("“The tide is rising faster than the models said,” Okonkwo said.\n\n"
                  "“We have perhaps ten years to move the sea wall.”\n")
    [a] = floating(doc)
    assert a.content.text == "“We have perhaps ten years to move the sea wall.”"
    assert a.cue is None and a.kind == "direct"
    assert a.source.text == "Okonkwo"
    assert a.speaker.name == "Okonkwo"
    # the statement before keeps only its own words (PolNeAR would have joined the two)
    said = next(x for x in doc.attributions if x.cue)
    assert "ten years" not in said.content.text, summary(doc)


def test_floating_quote_shares_the_source_span_of_its_antecedent():
    doc = extract("Harbour master Ilse Brandt said the pier would reopen in May. “Nobody wants it shut,” she said.\n\n"
                  "“We are doing what the engineers tell us to do.”\n")
    [a] = floating(doc)
    she = next(x for x in doc.attributions if x.cue and "Nobody" in x.content.text)
    assert a.source.spans == she.source.spans and a.source.text == "she"
    assert a.speaker.name == she.speaker.name


def test_floating_quotes_chain_until_a_new_speaker():
    doc = extract("“The budget is balanced,” Minister Dara Quill said.\n\n"
                  "“It took three years of hard choices.”\n\n"
                  "“And we will not go back to deficits.”\n\n"
                  "“It is a fantasy,” opposition critic Lev Marsh said.\n\n"
                  "“The books are full of one-time sales.”\n")
    chain = floating(doc)
    assert [a.source.text for a in chain] == ["Minister Dara Quill", "Minister Dara Quill", "opposition critic Lev Marsh"]
    assert "one-time sales" in chain[-1].content.text


@pytest.mark.parametrize("between", [
    "What happens next?",                      # a heading
    "The ferry service began in 1961.",        # narration with no statement
])
def test_a_paragraph_without_a_statement_breaks_the_chain(between):
    doc = extract(f"“We will appeal,” lawyer Tomas Reyes said.\n\n{between}\n\n“This is not over for my client.”\n")
    assert floating(doc) == [], summary(doc)


def test_a_non_article_line_breaks_the_chain():
    text = ("“We will appeal,” lawyer Tomas Reyes said.\n\nSign up for our morning newsletter\n\n"
            "“This is not over for my client.”\n")
    doc = extract_with(text, RULES)
    assert any(s.label != "article" for s in doc.segments), doc.segments  # the newsletter line is blanked
    assert floating(doc) == [], summary(doc)


def test_the_last_statement_needs_a_source():
    # "Attribution-no-source": the cue is known, the speaker is not, so a quotation after it has none either
    analysis = analyse("The ban is expected to end in June.\n\n“It will be lifted when the water is clean.”\n")
    expected = [k for k, t in enumerate(analysis.tokens) if t.text == "expected"][0]
    without_source = Frame(cue=[(expected, expected + 1)], content=[(expected + 1, expected + 6)])
    assert floating_frames(analysis, [without_source]) == []
    with_source = Frame(cue=[(expected, expected + 1)], content=[(expected + 1, expected + 6)], source=[(0, 2)])
    [frame] = floating_frames(analysis, [with_source])
    assert frame.source == [(0, 2)] and frame.cue == [] and frame.floating


def test_a_transcript_line_in_quotes_names_its_own_speaker():
    doc = extract("The senator told the host:\n\n“MARSH: We never agreed to that figure.”\n")
    assert floating(doc) == [], summary(doc)


def test_an_open_quotation_must_go_on_in_the_next_paragraph():
    # multi-paragraph quotation: the mark is left off where the quotation goes on
    kept = extract("“We built this town,” Mayor Ana Ruiz said.\n\n"
                   "“Every road and every school came from people who stayed.\n\n"
                   "“We are not leaving now.”\n")
    assert [a.source.text for a in floating(kept)] == ["Mayor Ana Ruiz", "Mayor Ana Ruiz"], summary(kept)
    # an open quotation followed by narration is a passage misread, not a statement
    dropped = extract("“We built this town,” Mayor Ana Ruiz said.\n\n"
                      "“Every road and every school came from people who stayed.\n\n"
                      "The council meets again on Monday.\n")
    assert floating(dropped) == [], summary(dropped)


# --- pull quotes -----------------------------------------------------------------------------------------

def test_statement_line_above_a_name_line_is_a_pull_quote():
    doc = extract("The commission approved the rate increase on Tuesday.\n\n"
                  "Every family on this street will pay for a decision made behind closed doors.\n\n"
                  "Marguerite Oyelaran\n\n"
                  "The increase takes effect in July.\n")
    [a] = floating(doc)
    assert a.source.text == "Marguerite Oyelaran" and a.cue is None
    assert a.content.text.startswith("Every family") and a.content.text.endswith("closed doors.")
    assert a.speaker.name == "Marguerite Oyelaran" and a.speaker.type == "person"


def test_pull_quote_in_quotation_marks_goes_to_the_name_not_the_speaker_before():
    doc = extract("“Rents have doubled,” tenant organizer Paul Ng said.\n\n"
                  "“A home you cannot afford is not a home.”\n\n"
                  "Rosa Delacroix-Ng\n")
    [a] = floating(doc)
    assert a.source.text == "Rosa Delacroix-Ng"


@pytest.mark.parametrize("text", [
    # a headline (no final stop) above a byline
    "Council votes to close two branch libraries\n\nHelen Marsh\n\nThe vote was 5-4.\n",
    # body text reporting someone else's speech is not a pull quote
    "His lawyer, Beatrix Munroe, argues that he would not receive a fair trial.\n\nRelated Topics\n",
    # a name line needs two to four capitalised words
    "The plant will close in March and 400 jobs will go.\n\nReuters\n",
    "The plant will close in March and 400 jobs will go.\n\nSee more stories from our region\n",
])
def test_not_pull_quotes(text):
    assert floating(extract(text)) == [], summary(extract(text))


# --- output and scoring ----------------------------------------------------------------------------------

def test_json_has_floating_only_when_true():
    text = "“We will win,” Smith said.\n\n“Nobody here doubts it for a moment.”\n"
    doc = extract(text)
    dicts = [attribution_to_dict(a) for a in doc.attributions]
    assert [d.get("floating") for d in dicts] == [None, True]
    assert all(attribution_from_dict(json.loads(json.dumps(d)), text) == a for d, a in zip(dicts, doc.attributions))


def test_evaluate_without_floating_drops_them_before_scoring(tmp_path):
    text = "“We will win,” Smith said.\n\n“Nobody here doubts it for a moment.”\n"
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "a.txt").write_text(text)
    said, smith = text.index("said"), text.index("Smith")
    (tmp_path / "attributions" / "a_gold.ann").write_text(
        f"T1\tSource {smith} {smith + 5}\tSmith\nT2\tCue {said} {said + 4}\tsaid\n"
        f"T3\tContent 0 {text.index(' Smith')}\t“We will win,”\nE1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\n")
    with_floating = evaluate_folder(tmp_path, options=RULES)
    without = evaluate_folder(tmp_path, options=RULES, without_floating=True)
    assert with_floating.n_predicted == 2 and without.n_predicted == 1
    assert without.scores["all"]["attribution"].precision == 1.0
    assert with_floating.scores["all"]["attribution"].precision == 0.5


def test_scorer_pairs_cue_less_predictions():
    # a floating prediction has no cue; scored against a cue-less gold it is a full match
    from onrecord.evaluate.scorer import score_document
    from onrecord.evaluate.brat import GoldDocument

    text = "“We will win,” Smith said.\n\n“Nobody here doubts it.”\n"
    start = text.index("“Nobody")
    content, source = TextSpan.from_offsets(text, [(start, len(text) - 1)]), TextSpan.from_offsets(text, [(15, 20)])
    gold = GoldDocument("a", text, [Attribution(content, "direct", source=source)])
    predicted = Document(text, attributions=[Attribution(content, "direct", source=source, floating=True)])
    scores = score_document(gold, predicted)["all"]
    assert scores["attribution"].matched_pred == 1 and scores["cue_exact"].matched_pred == 1
