"""Reading gold attributions from brat standoff files in PolNeAR's layout."""
from collections import Counter
from pathlib import Path

import pytest

from onrecord.evaluate.brat import read_ann, read_folder
from onrecord.evaluate.scorer import METRICS, score_corpus

TEXT = "The Post has learned that “the deal is off.” Officials said the talks would resume.\nFollow us."


def _t(tid: int, label: str, piece: str) -> str:
    """A T line for the first occurrence of `piece` in TEXT."""
    start = TEXT.index(piece)
    return f"T{tid}\t{label} {start} {start + len(piece)}\t{piece}"


ANN = "\n".join([
    _t(1, "Source", "The Post"),
    _t(2, "Cue", "has learned"),
    _t(3, "Content", "that “the deal is off.”"),
    _t(4, "Attribution", "has learned"),
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
    _t(5, "Source", "Officials"),
    _t(6, "Cue", "said"),
    _t(7, "Content", "the talks would resume"),
    "E2\tAttribution:T6 Source:T5 Cue:T6 Content:T7",
    _t(8, "Discard", "Follow us."),
    "#1\tAnnotatorNotes T3\tcheck this",
])


def test_read_ann_builds_attributions_from_the_text():
    document = read_ann(ANN, TEXT, "doc")
    first, second = document.attributions
    assert (first.source.text, first.cue.text, first.content.text) == ("The Post", "has learned", "that “the deal is off.”")
    assert first.kind == "mixed" and second.kind == "indirect"
    assert second.source.spans == [(45, 54)]
    assert [span.text for span in document.discard] == ["Follow us."]


def test_span_text_comes_from_the_txt_not_the_ann():
    ann = "T1\tContent 0 8\tWRONG TEXT\nE1\tAttribution-no-source:T1 Content:T1"
    (attribution,) = read_ann(ann, TEXT, "doc").attributions
    assert attribution.content.text == "The Post" and attribution.source is None and attribution.cue is None


def test_discontinuous_span_and_repeated_roles_merge_sorted():
    deal, talks = TEXT.index("“the deal"), TEXT.index("talks would")
    ann = "\n".join([
        f"T1\tContent {talks} {talks + 19};{deal} {deal + 18}\tx",  # pieces out of order
        "T2\tContent 0 8\tThe Post",
        "T3\tSource 45 54\tOfficials",
        "E1\tAttribution:T3 Content2:T2 Content:T1 Source:T3",
    ])
    (attribution,) = read_ann(ann, TEXT, "doc").attributions
    assert attribution.content.spans == [(0, 8), (deal, deal + 18), (talks, talks + 19)]
    assert attribution.content.text == "The Post … “the deal is off.” … talks would resume."
    assert attribution.source.text == "Officials"


@pytest.mark.parametrize(
    "bad_line, reason",
    [
        ("T9\tContent 5 x\tbroken", "malformed line"),
        ("T9\tContent 0 9999\ttoo far", "span outside the text"),
        ("that ran over a newline in the annotated text", "continuation or other line"),
        ("E9\tAttribution:T1 Content:T77", "role pointing to a missing span"),
        ("E9\tAttribution:T1 Source:T1", "attribution without content"),
        ("E9\tAttribution:T1 Content:T3 Speaker:T1", "malformed role"),
        ("E9\tNegation:T1 Content:T3", "not an attribution event"),
    ],
)
def test_malformed_lines_are_skipped_and_counted(bad_line, reason):
    counts = Counter()
    document = read_ann(ANN + "\n" + bad_line + "\n", TEXT, "doc", counts)
    assert counts[reason] == 1
    # the two good attributions survive (plus the one a bad role left with a content)
    assert len(document.attributions) == (3 if reason == "malformed role" else 2)


def _write_folder(root: Path, anns: dict[str, str], texts: dict[str, str]) -> Path:
    """A PolNeAR-style folder with the given .txt and .ann files."""
    (root / "text").mkdir()
    (root / "attributions").mkdir()
    for name, text in texts.items():
        (root / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
    for name, ann in anns.items():
        (root / "attributions" / f"{name}.ann").write_text(ann, encoding="utf-8")
    return root


def test_read_folder_takes_the_first_ann_in_sorted_order_and_skips_unannotated(tmp_path):
    one = "T1\tContent 0 8\tThe Post\nE1\tAttribution-no-source:T1 Content:T1"
    two = ANN
    folder = _write_folder(tmp_path, {"news_2016_my-article_b2": two, "news_2016_my-article_a1": one},
                           {"news_2016_my-article": TEXT, "news_2016_unannotated": "No annotation."})
    counts = Counter()
    (document,) = list(read_folder(folder, counts))
    assert document.doc_id == "news_2016_my-article"
    assert [a.content.text for a in document.attributions] == ["The Post"]  # from _a1, not _b2
    assert counts == {"article without annotations": 1, "extra annotator files ignored": 1}


def test_read_folder_keeps_crlf_offsets(tmp_path):
    text = "Intro.\r\nHe said hello."  # "hello" is at 16 only when "\r\n" counts as two characters
    folder = _write_folder(tmp_path, {"a_x1": "T1\tContent 16 21\thello\nE1\tAttribution-no-source:T1 Content:T1"}, {})
    (folder / "text" / "a.txt").write_bytes(text.encode("utf-8"))
    (document,) = list(read_folder(folder))
    assert document.attributions[0].content.text == "hello"


def test_read_folder_without_text_folder_says_what_it_expects(tmp_path):
    with pytest.raises(FileNotFoundError, match="text/<article>.txt"):
        list(read_folder(tmp_path))


def test_polnear_dev_reads_and_scores_perfectly_against_itself(polnear_dev):
    counts = Counter()
    documents = list(read_folder(polnear_dev, counts))
    assert len(documents) == 84
    attributions = [a for d in documents for a in d.attributions]
    assert len(attributions) > 2000
    assert {a.kind for a in attributions} == {"direct", "mixed", "indirect"}
    scores = score_corpus((d, d) for d in documents)
    for group, by_metric in scores.items():
        for metric in METRICS:
            score = by_metric[metric]
            assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0), (group, metric)


STYLED_TEXT = "“The roof will hold,” Ada Brenn said.\n“We checked every beam.”\nThe guild hopes to reopen in May."
STYLED_ANN = "\n".join([
    "T1\tSource 22 31\tAda Brenn",
    "T2\tCue 32 36\tsaid",
    "T3\tContent 0 21\t“The roof will hold,”",
    "E1\tAttribution:T2 Source:T1 Cue:T2 Content:T3",
    "A1\tSpeakerType E1 person",
    "#1\tAnnotatorNotes E1\tAda Brenn",
    "A2\tAct E1 speech",
    "T4\tContent 38 62\t“We checked every beam.”",
    "E2\tAttribution:T4 Content:T4",
    "A3\tSpeakerType E2 person",
    "#2\tAnnotatorNotes E2\tAda Brenn",
    "A4\tAct E2 speech",
    "A5\tFloating E2",
    "T5\tSource 63 72\tThe guild",
    "T6\tCue 73 78\thopes",
    "T7\tContent 79 96\tto reopen in May.",
    "E3\tAttribution:T6 Source:T5 Cue:T6 Content:T7",
    "A6\tSpeakerType E3 organization",
    "#3\tAnnotatorNotes E3\tBrenn Roofers' Guild",
    "A7\tAct E3 thought",
    "A8\tPullQuote E9",  # an event that isn't there: ignored
])


def test_styles_extras_give_speaker_act_and_layout():
    counts = Counter()
    document = read_ann(STYLED_ANN, STYLED_TEXT, "doc", counts)
    said, floating, hopes = document.attributions
    assert (said.speaker.name, said.speaker.type, said.act) == ("Ada Brenn", "person", "speech")
    assert floating.source is None and floating.speaker.name == "Ada Brenn"
    assert (hopes.speaker.name, hopes.speaker.type, hopes.act) == ("Brenn Roofers' Guild", "organization", "thought")
    assert document.layouts == {1: "floating"}
    assert "continuation or other line" not in counts


def test_polnear_gold_has_no_speaker_act_or_layout():
    document = read_ann(ANN, TEXT, "doc")
    assert all(a.speaker is None and a.act is None for a in document.attributions)
    assert document.layouts == {}


def test_unknown_act_or_speaker_type_is_counted_and_dropped():
    ann = "T1\tContent 0 8\tThe Post\nE1\tAttribution-no-source:T1 Content:T1\nA1\tAct E1 rumour\nA2\tSpeakerType E1 alien"
    counts = Counter()
    (attribution,) = read_ann(ann, TEXT, "doc", counts).attributions
    assert attribution.act is None and attribution.speaker is None
    assert counts["unknown act"] == 1 and counts["unknown speaker type"] == 1
