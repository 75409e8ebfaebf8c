"""Clean stage: tell the article from the boilerplate and adverts around it, and read metadata off the text.

    segment.py    each line → `article`, `boilerplate` or `advertorial`, with a reason (rules in
                  onrecord/data/segment_rules.json)
    metadata.py   a leading date line ("date 2021-11-24") and a byline ("Article by X from … The Epoch Times");
                  any byline cleaned of prefixes and roles ("Analysis by X; CNN Editor-at-large" → X)

The extract stage reads only the `article` segments; offsets always point into the original text.
"""
from __future__ import annotations

from onrecord.clean.metadata import clean_byline, text_metadata
from onrecord.clean.segment import DEFAULT_RULES, article_text, load_segment_rules, segment
from onrecord.document import DocumentMetadata, Segment

__all__ = ["clean", "metadata_of", "segment", "text_metadata", "clean_byline", "article_text", "load_segment_rules", "DEFAULT_RULES"]


def clean(text: str, metadata: DocumentMetadata | None = None) -> tuple[list[Segment], DocumentMetadata]:
    """Segments of `text`, and `metadata` with its gaps filled from the text (what was given wins)."""
    return segment(text), metadata_of(text, metadata)


def metadata_of(text: str, metadata: DocumentMetadata | None = None) -> DocumentMetadata:
    """`metadata` with its gaps filled from what the text's first lines say (a date line, a byline), and its
    byline cleaned to the authors' names (an outlet the byline names fills the outlet's gap)."""
    found = text_metadata(text)
    merged = metadata.filled_from(found) if metadata is not None else found
    byline = clean_byline(merged.byline)
    merged.byline, merged.outlet = byline.names, merged.outlet or byline.outlet
    return merged
