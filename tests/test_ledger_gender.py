"""Persons' gender in the ledger: stored per attribution, decided per unified speaker, corrected by users,
counted in the gender figures (overall, per outlet, per month), filtered and carried by search and export."""
from __future__ import annotations

import csv
import json

import duckdb
import pytest
from known_genders import DOCUMENTS, PERSONS, build_known_genders, known_gender_document, write_known_genders
from test_ledger import RULES, copy_fixtures, drop_gender_columns, set_version

from onrecord.document import GenderEvidence
from onrecord.run import ingest
from onrecord.serialize import document_to_dict
from onrecord.store import Ledger, LedgerError, StatementQuery
from onrecord.store import schema
from onrecord.store.unify import MentionGender, decide_gender


@pytest.fixture
def known(tmp_path):
    with Ledger(build_known_genders(tmp_path / "genders.duckdb")) as ledger:
        yield ledger


def person_genders(ledger: Ledger) -> dict[str, str]:
    return {s.name: s.gender for s in ledger.speakers(speaker_type="person")}


# -- stored per attribution, decided per speaker ------------------------------------------------------

@pytest.mark.parametrize("doc_id", sorted(DOCUMENTS))
def test_a_document_with_genders_reads_back_as_written(known, doc_id):
    stored = known.document(doc_id)
    assert document_to_dict(stored) == document_to_dict(known_gender_document(doc_id))
    persons = [a.speaker for a in stored.attributions if a.speaker.type == "person"]
    assert persons and all(s.gender for s in persons)
    assert all(a.speaker.gender is None for a in stored.attributions if a.speaker.type != "person")


def test_each_person_gets_one_gender_from_all_their_documents(known):
    assert person_genders(known) == PERSONS
    assert all(s.gender is None for s in known.speakers() if s.type != "person")
    sam, robin = known.find_speakers("Sam Ortiz")[0], known.find_speakers("Robin Hale")[0]
    assert (sam.gender_conflicts, sam.gender_evidence["basis"]) == (1, None)  # she in one article, he in another
    assert sam.gender_evidence["counts"] == {"pronoun": {"woman": 1, "man": 1}}
    assert robin.gender_evidence["basis"] == "in_text"  # "Mr." beats the first name Robin
    assert robin.gender_evidence["examples"][0] | {"start": None, "end": None} == {
        "doc_id": "harbor-2", "kind": "honorific", "value": "man", "text": "Mr.", "start": None, "end": None}
    ana = known.find_speakers("Ruiz")[0]  # "Ruiz" alone joined Ana Ruiz: her honorific counts too
    assert ana.gender_evidence["counts"] == {"pronoun": {"woman": 2}, "honorific": {"woman": 1}}  # two "she"s
    assert {e["doc_id"] for e in ana.gender_evidence["examples"]} == {"riverside-1", "riverside-2"}


def evidence(kind: str, value: str) -> tuple[GenderEvidence, ...]:
    return (GenderEvidence(kind, value, value[:2]),)


@pytest.mark.parametrize("mentions, correction, expected", [
    ([], None, ("unknown", None, 0)),
    ([MentionGender("a", "unknown")], None, ("unknown", None, 0)),
    ([MentionGender("a", "woman", evidence("pronoun", "woman"))], None, ("woman", "in_text", 0)),
    ([MentionGender("a", "man", evidence("first_name", "man"))], None, ("man", "first_name", 0)),
    # in-text evidence from any document beats a first name from another
    ([MentionGender("a", "man", evidence("first_name", "man")), MentionGender("b", "woman", evidence("role_noun", "woman"))],
     None, ("woman", "in_text", 0)),
    # two documents' in-text evidence disagree: unknown, one conflict
    ([MentionGender("a", "man", evidence("pronoun", "man")), MentionGender("b", "woman", evidence("honorific", "woman"))],
     None, ("unknown", None, 1)),
    ([MentionGender("a", "nonbinary", evidence("pronoun", "nonbinary"))], None, ("nonbinary", "in_text", 0)),
    # the user's correction beats everything, and the conflict stays counted
    ([MentionGender("a", "man", evidence("pronoun", "man")), MentionGender("b", "woman", evidence("pronoun", "woman"))],
     "woman", ("woman", "correction", 1)),
])
def test_decide_gender(mentions, correction, expected):
    decision = decide_gender(mentions, correction)
    assert (decision.gender, decision.basis, decision.conflicts) == expected
    if correction:
        assert decision.examples[0]["kind"] == "correction" and decision.counts["correction"] == {correction: 1}


# -- corrections --------------------------------------------------------------------------------------

def test_a_gender_correction_is_kept_across_reingest_and_refresh(known, tmp_path):
    corrected = known.set_gender("Jordan Lee", "woman")
    assert (corrected.gender, corrected.gender_evidence["basis"]) == ("woman", "correction")
    assert corrected.gender_evidence["examples"][0]["kind"] == "correction"
    write_known_genders(known)  # the same documents stored again: speakers unified anew
    known.refresh(force=True)
    ingest(known, [copy_fixtures(tmp_path / "corpus")], RULES)  # and other documents besides
    assert person_genders(known)["Jordan Lee"] == "woman"
    assert known.search(StatementQuery(speaker="Jordan Lee"))[0].gender == "woman"
    known.set_gender("jordan-lee", "auto")  # dropped: decided from the evidence again
    assert person_genders(known)["Jordan Lee"] == "unknown"
    known.refresh(force=True)
    assert person_genders(known)["Jordan Lee"] == "unknown"


def test_a_gender_correction_follows_a_merge(known):
    known.set_gender("Sam Ortiz", "nonbinary")
    known.merge_speakers("Sam Ortiz", "Jordan Lee")
    merged = known.find_speakers("Jordan Lee")[0]
    assert merged.gender == "nonbinary" and set(merged.names) == {"Sam Ortiz", "Jordan Lee"}


@pytest.mark.parametrize("speaker, value, message", [
    ("City Hall", "woman", "only persons have a gender"),
    ("Ana Ruiz", "female", "choose one of woman, man, nonbinary, unknown, auto"),
    ("Nobody Known", "man", "no speaker named"),
])
def test_a_gender_correction_that_cant_apply_is_a_clear_error(known, speaker, value, message):
    with pytest.raises(LedgerError, match=message):
        known.set_gender(speaker, value)
    assert known.corrections() == []


# -- figures ------------------------------------------------------------------------------------------

def counts(shares: dict) -> dict[str, int]:
    return {gender: figure["count"] for gender, figure in shares.items() if figure["count"]}


def test_gender_figures_count_persons_by_statements_and_people(known):
    figures = known.genders().to_dict()
    assert counts(figures["statements"]) == {"woman": 3, "man": 4, "unknown": 3}  # organisations, anonymous: never
    assert counts(figures["people"]) == {"woman": 1, "man": 2, "unknown": 2}
    assert figures["statements"]["woman"]["share"] == 0.3 and figures["people"]["man"]["share"] == 0.4
    assert figures["statements"]["nonbinary"] == {"count": 0, "share": 0.0}
    months = {m["month"]: (counts(m["statements"]), counts(m["people"])) for m in figures["months"]}
    assert months == {"2025-03": ({"woman": 2, "man": 1}, {"woman": 1, "man": 1}),
                      "2025-04": ({"woman": 1, "man": 2, "unknown": 2}, {"woman": 1, "man": 2, "unknown": 2}),
                      "2025-05": ({"man": 1, "unknown": 1}, {"man": 1, "unknown": 1})}


def test_an_outlets_sourcing_figures_carry_its_gender_figures(known):
    riverside = known.sourcing(outlet="riverside courier").to_dict()["genders"]
    assert counts(riverside["statements"]) == {"woman": 3, "man": 2, "unknown": 1}
    assert counts(riverside["people"]) == {"woman": 1, "man": 1, "unknown": 1}
    assert riverside == known.genders("Riverside Courier").to_dict()
    harbor = known.sourcing(outlet="Harbor Times").genders
    assert (harbor.statements, harbor.people) == ({"man": 2, "unknown": 2}, {"man": 1, "unknown": 1})


# -- search and export --------------------------------------------------------------------------------

@pytest.mark.parametrize("gender, expected", [("woman", 3), ("man", 4), ("unknown", 3), ("nonbinary", 0)])
def test_search_and_export_filter_and_carry_gender(known, tmp_path, gender, expected):
    query = StatementQuery(gender=gender, limit=None)
    found = known.search(query)
    assert len(found) == expected and all(s.gender == gender and s.speaker_type == "person" for s in found)
    assert known.facets(query)[0] == expected
    assert known.export(tmp_path / "out.csv", "csv", query) == expected
    with open(tmp_path / "out.csv", encoding="utf-8") as handle:
        assert [row["gender"] for row in csv.DictReader(handle)] == [gender] * expected


def test_statements_of_non_persons_have_no_gender_and_facets_count_genders(known):
    everything = known.search(StatementQuery(limit=None))
    assert {s.gender for s in everything if s.speaker_type != "person"} == {None}
    _, facets = known.facets(StatementQuery())
    assert {f["value"]: f["count"] for f in facets["gender"]} == {"woman": 3, "man": 4, "unknown": 3}


# -- migration ----------------------------------------------------------------------------------------

def test_a_version_2_ledger_migrates_with_genders_unknown_until_reextracted(tmp_path):
    path = build_known_genders(tmp_path / "v2.duckdb")
    with duckdb.connect(str(path)) as con:
        drop_gender_columns(con)
    set_version(path, 2)
    with pytest.raises(LedgerError, match="schema version 2, older.*onrecord migrate"):
        Ledger(path, read_only=True)
    with Ledger(path, migrate=True) as ledger:
        assert ledger.schema_version == schema.SCHEMA_VERSION == 3
        assert ledger.connection.execute(
            "SELECT count(*) FROM attributions WHERE speaker_gender IS NOT NULL").fetchone() == (0,)
        assert set(person_genders(ledger).values()) == {"unknown"}  # no evidence stored yet
        assert counts(ledger.genders().to_dict()["statements"]) == {"unknown": 10}
        assert all(a.speaker.gender is None for a in ledger.document("harbor-2").attributions)
        write_known_genders(ledger)  # extracted again: the evidence is there
        assert person_genders(ledger) == PERSONS
        assert json.loads(ledger.connection.execute(
            "SELECT gender_evidence FROM speakers WHERE name = 'Robin Hale'").fetchone()[0])["basis"] == "in_text"
