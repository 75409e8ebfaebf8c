"""HTML reader: a web page's main text and metadata, found by trafilatura.

Menus, cookie banners, share widgets, comment sections and footers are left out. One function,
`html_page`, serves HTML files, JSONL records that hold raw HTML, and WARC responses.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import urlsplit

import trafilatura
from courlan import extract_domain  # trafilatura's own URL library (its public suffix list)

from onrecord.document import DocumentMetadata
from onrecord.limits import DocumentTimeout, call_within
from onrecord.read.base import STDIN, InputDocument, ReadOptions, Source
from onrecord.stats import RunStats
from onrecord.read.text import looks_binary


PAGE_FIELDS = ("text", "url", "date", "title", "author", "sitename", "hostname")
_WWW = re.compile(r"^(?:www|w\d+)\.", re.IGNORECASE)


def page_fields(page) -> SimpleNamespace | None:
    """What html_page reads of trafilatura's result (the rest holds lxml trees, which can't leave a worker)."""
    if page is None:
        return None
    return SimpleNamespace(**{name: getattr(page, name, None) for name in PAGE_FIELDS})


def outlet_name(site_name: str | None, url: str | None, host: str | None = None) -> str | None:
    """An outlet's display name: the page's own site name ("The Portmouth Herald"), else its registrable domain.

    A site name that is only a host ("www.example.com") or a fragment of the page's host ("Hosted", which
    trafilatura makes of hosted.ap.org) gives way to the registrable domain: "ap.org", "example.com"."""
    host = (urlsplit(url).hostname if url and "//" in url else None) or host
    name = (site_name or "").strip().lstrip("@")
    if name and not _host_like(name) and (host is None or name.lower() not in host.lower().split(".")[:-2]):
        return name
    return registrable_domain(host or name) if host or name else None


def _host_like(name: str) -> bool:
    """A name that is a host name or URL rather than a name: "www.example.com", "https://example.com/"."""
    return " " not in name and ("." in name or "/" in name)


def registrable_domain(host: str) -> str | None:
    """The domain a host belongs to ("hosted.ap.org" → "ap.org"; "www.bbc.co.uk" → "bbc.co.uk"); where the
    public suffix is unknown ("news.example"), the host without "www."."""
    host = host.strip().lower()
    url = host if "//" in host else f"https://{host}"
    bare = urlsplit(url).hostname
    return extract_domain(url) or (_WWW.sub("", bare) if bare else None)


def html_page(
    html: bytes | str, origin: str, stats: RunStats, options: ReadOptions, url: str | None = None
) -> tuple[str, DocumentMetadata] | None:
    """The main text of one HTML page and what its metadata says, or None (counted) when it can't be read."""
    if len(html) > options.max_html_bytes:
        # Checked before parsing: a page this size would cost lxml much memory, and time up to the limit, for nothing.
        stats.skip(origin, "html: too large", f"over {options.max_html_bytes / 1e6:g} MB")
        return None
    if isinstance(html, bytes) and looks_binary(html):
        stats.skip(origin, "binary")
        return None
    if not html.strip():
        stats.skip(origin, "empty")
        return None
    try:
        # Bytes go in undecoded: trafilatura reads the page's declared or detected charset itself. With a time
        # limit it runs in a worker process, killed when the limit passes: lxml can't be interrupted mid-call.
        page = call_within(options.timeout, trafilatura.bare_extraction, (html,),
                           dict(url=url, with_metadata=True, include_comments=False, include_tables=False),
                           reply=page_fields)
    except DocumentTimeout:
        stats.skip(origin, "html: timeout", f"over {options.timeout:g} s")
        return None
    except Exception as error:  # lxml and trafilatura on hostile markup: one page, not the run
        stats.skip(origin, "html: extraction error", f"{type(error).__name__}: {error}")
        return None
    if page is None or not (page.text or "").strip():
        stats.skip(origin, "html: no main text")
        return None
    metadata = DocumentMetadata(
        url=page.url or url,
        published=page.date,
        title=page.title,
        byline=page.author,
        outlet=outlet_name(page.sitename, page.url or url, page.hostname),
    )
    return page.text, metadata


def read_html(source: Source, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """One document per HTML file or stream; its doc_id is the file name without extension."""
    data = source.stream.read(options.max_html_bytes + 1)  # one byte over the limit is enough to refuse
    page = html_page(data, source.name, stats, options)
    if page is not None:
        text, metadata = page
        yield InputDocument(doc_id=source.stem, text=text, path=source.name, metadata=metadata,
                            id_from_input=source.name != STDIN)
