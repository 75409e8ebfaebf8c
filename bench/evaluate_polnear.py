"""Score onrecord's extraction on PolNeAR's dev split; prints the table the README figures come from.

    .venv/bin/python bench/evaluate_polnear.py [--gold DIR] [--profile accurate|fast|precise|rules] [--errors N] [--json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))  # runs from a checkout without installing the package

from rich.console import Console  # noqa: E402

from onrecord.evaluate import evaluate_folder, iter_errors, render_report, report_to_dict  # noqa: E402
from onrecord.options import ExtractOptions  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, evaluate, print the report (and error examples when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=REPO.parent / "shared" / "data" / "polnear" / "dev",
                        help="folder with text/ and attributions/ (default: ../shared/data/polnear/dev)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N articles")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="print N error examples")
    parser.add_argument("--seed", type=int, default=0, help="which error examples --errors picks")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--profile", default="accurate", help="accurate, fast, precise, rules, or a model folder")
    args = parser.parse_args(argv)

    report = evaluate_folder(args.gold, options=ExtractOptions(profile=args.profile), limit=args.limit)
    console = Console()
    if args.json:
        print(json.dumps(report_to_dict(report), indent=2, ensure_ascii=False))
    else:
        render_report(report, console)
    if args.errors:
        errors = [e for gold, predicted in report.documents for e in iter_errors(gold, predicted)]
        # A seeded sample rather than the first N: those would all come from the first articles.
        for example in random.Random(args.seed).sample(errors, min(args.errors, len(errors))):
            console.print(example.describe(), markup=False, highlight=False)
            console.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
