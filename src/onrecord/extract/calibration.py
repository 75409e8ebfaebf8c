"""Calibrated confidence: a monotone map from a frame's raw score to how often such attributions are right.

The tagger's raw score is its cue probability; the rules' is the cue word's lexicon strength (0.6 for a
structural cue). Neither is a probability of being right: on PolNeAR dev, `accurate` predictions scored
0.7–0.8 were right 58% of the time. Each profile ships a map fitted on PolNeAR dev by `bench/calibrate.py`
(isotonic regression, temperature or Platt scaling, whichever has the lowest expected calibration error
across a 2-fold split of dev) and stored as breakpoints in `calibration.json` beside the model's files; model.json
lists it among the files whose SHA-256 is checked. The map changes `confidence` only, never which
attributions are emitted; a profile without a map (a model folder from `onrecord train`) keeps raw scores.
"""
from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

CALIBRATION_FILE = "calibration.json"
RULES_FOLDER = "rules"  # the rules profile's map lives in data/models/rules/ (it has no other model file)


@dataclass(frozen=True)
class Calibration:
    """A monotone map of [0, 1] onto [0, 1]: linear between breakpoints (x, y), flat beyond the first and last."""

    breakpoints: tuple[tuple[float, float], ...] = ()
    method: str = "none"

    def __call__(self, score: float) -> float:
        """The calibrated confidence of a raw score (the score itself without breakpoints)."""
        points = self.breakpoints
        if not points:
            return score
        xs = [x for x, _ in points]
        n = bisect_right(xs, score)
        if n == 0:
            return points[0][1]
        if n == len(points):
            return points[-1][1]
        (x0, y0), (x1, y1) = points[n - 1], points[n]
        return y0 + (y1 - y0) * (score - x0) / (x1 - x0)

    def to_dict(self) -> dict:
        """JSON-ready: the method and the breakpoints."""
        return {"method": self.method, "breakpoints": [list(p) for p in self.breakpoints]}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        """The map `to_dict` wrote (other keys, such as how it was fitted, are ignored)."""
        return cls(tuple((float(x), float(y)) for x, y in data.get("breakpoints", [])), data.get("method", "none"))

    @classmethod
    def read(cls, folder: Path) -> Calibration:
        """The map in `folder`/calibration.json; the identity where there is none."""
        path = folder / CALIBRATION_FILE
        return cls.from_dict(json.loads(path.read_text("utf-8"))) if path.is_file() else IDENTITY


IDENTITY = Calibration()


@lru_cache(maxsize=4)
def rules_calibration(cue_lexicon: str, cue_threshold: float) -> Calibration:
    """The rules profile's packaged map, if it was fitted for this cue lexicon and threshold (else the identity:
    another lexicon's strengths mean something else)."""
    path = rules_calibration_path()
    if not path.is_file():
        return IDENTITY
    data = json.loads(path.read_text("utf-8"))
    fitted_for = data.get("options", {})
    if fitted_for.get("cue_lexicon") != cue_lexicon or fitted_for.get("cue_threshold") != cue_threshold:
        return IDENTITY
    return Calibration.from_dict(data)


def rules_calibration_path() -> Path:
    """Where the rules profile's map is packaged: data/models/rules/calibration.json."""
    return Path(str(resources.files("onrecord.data").joinpath("models", RULES_FOLDER, CALIBRATION_FILE)))


# -- fitting (bench/calibrate.py): scores and outcomes in, a map out -------------------------------------------

def fit_isotonic(scores: list[float], right: list[bool]) -> Calibration:
    """Isotonic regression by pool-adjacent-violators: the non-decreasing step function nearest the outcomes,
    each block of equal value written as its first and last score (linear between blocks)."""
    groups: dict[float, list[float]] = {}  # score → [sum of outcomes, count]: equal scores get one value
    for x, r in zip(scores, right):
        group = groups.setdefault(x, [0.0, 0])
        group[0] += r
        group[1] += 1
    blocks: list[list[float]] = []  # [sum of outcomes, count, lowest score, highest score]
    for x in sorted(groups):
        blocks.append([groups[x][0], groups[x][1], x, x])
        # pool while the last block's mean is not above the one before it
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] >= blocks[-1][0] * blocks[-2][1]:
            total, count, _, high = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
            blocks[-1][3] = high
    points: list[tuple[float, float]] = []
    for total, count, low, high in blocks:
        value = round(total / count, 4)
        points += [(round(low, 4), value)] + ([(round(high, 4), value)] if high > low else [])
    return Calibration(tuple(points), "isotonic")


def fit_temperature(scores: list[float], right: list[bool]) -> Calibration:
    """Temperature scaling: σ(logit(score) / T), T chosen by log-loss on a grid."""
    slopes = [math.exp(-k / 50) for k in range(-150, 151)]  # 1/T for T in 0.05 … 20
    return _fit_logistic(scores, right, slopes, [0.0], "temperature")


def fit_platt(scores: list[float], right: list[bool]) -> Calibration:
    """Platt scaling: σ(a · logit(score) + b), a temperature with a shift, (a, b) chosen by log-loss on a grid."""
    return _fit_logistic(scores, right, [k / 20 for k in range(1, 41)], [k / 20 for k in range(-40, 41)], "platt")


def _fit_logistic(scores: list[float], right: list[bool], slopes: list[float], shifts: list[float],
                  method: str, samples: int = 51) -> Calibration:
    """σ(a · logit(score) + b) with the (a, b) of the grid of least log-loss, written as `samples` breakpoints."""
    pairs = [(_logit(s), r) for s, r in zip(scores, right)]
    a, b = min(((a, b) for a in slopes for b in shifts), key=lambda ab: _log_loss(pairs, *ab))
    grid = [k / (samples - 1) for k in range(samples)]
    return Calibration(tuple((round(x, 4), round(_sigmoid(a * _logit(x) + b), 4)) for x in grid), method)


def _logit(p: float, eps: float = 1e-4) -> float:
    """log(p / (1 − p)), p kept inside [eps, 1 − eps]."""
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    """1 / (1 + e^−z)."""
    return 1 / (1 + math.exp(-z))


def _log_loss(pairs: list[tuple[float, bool]], slope: float, shift: float) -> float:
    """Summed negative log-likelihood of the outcomes under σ(slope · logit + shift)."""
    total = 0.0
    for z, r in pairs:
        p = min(max(_sigmoid(slope * z + shift), 1e-12), 1 - 1e-12)
        total -= math.log(p if r else 1 - p)
    return total
