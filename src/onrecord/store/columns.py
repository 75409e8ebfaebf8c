"""A search page's statements, total and facets from the narrow columns of every attribution held in memory.

Under 200 searches at once, the server's time is the SQL of each page run three times over the same matches —
its ids, its count and its facets — and most of it is DuckDB reading and grouping strings (a mention key, a
document id, an outlet) for every match: 140 ms of one core a page at a million attributions (bench/serve.py
--breakdown). A search engine keeps such fields as columns of small integers beside its index (Lucene's doc
values); `StatementColumns` does the same for one generation of the ledger: per attribution, its place in the
default order, its speaker group (what the speaker, anonymous and gender facets count by), outlet, kind, act,
date and confidence, as NumPy arrays (about 30 bytes a statement). A page then costs the postings of its words
(still SQL, store/index.py), a few comparisons and counts over arrays, and the 20 rows it shows (SQL, by id).

Same results as the SQL path, by construction and by test (tests/test_columns.py compares both on every
shape of query): the words' matches and scores come from the same SQL (`SearchSQL`); the filters that name
things (a speaker's names, an outlet, a gender) are resolved by the SQL of `query.statement_filters` over the
small tables, to the groups or outlets they keep; the order is the statement SQL's. What it can't answer (a
ledger whose index is stale, a document filter) returns None, and the caller runs the SQL instead.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from onrecord.store.facets import FACETS, UNNAMED, facet_keys, facet_order, rank_facets
from onrecord.store.query import (SPEAKER_KEYS, SearchSQL, Statement, StatementQuery, like_pattern,
                                  outlet_condition, parse_search)

# an attribution's own columns a Statement shows (its speaker's unified name, id and gender come from its group)
PAGE_COLUMNS = ("a.attribution_id, a.doc_id, a.ordinal, a.speaker_name, a.speaker_type, a.source_text, a.cue_text, "
                "a.content_text, a.kind, a.via_names, a.act, a.floating, a.confidence")
# the speaker groups, and their order: a group's code is its place in it (the groups' rows and every statement's
# code are read by two queries, which must agree)
GROUPS = f"SELECT DISTINCT a.mention_key, a.speaker_type, a.speaker_gender, {UNNAMED} AS unnamed FROM attributions a"
GROUP_ORDER = ("g.mention_key NULLS FIRST, g.speaker_type NULLS FIRST, g.speaker_gender NULLS FIRST, "
               "g.unnamed NULLS FIRST")
KEPT_FILTERS = 4096  # speaker and outlet filters whose answer is remembered (then forgotten all at once)
NO_DATE = np.iinfo(np.int32).min  # a statement without a publication date (no since/until keeps it)


@dataclass(frozen=True)
class Selection:
    """The statements a query matches: their rows (positions in the columns), their scores when ranked."""

    rows: np.ndarray  # int64 positions, in no order
    scores: np.ndarray | None  # float64, aligned with rows; None: unranked (newest first)


class StatementColumns:
    """The narrow columns of every attribution of one ledger generation (see the module's docstring)."""

    def __init__(self, ledger, generation: int) -> None:
        """Read the columns through `ledger` (a cursor of the generation's snapshot): about a second a million."""

        con = ledger.connection
        self.generation = generation
        # what every page would otherwise read from the meta and stats tables again: fixed for a generation
        self.stale = ledger.is_stale()
        index = ledger.term_index()
        self.index_stats = index.stats() if index is not None else None  # None: the index is stale
        self.known_terms: dict = {}  # searches' words → their terms and frequencies (TermIndex.terms)
        # the speaker groups of the facets (FACETS_SQL's first grouping set), with their unified speaker
        groups = con.execute(
            "SELECT g.mention_key, g.unnamed, s.name, s.speaker_id, g.speaker_type, "
            "coalesce(s.gender, g.speaker_gender, 'unknown'), "
            "CASE WHEN g.speaker_type = 'person' THEN coalesce(s.gender, g.speaker_gender, 'unknown') END "
            f"FROM ({GROUPS}) g LEFT JOIN speaker_mentions m ON m.mention_key = g.mention_key "
            f"LEFT JOIN speakers s ON s.speaker_id = m.speaker_id ORDER BY {GROUP_ORDER}").fetchall()
        self.groups = [row[:6] for row in groups]  # as FACETS_SQL's speaker rows give them, less the count
        self.group_gender = [row[6] for row in groups]  # GENDER_SQL of the group's statements
        self.groups_of_mention: dict[str | None, list[int]] = {}  # a mention key's groups (by code)
        for code, row in enumerate(groups):
            self.groups_of_mention.setdefault(row[0], []).append(code)
        self.kinds = [row[0] for row in con.execute("SELECT DISTINCT kind FROM attributions ORDER BY ALL").fetchall()]
        self.acts = [row[0] for row in con.execute("SELECT DISTINCT act FROM attributions ORDER BY ALL").fetchall()]
        self.outlets = [row[0] for row in con.execute("SELECT DISTINCT outlet FROM documents ORDER BY ALL").fetchall()]
        self.doc_ids = [row[0] for row in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]
        # every attribution's columns, by attribution_id; `place`: its rank in the default order (newest first)
        data = con.execute(
            f"WITH g AS (SELECT row_number() OVER (ORDER BY {GROUP_ORDER}) - 1 AS code, * FROM ({GROUPS}) g), "
            "d AS (SELECT row_number() OVER (ORDER BY doc_id) - 1 AS code, doc_id, outlet FROM documents) "
            "SELECT a.attribution_id, (row_number() OVER (ORDER BY a.published_date DESC NULLS LAST, a.doc_id, "
            "a.ordinal) - 1)::INTEGER AS place, g.code::INTEGER AS grp, d.code::INTEGER AS doc, "
            "coalesce(list_position(?::VARCHAR[], d.outlet), 0)::SMALLINT AS outlet, "
            "coalesce(list_position(?::VARCHAR[], a.kind), 0)::TINYINT AS kind, "
            "coalesce(list_position(?::VARCHAR[], a.act), 0)::TINYINT AS act, "
            f"coalesce(CAST(a.published_date - DATE '1970-01-01' AS INTEGER), {NO_DATE}) AS day, "
            "a.confidence "
            "FROM attributions a JOIN d ON d.doc_id = a.doc_id JOIN g ON "
            "g.mention_key IS NOT DISTINCT FROM a.mention_key AND g.speaker_type IS NOT DISTINCT FROM a.speaker_type "
            f"AND g.speaker_gender IS NOT DISTINCT FROM a.speaker_gender AND g.unnamed IS NOT DISTINCT FROM {UNNAMED} "
            "ORDER BY a.attribution_id",
            [[k for k in self.outlets if k is not None], [k for k in self.kinds if k is not None],
             [k for k in self.acts if k is not None]]).fetchnumpy()
        # codes: 0 is NULL, then the values in order (list_position is 1-based)
        self.outlets = [None, *(k for k in self.outlets if k is not None)]
        self.kinds = [None, *(k for k in self.kinds if k is not None)]
        self.acts = [None, *(k for k in self.acts if k is not None)]
        self.ids = np.asarray(data["attribution_id"], dtype=np.int64)
        self.place = np.asarray(data["place"], dtype=np.int32)
        self.group = np.asarray(data["grp"], dtype=np.int32)
        self.doc = np.asarray(data["doc"], dtype=np.int32)
        self.outlet = np.asarray(data["outlet"], dtype=np.int16)
        self.kind = np.asarray(data["kind"], dtype=np.int8)
        self.act = np.asarray(data["act"], dtype=np.int8)
        self.day = np.asarray(data["day"], dtype=np.int32)
        confidence = data["confidence"]
        self.confidence = np.asarray(confidence.filled(np.nan) if np.ma.isMaskedArray(confidence) else confidence,
                                     dtype=np.float64)
        self.anonymous_groups = np.array([g[4] == "anonymous" for g in self.groups], dtype=bool)
        # the rows sorted by speaker group (each group's rows a slice) and by date (a date range's rows a slice)
        self.by_group = np.argsort(self.group, kind="stable")
        self.group_sizes = np.bincount(self.group, minlength=len(self.groups))
        self.group_starts = np.concatenate(([0], np.cumsum(self.group_sizes)))
        self.by_day = np.argsort(self.day, kind="stable")
        self.days = self.day[self.by_day]
        # the values each group counts towards in the speaker, anonymous and gender facets (facet_keys), coded
        self.group_facets: dict[str, tuple[list, np.ndarray]] = {}
        keyed = [dict(facet_keys("speaker", *group)) for group in self.groups]
        for name in ("speaker", "anonymous", "gender"):
            values = sorted({keys[name] for keys in keyed}, key=facet_order)
            code = {value: i for i, value in enumerate(values)}
            self.group_facets[name] = (values, np.array([code[keys[name]] for keys in keyed], dtype=np.int64))
        # each facet's values (by code), and the codes of those no facet shows (None: no outlet, no speaker name)
        self.facet_values = {name: (values, [i for i, v in enumerate(values)
                                             if (v[0] if name == "speaker" else v) is None])
                             for name, values in [*((n, v) for n, (v, _) in self.group_facets.items()),
                                                  ("outlet", self.outlets), ("kind", self.kinds)]}
        # what a speaker or outlet filter keeps (its groups, its outlets), as the small tables' SQL says: the same
        # names come back search after search ("Clinton", "nyt"), and the answer holds for the generation
        self._kept: dict[tuple[str, str], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    # -- which statements a query matches ----------------------------------------------------------

    def select(self, ledger, query: StatementQuery) -> Selection | None:
        """The rows `query` matches (its text through the postings, its filters over the columns), or None when
        these columns can't answer it (the caller runs the SQL)."""
        if query.doc_id is not None:
            return None
        search = parse_search(query.text or "")  # SearchSyntaxError: the caller's to report, as the SQL path does
        scores = None
        if search.clauses:
            index = ledger.term_index()
            if index is None:
                return None
            sql, params, ranked = SearchSQL(search, index).hits()
            found = ledger.connection.execute(sql, params).fetchnumpy()
            ids = np.asarray(found["attribution_id"], dtype=np.int64)
            rows = np.searchsorted(self.ids, ids)
            rows[rows == len(self.ids)] = 0
            if len(ids) and not np.array_equal(self.ids[rows], ids):
                return None  # a statement written after these columns were read: the SQL answers
            if ranked:
                score = found["score"]
                score = score.filled(np.nan) if np.ma.isMaskedArray(score) else score
                scores = np.asarray(score, dtype=np.float64)
            keep = self._filter(ledger, query, rows, self._groups(ledger, query))
            rows = rows[keep]
            if scores is not None:
                scores = scores[keep]
        else:
            groups = self._groups(ledger, query)
            rows = self._narrowest(query, groups)
            keep = self._filter(ledger, query, rows, groups)
            rows = np.flatnonzero(keep) if rows is None else rows[keep]
        return Selection(rows, scores)

    def _narrowest(self, query: StatementQuery, groups: np.ndarray | None) -> np.ndarray | None:
        """The rows of the query's most selective speaker or date filter, read from the rows sorted by group and by
        date (a speaker's statements, a week's), when they are fewer than half the ledger; else None (every row)."""
        best, fewest = None, len(self.ids) // 2
        if groups is not None:
            codes = np.flatnonzero(groups)
            if self.group_sizes[codes].sum() < fewest:
                best = np.concatenate([self.by_group[self.group_starts[c]:self.group_starts[c + 1]] for c in codes]
                                      or [np.zeros(0, dtype=np.int64)])
                fewest = len(best)
        if query.since or query.until:
            low = np.searchsorted(self.days, query.since.toordinal() - EPOCH if query.since else NO_DATE, "left" if
                                  query.since else "right")
            high = (np.searchsorted(self.days, query.until.toordinal() - EPOCH, "right") if query.until
                    else len(self.days))
            if high - low < fewest:
                best = self.by_day[low:max(low, high)]
        return best

    def _groups(self, ledger, query: StatementQuery) -> np.ndarray | None:
        """Which speaker groups the query's speaker, anonymous and gender filters keep (None: no such filter)."""
        allowed_groups: np.ndarray | None = None

        def restrict_groups(mask: np.ndarray) -> None:
            nonlocal allowed_groups
            allowed_groups = mask if allowed_groups is None else allowed_groups & mask

        if query.speaker:
            restrict_groups(self._kept_groups(ledger, "speaker", query.speaker,
                                              SPEAKER_KEYS,
                                              [query.speaker, like_pattern(query.speaker), like_pattern(query.speaker)]))
        if query.speaker_id:
            restrict_groups(self._kept_groups(ledger, "speaker_id", query.speaker_id,
                                              "SELECT mention_key FROM speaker_mentions WHERE speaker_id = ?",
                                              [query.speaker_id]))
        if query.anonymous:
            restrict_groups(self.anonymous_groups)
        if query.gender:
            restrict_groups(np.array([g == query.gender for g in self.group_gender], dtype=bool))
        return allowed_groups

    def _filter(self, ledger, query: StatementQuery, rows: np.ndarray | None,
                allowed_groups: np.ndarray | None) -> np.ndarray:
        """A boolean mask over `rows` (None: every row) of those the query's filters keep (its speaker, anonymous
        and gender filters as the groups they allow: `_groups`)."""

        def col(array: np.ndarray) -> np.ndarray:
            return array if rows is None else array[rows]

        keep = np.ones(len(self.ids) if rows is None else len(rows), dtype=bool)
        if allowed_groups is not None:
            keep &= allowed_groups[col(self.group)]
        if query.outlet:
            keep &= self._kept_outlets(ledger, query.outlet)[col(self.outlet)]
        if query.kind:
            keep &= col(self.kind) == self._code(self.kinds, query.kind)
        if query.act:
            keep &= col(self.act) == self._code(self.acts, query.act)
        if query.since or query.until:
            day = col(self.day)
            keep &= day != NO_DATE
            if query.since:
                keep &= day >= (query.since.toordinal() - EPOCH)
            if query.until:
                keep &= day <= (query.until.toordinal() - EPOCH)
        if query.min_confidence:
            with np.errstate(invalid="ignore"):
                keep &= col(self.confidence) >= query.min_confidence  # NaN (no confidence) never
        return keep

    def _kept_groups(self, ledger, field: str, value: str, sql: str, params: list[Any]) -> np.ndarray:
        """Which speaker groups a speaker filter keeps: those of the mention keys `sql` selects (remembered)."""
        kept = self._kept.get((field, value))
        if kept is None:
            keys = [row[0] for row in ledger.connection.execute(sql, params).fetchall()]
            kept = np.zeros(len(self.groups), dtype=bool)
            kept[[code for key in set(keys) for code in self.groups_of_mention.get(key, ())]] = True
            self._remember((field, value), kept)
        return kept

    def _kept_outlets(self, ledger, outlet: str) -> np.ndarray:
        """Which outlet codes an outlet filter keeps, by `outlet_condition` over the outlets (remembered)."""
        kept = self._kept.get(("outlet", outlet))
        if kept is None:
            condition, params = outlet_condition("d.outlet", outlet)
            names = {row[0] for row in ledger.connection.execute(
                f"SELECT d.outlet FROM (SELECT unnest(?::VARCHAR[]) AS outlet) d WHERE {condition}",
                [[o for o in self.outlets if o is not None], *params]).fetchall()}
            kept = np.array([o in names for o in self.outlets], dtype=bool)
            self._remember(("outlet", outlet), kept)
        return kept

    def _remember(self, key: tuple[str, str], kept: np.ndarray) -> None:
        if len(self._kept) >= KEPT_FILTERS:  # (a dict's single operations are atomic: no lock for readers)
            self._kept.clear()
        self._kept[key] = kept

    @staticmethod
    def _code(values: list, value: Any) -> int:
        """A value's code in a column (-1, which no row has, for a value no row holds)."""
        try:
            return values.index(value)
        except ValueError:
            return -1

    # -- what a page shows -------------------------------------------------------------------------

    def page(self, selection: Selection, limit: int, offset: int) -> tuple[np.ndarray, list[float | None]]:
        """The rows and scores of the page's statements, in the statement SQL's order (score, then newest first)."""
        rows, scores = selection.rows, selection.scores
        want = offset + limit
        if scores is None:
            places = self.place[rows]
            if want < len(rows):
                cut = np.argpartition(places, want - 1)[:want]
                rows, places = rows[cut], places[cut]
            chosen = rows[np.argsort(places, kind="stable")][offset:want]
            return chosen, [None] * len(chosen)
        key = np.where(np.isnan(scores), -np.inf, scores)  # NULL scores last, as DESC puts them in SQL
        order = np.lexsort((self.place[rows], -key))[offset:want]
        return rows[order], [None if np.isnan(s) else float(s) for s in scores[order]]

    def statements(self, ledger, rows: np.ndarray, scores: list[float | None]) -> list | None:
        """The page's statements (`Statement`s, as STATEMENT_COLUMNS makes them) from the rows of its attributions
        and documents, each read by id on its own, and its speakers from the groups here: one SQL statement joining
        them cost DuckDB 9 of its 14 ms in planning. None when a row has gone (the SQL answers)."""
        ids = self.ids[rows].tolist()
        if not ids:
            return []
        found = {row[0]: row for row in ledger.connection.execute(
            f"SELECT {PAGE_COLUMNS} FROM attributions a WHERE a.attribution_id IN (SELECT unnest(?))", [ids]).fetchall()}
        documents = {row[0]: row[1:] for row in ledger.connection.execute(
            "SELECT doc_id, outlet, published, title, url FROM documents WHERE doc_id IN (SELECT unnest(?))",
            [sorted({self.doc_ids[code] for code in self.doc[rows].tolist()})]).fetchall()}
        statements = []
        for attribution_id, group, score in zip(ids, self.group[rows].tolist(), scores):
            row = found.get(attribution_id)
            if row is None or row[1] not in documents:
                return None
            _, doc_id, ordinal, speaker_name, speaker_type, source, cue, content, kind, via, act, floating, \
                confidence = row
            _, _, name, speaker_id, _, _ = self.groups[group]
            speaker = next((s for s in (name, speaker_name, source) if s is not None), None)  # as STATEMENT_COLUMNS
            statements.append(Statement(attribution_id, doc_id, ordinal, speaker, speaker_id, speaker_type, source,
                                        cue, content, kind, via, *documents[doc_id], act, floating, confidence,
                                        self.group_gender[group], score))
        return statements

    def facets(self, selection: Selection, top: int) -> tuple[int, dict[str, list[dict[str, Any]]]]:
        """`Ledger.facets` of the selection: its total, and each facet's `top` values (by `rank_facets`)."""
        rows = selection.rows
        groups = np.bincount(self.group[rows], minlength=len(self.groups))
        counts: dict[str, dict[Any, int]] = {}
        for name, (values, codes) in self.group_facets.items():  # speaker, anonymous, gender: summed over groups
            counts[name] = self._candidates(name, np.bincount(codes, weights=groups, minlength=len(values)), top)
        counts["outlet"] = self._candidates("outlet", np.bincount(self.outlet[rows], minlength=len(self.outlets)), top)
        kinds = np.bincount(self.kind[rows], minlength=len(self.kinds))
        counts["kind"] = self._candidates("kind", kinds, top)
        return int(kinds.sum()), rank_facets({name: counts[name] for name in FACETS}, top)  # in FACETS' order

    def _candidates(self, name: str, counts: np.ndarray, top: int) -> dict[Any, int]:
        """The values of a facet that can be among its `top` (their counts): those present, not None (no facet
        shows it), and counted at least as often as the `top`-th; rank_facets orders them."""
        values, hidden = self.facet_values[name]
        counts = counts.astype(np.int64)
        counts[hidden] = 0
        present = np.flatnonzero(counts)
        if len(present) > top > 0:
            cut = np.partition(counts[present], len(present) - top)[len(present) - top]
            present = present[counts[present] >= cut]
        return {values[code]: int(counts[code]) for code in present}


EPOCH = 719163  # date(1970, 1, 1).toordinal()


def page_query(query: StatementQuery) -> StatementQuery:
    """The part of a query that selects (what a Selection is kept for): without its page."""
    return replace(query, limit=None, offset=0)


