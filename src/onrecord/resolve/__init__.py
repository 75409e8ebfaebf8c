"""Resolve stage: name the speaker behind each source (pronouns, roles, outlets, via chains).

    mentions.py       a source mention → name / role / affiliation ("Kremlin spokesman Dmitry Peskov")
    speaker_types.py  person, organization, media, anonymous, document or unknown
    index.py          per-document index built once: sentences, people named in the text, byline
    organizations.py  organisations named in the text: "the company", "Corvane", "KBC" → the full name before
    coref.py          he / she / it / they / who / "the readout" → an earlier speaker or name
    via.py            outlets a statement came through ("CNN, citing …", "told Bloomberg", "…, TASS reported")
    gender.py         a person speaker's gender and its evidence: "she said", "Ms.", "chairwoman", a first name
    first_names.py    the first-name table of the nomquamgender package, read in place
    speakers.py       resolve_speakers(doc, options): the stage itself
    lexicon.py        the word lists in onrecord/data/speaker_lexicon.json
"""
from onrecord.resolve.speakers import resolve_speakers

__all__ = ["resolve_speakers"]
