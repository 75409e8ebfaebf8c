"""One options object that travels through the pipeline instead of many keyword arguments."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractOptions:
    """Settings of the extraction pipeline."""

    cue_lexicon: str = "onrecord.cue_lexicon.v1"  # registry name of the cue lexicon
    cue_threshold: float = 0.3  # a word is a cue when P(cue | word) on PolNeAR train reaches this
    segment: bool = True  # run the clean stage: read only article lines (no boilerplate, no adverts)
    resolve_speakers: bool = True  # run the resolve stage (pronouns, roles, via chains)
    profile: str = "accurate"  # a learned tagger, "accurate", "fast" or "precise"; "rules": cue lexicon and frame rules only; or a model folder
    max_chars: int = 2_000_000  # longer texts are cut here (counted, never raised on)
    calibrate: bool = True  # map raw scores to calibrated confidences (the profile's calibration.json); off: raw
