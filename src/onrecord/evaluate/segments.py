"""Score the clean stage's segmenter against PolNeAR: Discard spans caught, gold attribution text kept.

The annotators marked boilerplate ("Follow X on Twitter", "ABSTRACT.", time stamps) as `Discard`. A
Discard span counts as caught when at least half of its characters lie in non-article segments (and each of
its characters counts, for the figure by characters); the
gold Source/Cue/Content characters that lie there are text the extract stage can no longer see.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from onrecord.clean import segment
from onrecord.document import Segment
from onrecord.evaluate.brat import read_folder


@dataclass
class SegmentFigures:
    """Counts for one folder, with one line per miss for error listings."""

    documents: int = 0
    discard: int = 0
    discard_caught: int = 0
    discard_chars: int = 0  # characters of Discard spans
    discard_chars_caught: int = 0  # of them, in non-article segments
    gold_chars: int = 0
    gold_chars_lost: int = 0
    missed: list[str] = field(default_factory=list)  # Discard spans left in article segments
    lost: list[str] = field(default_factory=list)  # non-article segments holding gold text

    @property
    def discard_pct(self) -> float:
        """% of Discard spans in non-article segments."""
        return 100 * self.discard_caught / self.discard if self.discard else 0.0

    @property
    def discard_chars_pct(self) -> float:
        """% of Discard characters in non-article segments (long spans weigh more than short ones)."""
        return 100 * self.discard_chars_caught / self.discard_chars if self.discard_chars else 0.0

    def add(self, other: SegmentFigures) -> SegmentFigures:
        """The figures of two folders together."""
        return SegmentFigures(*(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self)))

    @property
    def lost_pct(self) -> float:
        """% of gold Source/Cue/Content characters in non-article segments."""
        return 100 * self.gold_chars_lost / self.gold_chars if self.gold_chars else 0.0


def non_article_mask(length: int, segments: list[Segment]) -> bytearray:
    """1 for each character in a non-article segment."""
    mask = bytearray(length)
    for s in segments:
        if s.label != "article":
            mask[s.start:s.end] = b"\x01" * (s.end - s.start)
    return mask


def describe_segment(text: str, s: Segment) -> str:
    """`[label: reason] 'its text'`, for error lines."""
    return f"[{s.label}: {s.reason}] {text[s.start:s.end].strip()[:100]!r}"


def measure_segments(folder: Path | str) -> SegmentFigures:
    """Segment every annotated article of a PolNeAR folder; count Discard spans caught and gold text lost."""
    figures = SegmentFigures()
    for gold in read_folder(folder):
        figures.documents += 1
        segments = segment(gold.text)
        mask = non_article_mask(len(gold.text), segments)
        for span in gold.discard:
            size = sum(e - s for s, e in span.spans)
            inside = sum(sum(mask[s:e]) for s, e in span.spans)
            figures.discard += 1
            figures.discard_chars += size
            figures.discard_chars_caught += inside
            if size and 2 * inside >= size:
                figures.discard_caught += 1
            else:
                where = next((describe_segment(gold.text, s) for s in segments if s.start <= span.start < s.end), "")
                figures.missed.append(f"{gold.doc_id}: {span.text[:120]!r}\n    in {where}")
        positions = {k for a in gold.attributions for part in (a.source, a.cue, a.content) if part is not None
                     for s, e in part.spans for k in range(s, e)}
        lost = [k for k in positions if mask[k]]
        figures.gold_chars += len(positions)
        figures.gold_chars_lost += len(lost)
        for s in segments:
            if chars := sum(1 for k in lost if s.start <= k < s.end):
                figures.lost.append(f"{gold.doc_id}: {chars} characters in {describe_segment(gold.text, s)}")
    return figures
