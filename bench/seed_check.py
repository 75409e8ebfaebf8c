"""Check onrecord against the 18 statements of the seed article, and print what it found and missed.

It prints the gender it gives the seed's people too, with the evidence (issue 21: Psaki, Polyanskiy, Peskov).

Run: python bench/seed_check.py [--seed ../shared/examples/seed-article.txt] [--profile accurate|fast|precise|rules]

The expected statements and the check live in onrecord/evaluate/seed.py (tests/test_quality_gate.py
holds the same figures to the floors of tests/quality_gate.json).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onrecord.evaluate.seed import EXPECTED, check, check_genders

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO.parent / "shared" / "examples" / "seed-article.txt"


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
    genders = check_genders(args.seed.read_text(encoding="utf-8"), args.profile)
    print("\ngender of the seed's people (issue 21):")
    for right, line in genders:
        print("  right" if right else "  WRONG", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
