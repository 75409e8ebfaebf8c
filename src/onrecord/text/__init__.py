"""Shared text machinery, below the stages: tokens, quotations, sentences, the cue lexicon, attribution kinds.

    tokens.py     a fast tokenizer, sentence splitting, paragraph ends
    quotes.py     quotation marks paired into quoted regions, recovering from unbalanced marks
    analysis.py   `Analysis`: what every stage reads off a text (tokens, quotations, sentences), built once
    cues.py       the cue lexicon mined from PolNeAR train, relay cues, source heads
    kinds.py      direct, mixed or indirect: how much of a content is quoted

Stages (clean, extract, resolve) import from here; nothing here imports a stage.
"""
