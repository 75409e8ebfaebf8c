"""The gender of person speakers from in-text evidence (resolve/gender.py): pronouns, honorifics, role nouns."""
import pytest

import onrecord
from onrecord.document import GenderEvidence, Speaker
from onrecord.resolve.gender import decide_gender, has_conflict, honorific_before, role_evidence
from onrecord.serialize import speaker_from_dict, speaker_to_dict


def speakers(text: str) -> dict[str, Speaker]:
    """The speakers of a text by name (the last attribution of each name)."""
    doc = onrecord.extract(text, onrecord.ExtractOptions(profile="rules"))
    return {a.speaker.name: a.speaker for a in doc.attributions if a.speaker is not None}


@pytest.mark.parametrize("text,name,gender,kinds", [
    # a pronoun source resolved to the person
    ("Mara Tellen said the ferry was late. “It always is,” she said.", "Mara Tellen", "woman", {"pronoun"}),
    ("Oskar Brandt said the bridge was safe. “We checked it,” he added.", "Oskar Brandt", "man", {"pronoun"}),
    # an honorific before the name
    ("Ms. Ilse Varga said the school would reopen.", "Ilse Varga", "woman", {"honorific"}),
    ("Sir Edwin Marsh said the museum would stay open.", "Edwin Marsh", "man", {"honorific"}),
    # a gendered role noun in the apposition
    ("Noor Kassim, a local businesswoman, said rents had doubled.", "Noor Kassim", "woman", {"role"}),
    ("Pell Ardent, the boy's father, said the school had not called.", "Pell Ardent", "man", {"role"}),
])
def test_in_text_evidence_decides(text, name, gender, kinds):
    speaker = speakers(text)[name]
    assert speaker.gender == gender
    assert {e.kind for e in speaker.gender_evidence} == kinds
    assert all(text[e.start:e.end].rstrip(".").lower() == e.text.lower() for e in speaker.gender_evidence)


def test_no_evidence_is_unknown():
    """A first name, a surname or a role that isn't gendered is no evidence here."""
    speaker = speakers("Jordan Pike, the committee chairman, said the vote was fair.")["Jordan Pike"]
    assert speaker.gender == "unknown" and speaker.gender_evidence == []


def test_conflicting_evidence_is_unknown_and_kept():
    speaker = speakers("Alex Renn, the victim's mother, said the police were slow. “They never came,” he said.")["Alex Renn"]
    assert speaker.gender == "unknown" and has_conflict(speaker)
    assert {(e.kind, e.gender) for e in speaker.gender_evidence} == {("role", "woman"), ("pronoun", "man")}


def test_evidence_is_shared_by_all_mentions_of_a_person():
    """A later surname-only mention gets the evidence of the full one ("Ms Lorne … Lorne said")."""
    text = "Ms Hanna Lorne runs the clinic. “We are full,” Lorne said. Later, Lorne said more beds were coming."
    doc = onrecord.extract(text, onrecord.ExtractOptions(profile="rules"))
    people = [a.speaker for a in doc.attributions if a.speaker and a.speaker.type == "person"]
    assert people and all(s.gender == "woman" for s in people)


def test_non_person_speakers_have_no_gender():
    found = speakers("The ministry said the talks would resume. Reuters reported the deal was close.")
    assert found and all(s.gender is None for s in found.values() if s.type != "person")


@pytest.mark.parametrize("role,expected", [
    ("mother of three", [("mother", "woman")]),
    ("chairman of the board", []),  # said of women too
    ("Mothers Against Hunger organiser", []),  # a capitalised name, not a role noun
    ("spokeswoman", [("spokeswoman", "woman")]),
])
def test_role_evidence(role, expected):
    assert role_evidence(role) == expected


def test_honorific_before():
    text = "said Mrs. Oduya"
    assert honorific_before(text, text.index("Oduya"))[0] == "Mrs"
    assert honorific_before("said Dr. Oduya", len("said Dr. ")) is None


def test_decide_gender():
    she = GenderEvidence("pronoun", "she", "woman")
    assert decide_gender([]) == "unknown"
    assert decide_gender([she, GenderEvidence("honorific", "Ms", "woman")]) == "woman"
    assert decide_gender([she, GenderEvidence("honorific", "Mr", "man")]) == "unknown"


def test_json_written_only_when_set_and_read_back():
    assert "gender" not in speaker_to_dict(Speaker("Tide Ministry", "organization"))
    person = Speaker("Mara Tellen", "person", gender="woman",
                     gender_evidence=[GenderEvidence("pronoun", "she", "woman", 40, 43)])
    data = speaker_to_dict(person)
    assert data["gender"] == "woman" and data["gender_evidence"][0]["start"] == 40
    back = speaker_from_dict(data)
    assert back.gender == "woman" and back.gender_evidence == person.gender_evidence
