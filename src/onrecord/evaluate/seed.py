"""The seed article's 18 statements: which of them an extraction finds with the right speaker (and outlet).

The expected statements are our own reading of the seed article (The Epoch Times, 2021-11-24; kept in
`../shared/examples/seed-article.txt`, not in this repository): a phrase of the content, the speaker's
name (a part of it is enough), the speaker's type and, where the statement reached us through an outlet,
that outlet. `bench/seed_check.py` prints the check; `tests/test_quality_gate.py` holds it to a floor.
"""
from __future__ import annotations

from typing import NamedTuple

from onrecord.options import ExtractOptions

# content phrase, speaker name (substring), speaker type, via outlet or None
EXPECTED = [
    ("discussed several security-related issues", "readout", "document", None),
    ("a continuation of communication", "readout", "document", None),
    ("In accordance with past practice", "readout", "document", None),
    ("discussed the ongoing issues of international security", "Russian Defense Ministry", "organization", None),
    ("attempting to rehash", "Antony Blinken", "person", None),
    ("concerned by reports of unusual Russian military activity", "Antony Blinken", "person", None),
    ("about 90,000 Russian troops", "Ukraine’s Defense Ministry", "organization", None),
    ("monitored “very closely", "Antony Blinken", "person", None),
    ("the West of flaring tensions", "Russia", "organization", None),
    ("“empty and groundless”", "Dmitry Peskov", "person", "TASS"),
    ("considering providing more weapons", "unnamed sources", "anonymous", "CNN"),
    ("briefed their EU allies", "unnamed sources", "anonymous", "Bloomberg"),
    ("their concerns of a potential military operation", "officials", "anonymous", None),
    ("never planned on invading Ukraine", "Dmitry Polyanskiy", "person", None),
    ("Never planned, never did.", "Dmitry Polyanskiy", "person", None),
    ("Never going to do it unless", "Dmitry Polyanskiy", "person", None),
    ("“serious concerns”", "Jen Psaki", "person", None),
    ("Moscow to de-escalate tensions", "Jen Psaki", "person", None),
]
TAIL_MARKER = "Please leave this field empty"  # where the article ends and the newsletter/advert tail begins


class SeedCheck(NamedTuple):
    """Printable lines: the expected statements found and missed, and attributions taken from the tail."""

    found: list[str]
    missed: list[str]
    from_tail: list[str]


def check(text: str, profile: str = "accurate") -> SeedCheck:
    """Extract the seed text with `profile` and compare it with EXPECTED; (found, missed, from_tail) lines."""
    from onrecord.pipeline import extract  # late, as in the harness: the engine is heavy

    doc = extract(text, ExtractOptions(profile=profile), doc_id="seed-article")
    tail = text.find(TAIL_MARKER)
    found, missed = [], []
    for phrase, name, kind, via in EXPECTED:
        hits = [a for a in doc.attributions if phrase in a.content.text and a.speaker and a.speaker.name
                and name.lower() in a.speaker.name.lower() and a.speaker.type == kind
                and (via is None or any(v.name == via for v in a.via))]
        line = f"{phrase[:45]!r:50} → {name} ({kind})" + (f" via {via}" if via else "")
        (found if hits else missed).append(line)
    from_tail = [f"{a.source and a.source.text!r} {a.cue and a.cue.text!r}: {a.content.text[:60]!r}"
                 for a in doc.attributions if tail >= 0 and a.content.start >= tail]
    return SeedCheck(found, missed, from_tail)


# issue 21: the gender of the seed's people and the evidence that must decide it ("she said", "he added"); for Peskov
# either what the text says ("Kremlin spokesman") or, failing that, his first name
EXPECTED_GENDERS = [
    ("Jen Psaki", "woman", ("pronoun",)),
    ("Dmitry Polyanskiy", "man", ("pronoun",)),
    ("Dmitry Peskov", "man", ("pronoun", "honorific", "role_noun", "first_name")),
]


def check_genders(text: str, profile: str = "accurate") -> list[tuple[bool, str]]:
    """Extract the seed text and compare its people's gender with EXPECTED_GENDERS: (right, printable line) each."""
    from onrecord.pipeline import extract

    doc = extract(text, ExtractOptions(profile=profile), doc_id="seed-article")
    people = [s for a in doc.attributions for s in (a.speaker, *a.via) if s is not None and s.type == "person"]
    lines = []
    for name, gender, kinds in EXPECTED_GENDERS:
        found = [s for s in people if s.name and name.lower() in s.name.lower()]
        got = sorted({s.gender or "unknown" for s in found})
        evidence = sorted({f"{e.kind} {e.text!r}→{e.value}" for s in found for e in s.gender_evidence})
        right = got == [gender] and any(e.kind in kinds for s in found for e in s.gender_evidence if e.value == gender)
        lines.append((right, f"{name}: {', '.join(got) or 'not found'} (expected {gender}); evidence: "
                             f"{'; '.join(evidence) or 'none'}"))
    return lines
