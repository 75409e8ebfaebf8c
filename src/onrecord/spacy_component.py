"""spaCy component "onrecord_attributions": runs onrecord.extract on the Doc text and stores the results on the Doc.

    nlp = spacy.blank("en")
    nlp.add_pipe("onrecord_attributions")
    doc = nlp(text)
    doc._.attributions                  # list of onrecord Attribution objects
    doc.spans["onrecord_content"]       # spaCy Spans; span.label_ is the kind, span.id_ the attribution index
    doc.spans["onrecord_segments"]      # the clean stage's segments; label_ article, boilerplate or advertorial
    doc._.segments, doc._.metadata      # onrecord Segment objects (with their reasons) and DocumentMetadata

The factory is also registered through the `spacy_factories` entry point, so no import is needed.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from onrecord.document import Document, TextSpan
from onrecord.pipeline import extract
from onrecord.options import ExtractOptions

FACTORY_NAME = "onrecord_attributions"
SPAN_KEYS = {"source": "onrecord_source", "cue": "onrecord_cue", "content": "onrecord_content"}
SEGMENTS_KEY = "onrecord_segments"

# Guarded so that importing this module twice (entry point, then by hand) doesn't raise.
for _name in ("attributions", "segments", "metadata"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)  # None, not [], so Docs never share one list


def align_span(doc: Doc, text_span: TextSpan, label: str, index: int) -> list[Span]:
    """spaCy Spans for each piece of a (possibly discontinuous) TextSpan; pieces that can't align are dropped."""
    aligned = []
    for start, end in text_span.spans:
        if not 0 <= start < end <= len(doc.text):
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and len(span) > 0:
            # span_id ties the pieces of one attribution together: doc._.attributions[int(span.id_)]
            aligned.append(Span(doc, span.start, span.end, label=label, span_id=str(index)))
    return aligned


def set_annotations(doc: Doc, document: Document) -> Doc:
    """Store `document` on `doc`: `doc._.attributions`, `_.segments`, `_.metadata` and the `doc.spans` groups."""
    doc._.attributions = list(document.attributions)
    doc._.segments = list(document.segments)
    doc._.metadata = document.metadata
    # span_id is the index into doc._.segments, where the reason is
    doc.spans[SEGMENTS_KEY] = [
        span for index, segment in enumerate(document.segments)
        for span in align_span(doc, TextSpan.from_offsets(doc.text, [(segment.start, segment.end)]), segment.label, index)
    ]
    groups: dict[str, list[Span]] = {key: [] for key in SPAN_KEYS.values()}
    for index, attribution in enumerate(document.attributions):
        for role, key in SPAN_KEYS.items():
            text_span = getattr(attribution, role)
            if text_span is not None:
                groups[key].extend(align_span(doc, text_span, attribution.kind, index))
    for key, spans in groups.items():
        doc.spans[key] = spans
    return doc


class AttributionComponent:
    """Pipeline component: `Doc -> Doc`, reading doc.text and writing doc._.attributions and doc.spans."""

    def __init__(self, nlp: Language, name: str, options: ExtractOptions):
        self.nlp = nlp
        self.name = name
        self.options = options

    def __call__(self, doc: Doc) -> Doc:
        """Extract attributions from the Doc's text and set them on the Doc."""
        return set_annotations(doc, extract(doc.text, self.options))


@Language.factory(
    FACTORY_NAME,
    default_config={"resolve_speakers": True, "segment": True, "profile": "accurate"},
    assigns=["doc._.attributions", "doc._.segments", "doc._.metadata", "doc.spans"],
)
def make_attribution_component(nlp: Language, name: str, resolve_speakers: bool, segment: bool,
                               profile: str) -> AttributionComponent:
    """Build the component; its config mirrors ExtractOptions (profile: accurate, fast, precise, rules)."""
    return AttributionComponent(nlp, name, ExtractOptions(resolve_speakers=resolve_speakers, segment=segment,
                                                          profile=profile))
