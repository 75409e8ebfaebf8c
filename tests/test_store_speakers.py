"""Speakers unified across a corpus: name variants, surname-only mentions, acronyms, corrections, ids."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from onrecord.store.unify import Correction, ResolvedSpeaker, find_speaker, normalize_name, unify

PESKOV = {
    ResolvedSpeaker("Dmitry Peskov", "person", "Kremlin spokesman", "Kremlin"): 5,
    ResolvedSpeaker("Peskov", "person"): 3,
    ResolvedSpeaker("Kremlin spokesman Dmitry Peskov", "person"): 1,
    ResolvedSpeaker("Mr. Peskov", "person", "spokesman", "Russia"): 2,
}


def hillary(n: int, role: str | None = None, affiliation: str | None = None) -> dict[ResolvedSpeaker, int]:
    """Hillary Clinton quoted n times."""
    return {ResolvedSpeaker("Hillary Clinton", "person", role, affiliation): n}


def bill(n: int, role: str | None = None, affiliation: str | None = None) -> dict[ResolvedSpeaker, int]:
    """Bill Clinton quoted n times."""
    return {ResolvedSpeaker("Bill Clinton", "person", role, affiliation): n}


def speaker_of(mentions: dict[ResolvedSpeaker, int], name: str, corrections=()) -> str:
    """The speaker id the first mention named `name` ends up with."""
    _, ids = unify(mentions, corrections)
    return next(ids[m] for m in mentions if m.name == name)


def by_id(speakers):
    """Speakers keyed by id."""
    return {s.speaker_id: s for s in speakers}


@pytest.mark.parametrize("name,key", [
    ("Mr. Peskov", "peskov"),
    ("Peskov’s", "peskov"),
    ("Peskov's", "peskov"),
    ("Sen. Bernie Sanders", "bernie sanders"),
    ("President Joe Biden", "joe biden"),
    ("Kremlin spokesman Dmitry Peskov", "dmitry peskov"),
    ("U.S. Secretary of State Antony Blinken", "antony blinken"),
    ("José  Martí", "jose marti"),
    ("H. Clinton", "h clinton"),
    ("Ursula von der Leyen", "ursula von der leyen"),
    ("The Kremlin", "kremlin"),
    ("President", "president"),  # a title alone is kept: something must name the speaker
])
def test_normalize_name(name, key):
    assert normalize_name(name) == key


def test_organization_names_keep_leading_title_words():
    assert normalize_name("General Motors", "organization") == "general motors"
    assert normalize_name("General Motors") == "motors"  # as a person's name, "General" is a title


def test_peskov_variants_become_one_speaker():
    speakers, ids = unify(PESKOV)
    assert len(speakers) == 1
    peskov = speakers[0]
    assert peskov.speaker_id == "dmitry-peskov"
    assert peskov.name == "Dmitry Peskov"
    assert peskov.type == "person"
    assert peskov.names == ["Dmitry Peskov", "Peskov"]  # 6 statements vs 5
    assert peskov.roles == ["Kremlin spokesman", "spokesman"]
    assert peskov.affiliations == ["Kremlin", "Russia"]
    assert peskov.statements == 11
    assert set(ids.values()) == {"dmitry-peskov"} and set(ids) == set(PESKOV)


def test_hillary_and_bill_stay_apart_and_keep_their_names():
    speakers, _ = unify(hillary(5, "Secretary of State") | bill(5, "Secretary of State"))
    assert sorted(s.name for s in speakers) == ["Bill Clinton", "Hillary Clinton"]


@pytest.mark.parametrize("n_hillary,n_bill,expected", [
    (30, 10, "hillary-clinton"),  # exactly 3/4
    (10, 30, "bill-clinton"),
    (29, 10, "clinton"),  # just under 3/4: nobody clearly owns "Clinton"
    (10, 10, "clinton"),
    (7, 0, "hillary-clinton"),  # the only Clinton
])
def test_surname_only_joins_only_a_dominant_cluster(n_hillary, n_bill, expected):
    mentions = hillary(n_hillary) | (bill(n_bill) if n_bill else {}) | {ResolvedSpeaker("Clinton", "person"): 50}
    assert speaker_of(mentions, "Clinton") == expected


def test_surname_only_alone_names_its_own_speaker():
    speakers, _ = unify(hillary(10) | bill(10) | {ResolvedSpeaker("Mrs. Clinton", "person"): 4, ResolvedSpeaker("Clinton", "person"): 1})
    alone = by_id(speakers)["clinton"]
    assert (alone.name, alone.names, alone.statements) == ("Clinton", ["Clinton"], 5)


def test_role_evidence_beats_dominance():
    mentions = (hillary(10, "Secretary of State") | bill(10, "former President")
                | {ResolvedSpeaker("Secretary Clinton", "person", "Secretary of State"): 2})
    assert speaker_of(mentions, "Secretary Clinton") == "hillary-clinton"
    speakers, _ = unify(mentions)
    assert by_id(speakers)["hillary-clinton"].names == ["Hillary Clinton", "Clinton"]


def test_affiliation_evidence_picks_the_cluster():
    mentions = hillary(10, None, "State Department") | bill(10) | {ResolvedSpeaker("Clinton", "person", None, "State Department"): 1}
    assert speaker_of(mentions, "Clinton") == "hillary-clinton"


@pytest.mark.parametrize("role,affiliation,expected", [
    ("coach", "Yankees", "clinton"),  # role and affiliation both conflict: a different Clinton
    ("coach", "U.S.", "hillary-clinton"),  # same affiliation: no conflict
    ("coach", None, "hillary-clinton"),  # affiliation unknown: no conflict
    ("former Secretary", "Yankees", "hillary-clinton"),  # a shared role word: no conflict
])
def test_surname_only_with_conflicting_role_stays_apart(role, affiliation, expected):
    mentions = hillary(10, "Secretary of State", "U.S.") | {ResolvedSpeaker("Clinton", "person", role, affiliation): 2}
    assert speaker_of(mentions, "Clinton") == expected


def test_full_name_with_conflicting_role_still_joins():
    mentions = hillary(10, "Secretary of State", "U.S.") | {ResolvedSpeaker("Hillary Clinton", "person", "coach", "Yankees"): 1}
    speakers, _ = unify(mentions)
    assert len(speakers) == 1 and speakers[0].roles == ["Secretary of State", "coach"]


@pytest.mark.parametrize("variant,expected", [
    ("H. Clinton", "hillary-clinton"),
    ("Hillary Rodham Clinton", "hillary-clinton"),  # middle name ignored
    ("William Clinton", "bill-clinton"),
    ("William J. Clinton", "bill-clinton"),
    ("W. Clinton", "bill-clinton"),  # an initial of the nickname's full form
    ("Chelsea Clinton", "chelsea-clinton"),  # another first name: another person
])
def test_first_name_compatibility(variant, expected):
    mentions = hillary(10) | bill(10) | {ResolvedSpeaker(variant, "person"): 1}
    assert speaker_of(mentions, variant) == expected


@pytest.mark.parametrize("short,long", [("Bill", "William"), ("Mike", "Michael"), ("Bob", "Robert"), ("Steve", "Stephen")])
def test_nicknames_join_their_full_form(short, long):
    speakers, _ = unify({ResolvedSpeaker(f"{short} Smith", "person"): 2, ResolvedSpeaker(f"{long} Smith", "person"): 1})
    assert [s.names for s in speakers] == [[f"{short} Smith", f"{long} Smith"]]


def test_initial_matching_two_first_names_needs_a_dominant_one():
    mentions = hillary(10) | {ResolvedSpeaker("Harold Clinton", "person"): 10, ResolvedSpeaker("H. Clinton", "person"): 1}
    assert speaker_of(mentions, "H. Clinton") == "h-clinton"


def test_acronym_merges_with_its_full_name():
    mentions = {ResolvedSpeaker("FBI", "organization"): 4, ResolvedSpeaker("Federal Bureau of Investigation", "organization"): 2,
                ResolvedSpeaker("F.B.I.", "organization"): 1}
    speakers, _ = unify(mentions)
    assert [(s.speaker_id, s.names, s.statements) for s in speakers] == [
        ("fbi", ["FBI", "Federal Bureau of Investigation", "F.B.I."], 7)]


def test_acronym_stays_within_its_type():
    speakers, _ = unify({ResolvedSpeaker("FBI", "media"): 4, ResolvedSpeaker("Federal Bureau of Investigation", "organization"): 2})
    assert len(speakers) == 2


def test_organizations_merge_on_normalized_name():
    speakers, _ = unify({ResolvedSpeaker("The Kremlin", "organization"): 3, ResolvedSpeaker("Kremlin", "organization"): 1,
                         ResolvedSpeaker("Russian Defense Ministry", "organization", None, "Russia"): 2})
    assert [(s.speaker_id, s.name, s.names) for s in speakers] == [
        ("kremlin", "The Kremlin", ["The Kremlin", "Kremlin"]),
        ("russian-defense-ministry", "Russian Defense Ministry", ["Russian Defense Ministry"]),
    ]


def test_persons_never_merge_with_organizations():
    speakers, _ = unify({ResolvedSpeaker("Ford", "person"): 2, ResolvedSpeaker("Ford", "organization"): 5})
    assert sorted((s.speaker_id, s.type) for s in speakers) == [("ford", "organization"), ("ford-2", "person")]


@pytest.mark.parametrize("kind", ["anonymous", "document", "unknown"])
def test_other_speaker_types_are_ignored(kind):
    speakers, ids = unify(PESKOV | {ResolvedSpeaker("Peskov", kind): 7})
    assert len(speakers) == 1 and ResolvedSpeaker("Peskov", kind) not in ids


def test_slug_collision_gets_a_suffix_biggest_first():
    mentions = {ResolvedSpeaker("Jackson", "person"): 1, ResolvedSpeaker("Jackson", "organization"): 3, ResolvedSpeaker("Jackson", "media"): 0}
    speakers, ids = unify(mentions)
    assert ids[ResolvedSpeaker("Jackson", "organization")] == "jackson"
    assert ids[ResolvedSpeaker("Jackson", "person")] == "jackson-2"


MIXED = (PESKOV | hillary(10, "Secretary of State", "U.S.") | bill(6, "former President") | {
    ResolvedSpeaker("Clinton", "person"): 3,
    ResolvedSpeaker("H. Clinton", "person"): 1,
    ResolvedSpeaker("FBI", "organization"): 4,
    ResolvedSpeaker("Federal Bureau of Investigation", "organization"): 2,
    ResolvedSpeaker("TASS", "media", "state-run news agency", "Russia"): 3,
    ResolvedSpeaker("Jackson", "person"): 2,
    ResolvedSpeaker("Jackson", "organization"): 2,
    ResolvedSpeaker("an official", "anonymous"): 9,
})


def test_result_does_not_depend_on_mention_order():
    expected = unify(MIXED)
    items = list(MIXED.items())
    for seed in range(5):
        random.Random(seed).shuffle(items)
        assert unify(dict(items)) == expected


def test_result_does_not_depend_on_hash_seed():
    script = ("import json; from test_store_speakers import MIXED; from onrecord.store.unify import unify;"
              "s, ids = unify(MIXED); print(json.dumps([[x.__dict__ for x in s], sorted((m.name, m.type, v) for m, v in ids.items())]))")
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        outputs.add(run.stdout)
    assert len(outputs) == 1 and json.loads(outputs.pop())


def test_speakers_sorted_by_statements_then_id():
    speakers, _ = unify(MIXED)
    assert [(s.statements, s.speaker_id) for s in speakers] == sorted(
        [(s.statements, s.speaker_id) for s in speakers], key=lambda p: (-p[0], p[1]))


def test_merge_correction():
    corrections = [Correction("merge", "Mr. Peskov", "TASS")]
    speakers, ids = unify(MIXED, corrections)
    peskov = by_id(speakers)["dmitry-peskov"]
    assert peskov.type == "person" and "TASS" in peskov.names and peskov.statements == 14
    assert ids[ResolvedSpeaker("TASS", "media", "state-run news agency", "Russia")] == "dmitry-peskov"


def test_merge_by_speaker_id():
    assert speaker_of(MIXED, "Bill Clinton", [Correction("merge", "hillary-clinton", "bill-clinton")]) == "hillary-clinton"


def test_split_correction():
    speakers, ids = unify(MIXED, [Correction("split", "Hillary Clinton", "H. Clinton")])
    assert ids[ResolvedSpeaker("H. Clinton", "person")] == "h-clinton"
    assert "H. Clinton" not in by_id(speakers)["hillary-clinton"].names


def test_correction_matching_several_speakers_applies_to_the_biggest():
    mentions = MIXED | {ResolvedSpeaker("Jackson", "organization"): 7}
    # "Jackson" names a person (2) and an organization (9): the merge takes the organization
    assert speaker_of(mentions, "TASS", [Correction("merge", "Jackson", "TASS")]) == "jackson"
    speakers, _ = unify(mentions, [Correction("merge", "Jackson", "TASS")])
    assert by_id(speakers)["jackson"].type == "organization"


@pytest.mark.parametrize("correction", [
    Correction("merge", "Vladimir Putin", "TASS"),
    Correction("merge", "TASS", "nobody-known"),
    Correction("split", "nobody", "TASS"),
    Correction("split", "Hillary Clinton", "Bill Clinton"),  # Bill isn't inside Hillary
    Correction("split", "TASS", "TASS"),  # nothing would stay
    Correction("rename", "TASS", "Tass"),  # an action unify does not know
])
def test_correction_naming_nothing_is_ignored(correction):
    assert unify(MIXED, [correction]) == unify(MIXED)


def test_corrections_survive_reingestion():
    # "merge" joins whole speakers: to move "Clinton" alone, split it out first (a no-op while it stands alone)
    corrections = [Correction("split", "Hillary Clinton", "H. Clinton"), Correction("split", "hillary-clinton", "Clinton"),
                   Correction("merge", "Clinton", "bill-clinton"), Correction("merge", "Vladimir Putin", "Peskov")]
    more = MIXED | hillary(40, "Secretary of State") | {ResolvedSpeaker("Hillary Clinton", "person", "senator", "New York"): 3,
                                                         ResolvedSpeaker("Vladimir Putin", "person", "President", "Russia"): 2}
    # with 53 Hillary statements she dominates, so "Clinton" would join her but for the correction
    assert speaker_of(more, "Clinton") == "hillary-clinton"
    _, before = unify(MIXED, corrections)
    _, after = unify(more, corrections)
    assert after[ResolvedSpeaker("Clinton", "person")] == before[ResolvedSpeaker("Clinton", "person")] == "bill-clinton"
    assert after[ResolvedSpeaker("H. Clinton", "person")] == before[ResolvedSpeaker("H. Clinton", "person")] == "h-clinton"
    # the merge naming Putin waited for him to appear; the bigger Peskov speaker keeps the id
    assert before[ResolvedSpeaker("Peskov", "person")] == "dmitry-peskov"
    assert after[ResolvedSpeaker("Vladimir Putin", "person", "President", "Russia")] == "dmitry-peskov"


def test_corrections_replay_in_order():
    merge_then_split = [Correction("merge", "Hillary Clinton", "Bill Clinton"), Correction("split", "Hillary Clinton", "Bill Clinton")]
    split_then_merge = list(reversed(merge_then_split))
    assert speaker_of(MIXED, "Bill Clinton", merge_then_split) == "bill-clinton"
    assert speaker_of(MIXED, "Bill Clinton", split_then_merge) == "hillary-clinton"


@pytest.mark.parametrize("query,expected", [
    ("dmitry-peskov", ["dmitry-peskov"]),
    ("Mr. Peskov", ["dmitry-peskov"]),
    ("PESKOV", ["dmitry-peskov"]),
    ("Federal Bureau of Investigation", ["fbi"]),
    ("Jackson", ["jackson", "jackson-2"]),
    ("Putin", []),
])
def test_find_speaker(query, expected):
    speakers, _ = unify(MIXED)
    assert [s.speaker_id for s in find_speaker(speakers, query)] == expected


def synthetic_corpus(size: int = 20_000) -> dict[ResolvedSpeaker, int]:
    """Distinct person and organization mentions in the shape real corpora have: many surnames, a few variants each."""
    rng = random.Random(7)
    firsts = ["Anna", "Boris", "Carla", "Dmitry", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
    mentions: dict[ResolvedSpeaker, int] = {}
    i = 0
    while len(mentions) < size:
        surname = f"Surname{i}"
        first = firsts[i % len(firsts)]
        role = f"minister of topic{i}"
        mentions[ResolvedSpeaker(f"{first} {surname}", "person", role, f"Country{i % 50}")] = rng.randint(1, 9)
        mentions[ResolvedSpeaker(f"Mr. {surname}", "person")] = rng.randint(1, 3)
        mentions[ResolvedSpeaker(f"{firsts[(i + 1) % len(firsts)]} {surname}", "person")] = 1
        mentions[ResolvedSpeaker(f"Agency Number {i}", "organization")] = rng.randint(1, 5)
        mentions[ResolvedSpeaker(f"The Agency Number {i}", "organization", f"agency{i}")] = 1
        i += 1
    return mentions


def test_twenty_thousand_mentions_unify_correctly():
    corpus = synthetic_corpus()
    speakers, ids = unify(corpus)
    assert len(ids) == len(corpus)
    people = [m for m in corpus if m.name.startswith("Anna Surname") and m.role][:4]
    for m in people:
        surname = m.name.split()[1]
        # the dominant first name takes "Mr. X" only when it holds 3/4 of the full-name statements
        dominant = corpus[m] >= 3 * corpus[ResolvedSpeaker(f"Boris {surname}", "person")]
        assert (ids[ResolvedSpeaker(f"Mr. {surname}", "person")] == ids[m]) == dominant
        assert ids[ResolvedSpeaker(f"Boris {surname}", "person")] != ids[m]
    assert ids[ResolvedSpeaker("Agency Number 17", "organization")] == ids[ResolvedSpeaker("The Agency Number 17", "organization", "agency17")]
    assert len({s.speaker_id for s in speakers}) == len(speakers)


@pytest.mark.parametrize(("a", "b"), [("Clinton’s campaign", "Clinton campaign"), ("Trump's team", "Trump team")])
def test_a_possessive_inside_an_organisation_name_is_ignored(a, b):
    speakers, _ = unify({ResolvedSpeaker(a, "organization"): 2, ResolvedSpeaker(b, "organization"): 1})
    assert len(speakers) == 1 and set(speakers[0].names) == {a, b}
