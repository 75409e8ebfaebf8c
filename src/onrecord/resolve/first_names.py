"""First names and the gender they are given to, from the name table of the `nomquamgender` package (MIT).

nomquamgender ships `name_data.json` (22 MB, 720 000 lower-case names, sorted): per name the number of sources, the
number of people counted and p(gf), the share of them who were women. Importing the package itself would load
pandas and parse the whole file (seconds, hundreds of MB); onrecord asks for a handful of first names per article,
so the file is mapped into memory once and each name found by bisection over its sorted keys (microseconds).
"""
from __future__ import annotations

import importlib.util
import json
import mmap
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

TABLE_PACKAGE = "nomquamgender"
TABLE_FILE = "name_data.json"
_SEPARATOR = b'], "'  # between two entries: the end of one value list, the opening quote of the next key
_KEY_END = b'": ['


class NameShare(NamedTuple):
    """What the table says of one first name."""

    name: str  # the key it was found under (lower case, diacritics removed when needed)
    count: int  # people counted with this first name across the table's sources
    share_women: float  # p(gf): the share of them who were women


class NameTable:
    """The sorted name table, read in place: `share("Maria")` → NameShare("maria", 1944793, 0.953)."""

    def __init__(self, path: Path):
        with open(path, "rb") as file:
            self._data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        self._first = self._data.find(b'"')  # the opening quote of the first key

    def share(self, first_name: str) -> NameShare | None:
        """The table's entry for a first name (as written, then without diacritics), else None."""
        low = first_name.strip().lower()
        for key in dict.fromkeys((low, _without_diacritics(low))):
            found = self._lookup(key)
            if found is not None:
                return found
        return None

    @lru_cache(maxsize=4096)  # the same first names come back article after article
    def _lookup(self, key: str) -> NameShare | None:
        """Bisection over byte positions: each probe reads the first entry that starts at or after it."""
        lo, hi = 0, len(self._data)
        while lo < hi:
            mid = (lo + hi) // 2
            entry = self._entry_from(mid)
            if entry is None or entry[1] >= hi:
                hi = mid
                continue
            name, start, end = entry
            if name == key:
                return self._read(name, start, end)
            if name < key:
                lo = end
            else:
                hi = mid
        return None

    def _entry_from(self, position: int) -> tuple[str, int, int] | None:
        """(key, where its opening quote stands, where its value ends) of the first entry at or after `position`."""
        data = self._data
        if position <= self._first:
            start = self._first
        else:
            found = data.find(_SEPARATOR, position - len(_SEPARATOR) + 1)
            if found < 0:
                return None
            start = found + len(_SEPARATOR) - 1
        key_end = data.find(_KEY_END, start + 1)
        if key_end < 0:
            return None
        value_end = data.find(_SEPARATOR, key_end)
        value_end = value_end + 1 if value_end >= 0 else data.rfind(b"}")
        return json.loads(data[start:key_end + 1]), start, value_end

    def _read(self, name: str, start: int, end: int) -> NameShare | None:
        """The entry's value list [sources, count, p(gf), categories], read; None when it isn't one."""
        data = self._data
        value = json.loads(data[data.find(_KEY_END, start + 1) + len(_KEY_END) - 1:end])
        if len(value) < 3 or not isinstance(value[2], (int, float)):
            return None
        return NameShare(name, int(value[1]), float(value[2]))


def _without_diacritics(text: str) -> str:
    """ "José" → "jose": the table's keys were written without diacritics for most names."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def name_table() -> NameTable | None:
    """The installed table, mapped on first use; None when nomquamgender isn't installed (no first-name evidence).

    The package is found without importing it (its __init__ imports pandas and parses the whole table).
    """
    spec = importlib.util.find_spec(TABLE_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / TABLE_FILE
        if path.is_file():
            return NameTable(path)
    return None
