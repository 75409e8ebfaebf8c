"""Run extraction over a gold folder, score it, and show the result (table, JSON, error examples)."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from onrecord.document import ACTS, Attribution, Document
from onrecord.evaluate.brat import GoldDocument, read_folder
from onrecord.evaluate.scorer import (
    ACT_GROUPS, CONFIDENCE_THRESHOLDS, GROUPS, HEADLINE_CONTENT_F1, METRICS, Accuracy, ReliabilityBin, Score,
    confidence_outcomes, expected_calibration_error, layout_recall, pair_attributions, reliability, role_tokens,
    same_name, score_at_confidence, score_corpus, speaker_accuracy, speaker_of, token_f1,
)
from onrecord.options import ExtractOptions

ExtractFn = Callable[..., Document]  # extract_fn(text, options, doc_id=...) -> Document


@dataclass
class EvaluationReport:
    """Scores of one evaluation run, with what it read, skipped and how fast extraction went."""

    gold_dir: str
    scores: dict[str, dict[str, Score]]  # scores[group][metric]
    n_documents: int
    elapsed_s: float  # time spent in extraction only, not reading or scoring
    skipped: dict[str, int] = field(default_factory=dict)  # reason → count, from reading the gold
    failures: dict[str, str] = field(default_factory=dict)  # doc_id → error, scored as no prediction
    documents: list[tuple[GoldDocument, Document]] = field(default_factory=list, repr=False)
    model: str = ""  # what extracted: "rules (…)" or "accurate-2026-11-25"
    # where the gold gives them: speaker "name"/"type" accuracy on matched attributions, and how many
    # floating and pull quotes were found (the `speech`/`thought` groups of `scores` come with gold acts)
    speakers: dict[str, Accuracy] = field(default_factory=dict)
    layouts: dict[str, Accuracy] = field(default_factory=dict)
    # does `confidence` mean what it says: precision by confidence bin, and the score from each minimum up
    reliability: list[ReliabilityBin] = field(default_factory=list)
    at_confidence: dict[float, Score] = field(default_factory=dict)

    @property
    def calibration_error(self) -> float:
        """Expected calibration error of the predictions' confidences over the reliability bins."""
        return expected_calibration_error(self.reliability)

    @property
    def n_gold(self) -> int:
        """Gold attributions scored."""
        return self.scores["all"]["attribution"].n_gold

    @property
    def n_predicted(self) -> int:
        """Predicted attributions scored."""
        return self.scores["all"]["attribution"].n_pred

    @property
    def docs_per_s(self) -> float:
        """Extraction throughput (0.0 when nothing was timed)."""
        return self.n_documents / self.elapsed_s if self.elapsed_s > 0 else 0.0


def evaluate_folder(gold_dir: Path, extract_fn: ExtractFn | None = None, options: ExtractOptions | None = None,
                    limit: int | None = None, without_floating: bool = False) -> EvaluationReport:
    """Extract attributions from every annotated article of `gold_dir` and score them against the gold.

    `without_floating` drops the floating and pull quotes found (`Attribution.floating`) before scoring:
    PolNeAR's guideline annotates few of them as attributions of their own.
    """
    options = options or ExtractOptions()
    model = ""
    if extract_fn is None:
        from onrecord.pipeline import extract as extract_fn  # late: the engine is heavy and optional here
        from onrecord.pipeline import pipeline_version

        model = pipeline_version(options)
    skipped: Counter = Counter()
    documents, failures, elapsed = [], {}, 0.0
    for gold in islice(read_folder(gold_dir, skipped), limit):
        started = time.perf_counter()
        try:
            predicted = extract_fn(gold.text, options, doc_id=gold.doc_id)
        except Exception as exc:  # one broken article must not end a corpus run: count it, score it empty
            failures[gold.doc_id] = f"{type(exc).__name__}: {exc}"
            predicted = Document(text=gold.text, doc_id=gold.doc_id)
        elapsed += time.perf_counter() - started
        if without_floating:
            predicted.attributions = [a for a in predicted.attributions if not a.floating]
        documents.append((gold, predicted))
    gold_acts = any(a.act for gold, _ in documents for a in gold.attributions)
    speakers = speaker_accuracy(documents)
    scores = score_corpus(documents, ACT_GROUPS if gold_acts else GROUPS)
    outcomes = confidence_outcomes(documents)
    n_gold = scores["all"]["attribution"].n_gold
    return EvaluationReport(str(gold_dir), scores, len(documents), elapsed, dict(skipped), failures, documents, model,
                            {what: a for what, a in speakers.items() if a.total}, layout_recall(documents),
                            reliability(outcomes),
                            {m: score_at_confidence(outcomes, n_gold, m) for m in CONFIDENCE_THRESHOLDS})


def render_report(report: EvaluationReport, console: Console) -> None:
    """Print the scores in % as a table: rows are metrics, column groups all/direct/mixed/indirect with P R F1."""
    table = Table(title=f"Attribution scores (%) on {report.gold_dir}", title_justify="left",
                  box=box.MINIMAL, pad_edge=False)
    table.add_column("metric", no_wrap=True, min_width=max(map(len, METRICS)))
    for group in GROUPS:
        # One column per group, its three numbers laid out in the cell, so the group name can head them.
        table.add_column(f"{group}\n   P    R   F1", justify="right", no_wrap=True, min_width=14)
    for metric in METRICS:
        cells = []
        for group in GROUPS:
            score = report.scores[group][metric]
            values = (score.precision, score.recall, score.f1)
            empty = not score.n_pred and not score.n_gold
            cells.append(" ".join("   –" if empty else _percent(v) for v in values))
        table.add_row(metric, *cells, style="bold" if metric == "attribution" else None)
    console.print(table, crop=False)  # keep whole rows on narrow consoles and in logs
    if report.model:
        console.print(f"model: {report.model}")
    console.print(f"{report.n_documents} documents · {report.n_gold} gold · {report.n_predicted} predicted · "
                  f"{report.docs_per_s:.1f} docs/s ({report.elapsed_s:.2f} s in extraction)")
    by_kind = " · ".join(f"{group} {report.scores[group]['attribution'].n_gold}/"
                         f"{report.scores[group]['attribution'].n_pred}" for group in GROUPS[1:])
    console.print(f"gold/predicted by kind: {by_kind}")
    if any(act in report.scores for act in ACTS):
        console.print("attribution by act (P R F1, gold/predicted): " + " · ".join(
            f"{act} {' '.join(_percent(v).strip() for v in (s.precision, s.recall, s.f1))} ({s.n_gold}/{s.n_pred})"
            for act in ACTS for s in [report.scores[act]["attribution"]]))
    if report.speakers:
        console.print("speakers of matched attributions: " + " · ".join(
            f"{what} {_percent(a.value).strip()}% ({a.right}/{a.total})" for what, a in report.speakers.items()))
    if report.layouts:
        console.print("found: " + " · ".join(f"{layout} {a.right}/{a.total}" for layout, a in report.layouts.items()))
    render_reliability(report, console)
    if report.skipped:
        console.print("skipped while reading: " + ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items())))
    if report.failures:
        doc_id, error = next(iter(report.failures.items()))
        console.print(f"[red]extraction failed on {len(report.failures)} documents[/red] (first: {doc_id}: {error})")


def render_reliability(report: EvaluationReport, console: Console) -> None:
    """Print the reliability table (precision of the predictions in each confidence bin), the expected
    calibration error, and precision and recall from each minimum confidence up."""
    if not report.n_predicted:
        return
    table = Table(title="Precision by confidence (%)", title_justify="left", box=box.MINIMAL, pad_edge=False)
    for column in ("confidence", "predicted", "right", "precision", "mean confidence"):
        table.add_column(column, justify="left" if column == "confidence" else "right", no_wrap=True)
    for b in report.reliability:
        closing = "]" if b is report.reliability[-1] else ")"
        table.add_row(f"[{b.low:.1f}, {b.high:.1f}{closing}", str(b.n), str(b.right),
                      _percent(b.precision) if b.n else "   –", _percent(b.mean_confidence) if b.n else "   –")
    console.print(table, crop=False)
    console.print(f"expected calibration error: {report.calibration_error:.3f} · " + " · ".join(
        f"confidence ≥ {m:g}: P {_percent(s.precision).strip()} R {_percent(s.recall).strip()} ({s.n_pred} kept)"
        for m, s in report.at_confidence.items()))


def _percent(value: float) -> str:
    """A fraction as a 4-character percentage: 0.8534 → "85.3", 1.0 → " 100"."""
    return f"{100 * value:4.1f}" if value < 0.9995 else " 100"


def report_to_dict(report: EvaluationReport) -> dict:
    """The report as plain JSON-ready data (the twin of `render_report`)."""
    return {
        "gold_dir": report.gold_dir,
        "model": report.model,
        "documents": report.n_documents,
        "gold": report.n_gold,
        "predicted": report.n_predicted,
        "elapsed_s": round(report.elapsed_s, 4),
        "docs_per_s": round(report.docs_per_s, 2),
        "skipped": report.skipped,
        "failures": report.failures,
        "speakers": {what: _accuracy_dict(a) for what, a in report.speakers.items()},
        "layouts": {layout: _accuracy_dict(a) for layout, a in report.layouts.items()},
        "reliability": {
            "bins": [{"low": b.low, "high": b.high, "predicted": b.n, "right": b.right,
                      "precision": round(b.precision, 4), "mean_confidence": round(b.mean_confidence, 4)}
                     for b in report.reliability],
            "expected_calibration_error": round(report.calibration_error, 4),
            "at_confidence": {f"{m:g}": {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                                         "f1": round(s.f1, 4), "n_pred": s.n_pred}
                              for m, s in report.at_confidence.items()},
        },
        "scores": {
            group: {metric: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                             "matched_pred": round(s.matched_pred, 4), "matched_gold": round(s.matched_gold, 4),
                             "n_pred": s.n_pred, "n_gold": s.n_gold}
                    for metric, s in metrics.items()}
            for group, metrics in report.scores.items()
        },
    }


def _accuracy_dict(accuracy: Accuracy) -> dict:
    """`{"accuracy", "right", "total"}`."""
    return {"accuracy": round(accuracy.value, 4), "right": accuracy.right, "total": accuracy.total}


@dataclass
class ErrorExample:
    """One thing to look at: a `missed` gold, a `spurious` prediction, or a `partial` pair and why."""

    doc_id: str
    error: str  # missed | spurious | partial
    gold: Attribution | None
    predicted: Attribution | None
    reason: str = ""

    def describe(self) -> str:
        """A few printable lines: the error, why, and the source / cue / content texts of both sides."""
        lines = [f"[{self.error}] {self.doc_id}" + (f": {self.reason}" if self.reason else "")]
        for side, attribution in (("gold", self.gold), ("predicted", self.predicted)):
            if attribution is not None:
                source = attribution.source.text if attribution.source else "—"
                cue = attribution.cue.text if attribution.cue else "—"
                speaker = attribution.speaker
                who = f" speaker={speaker.name!r} ({speaker.type})" if speaker else ""
                lines.append(f"  {side:9} ({attribution.kind}, {attribution.act}) source={source!r} cue={cue!r}{who}")
                lines.append(f"  {'':9} content={attribution.content.text!r}")
        return "\n".join(lines)


def iter_errors(gold_doc: GoldDocument, predicted_doc: Document) -> Iterator[ErrorExample]:
    """Yield missed gold, spurious predictions and paired attributions that are not exact, with reasons."""
    gold = [role_tokens(a, gold_doc.text) for a in gold_doc.attributions]
    predicted = [role_tokens(a, predicted_doc.text) for a in predicted_doc.attributions]
    pairs = pair_attributions(gold, predicted)
    doc_id = gold_doc.doc_id
    for gi, pi in pairs:
        g, p = gold[gi], predicted[pi]
        reasons = []
        if g.content != p.content:
            f1 = token_f1(g.content, p.content)
            below = " (below the headline bar)" if f1 < HEADLINE_CONTENT_F1 else ""
            reasons.append(f"content token F1 {f1:.2f}{below}")
        if g.source != p.source:
            if not g.source or not p.source:
                reasons.append("source missing in " + ("prediction" if g.source else "gold"))
            else:
                reasons.append("source differs" if g.source & p.source else "source disjoint")
        if g.cue != p.cue:
            reasons.append("cue differs")
        reasons += _speaker_differences(gold_doc.attributions[gi], predicted_doc.attributions[pi])
        if reasons:
            yield ErrorExample(doc_id, "partial", gold_doc.attributions[gi], predicted_doc.attributions[pi],
                               "; ".join(reasons))
    paired_gold, paired_pred = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
    for gi, attribution in enumerate(gold_doc.attributions):
        if gi not in paired_gold:
            yield ErrorExample(doc_id, "missed", attribution, None)
    for pi, attribution in enumerate(predicted_doc.attributions):
        if pi not in paired_pred:
            yield ErrorExample(doc_id, "spurious", None, attribution)


def _speaker_differences(gold: Attribution, predicted: Attribution) -> list[str]:
    """Reasons a pair's speaker or act disagree with what the gold says (nothing where it says nothing)."""
    reasons = []
    if gold.speaker is not None:
        name, kind = speaker_of(predicted)
        if gold.speaker.name and not same_name(gold.speaker.name, name):
            reasons.append("speaker name differs")
        if gold.speaker.type != kind:
            reasons.append("speaker type differs")
    if gold.act is not None and gold.act != predicted.act:
        reasons.append("act differs")
    return reasons
