"""Placeholder."""
def resolve_speakers(doc, options):
    return doc
