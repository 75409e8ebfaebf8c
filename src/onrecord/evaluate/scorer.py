"""Score predicted attributions against gold ones: token-based, pure functions, micro-averaged.

Tokens are lower-cased `\\w+` runs, compared as sets, so punctuation and quote marks never decide a
match. Within a document, predicted and gold attributions are paired greedily by content-token
Jaccard overlap (largest first, each used at most once); every metric then counts over those pairs.
Where the gold names and types speakers (the styles set), the speakers of the pairs the `attribution`
metric counts are compared too; where it gives acts, `speech` and `thought` are groups like the kinds.
The reliability functions bin predictions by `confidence` and measure how often each bin is right.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from onrecord.document import ACTS, KINDS, Attribution, TextSpan

GROUPS = ("all",) + KINDS
ACT_GROUPS = GROUPS + ACTS  # scored when the gold gives acts
METRICS = ("attribution", "content_exact", "content_soft", "cue_exact", "attribution_exact")
HEADLINE_CONTENT_F1 = 0.5  # a pair counts for `attribution` from this content token-set F1 up

_TOKEN = re.compile(r"\w+")


@dataclass
class Score:
    """Credit given to predictions and to gold items (pair counts, or overlap shares for content_soft)."""

    matched_pred: float = 0.0
    matched_gold: float = 0.0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        """Credit per prediction; 0.0 when nothing was predicted."""
        return self.matched_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        """Credit per gold attribution; 0.0 when there is no gold."""
        return self.matched_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        """Micro-averaging: sum credits and counts."""
        return Score(self.matched_pred + other.matched_pred, self.matched_gold + other.matched_gold,
                     self.n_pred + other.n_pred, self.n_gold + other.n_gold)


@dataclass
class Accuracy:
    """How many of `total` compared items were `right`."""

    right: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        """right / total; 0.0 when nothing was compared."""
        return self.right / self.total if self.total else 0.0

    def __add__(self, other: Accuracy) -> Accuracy:
        """Micro-averaging: sum the counts."""
        return Accuracy(self.right + other.right, self.total + other.total)


@dataclass(frozen=True)
class RoleTokens:
    """The token sets of one attribution's roles (empty set for a missing role)."""

    content: frozenset[str]
    source: frozenset[str]
    cue: frozenset[str]


def span_tokens(span: TextSpan | None, text: str) -> frozenset[str]:
    """Lower-cased word tokens of a span's pieces, read from `text`; empty for no span."""
    if span is None:
        return frozenset()
    pieces = [text[s:e] for s, e in span.spans] if span.spans else [span.text]
    return frozenset(t.lower() for piece in pieces for t in _TOKEN.findall(piece))


def role_tokens(attribution: Attribution, text: str) -> RoleTokens:
    """Token sets of an attribution's content, source and cue."""
    return RoleTokens(span_tokens(attribution.content, text), span_tokens(attribution.source, text),
                   span_tokens(attribution.cue, text))


def jaccard(a: frozenset, b: frozenset) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 for two empty sets."""
    return len(a & b) / len(a | b) if a or b else 0.0


def token_f1(a: frozenset, b: frozenset) -> float:
    """F1 between two token sets: 2|a ∩ b| / (|a| + |b|)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def pair_attributions(gold: list[RoleTokens], predicted: list[RoleTokens]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairing (gold index, predicted index) by content Jaccard, largest first."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            overlap = jaccard(g.content, p.content)
            if overlap > 0:
                # Ties (one content, two sources) go to the pair that also agrees on source, then cue.
                candidates.append((-overlap, -jaccard(g.source, p.source), -jaccard(g.cue, p.cue), gi, pi))
    candidates.sort()
    used_gold, used_pred, pairs = set(), set(), []
    for *_, gi, pi in candidates:
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return pairs


def attribution_matches(g: RoleTokens, p: RoleTokens) -> bool:
    """Whether a pair counts for `attribution`: content token-F1 at the bar and sources that agree."""
    # Both sides without a source agree; one side without a source never does.
    source_agrees = bool(g.source & p.source) or (not g.source and not p.source)
    return token_f1(g.content, p.content) >= HEADLINE_CONTENT_F1 and source_agrees


def _pair_credit(g: RoleTokens, p: RoleTokens) -> dict[str, tuple[float, float]]:
    """What one pair earns on each metric: (credit to the prediction, credit to the gold item)."""
    content_equal = g.content == p.content
    overlap = len(g.content & p.content)
    counts = {
        "attribution": attribution_matches(g, p),
        "content_exact": content_equal,
        "cue_exact": g.cue == p.cue,
        "attribution_exact": content_equal and g.source == p.source,
    }
    credit = {metric: (float(ok), float(ok)) for metric, ok in counts.items()}
    credit["content_soft"] = (overlap / len(p.content) if p.content else 0.0,
                              overlap / len(g.content) if g.content else 0.0)
    return credit


def _score_group(gold: list[RoleTokens], predicted: list[RoleTokens]) -> dict[str, Score]:
    """Every metric for one document's gold and predicted attributions of one group."""
    scores = {metric: Score(n_pred=len(predicted), n_gold=len(gold)) for metric in METRICS}
    for gi, pi in pair_attributions(gold, predicted):
        for metric, (to_pred, to_gold) in _pair_credit(gold[gi], predicted[pi]).items():
            scores[metric].matched_pred += to_pred
            scores[metric].matched_gold += to_gold
    return scores


def score_document(gold_doc, predicted_doc, groups: tuple[str, ...] = GROUPS) -> dict[str, dict[str, Score]]:
    """Scores of one document, for all attributions and for each kind or act in `groups` (gold and predicted
    restricted alike)."""
    gold = [({a.kind, a.act}, role_tokens(a, gold_doc.text)) for a in gold_doc.attributions]
    predicted = [({a.kind, a.act}, role_tokens(a, predicted_doc.text)) for a in predicted_doc.attributions]
    return {
        group: _score_group([t for labels, t in gold if group == "all" or group in labels],
                            [t for labels, t in predicted if group == "all" or group in labels])
        for group in groups
    }


def score_corpus(pairs_of_docs: Iterable[tuple], groups: tuple[str, ...] = GROUPS) -> dict[str, dict[str, Score]]:
    """Micro-averaged scores over (gold document, predicted document) pairs: scores[group][metric]."""
    total = {group: {metric: Score() for metric in METRICS} for group in groups}
    for gold_doc, predicted_doc in pairs_of_docs:
        for group, scores in score_document(gold_doc, predicted_doc, groups).items():
            for metric, score in scores.items():
                total[group][metric] += score
    return total


def matched_attributions(gold_doc, predicted_doc) -> list[tuple[int, int]]:
    """(gold index, predicted index) of the pairs the `attribution` metric counts, over all attributions."""
    gold = [role_tokens(a, gold_doc.text) for a in gold_doc.attributions]
    predicted = [role_tokens(a, predicted_doc.text) for a in predicted_doc.attributions]
    return [(gi, pi) for gi, pi in pair_attributions(gold, predicted) if attribution_matches(gold[gi], predicted[pi])]


def same_name(a: str | None, b: str | None) -> bool:
    """Names compared case-insensitively, runs of whitespace as one space, a leading article ignored ("The
    Lessar Union" = "Lessar Union", "a senior official" = "senior official"); a missing name matches none."""
    return bool(a and b) and _name_key(a) == _name_key(b)


def _name_key(name: str) -> str:
    """The form `same_name` compares."""
    words = name.casefold().split()
    return " ".join(words[1:] if len(words) > 1 and words[0] in _ARTICLES else words)


_ARTICLES = frozenset({"a", "an", "the"})


def speaker_of(attribution: Attribution) -> tuple[str | None, str]:
    """(name, type) of an attribution's speaker; (None, "unknown") without one."""
    speaker = attribution.speaker
    return (speaker.name, speaker.type) if speaker else (None, "unknown")


def speaker_accuracy(pairs_of_docs: Iterable[tuple]) -> dict[str, Accuracy]:
    """`name` and `type` accuracy of the predicted speakers on matched attributions whose gold gives them.

    `name`: the resolved speaker's name against the gold name (`same_name`), over gold attributions with a
    name; `type`: the predicted speaker's type ("unknown" without a speaker) against the gold type.
    """
    total = {"name": Accuracy(), "type": Accuracy()}
    for gold_doc, predicted_doc in pairs_of_docs:
        for gi, pi in matched_attributions(gold_doc, predicted_doc):
            gold = gold_doc.attributions[gi].speaker
            if gold is None:
                continue
            name, kind = speaker_of(predicted_doc.attributions[pi])
            if gold.name:
                total["name"] += Accuracy(same_name(gold.name, name), 1)
            total["type"] += Accuracy(gold.type == kind, 1)
    return total


def layout_recall(pairs_of_docs: Iterable[tuple]) -> dict[str, Accuracy]:
    """Per layout the gold marks ("floating", "pull-quote"): how many of those gold attributions were matched."""
    total: dict[str, Accuracy] = {}
    for gold_doc, predicted_doc in pairs_of_docs:
        matched = {gi for gi, _ in matched_attributions(gold_doc, predicted_doc)}
        for gi, layout in gold_doc.layouts.items():
            total[layout] = total.get(layout, Accuracy()) + Accuracy(gi in matched, 1)
    return total


# -- confidence: does a prediction's `confidence` say how often such predictions are right? -----------------

RELIABILITY_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # bins [0.0, 0.5), [0.5, 0.6), …, [0.9, 1.0]
CONFIDENCE_THRESHOLDS = (0.5, 0.7, 0.9)  # minimum confidences whose precision and recall are reported


@dataclass
class ReliabilityBin:
    """Predicted attributions whose confidence falls in [low, high): how many, how many right, mean confidence."""

    low: float
    high: float
    n: int = 0
    right: int = 0
    confidence_sum: float = 0.0

    @property
    def precision(self) -> float:
        """Share of this bin's predictions the `attribution` metric counts right; 0.0 for an empty bin."""
        return self.right / self.n if self.n else 0.0

    @property
    def mean_confidence(self) -> float:
        """Mean confidence of this bin's predictions; 0.0 for an empty bin."""
        return self.confidence_sum / self.n if self.n else 0.0


def confidence_outcomes(pairs_of_docs: Iterable[tuple]) -> list[tuple[float, bool]]:
    """(confidence, right) of every predicted attribution: right when the `attribution` metric counts its pair."""
    outcomes = []
    for gold_doc, predicted_doc in pairs_of_docs:
        right = {pi for _, pi in matched_attributions(gold_doc, predicted_doc)}
        outcomes += [(a.confidence, pi in right) for pi, a in enumerate(predicted_doc.attributions)]
    return outcomes


def reliability(outcomes: Iterable[tuple[float, bool]], edges: tuple[float, ...] = RELIABILITY_EDGES) -> list[ReliabilityBin]:
    """Predictions binned by confidence (the last bin holds its upper edge: 1.0 goes in [0.9, 1.0])."""
    bins = [ReliabilityBin(low, high) for low, high in zip(edges, edges[1:])]
    for confidence, right in outcomes:
        b = bins[min(max(bisect_right(edges, confidence) - 1, 0), len(bins) - 1)]
        b.n, b.right, b.confidence_sum = b.n + 1, b.right + right, b.confidence_sum + confidence
    return bins


def expected_calibration_error(bins: list[ReliabilityBin]) -> float:
    """Σ (bin share of predictions) × |bin precision − bin mean confidence|; 0.0 with no predictions."""
    total = sum(b.n for b in bins)
    return sum(b.n / total * abs(b.precision - b.mean_confidence) for b in bins) if total else 0.0


def score_at_confidence(outcomes: list[tuple[float, bool]], n_gold: int, minimum: float) -> Score:
    """The `attribution` score of the predictions whose confidence is `minimum` or more (pairs are one to one, so
    each right prediction is one gold attribution found)."""
    kept = [right for confidence, right in outcomes if confidence >= minimum]
    return Score(matched_pred=sum(kept), matched_gold=sum(kept), n_pred=len(kept), n_gold=n_gold)
