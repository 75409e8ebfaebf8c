"""Files shipped with the package: lexicons (JSON) and the trained models (`models/`)."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_json(name: str) -> Any:
    """The packaged JSON file `name` (e.g. "cue_lexicon.json"), parsed; callers cache what they build from it."""
    return json.loads(resources.files("onrecord.data").joinpath(name).read_text("utf-8"))
