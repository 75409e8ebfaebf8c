"""Clean stage: tell the article from the boilerplate and adverts around it, and read metadata off the text.

    segment.py    each line → `article`, `boilerplate` or `advertorial`, with a reason (rules in
                  onrecord/data/segment_rules.json)
    metadata.py   a leading date line ("date 2021-11-24") and a byline ("Article by X from … The Epoch Times")

The extract stage reads only the `article` segments; offsets always point into the original text.
"""
from __future__ import annotations

from onrecord.clean.metadata import text_metadata
from onrecord.clean.segment import DEFAULT_RULES, article_text, load_segment_rules, segment
from onrecord.document import DocumentMetadata, Segment

__all__ = ["clean", "metadata_of", "segment", "text_metadata", "article_text", "load_segment_rules", "DEFAULT_RULES"]


def clean(text: str, metadata: DocumentMetadata | None = None) -> tuple[list[Segment], DocumentMetadata]:
    """Segments of `text`, and `metadata` with its gaps filled from the text (what was given wins)."""
    return segment(text), metadata_of(text, metadata)


def metadata_of(text: str, metadata: DocumentMetadata | None = None) -> DocumentMetadata:
    """`metadata` with its gaps filled from what the text's first lines say (a date line, a byline)."""
    found = text_metadata(text)
    return metadata.filled_from(found) if metadata is not None else found
