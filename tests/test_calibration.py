"""Confidence calibration: the map (breakpoints), its fitting, where it is loaded and what it may change."""
import json
import shutil

import pytest

from onrecord.errors import ModelFileError
from onrecord.extract import calibration_for
from onrecord.extract.calibration import (
    CALIBRATION_FILE, IDENTITY, Calibration, fit_isotonic, fit_platt, fit_temperature, rules_calibration,
)
from onrecord.extract.tagger import PROFILES, Tagger, model_dir
from onrecord.options import ExtractOptions
from onrecord.pipeline import extract

MAP = Calibration(((0.2, 0.1), (0.6, 0.5), (1.0, 0.9)), "isotonic")


@pytest.mark.parametrize(("score", "confidence"), [
    (0.0, 0.1),  # below the first breakpoint: its value
    (0.2, 0.1),
    (0.4, 0.3),  # linear between breakpoints
    (0.6, 0.5),
    (0.8, 0.7),
    (1.0, 0.9),
])
def test_map_is_linear_between_breakpoints_and_flat_beyond(score, confidence):
    assert MAP(score) == pytest.approx(confidence)


def test_identity_keeps_raw_scores_and_the_map_round_trips_through_json():
    assert IDENTITY(0.37) == 0.37
    assert Calibration.from_dict(json.loads(json.dumps(MAP.to_dict()))) == MAP


def test_isotonic_pools_adjacent_violators_and_gives_equal_scores_one_value():
    # 0.1 right, 0.2 wrong: a violation, pooled to 0.5; 0.3 and 0.4 both right: one block at 1.0
    fitted = fit_isotonic([0.4, 0.1, 0.3, 0.2], [True, True, True, False])
    assert fitted.breakpoints == ((0.1, 0.5), (0.2, 0.5), (0.3, 1.0), (0.4, 1.0))
    tied = fit_isotonic([0.5, 0.5, 0.5, 0.9], [True, False, False, True])
    assert tied.breakpoints == ((0.5, 0.3333), (0.9, 1.0))


def _overconfident(n: int = 200) -> tuple[list[float], list[bool]]:
    """Scores of 0.9 right half the time, scores of 0.6 right a fifth of the time."""
    return [0.9] * n + [0.6] * n, [k % 2 == 0 for k in range(n)] + [k % 5 == 0 for k in range(n)]


@pytest.mark.parametrize("fit", [fit_isotonic, fit_temperature, fit_platt])
def test_fitted_maps_are_monotone_and_lower_overconfident_scores(fit):
    fitted = fit(*_overconfident())
    values = [fitted(k / 100) for k in range(101)]
    assert values == sorted(values) and all(0.0 <= v <= 1.0 for v in values)
    assert fitted(0.9) < 0.75 and fitted(0.6) < 0.6  # temperature alone only squashes towards 0.5


def test_fitting_is_deterministic():
    scores, right = _overconfident()
    assert fit_platt(scores, right) == fit_platt(scores, right)
    assert fit_isotonic(scores, right) == fit_isotonic(list(reversed(scores)), list(reversed(right)))


TEXT = ("The mayor said the bridge would reopen in May. Residents complained that the detour was long.\n\n"
        "“We are tired of waiting,” said Ana Ruiz, who lives nearby.")


def _spans(doc):
    return [(a.content.spans, a.source and a.source.spans, a.cue and a.cue.spans, a.kind) for a in doc.attributions]


def test_calibration_changes_confidence_only_never_what_is_emitted():
    raw = extract(TEXT, ExtractOptions(profile="rules", calibrate=False))
    calibrated = extract(TEXT, ExtractOptions(profile="rules"))
    assert raw.attributions and _spans(raw) == _spans(calibrated)
    calibration = rules_calibration("onrecord.cue_lexicon.v1", ExtractOptions().cue_threshold)
    assert calibration is not IDENTITY
    for a, b in zip(raw.attributions, calibrated.attributions):
        assert b.confidence == pytest.approx(calibration(a.confidence), abs=0.002)


def test_rules_map_applies_only_to_the_lexicon_and_threshold_it_was_fitted_for():
    assert calibration_for(ExtractOptions(profile="rules", cue_threshold=0.5)) is IDENTITY
    assert calibration_for(ExtractOptions(profile="rules", calibrate=False)) is IDENTITY


@pytest.mark.parametrize("profile", [p for p in PROFILES if (model_dir(p) / CALIBRATION_FILE).is_file()])
def test_packaged_maps_are_listed_in_model_json_monotone_and_in_range(profile):
    meta = json.loads((model_dir(profile) / "model.json").read_text())
    assert CALIBRATION_FILE in meta["sha256"]
    calibration = Calibration.read(model_dir(profile))
    values = [calibration(k / 100) for k in range(101)]
    assert values == sorted(values) and all(0.0 <= v <= 1.0 for v in values)


@pytest.fixture
def fast_copy(tmp_path):
    """A copy of the packaged fast model (it ships a calibration map)."""
    folder = tmp_path / "fast"
    shutil.copytree(model_dir("fast"), folder)
    return folder


def test_tagger_loads_its_checked_map_and_refuses_a_changed_one(fast_copy):
    assert Tagger.load(fast_copy).calibration == Calibration.read(fast_copy) != IDENTITY
    (fast_copy / CALIBRATION_FILE).write_text(json.dumps({"method": "isotonic", "breakpoints": [[0, 1], [1, 1]]}))
    with pytest.raises(ModelFileError, match="E004"):
        Tagger.load(fast_copy)


def test_a_map_model_json_does_not_list_is_not_read(fast_copy):
    # `onrecord train` writes a model.json without the map: a retrained model keeps raw scores until recalibrated
    meta = json.loads((fast_copy / "model.json").read_text())
    del meta["sha256"][CALIBRATION_FILE]
    (fast_copy / "model.json").write_text(json.dumps(meta))
    assert Tagger.load(fast_copy).calibration is IDENTITY
