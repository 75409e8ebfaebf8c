"""The gender of quoted people on PolNeAR train+dev (issue 21): how many person speakers get one, and the shares per outlet.

    .venv/bin/python bench/gender_polnear.py [--data ../shared/data/polnear] [--profile accurate] [--limit N]
                                             [--cache FILE.jsonl] [--sample 50 --seed 0]

Prints, by statements (attributions whose speaker is a person) and by distinct people (person speakers by name,
across the corpus, their gender decided from all their evidence as the ledger does):
1. the share with a decided gender (woman, man, nonbinary), by the evidence kind that decided it, and why the rest
   is unknown (no evidence, or in-text evidence that conflicts);
2. per outlet (metadata.tsv's publisher), the women / men / unknown shares with the counts beside them.
`--sample N` then prints N random person statements with their evidence and the text around the source and each
piece of evidence, for a person to check by hand. `--cache` keeps the extracted documents (JSON lines) so a second
run (another sample) doesn't extract again.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))  # runs from a checkout without installing the package

from onrecord.document import GENDERS, Attribution, Document, DocumentMetadata, Speaker  # noqa: E402
from onrecord.options import ExtractOptions  # noqa: E402
from onrecord.resolve.gender import IN_TEXT_KINDS, decide_gender, has_conflict  # noqa: E402
from onrecord.resolve.index import name_key  # noqa: E402
from onrecord.serialize import document_from_dict, document_to_dict  # noqa: E402

SPLITS = ("train", "dev")


def read_corpus(data: Path, limit: int | None) -> list[tuple[str, str, str, str]]:
    """(split, file name, outlet, text) of each PolNeAR train/dev article listed in metadata.tsv."""
    rows = []
    with open(data / "metadata.tsv", encoding="utf-8") as tsv:
        for row in csv.DictReader(tsv, delimiter="\t"):
            path = data / row["compartment"] / "text" / f"{row['filename']}.txt"
            if row["compartment"] in SPLITS and path.is_file():
                rows.append((row["compartment"], row["filename"], row["publisher"], path.read_text("utf-8")))
    return rows[:limit] if limit else rows


def extracted_corpus(data: Path, profile: str, limit: int | None, cache: Path | None) -> list[tuple[str, Document]]:
    """(outlet, document) per article: from the cache when it has them, else extracted (and cached)."""
    if cache is not None and cache.is_file():
        with open(cache, encoding="utf-8") as lines:
            pairs = [(record["outlet"], document_from_dict(record["document"])) for record in map(json.loads, lines)]
        return pairs[:limit] if limit else pairs
    from onrecord.pipeline import extract

    options = ExtractOptions(profile=profile)
    pairs = []
    started = time.perf_counter()
    for _, name, outlet, text in read_corpus(data, limit):
        pairs.append((outlet, extract(text, options, doc_id=name, metadata=DocumentMetadata(outlet=outlet))))
    print(f"extracted {len(pairs)} articles in {time.perf_counter() - started:.0f} s (profile {profile})", file=sys.stderr)
    if cache is not None:
        with open(cache, "w", encoding="utf-8") as out:
            for outlet, doc in pairs:
                out.write(json.dumps({"outlet": outlet, "document": document_to_dict(doc)}, ensure_ascii=False) + "\n")
    return pairs


def decided_by(speaker: Speaker) -> str:
    """Why a person has the gender it has: the strongest in-text kind present, the first name, a conflict, or none."""
    if speaker.gender in ("woman", "man", "nonbinary"):
        present = {e.kind for e in speaker.gender_evidence}
        return next((k for k in IN_TEXT_KINDS if k in present), "first_name")
    return "conflict" if has_conflict(speaker.gender_evidence) else "no evidence"


def share_line(label: str, counts: Counter, width: int = 26) -> str:
    """ "label  women 41.0% (123)  men …" over the counts of one group."""
    total = sum(counts.values())
    cells = [f"{g} {counts[g] / total:6.1%} ({counts[g]})" if total else f"{g} - (0)" for g in GENDERS]
    return f"  {label:{width}} {total:6d}   " + "   ".join(cells)


def person_statements(pairs: list[tuple[str, Document]]) -> list[tuple[str, Document, Attribution]]:
    """(outlet, document, attribution) for each attribution whose speaker is a person."""
    return [(outlet, doc, a) for outlet, doc in pairs for a in doc.attributions
            if a.speaker is not None and a.speaker.type == "person"]


def report(pairs: list[tuple[str, Document]]) -> None:
    """Print the decided shares and the per-outlet shares, by statements and by distinct people."""
    statements = person_statements(pairs)
    print(f"{len(pairs)} articles, {sum(len(d.attributions) for _, d in pairs)} attributions, "
          f"{len(statements)} with a person speaker")

    # distinct people: named persons by name across the corpus, decided from all their evidence
    evidence: dict[str, list] = defaultdict(list)
    outlets_of: dict[str, set[str]] = defaultdict(set)
    seen: set[tuple[str | None, str]] = set()
    for outlet, doc, a in statements:
        if a.speaker.name:
            key = name_key(a.speaker.name)
            outlets_of[key].add(outlet)
            if (doc.doc_id, key) not in seen:  # one document's evidence once per person
                seen.add((doc.doc_id, key))
                evidence[key].extend(a.speaker.gender_evidence)
    people = {key: Speaker(key, "person", gender=decide_gender(pieces), gender_evidence=pieces)
              for key, pieces in evidence.items()}

    print("\n== decided gender, and the evidence that decided it")
    by_statement = Counter(decided_by(a.speaker) for _, _, a in statements)
    by_person = Counter(decided_by(p) for p in people.values())
    for title, counts, total in (("statements", by_statement, len(statements)), ("distinct people", by_person, len(people))):
        decided = sum(n for k, n in counts.items() if k not in ("conflict", "no evidence"))
        print(f"  {title}: {decided / max(total, 1):.1%} decided ({decided} of {total})")
        for kind in (*IN_TEXT_KINDS, "first_name", "conflict", "no evidence"):
            print(f"    {kind:12} {counts[kind] / max(total, 1):6.1%} ({counts[kind]})")
    unnamed = sum(1 for _, _, a in statements if not a.speaker.name)
    print(f"  (statements by an unnamed person, not among the distinct people: {unnamed})")

    print("\n== per outlet, by statements (person speakers)        count   shares (counts)")
    per_outlet: dict[str, Counter] = defaultdict(Counter)
    for outlet, _, a in statements:
        per_outlet[outlet][a.speaker.gender or "unknown"] += 1
    for outlet in sorted(per_outlet):
        print(share_line(outlet, per_outlet[outlet]))
    print(share_line("all", sum(per_outlet.values(), Counter())))

    print("\n== per outlet, by distinct people (named, quoted in that outlet)")
    people_per_outlet: dict[str, Counter] = defaultdict(Counter)
    for key, person in people.items():
        for outlet in outlets_of[key]:
            people_per_outlet[outlet][person.gender] += 1
    for outlet in sorted(people_per_outlet):
        print(share_line(outlet, people_per_outlet[outlet]))
    print(share_line("all", Counter(p.gender for p in people.values())))


def around(text: str, start: int, end: int, reach: int = 90) -> str:
    """The text around [start, end) on one line, the span in [brackets]."""
    before = text[max(0, start - reach):start]
    after = text[end:end + reach]
    return " ".join(f"…{before}[{text[start:end]}]{after}…".split())


def sample(pairs: list[tuple[str, Document]], count: int, seed: int) -> None:
    """Print `count` random person statements with their evidence, for a hand check."""
    statements = person_statements(pairs)
    picked = random.Random(seed).sample(statements, min(count, len(statements)))
    print(f"\n== {len(picked)} person statements drawn at random (seed {seed})")
    for n, (outlet, doc, a) in enumerate(picked, 1):
        speaker = a.speaker
        anchor = a.source or a.cue or a.content
        print(f"\n[{n}] {doc.doc_id} ({outlet})")
        print(f"  speaker: {speaker.name or '(unnamed)'} — {speaker.gender}"
              + (f"; role: {speaker.role}" if speaker.role else ""))
        print(f"  source:  {around(doc.text, anchor.start, anchor.end)}")
        for e in speaker.gender_evidence:
            where = around(doc.text, e.start, e.end, 60) if e.start is not None else "(not in the text)"
            score = f" {e.score}" if e.score is not None else ""
            print(f"  evidence {e.kind} {e.text!r} → {e.value}{score}: {where}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, extract (or read the cache), print the figures and the sample."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "polnear",
                        help="PolNeAR with metadata.tsv, train/ and dev/ (default: ../shared/data/polnear)")
    parser.add_argument("--profile", default="accurate", help="accurate, fast, precise, rules, or a model folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--cache", type=Path, default=None, help="JSON lines of the extracted documents: read if "
                        "there, else written")
    parser.add_argument("--sample", type=int, default=0, metavar="N", help="print N random person statements")
    parser.add_argument("--seed", type=int, default=0, help="which statements --sample draws")
    args = parser.parse_args(argv)
    if not (args.data / "metadata.tsv").is_file() and not (args.cache and args.cache.is_file()):
        print(f"PolNeAR not found: no metadata.tsv in {args.data}", file=sys.stderr)
        return 2
    pairs = extracted_corpus(args.data, args.profile, args.limit, args.cache)
    report(pairs)
    if args.sample:
        sample(pairs, args.sample, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
