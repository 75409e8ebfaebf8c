"""A ledger whose attributions' acts, confidences and floating flags are known: what the act and confidence
filters' tests narrow (the ledger's, the CLI's, the web UI's). Invented text, written row by row."""
from __future__ import annotations

from pathlib import Path

from onrecord.document import Attribution, Document, DocumentMetadata, Speaker, TextSpan
from onrecord.store import Ledger
from onrecord.store.rows import attribution_rows, document_row, text_hash

DOC_ID = "bridge-works"
TEXT = ('Mayor Ana Ruiz said the bridge will reopen in May. Ruiz believes the budget is safe. '
        '"We are ready," Ruiz said.\n\n"The crews start on Monday."\n\nCity engineers hope the work ends soon.')
# content → (source and its occurrence in TEXT, cue and its occurrence, act, confidence, floating), reading order
KNOWN = {
    "the bridge will reopen in May": (("Mayor Ana Ruiz", 0), ("said", 0), "speech", 0.95, False),
    "the budget is safe": (("Ruiz", 1), ("believes", 0), "thought", 0.6, False),
    '"We are ready,"': (("Ruiz", 2), ("said", 1), "speech", 0.8, False),
    '"The crews start on Monday."': (("Ruiz", 2), None, "speech", 0.55, True),  # floating: the speaker before
    "the work ends soon": (("City engineers", 0), ("hope", 0), "thought", 0.92, False),
}


def span(text: str, occurrence: int = 0) -> TextSpan:
    """The `occurrence`-th (from 0) `text` in TEXT."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(text, start + 1)
    return TextSpan(text, [(start, start + len(text))])


def known_document() -> Document:
    """The document, its attributions written by hand (the engine decides nothing here)."""
    attributions = []
    for content, (source, cue, act, confidence, floating) in KNOWN.items():
        named = "Ruiz" in source[0]
        attributions.append(Attribution(
            content=span(content), kind="direct" if content.startswith('"') else "indirect", source=span(*source),
            cue=span(*cue) if cue else None, confidence=confidence, act=act, floating=floating,
            speaker=Speaker("Ana Ruiz", "person", role="Mayor") if named else Speaker("City engineers", "anonymous")))
    return Document(doc_id=DOC_ID, text=TEXT, attributions=attributions,
                    metadata=DocumentMetadata(outlet="Riverside Courier", published="2025-04-02",
                                              title="Bridge works"))


def build_known_ledger(path: Path) -> Path:
    """A ledger at `path` holding the known document, refreshed (speakers unified, index built)."""
    doc = known_document()
    with Ledger(path) as ledger:
        ledger.write_rows([document_row(doc, None, text_hash(doc.text), "hand-written")], list(attribution_rows(doc)))
        ledger.refresh()
    return path


def kept_contents(act: str | None = None, min_confidence: float = 0.0) -> set[str]:
    """The contents the filters keep, by the table above."""
    return {content for content, (_, _, a, confidence, _) in KNOWN.items()
            if (act is None or a == act) and confidence >= min_confidence}
