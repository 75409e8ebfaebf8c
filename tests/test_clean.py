"""Clean stage: line labels and reasons, context (tails, lists), metadata from the text, and extract() on top."""
from __future__ import annotations

import dataclasses
import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onrecord import ExtractOptions, extract
from onrecord.clean import article_text, clean, clean_byline, load_segment_rules, segment, text_metadata
from onrecord.clean.metadata import Byline
from onrecord.document import SEGMENT_LABELS, DocumentMetadata, Segment

OPENING = "“We will win,” Mayor Jane Smith said on Tuesday, as the council met for the last time this year."
CLOSING = "The council said the vote would take place next week, and officials added that the budget was ready."


def label_at(text: str, needle: str) -> tuple[str, str]:
    """(label, reason) of the segment where `needle` starts."""
    start = text.index(needle)
    return next((s.label, s.reason) for s in segment(text) if s.start <= start < s.end)


LINE_CASES = [  # (line, label, reason): the line is put between two article paragraphs
    ("Sign up for our Morning Briefing newsletter to get the day’s top stories in your inbox.", "boilerplate", "newsletter form"),
    ("Please leave this field empty Our Newsletter, delivered when appropriate.", "boilerplate", "newsletter form"),
    ("Subscribe to the Nerdcast on iTunes or download from Soundcloud here.", "boilerplate", "subscribe prompt"),
    ("Follow Pam Key on Twitter @pamkeyNEN.", "boilerplate", "follow prompt"),
    ("Do you support Donald Trump? Like the page:", "boilerplate", "share prompt"),
    ("@jane_doe.", "boilerplate", "social handle"),
    ("Read the rest of the story at Mediaite.", "boilerplate", "read-more link"),
    ("Watch the full video of the senator’s remarks below:", "boilerplate", "read-more link"),
    ("(h/t The Hill.)", "boilerplate", "hat tip"),
    ("Copyright © 2015 by Jane Doe. Reprinted courtesy of Example Books.", "boilerplate", "copyright"),
    ("9:05 p.m.", "boilerplate", "time stamp"),
    ("Updated 3:45 p.m. ET, Nov. 4, 2016", "boilerplate", "time stamp"),
    ("Saturday, December 19, 2015.", "boilerplate", "date line"),
    ("___.", "boilerplate", "separator"),
    ("FULL TEXT.", "boilerplate", "section label"),
    ("Getty Images.", "boilerplate", "photo credit"),
    ("Robert Galbraith / Reuters.", "boilerplate", "photo credit"),
    ("X.", "boilerplate", "embed placeholder"),
    ("Email me: jane.doe@example.org", "boilerplate", "contact line"),
    ("(Reporting by David Bailey; Editing by Cynthia Osterman.)", "boilerplate", "credit line"),
    ("Amanda Terkel and John Roe contributed reporting.", "boilerplate", "credit line"),
    ("We Are Sorry,This video is restricted from playing in your location", "boilerplate", "player notice"),
    ("Editor’s note: The following is an excerpt from a new book.", "boilerplate", "editor's note"),
    ("This story has been updated with comments from the mayor.", "boilerplate", "editor's note"),
    ("By Jane Doe", "boilerplate", "byline"),
    ("Article by Isabel Van Brugen from our premium news partners at The Epoch Times.", "boilerplate", "byline"),
    ("SPONSORED: Planning a spring getaway? Terms apply.", "advertorial", "sponsored"),
    ("Save $50 with promo code MAGA at checkout.", "advertorial", "promo code"),
    ("Donate today: your donation helps us keep reporting.", "advertorial", "donation appeal"),
    ("Order now and get free shipping on every pillow.", "advertorial", "sales pitch"),
    ("For more from The Example Post, download our app for iOS or Android.", "advertorial", "house promotion"),
    ("CORRECTION: An earlier version misquoted the mayor on the budget.", "article", "correction"),
    ("The mayor said the newsletter she sends to voters would continue.", "article", "body text"),
    ("“Follow the money,” the senator said of the donations to the campaign.", "article", "body text"),
    ("By winning the primary in Ohio, John Kasich picked up all 66 delegates.", "article", "body text"),
    # issue 16: page chrome of real news pages, and the long Discard kinds of PolNeAR
    ('BACKSTAGE—"Old theatre to close in June," by the Gazette\'s Ana Lind: "The theatre, which opened in 1921, '
     'will close its doors in June, its owners announced."', "boilerplate", "digest item"),
    ("Ohio: Ann Bell, Tom Reyes, Ed Cole Jr., Mia Park, Sam Ruiz, Lee Chan, Dan Fox, Ivy Lane, Joe Marsh, Kim Holt, Ray Stone, Ana Cruz.",
     "boilerplate", "name list"),
    ("We did it! Thank you, Ohio. — Jane Roe (@janeroe) February 2, 2016", "boilerplate", "embedded post"),
    ("SOURCE: News agencies", "boilerplate", "credit line"),
    ("With files from Jane Doe", "boilerplate", "credit line"),
    ("Our Standards: The Example Trust Principles.", "boilerplate", "editor's note"),
    ("This report by The Example Press was first published May 2, 2025.", "boilerplate", "editor's note"),
    ("Related: Harbour floods: what we know so far", "boilerplate", "related links"),
    ("Share", "boilerplate", "share prompt"),
    ("Corrections and clarifications | Submit a news tip | Report error", "boilerplate", "page menu"),
    ("What did the prosecutors say?", "boilerplate", "subheading"),
    ("What has the mayor said about the budget?", "boilerplate", "subheading"),
    ("What happens now", "boilerplate", "subheading"),
    ("“What did you expect?” the mayor asked.", "article", "body text"),
    ("Q: What did the council decide?", "article", "body text"),
    ("ROE: Do you think she will win?", "article", "body text"),
    ("The mayor asked what the council would say.", "article", "body text"),
]


@pytest.mark.parametrize("line, label, reason", LINE_CASES)
def test_line_label_and_reason(line, label, reason):
    text = f"{OPENING}\n\n{line}\n\n{CLOSING}\n"
    assert label_at(text, line) == (label, reason)
    assert label_at(text, OPENING) == ("article", "body text")
    assert label_at(text, CLOSING)[0] == "article"  # reads as attributed prose even after a tail starts


def test_markup_tags_are_cut_out_of_the_line():
    text = 'The mayor <a href="https://example.org">said</a> the vote was close.\n'
    segments = segment(text)
    assert [(text[s.start:s.end], s.label, s.reason) for s in segments] == [
        ("The mayor ", "article", "body text"),
        ('<a href="https://example.org">', "boilerplate", "markup"),
        ("said", "article", "body text"),
        ("</a>", "boilerplate", "markup"),
        (" the vote was close.\n", "article", "body text"),
    ]


def test_embedded_tweet_element_is_one_embedded_post():
    text = 'The mayor spoke.\n<tweet id="1" author="@jane">We will win the vote.</tweet>.\n'
    assert [(text[s.start:s.end], s.label, s.reason) for s in segment(text)][1:] == [
        ('<tweet id="1" author="@jane">We will win the vote.</tweet>', "boilerplate", "embedded post"),
        (".\n", "boilerplate", "separator"),
    ]


def test_line_signed_by_a_handle_is_an_embedded_post():
    comment = "Loved the speech, but the plan for the port is still vague."
    text = f"{OPENING}\n\n{comment}\n\n@harbour_fan.\n\n{CLOSING}\n"
    assert label_at(text, comment) == ("boilerplate", "embedded post")
    assert label_at(text, CLOSING) == ("article", "body text")


def test_question_headline_stays_article():
    text = f"What did the mayor say about the budget?\n\n{OPENING}\n\nWhat did the council say?\n\n{CLOSING}\n"
    assert label_at(text, "What did the mayor") == ("article", "body text")
    assert label_at(text, "What did the council") == ("boilerplate", "subheading")


def test_subheading_is_not_read_as_a_statement():
    text = f"{OPENING}\n\nWhat did the prosecutors say?\n\n{CLOSING}\n"
    doc = extract(text, ExtractOptions(profile="rules"))
    assert not any("What did" in a.content.text for a in doc.attributions)
    assert any("budget" in a.content.text for a in doc.attributions)


@pytest.mark.parametrize("header", ["Related:", "Read more:", "Related topics", "Key points"])
def test_headline_list_under_a_header_is_related_links(header):
    items = ["Harbour Council Votes To Close Three Schools After A Long And Bitter Public Debate In Town",
             "Floods: the valley counts the cost of a wet decade"]
    text = f"{OPENING}\n\n{header}\n" + "\n".join(items) + f"\n\n{CLOSING}\n"
    for item in items:
        assert label_at(text, item) == ("boilerplate", "related links")
    assert label_at(text, CLOSING)[0] == "article"


def test_wire_dateline_and_leading_date_are_cut_off():
    text = " date 2021-11-24 U.S. officials met on Tuesday.\n\nWASHINGTON (AP) — The Senate voted on Monday.\n"
    assert label_at(text, "date 2021") == ("boilerplate", "date line")
    assert label_at(text, "U.S. officials") == ("article", "body text")
    assert label_at(text, "WASHINGTON") == ("boilerplate", "dateline")
    assert label_at(text, "The Senate") == ("article", "body text")


@pytest.mark.parametrize(
    "opening, dateline",
    [
        ("(CNN)President Jane Roe said on Monday that the talks would go on.", "(CNN)"),
        ("(Reuters) - The minister said the plan would work.", "(Reuters) - "),
        ("WASHINGTON (AP) — The Senate voted on Monday.", "WASHINGTON (AP) — "),
        ("KYIV (CNN)Officials said the talks would go on.", "KYIV (CNN)"),
        ("VIENNA — Iran's envoy said the deal was dead.", "VIENNA — "),
        ("ST. LOUIS, Mo. -- The mayor said the vote was close.", "ST. LOUIS, Mo. -- "),
    ],
)
def test_datelines_that_open_the_story_are_cut_off(opening, dateline):
    text = f"Talks go on, minister says\n\n{opening}\n\n{CLOSING}\n"
    assert label_at(text, dateline) == ("boilerplate", "dateline")
    assert label_at(text, opening[len(dateline):]) == ("article", "body text")
    blanked = article_text(text, segment(text))
    assert opening[len(dateline):] in blanked and dateline not in blanked  # "(CNN)" no longer glues to a word


def test_glued_dateline_is_in_no_attribution_span():
    text = "(CNN)President Jane Roe said on Monday that “the talks will go on.”\n"
    doc = extract(text)
    assert doc.attributions
    for a in doc.attributions:
        for part in (a.content, a.source, a.cue):
            assert part is None or "(CNN)" not in part.text and not part.text.startswith("CNN")
    assert any(a.source and a.source.text.startswith("President Jane Roe") for a in doc.attributions)


def test_all_caps_heading_far_down_is_no_dateline():
    heading = "QUESTIONABLE MEDICAL CLAIMS — For years, the doctor has been dogged by charges."
    text = "\n\n".join([OPENING] * 9 + [heading, CLOSING]) + "\n"
    assert label_at(text, heading) == ("article", "body text")


def test_author_bio_only_at_the_end():
    bio = "Jane Doe is a member of the Example Board of Contributors and the author of a book on Congress."
    assert label_at(f"{OPENING}\n\n{CLOSING}\n\n{bio}\n", bio) == ("boilerplate", "author bio")
    bio_inside = "Jane Doe is the author of a book on Congress."
    text = f"{bio_inside}\n\n{OPENING}\n\n{CLOSING}\n\n{CLOSING}\n\n{CLOSING}\n"
    assert label_at(text, bio_inside) == ("article", "body text")


def test_related_list_stays_boilerplate_until_prose():
    text = (f"{OPENING}\n\nRelated:\n\nSenate Passes The Budget\n\nMayor Smith Wins Again\n\n"
            "The vote comes after a year of talks between the council and the unions over pay and pensions.\n")
    assert label_at(text, "Related:") == ("boilerplate", "related links")
    assert label_at(text, "Mayor Smith Wins") == ("boilerplate", "related links")
    assert label_at(text, "The vote comes") == ("article", "body text")


def test_signature_under_a_quotation_names_the_speaker():
    text = f'{OPENING}\n\n"We will not raise taxes."\n\n- Bernie Sanders.\n\n{CLOSING}\n\n- Elise Viebeck.\n'
    assert label_at(text, "- Bernie") == ("article", "speaker label")
    assert label_at(text, "- Elise") == ("boilerplate", "signature")


def test_advert_tail_stays_non_article_unless_attributed():
    body = "\n\n".join([OPENING] * 4)
    text = (f"{body}\n\nSign up for our newsletter to get the day’s top stories in your inbox.\n\n"
            "Be sure to tell them Jane sent you, and treat yourself this season!\n\n"
            "Smith said on Friday that the vote would go ahead as planned next week.\n")
    assert label_at(text, "Be sure") == ("boilerplate", "after newsletter form")
    assert label_at(text, "Smith said on Friday") == ("article", "attributed prose")


def test_newsletter_form_early_in_the_text_starts_no_tail():
    text = (f"Sign up for our newsletter to get the day’s top stories in your inbox.\n\n"
            "Be sure to read on.\n\n" + "\n\n".join([OPENING] * 4) + "\n")
    assert label_at(text, "Be sure") == ("article", "body text")


def test_segments_cover_the_text_and_merge_neighbours():
    text = f"\n\n{OPENING}\n{CLOSING}\n\nFollow Jane on Twitter @jane.\n\n\n"
    segments = segment(text)
    assert [(s.label, s.reason) for s in segments] == [("article", "body text"), ("boilerplate", "follow prompt")]
    assert segments[0].start == 0 and segments[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))


@pytest.mark.parametrize("text", ["", "   ", "\n\n\r\n", "\ufeff", "<tweet>", "___", "By", "date 2021-13-45"])
def test_odd_texts(text):
    segments = segment(text)
    assert (segments == []) == (text == "")
    _check_tiling(text, segments)


def _check_tiling(text: str, segments: list[Segment]) -> None:
    """Segments run from 0 to len(text), in order, without gaps or overlaps, with known labels."""
    if not text:
        return
    assert segments[0].start == 0 and segments[-1].end == len(text)
    for a, b in zip(segments, segments[1:]):
        assert a.end == b.start
    for s in segments:
        assert s.start < s.end and s.label in SEGMENT_LABELS and s.reason
    masked = article_text(text, segments)
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]


_LINES = st.sampled_from([
    OPENING, CLOSING, "Follow Jane on Twitter @jane.", "Use promo code SAVE20 at checkout.", "___.", "9:05 p.m.",
    "<tweet id='1'>", "</tweet>", "Related:", "By Jane Doe", "date 2021-11-24", "WASHINGTON (AP) — ", "\ufeff", "“", "",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(_LINES, st.text(max_size=30)), max_size=12).map("\n".join)))
def test_segment_never_raises_and_tiles_the_text(text):
    _check_tiling(text, segment(text))


def test_keyword_screen_never_changes_a_label(monkeypatch, optional_seed_text):
    """The keyword scan that picks which rules' patterns run on a line never changes a label."""
    module = importlib.import_module("onrecord.clean.segment")
    texts = [f"{OPENING}\n\n{line}\n\n{CLOSING}" for line, _, _ in LINE_CASES]
    texts += [optional_seed_text] if optional_seed_text else []
    assert any(screen.keywords for screen in module._line_plan().screens)  # the screen does leave rules out
    screened = [segment(t) for t in texts]
    plain = module._screen

    def unscreened(rules, words, at_end):  # every rule's patterns run on every line
        screen = plain(rules, words, at_end)
        unlocked = 0
        for _, bits in screen.keywords:
            unlocked |= bits
        return dataclasses.replace(screen, keywords=(), always=screen.always | unlocked)

    monkeypatch.setattr(module, "_screen", unscreened)
    module._line_plan.cache_clear()
    try:
        assert [segment(t) for t in texts] == screened
    finally:
        module._line_plan.cache_clear()


def test_unknown_rules_name_says_what_is_available():
    with pytest.raises(ValueError, match=r"\[E010\].*onrecord.segment_rules.v1"):
        load_segment_rules("onrecord.segment_rules.v0")


@pytest.mark.parametrize(
    "header, published, byline, outlet",
    [
        ("date 2021-11-24", "2021-11-24", None, None),
        ("Published: November 24, 2021", "2021-11-24", None, None),
        ("By Jane Doe", None, "Jane Doe", None),
        ("By JANE DOE, Associated Press", None, "Jane Doe", "Associated Press"),
        ("By Jane Doe and John Roe, Staff Writers", None, "Jane Doe and John Roe", None),
        ("Article by Isabel Van Brugen from our premium news partners at The Epoch Times.", None, "Isabel Van Brugen",
         "The Epoch Times"),
        ("By Tuesday, Trump had won the state.", None, None, None),
    ],
)
def test_text_metadata(header, published, byline, outlet):
    metadata = text_metadata(f"{header}\n\n{OPENING}\n")
    assert (metadata.published, metadata.byline, metadata.outlet) == (published, byline, outlet)


@pytest.mark.parametrize(
    "byline, names, outlet",
    [  # (byline as a page, feed or text gives it, the names kept, the outlet a role names)
        ("Analysis by Mara Quist; CNN Editor-at-large", "Mara Quist", "CNN"),
        ("Analysis by Mara Quist, CNN Editor-at-large", "Mara Quist", "CNN"),
        ("Opinion by Ravi Menon, Contributor", "Ravi Menon", None),
        ("By Jane Doe", "Jane Doe", None),
        ("by: Jane Doe", "Jane Doe", None),
        ("Story by Lena Hart | Staff Writer", "Lena Hart", None),
        ("Written by Tom Reyes and Ana Silva", "Tom Reyes and Ana Silva", None),
        ("By Jane Doe, Senior White House Correspondent", "Jane Doe", None),
        ("Jane Doe; John Roe", "Jane Doe, John Roe", None),
        ("Mark Ode, Rachel Lin, and Sam Ng", "Mark Ode, Rachel Lin, Sam Ng", None),
        ("By JANE DOE, Associated Press", "Jane Doe", "Associated Press"),
        ("Jane Doe, The Harbor Post Staff Writer", "Jane Doe", "The Harbor Post"),
        ("Olu Ade / Valdoria News Senior Correspondent", "Olu Ade", "Valdoria News"),
        ("Jane Doe — Reuters", "Jane Doe", "Reuters"),
        ("Editor-in-Chief Mary Poe", "Mary Poe", None),
        ("Andy Byers", "Andy Byers", None),
        ("J. Doe", "J. Doe", None),
        ("Staff Writer", None, None),
        ("By", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_clean_byline(byline, names, outlet):
    assert clean_byline(byline) == Byline(names, outlet)


def test_page_byline_is_cleaned_and_its_outlet_fills_a_gap():
    given_metadata = DocumentMetadata(byline="Analysis by Mara Quist; CNN Editor-at-large")
    _, metadata = clean(f"{OPENING}\n", given_metadata)
    assert (metadata.byline, metadata.outlet) == ("Mara Quist", "CNN")
    _, metadata = clean(f"{OPENING}\n", DocumentMetadata(byline="By Mara Quist, CNN Editor", outlet="CNN Politics"))
    assert (metadata.byline, metadata.outlet) == ("Mara Quist", "CNN Politics")  # what was given wins
    assert given_metadata.byline == "Analysis by Mara Quist; CNN Editor-at-large"  # the caller's object is untouched


def test_given_metadata_wins_and_the_text_fills_gaps():
    given_metadata = DocumentMetadata(url="https://example.org/a", byline="J. Doe")
    segments, metadata = clean(f"date 2021-11-24\nBy Jane Doe\n\n{OPENING}\n", given_metadata)
    assert metadata == DocumentMetadata(url="https://example.org/a", published="2021-11-24", byline="J. Doe")
    assert [s.reason for s in segments] == ["date line", "byline", "body text"]


ADVERT = "SPONSORED: “Best pillows I ever owned,” said one happy customer. Use promo code NOQ to save 20%."


def test_extract_reads_only_article_segments():
    text = f"date 2021-11-24\n\n{OPENING}\n\n{ADVERT}\n"
    unsegmented = extract(text, ExtractOptions(segment=False))
    assert any("pillows" in a.content.text for a in unsegmented.attributions)
    doc = extract(text, metadata=DocumentMetadata(url="https://example.org/a"))
    assert doc.attributions and all(a.content.end < text.index(ADVERT) for a in doc.attributions)
    assert doc.metadata == DocumentMetadata(url="https://example.org/a", published="2021-11-24")
    assert [(s.label, s.reason) for s in doc.segments] == [
        ("boilerplate", "date line"), ("article", "body text"), ("advertorial", "promo code")]
    assert unsegmented.segments == [] and unsegmented.metadata == DocumentMetadata()


def test_attribution_text_is_read_from_the_original_text():
    text = f'<p id="1">{OPENING}</p>\n'
    doc = extract(text)
    assert doc.attributions
    for a in doc.attributions:
        for part in (a.content, a.source, a.cue):
            if part is not None:
                assert part.text == " … ".join(text[s:e] for s, e in part.spans)
                assert "<p" not in part.text


def test_seed_article(seed_text):
    text = seed_text
    segments, metadata = clean(text)
    body_start, body_end = text.index("U.S. Chairman"), text.index("for comment.") + len("for comment.")
    tail = text.index("Please leave this field empty")
    article = bytearray(len(text))
    for s in segments:
        if s.label == "article":
            article[s.start:s.end] = b"\x01" * (s.end - s.start)
    byline = text.index("Article by Isabel")
    byline_end = text.index("\n", byline)
    # the body is article, all but its byline line (the blank lines around it may go either way)
    assert all(article[k] for k in range(body_start, body_end)
               if not byline <= k < byline_end and not text[k].isspace())
    assert not any(article[byline:byline_end])
    assert not any(article[tail:])
    assert (metadata.published, metadata.byline, metadata.outlet) == ("2021-11-24", "Isabel Van Brugen", "The Epoch Times")
    assert not [a for a in extract(text).attributions if a.content.start >= tail]


def test_polnear_dev_discard_spans_fall_outside_the_article(polnear_dev):
    from onrecord.evaluate.segments import measure_segments

    figures = measure_segments(polnear_dev)
    assert figures.discard_pct >= 80.0, figures.missed
    assert figures.lost_pct <= 2.0, figures.lost


def test_polnear_discard_characters_fall_outside_the_article(polnear_train, polnear_dev):
    """Issue 16's acceptance, by characters: long Discard spans (tweets, digests, rosters) weigh what they hold."""
    from onrecord.evaluate.segments import measure_segments

    figures = measure_segments(polnear_train).add(measure_segments(polnear_dev))
    assert figures.discard_chars_pct >= 80.0, figures.missed
    assert figures.lost_pct <= 2.0, figures.lost


def test_styles_set_page_chrome_falls_outside_the_article():
    from pathlib import Path

    from onrecord.evaluate.segments import measure_segments

    figures = measure_segments(Path(__file__).parent / "fixtures" / "styles")
    assert figures.discard_chars_pct >= 80.0, figures.missed
    assert figures.gold_chars_lost == 0, figures.lost
