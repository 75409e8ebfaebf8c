"""Evaluate stage: score extraction against hand-annotated gold (PolNeAR's brat layout)."""
from onrecord.evaluate.brat import GoldDocument, read_ann, read_folder
from onrecord.evaluate.harness import (
    ErrorExample, EvaluationReport, evaluate_folder, iter_errors, render_report, report_to_dict,
)
from onrecord.evaluate.scorer import GROUPS, METRICS, Score, score_corpus, score_document

__all__ = [
    "evaluate_folder", "render_report", "report_to_dict", "iter_errors", "EvaluationReport", "ErrorExample",
    "GoldDocument", "read_folder", "read_ann", "Score", "score_corpus", "score_document", "GROUPS", "METRICS",
]
