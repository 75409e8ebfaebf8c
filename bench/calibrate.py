"""Fit each profile's confidence calibration on PolNeAR dev and write it beside the model (calibration.json).

Run: python bench/calibrate.py [--gold ../shared/data/polnear/dev] [--profiles accurate,fast,precise,rules] [--dry-run]

For each profile: extract dev with raw scores (`ExtractOptions(calibrate=False)`), mark each prediction
right or wrong as the `attribution` metric counts it, and compare isotonic regression, temperature scaling,
Platt scaling (a temperature with a shift) and no map by expected calibration error across a 2-fold split
of dev's articles (fit on one half, measure on the other, both ways). The fitted method with the lower
mean is fitted on all of dev and written to
onrecord/data/models/PROFILE/calibration.json; a learned model's model.json then lists the file's SHA-256
(so it is checked when the model loads). Calibration changes `confidence` only: nothing is retrained, and
which attributions are emitted stays the same.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from onrecord.evaluate import evaluate_folder
from onrecord.evaluate.scorer import confidence_outcomes, expected_calibration_error, reliability
from onrecord.extract.calibration import (
    CALIBRATION_FILE, IDENTITY, Calibration, fit_isotonic, fit_platt, fit_temperature, rules_calibration_path,
)
from onrecord.extract.tagger import model_dir, sha256_file
from onrecord.options import ExtractOptions

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = REPO.parent / "shared" / "data" / "polnear" / "dev"
FITS = {"isotonic": fit_isotonic, "temperature": fit_temperature, "platt": fit_platt, "none": lambda scores, right: IDENTITY}


def calibration_error(calibration: Calibration, outcomes: list[tuple[float, bool]]) -> float:
    """ECE of the outcomes once their scores go through the map."""
    return expected_calibration_error(reliability([(round(calibration(s), 3), r) for s, r in outcomes]))


def fit(outcomes: list[tuple[float, bool]], method: str) -> Calibration:
    """The map of one method fitted on (score, right) outcomes."""
    return FITS[method]([s for s, _ in outcomes], [r for _, r in outcomes])


def calibrate(gold: Path, profile: str) -> dict:
    """Choose and fit the map of one profile; the calibration.json content, with how it was chosen."""
    options = ExtractOptions(profile=profile, calibrate=False)
    report = evaluate_folder(gold, options=options)
    halves = ([], [])  # articles alternate between the folds, in the gold's (sorted) order
    for n, pair in enumerate(report.documents):
        halves[n % 2].append(pair)
    folds = [confidence_outcomes(half) for half in halves]
    cross = {method: round(sum(calibration_error(fit(folds[k], method), folds[1 - k]) for k in (0, 1)) / 2, 4)
             for method in FITS}
    chosen = min(("isotonic", "temperature", "platt"), key=cross.get)
    outcomes = folds[0] + folds[1]
    calibration = fit(outcomes, chosen)
    data = calibration.to_dict()
    data["fitted_on"] = {"gold": gold.name, "documents": report.n_documents, "predicted": len(outcomes),
                         "two_fold_ece": cross, "ece_raw": round(calibration_error(IDENTITY, outcomes), 4),
                         "ece_in_sample": round(calibration_error(calibration, outcomes), 4)}
    if profile == "rules":
        data["options"] = {"cue_lexicon": options.cue_lexicon, "cue_threshold": options.cue_threshold}
    return data


def write(profile: str, data: dict) -> Path:
    """Write calibration.json for a profile; a learned model's model.json lists its SHA-256."""
    path = model_dir(profile) / CALIBRATION_FILE if profile != "rules" else rules_calibration_path()
    path.parent.mkdir(exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True)
    # one breakpoint a line: [x, y]
    text = re.sub(r"\[\s+(-?[\d.e-]+),\s+(-?[\d.e-]+)\s+\]", r"[\1, \2]", text)
    path.write_text(text + "\n", "utf-8")
    meta_path = path.parent / "model.json"
    if meta_path.is_file():  # the layout `onrecord train` writes: indent 2, sorted keys
        meta = json.loads(meta_path.read_text("utf-8"))
        meta["sha256"][CALIBRATION_FILE] = sha256_file(path)
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")
    return path


def main() -> None:
    """Fit, print the choice per profile, and write the maps (not with --dry-run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--profiles", default="accurate,fast,precise,rules")
    parser.add_argument("--dry-run", action="store_true", help="print the choice, write nothing")
    args = parser.parse_args()
    for profile in args.profiles.split(","):
        data = calibrate(args.gold, profile)
        figures = data["fitted_on"]
        print(f"{profile}: {data['method']} ({len(data['breakpoints'])} breakpoints) · 2-fold ECE "
              + ", ".join(f"{m} {e:.4f}" for m, e in figures["two_fold_ece"].items())
              + f" · ECE on all dev: raw {figures['ece_raw']:.4f}, calibrated {figures['ece_in_sample']:.4f} (in sample)")
        if not args.dry_run:
            print(f"  wrote {write(profile, data)}")


if __name__ == "__main__":
    main()
