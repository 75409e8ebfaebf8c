"""A ledger whose persons' genders and evidence are known: what the gender figures', corrections' and filters'
tests count (the ledger's, the CLI's, the web UI's). Invented text; each document's speakers, genders and
evidence written by hand, as the resolve stage would set them (the engine decides nothing here)."""
from __future__ import annotations

from pathlib import Path

from onrecord.document import Attribution, Document, DocumentMetadata, GenderEvidence, Speaker, TextSpan
from onrecord.store import Ledger
from onrecord.store.rows import attribution_rows, document_row, text_hash

# doc_id → (outlet, published, [(speaker name, type, gender, [(evidence kind, value, words)], content)])
# every content is quoted once, as `"content," NAME said.`; evidence words are found after the content
DOCUMENTS = {
    "riverside-1": ("Riverside Courier", "2025-03-10", [
        ("Ana Ruiz", "person", "woman", [("pronoun", "woman", "she")], "The bridge reopens in May"),
        ("Ana Ruiz", "person", "woman", [("pronoun", "woman", "she")], "The budget is safe"),
        ("Tom Berg", "person", "man", [("first_name", "man", "Tom")], "Traffic will be light"),
        ("City Hall", "organization", None, [], "Permits are ready"),
        ("officials", "anonymous", None, [], "Delays are possible"),
    ]),
    "riverside-2": ("Riverside Courier", "2025-04-02", [
        ("Ruiz", "person", "woman", [("honorific", "woman", "Ms.")], "Crews start on Monday"),
        ("Jordan Lee", "person", "unknown", [], "The road stays open"),
        ("Tom Berg", "person", "man", [("pronoun", "man", "he")], "We expected this"),
    ]),
    "harbor-1": ("Harbor Times", "2025-04-20", [
        ("Sam Ortiz", "person", "woman", [("pronoun", "woman", "she")], "The port is busy"),
        ("Robin Hale", "person", "woman", [("first_name", "woman", "Robin")], "Ships are late"),
    ]),
    "harbor-2": ("Harbor Times", "2025-05-01", [
        ("Sam Ortiz", "person", "man", [("pronoun", "man", "he")], "The port is quiet"),
        ("Robin Hale", "person", "man", [("honorific", "man", "Mr.")], "Cargo is up"),
        ("Harbor Authority", "organization", None, [], "Fees stay the same"),
    ]),
}
# what the unified persons are, by the rules: in-text evidence beats a first name (Robin Hale), documents whose
# in-text evidence disagrees make it unknown (Sam Ortiz), no evidence is unknown (Jordan Lee)
PERSONS = {"Ana Ruiz": "woman", "Tom Berg": "man", "Jordan Lee": "unknown", "Sam Ortiz": "unknown",
           "Robin Hale": "man"}


def known_gender_document(doc_id: str) -> Document:
    """One of the documents, its attributions, speakers and gender evidence written by hand."""
    return gender_document(doc_id, *DOCUMENTS[doc_id])


def gender_document(doc_id: str, outlet: str, published: str, rows: list[tuple]) -> Document:
    """A document of `rows` as DOCUMENTS gives them: `"content," NAME said, and EVIDENCE.` each."""
    text, attributions = "", []
    for name, speaker_type, gender, evidence, content in rows:
        sentence = f'"{content}," {name} said'
        start = len(text)
        pieces = []
        for kind, value, words in evidence:
            sentence += f", and {words}"
            at = start + len(sentence) - len(words)
            pieces.append(GenderEvidence(kind, value, words, at, at + len(words), 0.9 if kind == "first_name" else None))
        text += sentence + ". "
        content_at = start + 1
        source_at = start + len(f'"{content}," ')
        cue_at = source_at + len(name) + 1
        speaker = Speaker(name, speaker_type, gender=gender, gender_evidence=pieces)
        attributions.append(Attribution(
            content=TextSpan(content, [(content_at, content_at + len(content))]), kind="direct",
            source=TextSpan(name, [(source_at, source_at + len(name))]), cue=TextSpan("said", [(cue_at, cue_at + 4)]),
            speaker=speaker, confidence=0.9))
    # a person's own evidence ("Tom" in "Tom Berg") points into the text: check the offsets say what they claim
    for attribution in attributions:
        for piece in attribution.speaker.gender_evidence:
            assert text[piece.start:piece.end] == piece.text
    return Document(doc_id=doc_id, text=text.strip(), attributions=attributions,
                    metadata=DocumentMetadata(outlet=outlet, published=published, title=doc_id))


def write_known_genders(ledger: Ledger) -> None:
    """Write the documents into an open ledger and refresh it (speakers unified, index built)."""
    docs = [known_gender_document(doc_id) for doc_id in DOCUMENTS]
    ledger.write_rows([document_row(doc, None, text_hash(doc.text), "hand-written") for doc in docs],
                      [row for doc in docs for row in attribution_rows(doc)])
    ledger.refresh()


def build_known_genders(path: Path) -> Path:
    """A ledger at `path` holding the documents, refreshed."""
    with Ledger(path) as ledger:
        write_known_genders(ledger)
    return path
