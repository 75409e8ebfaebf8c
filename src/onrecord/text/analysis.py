"""What the stages read off a text, built once per document: tokens, quotations, sentences."""
from __future__ import annotations

from dataclasses import dataclass

from onrecord.text.quotes import find_quotes, quote_index
from onrecord.text.tokens import Token, split_sentences, tokenize


@dataclass
class Analysis:
    """What the rule stages read off a text: tokens, quotations, sentences (token ranges)."""

    text: str
    tokens: list[Token]
    quotes: list
    in_quote: list[int]  # per token: index of the quotation it lies in, else -1
    sentences: list[tuple[int, int]]


def analyse(text: str) -> Analysis:
    """Tokens, quotations and sentences of a text (the shared front of rules, model and resolver)."""
    tokens = tokenize(text)
    quotes = find_quotes(text, tokens)
    return Analysis(text, tokens, quotes, quote_index(quotes, len(tokens)), split_sentences(text, tokens))
