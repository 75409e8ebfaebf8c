"""A search's facets: how its statements count by speaker, outlet, kind, anonymous source and gender.

Both ways a ledger answers them give the same rows and the same ranking: the SQL (`FACETS_SQL`, run by
`Ledger.facets`) and the in-memory columns (store/columns.py) each count the matches in narrow groups — a
speaker group (mention, type, gender, an unnamed source's text), an outlet, a kind — which `facet_keys` turns
into the values each facet shows, and `rank_facets` orders.
"""
from __future__ import annotations

import functools
import heapq
from typing import Any

from onrecord.store.unify import mention_of_key

FACETS = ("speaker", "outlet", "kind", "anonymous", "gender")  # what `Ledger.facets` counts a search's statements by
# the matches (`{source}`: FROM ... WHERE) counted in three sets of narrow groups — by mention, by document, by kind —
# then the names, outlets and genders attached to those groups: a facet row per mention group, outlet, kind. A
# mention's name is in its key (rows.mention_key); the source's text is read only for a mention without a name (or no
# mention), the one case the speaker facet shows it
UNNAMED = ("CASE WHEN a.mention_key IS NULL OR starts_with(a.mention_key, '[\"' || a.speaker_type || '\", null,') "
           "THEN a.source_text END")
FACETS_SQL = (
    "WITH g AS (SELECT GROUPING(a.mention_key) AS no_mention, GROUPING(a.doc_id) AS no_document, a.mention_key, "
    f"a.speaker_type, a.speaker_gender, {UNNAMED} AS unnamed, a.doc_id, a.kind, count(*) AS n{{source}} "
    f"GROUP BY GROUPING SETS ((a.mention_key, a.speaker_type, a.speaker_gender, {UNNAMED}), (a.doc_id), (a.kind))) "
    "SELECT 'speaker', g.mention_key, g.unnamed, s.name, s.speaker_id, g.speaker_type, "
    "coalesce(s.gender, g.speaker_gender, 'unknown'), g.n FROM g "
    "LEFT JOIN speaker_mentions m ON m.mention_key = g.mention_key LEFT JOIN speakers s ON s.speaker_id = m.speaker_id "
    "WHERE g.no_mention = 0 "
    "UNION ALL SELECT 'outlet', d.outlet, NULL, NULL, NULL, NULL, NULL, CAST(sum(g.n) AS BIGINT) FROM g "
    "JOIN documents d ON d.doc_id = g.doc_id WHERE g.no_mention = 1 AND g.no_document = 0 GROUP BY d.outlet "
    "UNION ALL SELECT 'kind', g.kind, NULL, NULL, NULL, NULL, NULL, g.n FROM g WHERE g.no_mention = 1 AND g.no_document = 1")


def facet_keys(facet: str, value: Any, unnamed: str | None = None, name: str | None = None,
               speaker_id: str | None = None, speaker_type: str | None = None,
               gender: str | None = None) -> list[tuple[str, Any]]:
    """The facets, and their values, that a row of FACETS_SQL counts towards: a speaker group's statements count
    for their speaker (its unified name, else the name as written, else the source's text: see
    STATEMENT_COLUMNS), for anonymous or not, and for a person's gender; an outlet's or kind's, for that alone."""
    if facet != "speaker":
        return [(facet, value)]
    written = written_name(value) if value is not None else None
    return [("speaker", (next((s for s in (name, written, unnamed) if s is not None), None), speaker_id)),
            ("anonymous", speaker_type == "anonymous"),
            ("gender", gender if speaker_type == "person" else None)]


def rank_facets(counts: dict[str, dict[Any, int]], top: int) -> dict[str, list[dict[str, Any]]]:
    """Each facet's `top` values, most first, then by value (as SQL orders them); a value of None is left out.
    Only the values counted at least as often as the `top`-th are sorted (a speaker facet may hold thousands)."""
    found = {}
    for name, values in counts.items():
        present = {value: count for value, count in values.items()
                   if (value[0] if name == "speaker" else value) is not None}
        cut = heapq.nlargest(top, present.values())[-1] if len(present) > top and top > 0 else 0
        ranked = sorted(((count, value) for value, count in present.items() if count >= cut),
                        key=lambda item: (-item[0], *facet_order(item[1])))
        found[name] = [{"value": value[0], "count": count, "speaker_id": value[1]} if name == "speaker"
                       else {"value": value, "count": count} for count, value in ranked[:top]]
    return found


def facet_order(value: Any) -> tuple:
    """A facet value's place among equal counts: by value (a speaker: name, then id), None last."""
    parts = value if isinstance(value, tuple) else (value,)
    return tuple(item for part in parts for item in (part is None, part if part is not None else ""))


@functools.lru_cache(maxsize=1 << 16)
def written_name(key: str) -> str | None:
    """The name a mention key holds (what the speaker facet shows for a mention no speaker unified): parsed once."""
    return mention_of_key(key).name
