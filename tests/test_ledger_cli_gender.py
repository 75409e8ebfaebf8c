"""Persons' gender on the command line: `speakers gender` corrections, the gender figures of `sourcing` /
`profile` and their JSON twin, `search` / `export` / `speakers` --gender."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
from known_genders import PERSONS, build_known_genders, write_known_genders
from test_ledger_cli import FIXTURES, assert_one_line_error, jsonl, run

from onrecord.store import Ledger


@pytest.fixture
def db(tmp_path):
    return build_known_genders(tmp_path / "genders.duckdb")


def speaker_genders(db) -> dict[str, str]:
    rows = jsonl(run("speakers", "--type", "person", "--format", "jsonl", "--db", db).stdout)
    return {row["name"]: row["gender"] for row in rows}


def test_a_correction_from_the_command_line_is_kept_across_ingests(db, tmp_path):
    result = run("speakers", "gender", "Jordan Lee", "woman", "--db", db)
    assert result.exit_code == 0 and result.stdout.strip() == "jordan-lee: woman (corrected)"
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES, corpus)
    assert run("ingest", corpus, "--db", db, "--profile", "rules").exit_code == 0  # speakers unified anew
    with Ledger(db) as ledger:
        write_known_genders(ledger)  # and its own documents stored again
    genders = speaker_genders(db)
    assert {name: genders[name] for name in PERSONS} == {**PERSONS, "Jordan Lee": "woman"}
    row = next(r for r in jsonl(run("speakers", "--name", "Jordan", "-f", "jsonl", "--db", db).stdout))
    assert row["gender_evidence"]["basis"] == "correction"
    assert row["gender_evidence"]["examples"][0]["kind"] == "correction"
    table = run("speakers", "--gender", "woman", "--db", db).stdout
    assert "jordan-lee" in table and "woman (corrected)" in table and "tom-berg" not in table
    cleared = run("speakers", "gender", "jordan-lee", "--clear", "--db", db)
    assert cleared.exit_code == 0 and cleared.stdout.strip() == "jordan-lee: unknown (decided from the evidence again)"
    assert speaker_genders(db)["Jordan Lee"] == "unknown"


@pytest.mark.parametrize("args, fragment", [
    (["speakers", "gender", "City Hall", "man"], "only persons have a gender"),
    (["speakers", "gender", "Nobody Known", "man"], "no speaker named"),
    (["speakers", "gender", "jordan-lee"], "give a GENDER"),
    (["speakers", "gender", "jordan-lee", "woman", "--clear"], "give a GENDER"),
])
def test_a_correction_that_cant_apply_is_one_line(db, args, fragment):
    assert_one_line_error(run(*args, "--db", db), fragment)


def test_a_gender_outside_the_choices_is_refused(db):
    for args in (["speakers", "gender", "jordan-lee", "female"], ["search", "--gender", "female"],
                 ["export", "x.csv", "--gender", "f"]):
        result = run(*args, "--db", db)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "'woman', 'man', 'nonbinary', 'unknown'" in result.stderr


def shares(figures: dict) -> dict[str, tuple[int, float]]:
    return {gender: (f["count"], f["share"]) for gender, f in figures.items()}


@pytest.mark.parametrize("command", ["sourcing", "profile"])
def test_the_outlet_figures_show_persons_by_gender_with_their_json_twin(db, command):
    data = json.loads(run(command, "--outlet", "riverside courier", "-f", "json", "--db", db).stdout)["genders"]
    assert (data["total_statements"], data["total_people"]) == (6, 3)  # City Hall and "officials": not persons
    assert shares(data["statements"]) == {"woman": (3, 0.5), "man": (2, 0.3333), "nonbinary": (0, 0.0),
                                          "unknown": (1, 0.1667)}
    assert shares(data["people"]) == {"woman": (1, 0.3333), "man": (1, 0.3333), "nonbinary": (0, 0.0),
                                      "unknown": (1, 0.3333)}
    assert [m["month"] for m in data["months"]] == ["2025-03", "2025-04"]
    assert shares(data["months"][0]["statements"])["woman"] == (2, 0.6667)
    table = run(command, "--outlet", "riverside courier", "--db", db).stdout
    # the table says what the JSON says: each gender's counts beside its shares, overall and per month
    overall = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:6]]
               for line in table.splitlines() if line.count("│") == 6}
    assert overall["woman"] == ["3", "50.0%", "1", "33.3%"] and overall["unknown"] == ["1", "16.7%", "1", "33.3%"]
    assert "2 (67%) · 1 (50%)" in table  # March: two of three statements by women, one of two people


@pytest.mark.parametrize("gender, expected", [("woman", 3), ("man", 4), ("unknown", 3), ("nonbinary", 0)])
def test_search_and_export_filter_by_gender_and_carry_it(db, tmp_path, gender, expected):
    rows = jsonl(run("search", "--gender", gender, "-n", "100", "-f", "jsonl", "--db", db).stdout)
    assert len(rows) == expected and all(r["gender"] == gender and r["speaker_type"] == "person" for r in rows)
    out = tmp_path / "out.csv"
    result = run("export", out, "--gender", gender, "--db", db)
    assert result.exit_code == 0 and f"wrote {expected} statement" in result.stderr
    with open(out, encoding="utf-8") as handle:
        assert [row["gender"] for row in csv.DictReader(handle)] == [gender] * expected


def test_unfiltered_rows_carry_gender_only_for_persons(db, tmp_path):
    rows = jsonl(run("search", "-n", "100", "-f", "jsonl", "--db", db).stdout)
    assert {r["gender"] for r in rows if r["speaker_type"] != "person"} == {None}
    assert {r["gender"] for r in rows if r["speaker_type"] == "person"} == {"woman", "man", "unknown"}
    out = tmp_path / "all.jsonl"
    assert run("export", out, "--db", db).exit_code == 0
    exported = jsonl(out.read_text("utf-8"))
    assert sorted((r["attribution_id"], r["gender"]) for r in exported) == sorted(
        (r["attribution_id"], r["gender"]) for r in rows)


def test_the_speakers_csv_carries_gender_and_its_evidence_as_json(db):
    result = run("speakers", "--type", "person", "-f", "csv", "--db", db)
    rows = {row["name"]: row for row in csv.DictReader(result.stdout.splitlines())}
    assert {name: row["gender"] for name, row in rows.items()} == PERSONS
    evidence = json.loads(rows["Robin Hale"]["gender_evidence"])
    assert evidence["basis"] == "in_text" and list(evidence["counts"]) == ["honorific", "first_name"]  # strongest first
    assert rows["Sam Ortiz"]["gender_conflicts"] == "1"
