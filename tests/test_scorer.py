"""The scorer (token-set matching, greedy pairing, five metrics by kind) and the evaluation harness."""
import io
import json

import pytest
from rich.console import Console

from onrecord.document import Attribution, Document, Speaker, TextSpan
from onrecord.evaluate import evaluate_folder, iter_errors, render_report, report_to_dict
from onrecord.evaluate.brat import GoldDocument
from onrecord.evaluate.scorer import (
    ACT_GROUPS, GROUPS, METRICS, Score, confidence_outcomes, expected_calibration_error, layout_recall, reliability,
    same_name, score_at_confidence, score_corpus, score_document, speaker_accuracy, span_tokens, token_f1,
)

TEXT = ("Officials said the talks between the two parties would resume next week in Geneva. "
        "“We are ready,” the minister said. Critics warned that the plan could fail.")


def _span(piece: str | None, text: str = TEXT) -> TextSpan | None:
    """The TextSpan of `piece`'s first occurrence; a tuple of pieces makes a discontinuous span."""
    if piece is None:
        return None
    pieces = piece if isinstance(piece, tuple) else (piece,)
    return TextSpan.from_offsets(text, [(text.index(p), text.index(p) + len(p)) for p in pieces])


def _att(content, source=None, cue=None, kind="indirect", speaker=None, act="speech") -> Attribution:
    return Attribution(content=_span(content), kind=kind, source=_span(source), cue=_span(cue), act=act,
                       speaker=speaker and Speaker(*speaker))


def _doc(*attributions: Attribution) -> Document:
    return Document(text=TEXT, doc_id="doc", attributions=list(attributions))


TALKS = _att("the talks between the two parties would resume next week in Geneva", "Officials", "said")
READY = _att("“We are ready,”", "the minister", "said", kind="direct")
PLAN = _att("the plan could fail", "Critics", "warned")


def _prf(score: Score) -> tuple[float, float, float]:
    return round(score.precision, 4), round(score.recall, 4), round(score.f1, 4)


def test_perfect_prediction_scores_one_everywhere():
    scores = score_document(_doc(TALKS, READY, PLAN), _doc(TALKS, READY, PLAN))
    for metric in METRICS:
        assert _prf(scores["all"][metric]) == (1.0, 1.0, 1.0)
    assert scores["direct"]["attribution"].n_gold == 1 and scores["indirect"]["attribution"].n_gold == 2
    assert scores["mixed"]["attribution"].n_gold == 0 and _prf(scores["mixed"]["attribution"]) == (0.0, 0.0, 0.0)


def test_tokens_ignore_case_punctuation_and_quote_marks():
    assert span_tokens(_span("“We are ready,”"), TEXT) == {"we", "are", "ready"}
    assert span_tokens(_span(("Officials said", "Geneva.")), TEXT) == {"officials", "said", "geneva"}
    assert span_tokens(None, TEXT) == frozenset()
    predicted = _att("We are ready", "the minister", "said", kind="direct")
    assert _prf(score_document(_doc(READY), _doc(predicted))["all"]["content_exact"]) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "predicted_content, counts, soft_precision, soft_recall",
    [
        # the gold content has 11 token types: the talks between two parties would resume next week in geneva
        ("the talks between the two parties would resume next week in Geneva", True, 1.0, 1.0),
        # 7 of 11, all predicted tokens right: F1 = 14/18 = 0.78
        ("the talks between the two parties would resume", True, 1.0, 7 / 11),
        # 5 shared of 7 predicted: F1 = 10/18 = 0.56
        ("Officials said the talks between the two parties", True, 5 / 7, 5 / 11),
        # 3 of 11: F1 = 6/14 = 0.43
        ("the talks between the", False, 1.0, 3 / 11),
        # 2 of 11: F1 = 4/13 = 0.31
        ("would resume", False, 1.0, 2 / 11),
    ],
)
def test_content_overlap_decides_attribution_and_weights_content_soft(predicted_content, counts, soft_precision,
                                                                      soft_recall):
    predicted = _att(predicted_content, "Officials", "said")
    scores = score_document(_doc(TALKS), _doc(predicted))["all"]
    assert scores["attribution"].matched_gold == float(counts)
    assert scores["content_soft"].precision == pytest.approx(soft_precision)
    assert scores["content_soft"].recall == pytest.approx(soft_recall)


@pytest.mark.parametrize(
    "predicted_pieces, content_f1, counts",
    [
        ([(0, 3), (11, 16)], 0.4, 0.0),  # {a b x y z}: 2*2/10
        ([(0, 3), (11, 12)], 0.5, 1.0),  # {a b x}: 2*2/8, just at the bar
        ([(0, 5), (11, 16)], 6 / 11, 1.0),  # {a b c x y z}
    ],
)
def test_content_f1_bar_for_attribution(predicted_pieces, content_f1, counts):
    text = "a b c d e. x y z."
    gold = Document(text, attributions=[Attribution(TextSpan.from_offsets(text, [(0, 9)]), "indirect")])
    predicted = Document(text, attributions=[Attribution(TextSpan.from_offsets(text, predicted_pieces), "indirect")])
    gold_tokens, predicted_tokens = (span_tokens(d.attributions[0].content, text) for d in (gold, predicted))
    assert token_f1(gold_tokens, predicted_tokens) == pytest.approx(content_f1)
    assert score_document(gold, predicted)["all"]["attribution"].matched_gold == counts


@pytest.mark.parametrize(
    "gold_source, predicted_source, attribution, attribution_exact",
    [
        ("the minister", "the minister", 1.0, 1.0),
        ("the minister", "minister", 1.0, 0.0),  # overlapping sources count for the headline only
        ("the minister", "Critics", 0.0, 0.0),
        ("the minister", None, 0.0, 0.0),  # a source missing on one side never counts
        (None, "the minister", 0.0, 0.0),
        (None, None, 1.0, 1.0),  # both without a source agree
    ],
)
def test_source_agreement(gold_source, predicted_source, attribution, attribution_exact):
    gold = _att("“We are ready,”", gold_source, "said", kind="direct")
    predicted = _att("“We are ready,”", predicted_source, "said", kind="direct")
    scores = score_document(_doc(gold), _doc(predicted))["all"]
    assert scores["attribution"].matched_gold == attribution
    assert scores["attribution_exact"].matched_gold == attribution_exact
    assert scores["content_exact"].matched_gold == 1.0


@pytest.mark.parametrize(
    "gold_cue, predicted_cue, cue_exact",
    [("said", "said", 1.0), (None, None, 1.0), ("said", None, 0.0), ("warned", "said", 0.0)],
)
def test_cue_exact(gold_cue, predicted_cue, cue_exact):
    gold = _att("the plan could fail", "Critics", gold_cue)
    predicted = _att("the plan could fail", "Critics", predicted_cue)
    assert score_document(_doc(gold), _doc(predicted))["all"]["cue_exact"].matched_gold == cue_exact


def test_greedy_pairing_uses_each_attribution_once():
    # Two predictions overlap the same gold: the better one takes it, the other is spurious.
    near = _att("the talks between the two parties would resume next week", "Officials", "said")
    far = _att("would resume next week in Geneva", "Officials", "said")
    scores = score_document(_doc(TALKS), _doc(far, near))["all"]["attribution"]
    assert (scores.matched_pred, scores.n_pred, scores.n_gold) == (1.0, 2, 1)
    assert _prf(scores) == (0.5, 1.0, 0.6667)


def test_greedy_pairing_takes_the_largest_overlap_first():
    # The prediction overlaps both golds; it goes to PLAN (Jaccard 1.0), leaving the partial gold unpaired.
    partial_gold = _att(("the plan", "Critics warned that"), "Critics", "warned")
    scores = score_document(_doc(partial_gold, PLAN), _doc(PLAN))["all"]["attribution_exact"]
    assert _prf(scores) == (1.0, 0.5, 0.6667)


def test_identical_contents_pair_by_source():
    # One content, two sources: ties in content overlap go to the pair that also agrees on source.
    by_minister = _att("“We are ready,”", "the minister", "said", kind="direct")
    by_critics = _att("“We are ready,”", "Critics", "warned", kind="direct")
    scores = score_document(_doc(by_minister, by_critics), _doc(by_critics, by_minister))["all"]
    assert _prf(scores["attribution_exact"]) == (1.0, 1.0, 1.0)


def test_kind_groups_restrict_gold_and_predicted_alike():
    predicted = _att("“We are ready,”", "the minister", "said", kind="indirect")  # right text, wrong kind
    scores = score_document(_doc(READY), _doc(predicted))
    assert _prf(scores["all"]["attribution"]) == (1.0, 1.0, 1.0)
    assert (scores["direct"]["attribution"].n_gold, scores["direct"]["attribution"].n_pred) == (1, 0)
    assert (scores["indirect"]["attribution"].n_gold, scores["indirect"]["attribution"].n_pred) == (0, 1)
    assert _prf(scores["direct"]["attribution"]) == (0.0, 0.0, 0.0)


def test_score_corpus_micro_averages_over_documents():
    scores = score_corpus([(_doc(TALKS), _doc(TALKS)), (_doc(READY, PLAN), _doc(PLAN, TALKS, READY))])
    attribution = scores["all"]["attribution"]
    assert (attribution.matched_pred, attribution.n_pred, attribution.n_gold) == (3.0, 4, 3)
    assert _prf(attribution) == (0.75, 1.0, 0.8571)
    assert set(scores) == set(GROUPS) and all(set(by_metric) == set(METRICS) for by_metric in scores.values())


def test_nothing_predicted_scores_zero():
    assert _prf(score_document(_doc(TALKS), _doc())["all"]["attribution"]) == (0.0, 0.0, 0.0)


def test_iter_errors_reports_partial_missed_and_spurious():
    partial = _att("the talks between the two parties would resume", None, "said")
    plan = _att("the plan could fail")  # shares only "the" with TALKS, which the better match takes
    errors = list(iter_errors(_doc(TALKS, READY), _doc(partial, plan)))
    assert [e.error for e in errors] == ["partial", "missed", "spurious"]
    assert errors[0].reason == "content token F1 0.78; source missing in prediction"
    assert errors[1].gold is READY and errors[2].predicted is plan
    assert "source='the minister'" in errors[1].describe()
    assert list(iter_errors(_doc(TALKS), _doc(TALKS))) == []


def _write_gold(root, text: str, ann: str):
    (root / "text").mkdir()
    (root / "attributions").mkdir()
    (root / "text" / "doc.txt").write_text(text, encoding="utf-8")
    (root / "attributions" / "doc_a1.ann").write_text(ann, encoding="utf-8")
    return root


def test_evaluate_folder_render_and_json(tmp_path):
    start = TEXT.index("the plan could fail")
    source = TEXT.index("Critics")
    ann = (f"T1\tContent {start} {start + 19}\tthe plan could fail\nT2\tSource {source} {source + 7}\tCritics\n"
           "E1\tAttribution:T2 Source:T2 Content:T1")
    gold_dir = _write_gold(tmp_path, TEXT, ann)
    seen = []

    def extract_fn(text, options, doc_id=None):
        seen.append((doc_id, options))
        return _doc(PLAN, TALKS)

    report = evaluate_folder(gold_dir, extract_fn=extract_fn, options="opts")
    assert seen == [("doc", "opts")]
    assert (report.n_documents, report.n_gold, report.n_predicted) == (1, 1, 2)
    assert _prf(report.scores["all"]["attribution"]) == (0.5, 1.0, 0.6667)
    data = report_to_dict(report)
    assert json.loads(json.dumps(data))["scores"]["all"]["attribution"]["precision"] == 0.5
    assert (data["documents"], data["gold"], data["predicted"]) == (1, 1, 2)
    out = io.StringIO()
    render_report(report, Console(file=out, width=80))
    rendered = out.getvalue()
    assert "attribution_exact" in rendered and "50.0  100 66.7" in rendered
    assert "1 documents · 1 gold · 2 predicted" in rendered
    # gold without speakers, acts or layouts (PolNeAR) reports none of them
    assert set(data["scores"]) == set(GROUPS) and data["speakers"] == data["layouts"] == {}
    assert "by act" not in rendered and "speakers of" not in rendered


def test_evaluate_folder_counts_extraction_failures(tmp_path):
    gold_dir = _write_gold(tmp_path, TEXT, "T1\tContent 0 9\tOfficials\nE1\tAttribution-no-source:T1 Content:T1")

    def broken(text, options, doc_id=None):
        raise ValueError("boom")

    report = evaluate_folder(gold_dir, extract_fn=broken, limit=5)
    assert report.failures == {"doc": "ValueError: boom"}
    assert (report.n_documents, report.n_gold, report.n_predicted) == (1, 1, 0)


def _gold(*attributions: Attribution, layouts=None) -> GoldDocument:
    return GoldDocument("doc", TEXT, list(attributions), layouts=layouts or {})


@pytest.mark.parametrize("gold, predicted, same", [
    ("Mara Quint", "mara  quint", True),
    ("Lessar Dock Workers Union", "the Lessar Dock Workers Union", True),
    ("A senior official", "senior official", True),
    ("One trade expert", "trade expert", False),  # a numeral is not an article
    ("Philip Arne", "Philip Arne KC", False),
    ("Mara Quint", None, False),
])
def test_same_name(gold, predicted, same):
    assert same_name(gold, predicted) is same


def test_speaker_accuracy_counts_matched_attributions_whose_gold_names_the_speaker():
    gold = _gold(
        _att("the talks between the two parties would resume next week in Geneva", "Officials", "said",
             speaker=("Valdorian officials", "anonymous")),
        _att("“We are ready,”", "the minister", "said", kind="direct", speaker=("Ines Moravec", "person")),
        _att("the plan could fail", None, None, speaker=(None, "unknown")),  # no source: type only
    )
    predicted = _doc(
        _att("the talks between the two parties would resume next week in Geneva", "Officials", "said",
             speaker=("officials", "anonymous")),
        _att("“We are ready,”", "the minister", "said", kind="direct", speaker=("ines moravec", "organization")),
        _att("the plan could fail"),  # no speaker predicted: type "unknown"
    )
    accuracy = speaker_accuracy([(gold, predicted)])
    assert (accuracy["name"].right, accuracy["name"].total) == (1, 2)
    assert (accuracy["type"].right, accuracy["type"].total) == (2, 3)


def test_speaker_accuracy_skips_unmatched_pairs_and_gold_without_speakers():
    gold = _gold(TALKS, _att("the plan could fail", "Critics", "warned", speaker=("Critics", "anonymous")))
    predicted = _doc(TALKS, _att("the plan could fail", "Officials", "warned", speaker=("Critics", "anonymous")))
    accuracy = speaker_accuracy([(gold, predicted)])  # the second pair's sources disagree: not matched
    assert accuracy["name"].total == accuracy["type"].total == 0


def test_act_groups_restrict_gold_and_predicted_alike():
    gold = _gold(TALKS, _att("the plan could fail", "Critics", "warned", act="thought"))
    predicted = _doc(TALKS, PLAN)  # PLAN predicted as speech
    scores = score_document(gold, predicted, ACT_GROUPS)
    assert set(scores) == set(ACT_GROUPS)
    speech, thought = scores["speech"]["attribution"], scores["thought"]["attribution"]
    assert (speech.n_gold, speech.n_pred, speech.matched_gold) == (1, 2, 1)
    assert (thought.n_gold, thought.n_pred, thought.matched_gold) == (1, 0, 0)
    assert set(score_document(gold, predicted)) == set(GROUPS)  # without gold acts: kinds only


def test_layout_recall_counts_found_floating_and_pull_quotes():
    gold = _gold(TALKS, READY, PLAN, layouts={1: "floating", 2: "pull-quote"})
    found = layout_recall([(gold, _doc(TALKS, READY))])
    assert {layout: (a.right, a.total) for layout, a in found.items()} == {"floating": (1, 1), "pull-quote": (0, 1)}


def test_evaluate_reports_speakers_acts_and_layouts_when_the_gold_has_them(tmp_path):
    ready, minister = TEXT.index("“We are ready,”"), TEXT.index("the minister")
    ann = "\n".join([
        f"T1\tContent {ready} {ready + 15}\tx", f"T2\tSource {minister} {minister + 12}\tx",
        "E1\tAttribution:T2 Source:T2 Content:T1", "A1\tSpeakerType E1 person", "#1\tAnnotatorNotes E1\tIna Vell",
        "A2\tAct E1 speech", "A3\tFloating E1",
    ])
    gold_dir = _write_gold(tmp_path, TEXT, ann)
    predicted = _att("“We are ready,”", "the minister", "said", kind="direct", speaker=("Ina Vell", "person"))
    report = evaluate_folder(gold_dir, extract_fn=lambda text, options, doc_id=None: _doc(predicted))
    data = report_to_dict(report)
    assert data["speakers"] == {"name": {"accuracy": 1.0, "right": 1, "total": 1},
                                "type": {"accuracy": 1.0, "right": 1, "total": 1}}
    assert data["layouts"] == {"floating": {"accuracy": 1.0, "right": 1, "total": 1}}
    assert data["scores"]["speech"]["attribution"]["f1"] == 1.0 and data["scores"]["thought"]["attribution"]["n_gold"] == 0
    out = io.StringIO()
    render_report(report, Console(file=out, width=200))
    rendered = out.getvalue()
    assert "speech 100 100 100 (1/1)" in rendered and "thought 0.0 0.0 0.0 (0/0)" in rendered
    assert "name 100% (1/1) · type 100% (1/1)" in rendered and "floating 1/1" in rendered


def test_iter_errors_names_speaker_and_act_differences():
    gold = _gold(_att("the plan could fail", "Critics", "warned", speaker=("Critics", "anonymous"), act="thought"))
    predicted = _doc(_att("the plan could fail", "Critics", "warned", speaker=("Critics", "person")))
    (error,) = iter_errors(gold, predicted)
    assert error.reason == "speaker type differs; act differs"


def _with_confidence(attribution: Attribution, confidence: float) -> Attribution:
    attribution.confidence = confidence
    return attribution


def test_confidence_outcomes_mark_what_the_attribution_metric_counts():
    gold = _doc(TALKS, PLAN)
    wrong_source = _att("the plan could fail", "the minister", "warned")
    predicted = _doc(_with_confidence(_att(TALKS.content.text, "Officials", "said"), 0.95),
                     _with_confidence(wrong_source, 0.8), _with_confidence(_att("“We are ready,”"), 0.55))
    assert confidence_outcomes([(gold, predicted)]) == [(0.95, True), (0.8, False), (0.55, False)]


def test_reliability_bins_precision_and_expected_calibration_error():
    outcomes = [(0.2, False), (0.55, True), (0.55, False), (0.95, True), (1.0, True), (0.9, False)]
    bins = reliability(outcomes)
    assert [(b.low, b.high) for b in bins][:2] == [(0.0, 0.5), (0.5, 0.6)] and bins[-1].high == 1.0
    assert [b.n for b in bins] == [1, 2, 0, 0, 0, 3]  # 1.0 falls in the last bin
    assert bins[1].precision == 0.5 and bins[1].mean_confidence == pytest.approx(0.55)
    assert bins[-1].precision == pytest.approx(2 / 3)
    # 1/6 · |0 − 0.2| + 2/6 · |0.5 − 0.55| + 3/6 · |2/3 − 0.95|
    assert expected_calibration_error(bins) == pytest.approx(0.2 / 6 + 0.1 / 6 + 0.85 / 6)
    assert expected_calibration_error(reliability([])) == 0.0


def test_score_at_confidence_keeps_predictions_from_the_minimum_up():
    outcomes = [(0.4, True), (0.75, False), (0.9, True), (0.95, True)]
    assert _prf(score_at_confidence(outcomes, n_gold=4, minimum=0.7)) == (0.6667, 0.5, 0.5714)
    assert score_at_confidence(outcomes, n_gold=4, minimum=0.9).n_pred == 2


def test_evaluate_reports_reliability_in_table_and_json(tmp_path):
    start, source = TEXT.index("the plan could fail"), TEXT.index("Critics")
    ann = (f"T1\tContent {start} {start + 19}\tthe plan could fail\nT2\tSource {source} {source + 7}\tCritics\n"
           "E1\tAttribution:T2 Source:T2 Content:T1")
    gold_dir = _write_gold(tmp_path, TEXT, ann)
    predicted = _doc(_with_confidence(_att("the plan could fail", "Critics", "warned"), 0.92),
                     _with_confidence(_att(TALKS.content.text, "Officials", "said"), 0.65))
    report = evaluate_folder(gold_dir, extract_fn=lambda text, options, doc_id=None: predicted)
    data = report_to_dict(report)["reliability"]
    assert [(b["predicted"], b["right"]) for b in data["bins"]] == [(0, 0), (0, 0), (1, 0), (0, 0), (0, 0), (1, 1)]
    assert data["expected_calibration_error"] == pytest.approx(0.5 * 0.65 + 0.5 * 0.08)
    assert data["at_confidence"]["0.9"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "n_pred": 1}
    out = io.StringIO()
    render_report(report, Console(file=out, width=100))
    rendered = out.getvalue()
    assert "Precision by confidence" in rendered and "[0.9, 1.0]" in rendered
    assert "expected calibration error: 0.365" in rendered and "confidence ≥ 0.9: P 100 R 100 (1 kept)" in rendered
