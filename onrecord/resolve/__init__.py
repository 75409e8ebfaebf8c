"""Resolve stage: name the speaker behind each source (pronouns, roles, outlets, via chains)."""
from onrecord.resolve.speakers import resolve_speakers

__all__ = ["resolve_speakers"]
