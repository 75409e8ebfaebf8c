"""Score the gender of quoted people against the gender fixtures set (tests/fixtures/gender, issue 21).

Each article is extracted; each expected person is matched to the extracted person speakers by surname (the
fixtures' rule: "Mr. Osei" → Osei). A person is right when every matched speaker carries the expected gender
(a surname-only quote that didn't join the full name, and so got another gender, makes it wrong).
Acceptance (issue 21): accuracy on the people with evidence (expected woman or man) reaches the floor, and no person
without evidence (expected unknown) is given a gender.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from onrecord.document import Document
from onrecord.options import ExtractOptions


@dataclass
class GenderFixtureRow:
    """One expected person and what the extraction gave them."""

    article: str
    speaker: str
    expected: str  # woman / man / unknown
    evidence: str  # the fixture's evidence class
    found: list[str] = field(default_factory=list)  # the genders of the matched speakers (none matched: empty)
    kinds: list[str] = field(default_factory=list)  # the evidence kinds they carry

    @property
    def right(self) -> bool:
        """Found, and every matched speaker has the expected gender."""
        return bool(self.found) and set(self.found) == {self.expected}


@dataclass
class GenderFixtureReport:
    """The rows, with the acceptance figures."""

    rows: list[GenderFixtureRow]

    @property
    def with_evidence(self) -> list[GenderFixtureRow]:
        return [r for r in self.rows if r.expected != "unknown"]

    @property
    def accuracy_with_evidence(self) -> float:
        """Share of the people with evidence given exactly their gender (not found counts as wrong)."""
        rows = self.with_evidence
        return sum(r.right for r in rows) / len(rows) if rows else 0.0

    @property
    def gendered_without_evidence(self) -> list[GenderFixtureRow]:
        """People expected unknown who were given a gender (acceptance: none)."""
        return [r for r in self.rows if r.expected == "unknown" and set(r.found) - {"unknown"}]

    def by_class(self) -> dict[str, tuple[int, int]]:
        """Evidence class → (right, people)."""
        right, total = Counter(), Counter()
        for r in self.rows:
            total[r.evidence] += 1
            right[r.evidence] += r.right
        return {k: (right[k], total[k]) for k in sorted(total)}


def person_genders(doc: Document, surname: str) -> tuple[list[str], list[str]]:
    """The genders (and the evidence kinds) of the person speakers of `doc` whose name ends in `surname`."""
    genders: list[str] = []
    kinds: list[str] = []
    for attribution in doc.attributions:
        for speaker in [attribution.speaker, *attribution.via]:
            if speaker is None or speaker.type != "person" or not speaker.name:
                continue
            if speaker.name.split()[-1].lower().strip(".,") == surname.lower():
                genders.append(speaker.gender or "unknown")
                kinds.extend(e.kind for e in speaker.gender_evidence)
    return genders, sorted(set(kinds))


def score_gender_fixtures(folder: Path, profile: str = "accurate") -> GenderFixtureReport:
    """Extract every article of `folder` (its expected.json names the people) and compare."""
    from onrecord.pipeline import extract  # late, as in the harness: the engine is heavy

    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    options = ExtractOptions(profile=profile)
    docs: dict[str, Document] = {}
    rows = []
    for row in expected:
        article = row["article"]
        if article not in docs:
            docs[article] = extract((folder / f"{article}.txt").read_text(encoding="utf-8"), options, doc_id=article)
        genders, kinds = person_genders(docs[article], row["speaker"].split()[-1])
        rows.append(GenderFixtureRow(article, row["speaker"], row["gender"], row["evidence"], sorted(set(genders)), kinds))
    return GenderFixtureReport(rows)


def render_gender_report(report: GenderFixtureReport) -> str:
    """Per evidence class right/people, the wrong rows, and the acceptance figures."""
    lines = ["evidence class            right / people"]
    for evidence, (right, total) in report.by_class().items():
        lines.append(f"  {evidence:24} {right:3d} / {total}")
    wrong = [r for r in report.rows if not r.right]
    if wrong:
        lines.append("wrong:")
        lines += [f"  {r.article}: {r.speaker} expected {r.expected} ({r.evidence}), got "
                  f"{', '.join(r.found) or 'not found'} [{', '.join(r.kinds)}]" for r in wrong]
    with_evidence = report.with_evidence
    lines.append(f"accuracy on people with evidence: {sum(r.right for r in with_evidence)}/{len(with_evidence)} "
                 f"= {report.accuracy_with_evidence:.3f}")
    lines.append(f"people without evidence given a gender: {len(report.gendered_without_evidence)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m onrecord.evaluate.gender [--fixtures tests/fixtures/gender] [--profile accurate]`: print the report."""
    import argparse

    parser = argparse.ArgumentParser(description="Score the gender of quoted people against the gender fixtures set.")
    parser.add_argument("--fixtures", type=Path, default=Path("tests/fixtures/gender"))
    parser.add_argument("--profile", default="accurate", help="accurate, fast, precise or rules")
    args = parser.parse_args(argv)
    if not (args.fixtures / "expected.json").is_file():
        print(f"no expected.json in {args.fixtures}", file=sys.stderr)
        return 2
    print(render_gender_report(score_gender_fixtures(args.fixtures, args.profile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
