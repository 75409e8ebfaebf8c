"""Check onrecord against the 18 statements of the seed article, and print what it found and missed.

Run: python bench/seed_check.py [--seed ../shared/examples/seed-article.txt] [--profile accurate|fast|precise|rules]

The expected statements are our own reading of the article: a phrase of the content, the speaker's
name (a part of it is enough) and, where the statement reached us through an outlet, that outlet.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onrecord import ExtractOptions, extract

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO.parent / "shared" / "examples" / "seed-article.txt"

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
TAIL_MARKER = "Please leave this field empty"


def check(text: str, profile: str = "accurate") -> tuple[list[str], list[str], list[str]]:
    """Return (found, missed, from_tail) lines for the seed text."""
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
    return found, missed, from_tail


def main(argv: list[str] | None = None) -> int:
    """Print the found and missed statements and the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--profile", default="accurate", help="accurate, fast, precise or rules")
    args = parser.parse_args(argv)
    if not args.seed.is_file():
        print(f"seed article not found: {args.seed}", file=sys.stderr)
        return 2
    found, missed, from_tail = check(args.seed.read_text(encoding="utf-8"), args.profile)
    for line in found:
        print("found  ", line)
    for line in missed:
        print("MISSED ", line)
    print(f"\n{len(found)} of {len(EXPECTED)} statements found with the right speaker (and outlet)")
    print(f"{len(from_tail)} attributions come from the newsletter/advert tail")
    for line in from_tail:
        print("  tail:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
