"""The web UI's parameters: every value a user can put in a URL or a form, checked before it reaches the ledger.

A bad value is a `BadParameter` (HTTP 400 with its one-line message), never a 500. Checked values go
into a StatementQuery, whose SQL binds them as parameters; nothing here builds SQL.
"""
from __future__ import annotations

import functools

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from urllib.parse import quote, urlencode

from onrecord.document import ACTS, GENDERS, KINDS, BadDocumentId, check_doc_id
from onrecord.serve.charts import SOURCE_TYPES
from onrecord.store import StatementQuery
from onrecord.store.query import SearchSyntaxError, parse_day, parse_search

MAX_TEXT = 500  # characters of a search box or filter; longer is no search, it is a paste
MAX_PAGE = 10_000
MAX_LIMIT = 100  # statements per page at most (JSON users may ask for more than the pages show)
ACT_CHOICES = (*ACTS, "all")  # the statement lists' `act`: speech (statements), thought (beliefs, hopes, plans), all
DEFAULT_ACT = "speech"  # what the statement lists show first: statements; beliefs are one toggle away
# The lowest confidence the statement lists show first (the `min_confidence` control's default): every attribution.
# On our styles set, with calibrated confidences, no threshold buys precision worth the recall it costs (the
# figures: docs/web-ui.md); users who want fewer wrong statements pick ≥ 0.7 or ≥ 0.9.
DEFAULT_MIN_CONFIDENCE = 0.0
CONFIDENCE_CHOICES = (0.0, 0.5, 0.7, 0.9)  # what the control offers; any value from 0 to 1 is accepted
TRUE_VALUES = ("1", "true", "on", "yes")
FALSE_VALUES = ("", "0", "false", "off", "no")


class BadParameter(ValueError):
    """A parameter the server can't use; its message names the parameter and what it takes."""


def check_text(name: str, value: str | None, limit: int = MAX_TEXT) -> str | None:
    """A free-text parameter, stripped; None when empty. Too long or holding control characters: BadParameter."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise BadParameter(f"{name}: at most {limit} characters (got {len(value)})")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise BadParameter(f"{name}: control characters are not allowed")
    return value or None


def check_date(name: str, value: str | None) -> date | None:
    """A YYYY-MM-DD parameter as a date; None when empty."""
    value = check_text(name, value, 40)
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as error:
        raise BadParameter(f"{name}: {error}") from None


def check_search(name: str, value: str | None) -> str | None:
    """A search text (see SEARCH_SYNTAX); one the ledger can't run (only exclusions, ...) is a BadParameter."""
    value = check_text(name, value)
    try:
        parse_search(value or "")
    except SearchSyntaxError as error:
        raise BadParameter(f"{name}: {error}") from None
    return value


def check_number(name: str, value: str | None, default: float, low: float, high: float,
                 parse: type = int) -> float:
    """A number parameter within [low, high] (`parse`: int for a whole number, float for any); `default` when empty."""
    value = check_text(name, value, 20)
    if value is None:
        return default
    try:
        number = parse(value)
    except ValueError:
        raise BadParameter(f"{name}: {value!r} is not a {'whole number' if parse is int else 'number'}") from None
    if not low <= number <= high:  # NaN fails this too
        raise BadParameter(f"{name}: must be between {low} and {high} (got {number})")
    return number


def check_flag(name: str, value: str | None) -> bool:
    """A yes/no parameter: 1, true, on, yes or 0, false, off, no (empty: no)."""
    value = (check_text(name, value, 10) or "").lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise BadParameter(f"{name}: {value!r} is not one of {', '.join(TRUE_VALUES)} / {', '.join(FALSE_VALUES[1:])}")


def check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    """One of `choices`, or None when empty."""
    value = check_text(name, value, 40)
    if value is not None and value not in choices:
        raise BadParameter(f"{name}: {value!r} is not one of {', '.join(choices)}")
    return value


def check_id(name: str, value: str) -> str:
    """A document or speaker id from the path, by the rule ingest applies to the ids it stores (check_doc_id)."""
    try:
        return check_doc_id(value)
    except BadDocumentId as error:
        raise BadParameter(f"{name}: {error}") from None


class QueryParams:
    """What checked page parameters share: JSON-ready values, and URLs that carry them."""

    def to_dict(self) -> dict:
        """The parameters as JSON-ready values (dates as ISO strings)."""
        return {f.name: (value.isoformat() if isinstance(value, date) else value)
                for f in fields(self) for value in [getattr(self, f.name)]}

    def url(self, path: str, **changes) -> str:
        """`path` with these parameters (and `changes`) as its query string; defaults and empties left out."""
        values = {**as_dict(self), **changes}
        default = as_dict(type(self)())
        # (`is not False`, not `!= False`: a min_confidence of 0.0 differs from a default of 0.7, and must be kept)
        kept = {k: ("1" if v is True else v) for k, v in values.items()
                if v is not None and v != "" and v is not False and v != default[k]}
        return path + ("?" + urlencode(kept) if kept else "")


@functools.lru_cache(maxsize=64)
def as_dict(params: QueryParams) -> dict:
    """`params.to_dict()`, made once for the parameters of a page (whose facets build a dozen URLs from them);
    the caller copies it."""
    return params.to_dict()


def shared_filters(params: Mapping[str, str], default_limit: int) -> dict:
    """The parameters search and the documents list share, checked: outlet, since, until, page, limit."""
    checked = {"outlet": check_text("outlet", params.get("outlet")),
               "since": check_date("since", params.get("since")), "until": check_date("until", params.get("until")),
               "page": check_number("page", params.get("page"), 1, 1, MAX_PAGE),
               "limit": check_number("limit", params.get("limit"), default_limit, 1, MAX_LIMIT)}
    if checked["since"] and checked["until"] and checked["since"] > checked["until"]:
        raise BadParameter(f"since ({checked['since']}) is after until ({checked['until']})")
    return checked

def statement_filters(params: Mapping[str, str]) -> dict:
    """The parameters every statement list takes (search, a speaker's page), checked: act, min_confidence."""
    return {"act": check_choice("act", params.get("act"), ACT_CHOICES) or DEFAULT_ACT,
            "min_confidence": check_number("min_confidence", params.get("min_confidence"), DEFAULT_MIN_CONFIDENCE,
                                           0, 1, parse=float)}


@dataclass(frozen=True)
class SearchParams(QueryParams):
    """The search page's parameters, checked: what the search box and the filters hold."""

    q: str | None = None
    speaker: str | None = None
    outlet: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    anonymous: bool = False
    gender: str | None = None  # persons of this gender only (one of GENDERS)
    act: str = DEFAULT_ACT  # one of ACT_CHOICES
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    page: int = 1
    limit: int = 20

    @classmethod
    def parse(cls, params: Mapping[str, str], default_limit: int = 20) -> "SearchParams":
        """Check a request's query parameters; unknown parameters are ignored."""
        return cls(q=check_search("q", params.get("q")), speaker=check_text("speaker", params.get("speaker")),
                   kind=check_choice("kind", params.get("kind"), KINDS),
                   anonymous=check_flag("anonymous", params.get("anonymous")),
                   gender=check_choice("gender", params.get("gender"), GENDERS), **statement_filters(params),
                   **shared_filters(params, default_limit))

    def statement_query(self, speaker_id: str | None = None) -> StatementQuery:
        """The ledger query for this page, one statement more than shown (to know if there is a next page)."""
        return StatementQuery(text=self.q, speaker=self.speaker, outlet=self.outlet, kind=self.kind,
                              since=self.since, until=self.until, anonymous=self.anonymous, gender=self.gender,
                              act=None if self.act == "all" else self.act, min_confidence=self.min_confidence or None,
                              speaker_id=speaker_id, limit=self.limit + 1, offset=(self.page - 1) * self.limit)


@dataclass(frozen=True)
class DocumentParams(QueryParams):
    """The documents list's parameters, checked: outlet (the search's rule), publication dates, the page."""

    outlet: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1
    limit: int = 20

    @classmethod
    def parse(cls, params: Mapping[str, str], default_limit: int = 20) -> "DocumentParams":
        """Check a request's query parameters; unknown parameters are ignored."""
        return cls(**shared_filters(params, default_limit))


OUTLET_COLUMNS = ("outlet", "documents", "attributions", *SOURCE_TYPES, *KINDS)  # what the outlets page sorts by
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class OutletParams:
    """The outlets page's sorting, checked: a column (`sort`) and a direction (`order`)."""

    sort: str = "documents"
    order: str = "desc"

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> "OutletParams":
        """Check `sort` and `order`; a column sorts names A to Z and figures highest first unless `order` says."""
        sort = check_choice("sort", params.get("sort"), OUTLET_COLUMNS) or cls.sort
        return cls(sort, check_choice("order", params.get("order"), ORDERS) or cls.default_order(sort))

    @staticmethod
    def default_order(column: str) -> str:
        return "asc" if column == "outlet" else "desc"

    def url(self, path: str, column: str) -> str:
        """The link of a column's header: sorted by it, the other way round when it is the current sort."""
        order = ("asc" if self.order == "desc" else "desc") if column == self.sort else self.default_order(column)
        return path + "?" + urlencode({"sort": column, "order": order})


def path_url(prefix: str, identifier: str, suffix: str = "") -> str:
    """`/prefix/<identifier, percent-encoded whole>` plus `suffix` (".json" for the JSON twin)."""
    return f"{prefix}/{quote(identifier, safe='')}{suffix}"
