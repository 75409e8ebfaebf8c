"""What each page shows, as plain JSON-ready dicts: the JSON twins, and what the HTML templates render.

Every function takes a Ledger (a request's read-only cursor) and checked parameters; all figures come
from the store's API (`search`, `document`, `sourcing`, `speaker`, `statements_per_day`, ...).
"""
from __future__ import annotations

from onrecord.document import Document
from onrecord.serve.charts import per_period
from onrecord.serialize import document_to_dict
from onrecord.serve.highlight import match_spans, words_to_stem
from onrecord.serve.params import OUTLET_COLUMNS, DocumentParams, OutletParams, SearchParams, path_url
from onrecord.store import Ledger, LedgerError, Statement, StatementQuery
from onrecord.store.unify import distinct_variants

HOME_SPEAKERS = 12
MAX_OUTLETS = 40  # outlets on the outlets page (most documents first): one sourcing query each
SMALL_SAMPLE = 20  # an outlet with fewer attributions is marked: its shares say little (6 of 6 is not "100%")
SPEAKER_LIST = 100
# a search's every match, as `onrecord export` writes them: format → media type (/search.csv, /search.jsonl)
DOWNLOAD_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def document_url(doc_id: str, suffix: str = "") -> str:
    return path_url("/documents", doc_id, suffix)


def speaker_url(speaker_id: str | None, suffix: str = "") -> str | None:
    return path_url("/speakers", speaker_id, suffix) if speaker_id else None


def statement_dict(statement: Statement, search: str | None = None, stems: dict[str, str] | None = None) -> dict:
    """A statement with where the search matched its content (`stems`: see match_spans) and the URLs of its
    document and speaker."""
    highlights = match_spans(statement.content, search, stems)
    return {**statement.to_dict(), "highlights": [list(span) for span in highlights],
            "document_url": document_url(statement.doc_id), "speaker_url": speaker_url(statement.speaker_id)}


def pages_around(params: SearchParams | DocumentParams, path: str, more: bool) -> dict:
    """The page number and size, and the URLs of the pages before and after this one."""
    return {"page": params.page, "limit": params.limit,
            "next_url": params.url(path, page=params.page + 1) if more else None,
            "previous_url": params.url(path, page=params.page - 1) if params.page > 1 else None}


def paged(found: list[Statement], params: SearchParams, path: str, search: str | None = None,
          stems: dict[str, str] | None = None) -> dict:
    """A page of statements (the query asked for one more than shown) with the URLs of the pages around it."""
    return {"statements": [statement_dict(s, search, stems) for s in found[: params.limit]],
            **pages_around(params, path, len(found) > params.limit)}


def home_page(ledger: Ledger) -> dict:
    """The ledger at a glance: counts, the dates it spans, the persons quoted by gender, the most quoted named
    speakers, the outlets."""
    return {"counts": ledger.counts(), "dates": ledger.date_range(), "stale": ledger.is_stale(),
            "genders": ledger.genders().to_dict(),
            "speakers": [speaker_dict(s) for s in ledger.speakers(limit=HOME_SPEAKERS, proper_names=True)],
            "outlets": [{"outlet": o.name, "documents": o.documents} for o in ledger.outlets()[:HOME_SPEAKERS]]}


def facet_links(facets: dict[str, list[dict]], params: SearchParams, path: str) -> dict[str, list[dict]]:
    """Each facet value with the URL that adds it as a filter (`url`), or, when it is the filter already,
    `selected` and the URL without it (`remove_url`); "not anonymous" is no filter, so it has no link."""
    current = params.to_dict()
    linked = {}
    for name, values in facets.items():
        linked[name] = []
        for facet in values:
            value = (facet.get("speaker_id") or facet["value"]) if name == "speaker" else facet["value"]
            selected = value is not False and current[name] in (value, facet["value"])
            link = None if selected or value is False else params.url(path, **{name: value}, page=None)
            linked[name].append({**facet, "selected": selected, "url": link,
                                 "remove_url": params.url(path, **{name: None}, page=None) if selected else None})
    return linked


def show_all_url(params: SearchParams, path: str) -> str | None:
    """While a statement list hides beliefs (act=speech, its default), the URL of the same list with them too."""
    return params.url(path, act="all", page=None) if params.act == "speech" else None


def search_page(ledger: Ledger, params: SearchParams, path: str) -> dict:
    """Statements matching the search box and filters, a page at a time, with their total, their facets
    (counts by speaker, outlet, kind, anonymous source), the URLs that download every match or show beliefs too."""
    found = ledger.search(params.statement_query())
    stems = ledger.stems(words_to_stem(params.q, (s.content for s in found)))  # to mark what the index matched
    total, facets = ledger.facets(params.statement_query())
    downloads = {fmt: params.url(f"/search.{fmt}", page=None, limit=None) for fmt in DOWNLOAD_TYPES}
    return {"query": params.to_dict(), "stale": ledger.is_stale(), "total": total,
            "facets": facet_links(facets, params, path), "downloads": downloads,
            "show_all_url": show_all_url(params, path), **paged(found, params, path, params.q, stems)}


def documents_page(ledger: Ledger, params: DocumentParams, path: str) -> dict:
    """The stored documents, newest first, filtered by outlet and publication dates, a page at a time."""
    found = ledger.documents(params.outlet, params.since, params.until, params.limit + 1,
                             (params.page - 1) * params.limit)
    return {"query": params.to_dict(), "total": ledger.count_documents(params.outlet, params.since, params.until),
            "documents": [{**d.to_dict(), "document_url": document_url(d.doc_id)} for d in found[: params.limit]],
            **pages_around(params, path, len(found) > params.limit)}


def speaker_dict(speaker) -> dict:
    """A unified speaker as JSON, with its page's URL; roles and affiliations without duplicate variants
    ("President · US President · U.S. President" → "US President"); each example of its gender evidence with
    its document's URL."""
    evidence = speaker.gender_evidence
    if evidence.get("examples"):
        evidence = {**evidence, "examples": [
            {**e, "document_url": document_url(e["doc_id"]) if e.get("doc_id") else None} for e in evidence["examples"]]}
    return {**speaker.__dict__, "roles": distinct_variants(speaker.roles),
            "affiliations": distinct_variants(speaker.affiliations, affiliations=True),
            "gender_evidence": evidence, "url": speaker_url(speaker.speaker_id)}


def speakers_page(ledger: Ledger, name: str | None, speaker_type: str | None) -> dict:
    """The most quoted speakers, filtered by part of a name and by type."""
    speakers = ledger.speakers(limit=SPEAKER_LIST, name=name, speaker_type=speaker_type)
    return {"query": {"name": name, "type": speaker_type}, "limit": SPEAKER_LIST,
            "speakers": [speaker_dict(s) for s in speakers]}


def speaker_page(ledger: Ledger, speaker_id: str, params: SearchParams, path: str) -> dict | None:
    """A speaker's names, roles, affiliations, statements per period (day, week or month, by the span) and per
    outlet, and statements (each with the source as written), all as the act and confidence filters keep them
    (`total`: how many they keep); None for an unknown id."""
    speaker = ledger.speaker(speaker_id)
    if speaker is None:
        return None
    query = params.statement_query(speaker_id=speaker_id)
    period, counts = per_period(ledger.statements_per_day(query))
    found = ledger.search(query)
    dated = sum(n for _, n in counts)
    per_outlet = ledger.statements_per_outlet(query)
    total = sum(n for _, n in per_outlet)
    outlets = [{"outlet": outlet, "statements": n,
                "search_url": params.url("/search", speaker=speaker_id, outlet=outlet, page=None) if outlet else None}
               for outlet, n in per_outlet]
    return {"speaker": speaker_dict(speaker), "query": params.to_dict(), "total": total, "period": period,
            "statements_per_period": [{"start": start.isoformat(), "statements": n} for start, n in counts],
            "undated_statements": total - dated, "statements_per_outlet": outlets,
            "show_all_url": show_all_url(params, path), **paged(found, params, path)}


def document_dict(doc: Document) -> dict:
    """A document with its text (offsets in `segments` and `attributions` point into it)."""
    return document_to_dict(doc)


def document_page(ledger: Ledger, doc_id: str) -> tuple[dict, Document] | None:
    """A stored document, its attributions with their unified speakers, and its sourcing figures."""
    doc = ledger.document(doc_id)
    if doc is None:
        return None
    data = document_dict(doc)
    statements = {s.ordinal: s for s in ledger.search(StatementQuery(doc_id=doc_id, limit=None))}
    for ordinal, attribution in enumerate(data["attributions"]):
        statement = statements.get(ordinal)
        attribution["speaker_id"] = statement.speaker_id if statement else None
        attribution["speaker_url"] = speaker_url(attribution["speaker_id"])
    data["sourcing"] = ledger.sourcing(doc_id=doc_id).to_dict()
    return data, doc


def outlet_figure(outlet: dict, column: str) -> float | int | str:
    """An outlet's value in one column of the outlets table (a share for source types and kinds)."""
    if column == "outlet":
        return outlet["outlet"].casefold()
    if column in ("documents", "attributions"):
        return outlet["documents"] if column == "documents" else outlet["sourcing"]["attributions"]
    figures = outlet["sourcing"]["source_types"] | outlet["sourcing"]["kinds"]
    return figures.get(column, {}).get("share", 0.0)


def outlets_page(ledger: Ledger, params: OutletParams | None = None, path: str = "/outlets") -> dict:
    """Each outlet's sourcing figures (named, anonymous, organisational, media sources) and shares of speech, the
    outlets with the most documents, sorted as `params` asks; one with few attributions marked `small_sample`."""
    params = params or OutletParams()
    outlets = []
    for name, documents in ((o.name, o.documents) for o in ledger.outlets()):  # one per name, in any case
        try:
            figures = ledger.sourcing(outlet=name).to_dict()
        except LedgerError:
            continue
        outlets.append({"outlet": name, "documents": documents, "sourcing": figures,  # the name as stored
                        "small_sample": figures["attributions"] < SMALL_SAMPLE,
                        "search_url": SearchParams().url("/search", outlet=name)})
        if len(outlets) >= MAX_OUTLETS:
            break
    # ties keep the order above (most documents first); Python's sort is stable, reversed too
    outlets.sort(key=lambda o: outlet_figure(o, params.sort), reverse=params.order == "desc")
    columns = [{"column": c, "url": params.url(path, c), "sorted": params.order if c == params.sort else None}
               for c in OUTLET_COLUMNS]
    return {"outlets": outlets, "limit": MAX_OUTLETS, "sort": params.sort, "order": params.order,
            "small_sample": SMALL_SAMPLE, "columns": columns}
