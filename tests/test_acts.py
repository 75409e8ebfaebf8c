"""The act of an attribution: speech (said, told, according to) or thought (believes, hopes), from its cue."""
import pytest

from onrecord.document import ACTS, Attribution, TextSpan
from onrecord.serialize import attribution_from_dict, attribution_to_dict
from onrecord.text.acts import act_of, explain_act, inflections, load_act_lexicon


@pytest.mark.parametrize("cue, act", [
    # speech: reporting verbs in every tense, with their complements
    ("said", "speech"), ("says", "speech"), ("told reporters", "speech"), ("has told us in March", "speech"),
    ("announced", "speech"), ("wrote in a note to clients", "speech"), ("added", "speech"),
    ("according to", "speech"), ("reported", "speech"), ("reportedly", "speech"), ("tweeted", "speech"),
    ("e-mailed", "speech"), ("warned", "speech"), ("was asked", "speech"), ("declined to comment", "speech"),
    ("is accused of", "speech"), ("has learned", "speech"), ("made it clear", "speech"), ("quipped", "speech"),
    ("said in a statement", "speech"), ("a statement", "speech"), ("in an interview", "speech"),
    ("expressed hope", "speech"),  # the first word the lexicon knows decides
    ("found", "speech"), ("shows", "speech"),  # a study or a poll states
    # thought: inner states, stances, impressions
    ("believes", "thought"), ("hopes", "thought"), ("wants", "thought"), ("fears", "thought"),
    ("expects", "thought"), ("now expects", "thought"), ("is expected", "thought"), ("plans", "thought"),
    ("planning", "thought"), ("thinks", "thought"), ("thought", "thought"), ("is confident", "thought"),
    ("worries", "thought"), ("would like", "thought"), ("has been eager", "thought"), ("supports", "thought"),
    ("opposed", "thought"), ("seemed", "thought"), ("sought", "thought"),
    # prepositions decide only alone
    ("in", "speech"), ("for", "thought"), ("to say", "speech"), ("to endorse", "speech"),
    # no cue word: floating and pull quotes, "Name:" labels, dashes
    (None, "speech"), ("", "speech"), (":", "speech"), ("—", "speech"),
    # words the lexicon doesn't know are acts or states, not statements
    ("signed", "thought"), ("voted against", "thought"), ("is", "thought"),
])
def test_act_of_cue(cue, act):
    assert act_of(cue) == act


def test_case_does_not_matter():
    assert act_of("SAID") == act_of("Said") == "speech"
    assert act_of("Hopes") == "thought"


def test_explain_act_names_the_deciding_word():
    assert explain_act("is expected") == ("thought", "expected")
    assert explain_act("voted against") == ("thought", "not in the lexicon")
    assert explain_act(":") == ("speech", "no cue word")


@pytest.mark.parametrize("lemma, forms", [
    ("say", {"says"}), ("warn", {"warns", "warned", "warning"}), ("hope", {"hopes", "hoped", "hoping"}),
    ("admit", {"admitted", "admitting"}), ("deny", {"denies", "denied"}), ("agree", {"agreed", "agreeing"}),
    ("stress", {"stresses", "stressed"}),
])
def test_inflections(lemma, forms):
    assert forms <= inflections(lemma)


def test_no_word_is_both_speech_and_thought():
    words, prepositions = load_act_lexicon()
    assert set(words.values()) | set(prepositions.values()) == set(ACTS)
    assert not set(words) & set(prepositions)


def test_attribution_act_round_trips_and_old_output_gets_its_cue_act():
    text = "Mara Quint hopes the bridge opens in May."
    attribution = Attribution(content=TextSpan.from_offsets(text, [(17, 40)]), kind="indirect",
                              cue=TextSpan.from_offsets(text, [(11, 16)]), act="thought")
    data = attribution_to_dict(attribution)
    assert data["act"] == "thought"
    assert attribution_from_dict(data, text).act == "thought"
    del data["act"]  # written before acts existed
    assert attribution_from_dict(data, text).act == "thought"


def test_engine_sets_the_act_from_the_cue():
    from onrecord.options import ExtractOptions
    from onrecord.pipeline import extract

    doc = extract("Mara Quint said the bridge would open in May. Tomas Ferr believes the budget is too small.",
                  ExtractOptions(profile="rules"))
    assert {(a.cue.text, a.act) for a in doc.attributions} >= {("said", "speech"), ("believes", "thought")}
