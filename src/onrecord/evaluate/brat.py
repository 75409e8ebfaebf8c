"""Read gold attributions from brat standoff files in PolNeAR's layout (text/, attributions/)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from onrecord.document import ACTS, SPEAKER_TYPES, Attribution, Speaker, TextSpan
from onrecord.text.kinds import classify_kind

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")
_ROLE = re.compile(r"^([A-Za-z][A-Za-z-]*?)\d*:(T\d+)$")  # Content2:T9 → (Content, T9)
_A_LINE = re.compile(r"^A\d+\t(\S+) (E\d+)(?: (\S+))?\s*$")  # A3\tSpeakerType E2 person, A9\tFloating E5
_NOTE_LINE = re.compile(r"^#\d+\tAnnotatorNotes (E\d+)\t(.*)$")  # the speaker's name, on the styles set
_ATTRIBUTION_TYPES = ("Attribution", "Attribution-no-source")
LAYOUTS = {"Floating": "floating", "PullQuote": "pull-quote"}  # A-line flags → GoldDocument.layouts values
_ROLES = ("Source", "Cue", "Content")


@dataclass
class GoldDocument:
    """An article and its hand-annotated attributions; `discard` marks boilerplate ("Follow X on ...").

    Where the annotation says so (the styles set; PolNeAR doesn't), each attribution carries its speaker's
    name and type and its act, and `layouts` marks floating and pull quotes by attribution index.
    """

    doc_id: str
    text: str
    attributions: list[Attribution] = field(default_factory=list)
    discard: list[TextSpan] = field(default_factory=list)
    layouts: dict[int, str] = field(default_factory=dict)  # attribution index → "floating" | "pull-quote"


def read_folder(folder: Path | str, counts: Counter | None = None) -> Iterator[GoldDocument]:
    """Yield the gold documents of a PolNeAR-style folder, in sorted order; skips go into `counts`."""
    folder = Path(folder)
    counts = counts if counts is not None else Counter()
    text_dir, ann_dir = folder / "text", folder / "attributions"
    if not text_dir.is_dir():
        raise FileNotFoundError(
            f"No text/ folder in {folder}: expected PolNeAR's layout, text/<article>.txt and "
            "attributions/<article>_<annotator>.ann"
        )
    ann_files: dict[str, list[Path]] = {}
    for path in sorted(ann_dir.glob("*.ann")) if ann_dir.is_dir() else []:
        article = path.stem.rsplit("_", 1)[0]  # <article>_<annotator>.ann
        ann_files.setdefault(article, []).append(path)
    for text_path in sorted(text_dir.glob("*.txt")):
        doc_id = text_path.stem
        if doc_id not in ann_files:
            counts["article without annotations"] += 1
            continue
        if len(ann_files[doc_id]) > 1:
            counts["extra annotator files ignored"] += len(ann_files[doc_id]) - 1
        # newline="" keeps "\r\n" as two characters: brat offsets count the raw characters.
        with open(text_path, encoding="utf-8", newline="") as f:
            text = f.read()
        ann = ann_files[doc_id][0].read_text(encoding="utf-8")
        yield read_ann(ann, text, doc_id, counts)


def read_ann(ann: str, text: str, doc_id: str, counts: Counter | None = None) -> GoldDocument:
    """Parse one brat .ann file against its text; a malformed line is skipped and counted, never raised."""
    counts = counts if counts is not None else Counter()
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}  # T id → (label, offsets)
    events: list[str] = []
    extras: dict[str, dict[str, str]] = {}  # E id → {"SpeakerType": "person", "name": …, "Act": …, "Floating": ""}
    for line in ann.split("\n"):
        line = line.rstrip("\r")
        if m := _NOTE_LINE.match(line):
            extras.setdefault(m.group(1), {})["name"] = m.group(2).strip()
            continue
        if not line or line.startswith("#"):  # other AnnotatorNotes
            continue
        if m := _A_LINE.match(line):
            extras.setdefault(m.group(2), {})[m.group(1)] = m.group(3) or ""
        elif m := _T_LINE.match(line):
            offsets = [tuple(map(int, piece.split())) for piece in m.group(3).split(";")]
            if all(0 <= s <= e <= len(text) for s, e in offsets):
                spans[m.group(1)] = (m.group(2), offsets)
            else:
                counts["span outside the text"] += 1
        elif m := _E_LINE.match(line):
            events.append((m.group(1), m.group(2)))
        elif re.match(r"^[TE]\d+\t", line):
            counts["malformed line"] += 1
        else:
            counts["continuation or other line"] += 1  # span text running over a newline; R/N lines, other A lines
    document = GoldDocument(doc_id, text)
    for label, offsets in spans.values():
        if label == "Discard":
            document.discard.append(TextSpan.from_offsets(text, sorted(offsets)))
    for event_id, event in events:
        attribution = _attribution(event, spans, text, counts)
        if attribution is not None:
            _add_extras(document, attribution, extras.get(event_id, {}), counts)
            document.attributions.append(attribution)
    return document


def _add_extras(document: GoldDocument, attribution: Attribution, extra: dict[str, str], counts: Counter) -> None:
    """Put an event's speaker name and type, act and layout flag on its gold attribution (act None if unsaid)."""
    attribution.act = extra.get("Act")
    if attribution.act is not None and attribution.act not in ACTS:
        counts["unknown act"] += 1
        attribution.act = None
    speaker_type = extra.get("SpeakerType")
    if speaker_type is not None and speaker_type not in SPEAKER_TYPES:
        counts["unknown speaker type"] += 1
        speaker_type = None
    if speaker_type is not None or extra.get("name"):
        attribution.speaker = Speaker(name=extra.get("name") or None, type=speaker_type or "unknown")
    for flag, layout in LAYOUTS.items():
        if flag in extra:
            document.layouts[len(document.attributions)] = layout


def _attribution(event: str, spans: dict, text: str, counts: Counter) -> Attribution | None:
    """Build one gold Attribution from an E line's arguments, merging repeated roles (Content2)."""
    arguments = event.split()
    if not arguments or arguments[0].split(":")[0] not in _ATTRIBUTION_TYPES:
        counts["not an attribution event"] += 1
        return None
    pieces: dict[str, set[tuple[int, int]]] = {role: set() for role in _ROLES}
    for argument in arguments[1:]:
        m = _ROLE.match(argument)
        if not m or m.group(1) not in _ROLES:
            counts["malformed role"] += 1
            continue
        if m.group(2) not in spans:
            counts["role pointing to a missing span"] += 1
            continue
        pieces[m.group(1)].update(spans[m.group(2)][1])

    def span(role: str) -> TextSpan | None:
        """The role's pieces as one TextSpan read from the text, or None when absent or empty."""
        merged = TextSpan.from_offsets(text, sorted(pieces[role]))
        return merged if merged.spans else None

    content = span("Content")
    if content is None:
        counts["attribution without content"] += 1
        return None
    return Attribution(
        content=content, kind=classify_kind(text, content.spans), source=span("Source"), cue=span("Cue")
    )
