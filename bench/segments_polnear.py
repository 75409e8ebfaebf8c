"""How well the clean stage separates article text from boilerplate on PolNeAR; prints the README figures.

    .venv/bin/python bench/segments_polnear.py [--data ../shared/data/polnear] [--splits train dev] [--errors N]

Per split, and for all splits together: the annotators' `Discard` spans (boilerplate such as "Follow X on
Twitter") and the share in non-article segments (a span counts when at least half of its characters are),
the share of their characters there (the acceptance figure: a long embedded tweet weighs more than a time
stamp), and the share of the characters of gold Source/Cue/Content spans in non-article segments (text the
engine then cannot see).
--errors N prints N missed Discard spans and N non-article segments that hold gold text.
"""
from __future__ import annotations

import argparse
import random
import sys
from functools import reduce
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))  # runs from a checkout without installing the package

from onrecord.evaluate.segments import SegmentFigures, measure_segments  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Print the figures per split (and error examples when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "polnear",
                        help="PolNeAR folder holding the split folders (default: ../shared/data/polnear)")
    parser.add_argument("--splits", nargs="+", default=["train", "dev"])
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="print N examples of each kind of miss")
    parser.add_argument("--seed", type=int, default=0, help="which examples --errors picks")
    args = parser.parse_args(argv)
    rows = []
    for split in args.splits:
        folder = args.data / split
        if not (folder / "text").is_dir():
            print(f"{split}: no PolNeAR split at {folder}", file=sys.stderr)
            continue
        rows.append((split, measure_segments(folder)))
    if len(rows) > 1:
        rows.append(("+".join(name for name, _ in rows), reduce(SegmentFigures.add, (f for _, f in rows))))
    for split, f in rows:
        print(f"{split}: {f.documents} articles · Discard spans {f.discard}, in non-article segments "
              f"{f.discard_caught} ({f.discard_pct:.1f}%)\n"
              f"  Discard characters {f.discard_chars}, in non-article segments {f.discard_chars_caught} "
              f"({f.discard_chars_pct:.1f}%)\n"
              f"  gold Source/Cue/Content characters {f.gold_chars}, in non-article segments {f.gold_chars_lost} "
              f"({f.lost_pct:.2f}%)")
        if args.errors and split in args.splits:
            rng = random.Random(args.seed)
            for title, examples in (("missed Discard spans", f.missed), ("non-article segments holding gold text", f.lost)):
                print(f"  {title} ({len(examples)}):")
                for line in rng.sample(examples, min(args.errors, len(examples))):
                    print("  -", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
