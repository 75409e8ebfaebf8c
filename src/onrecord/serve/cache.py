"""Recent pages' data, kept per ledger generation: a search asked again costs nothing until a write commits.

Under load the time of a page is its SQL (the search, its count and facets: 95 % and more at a million
attributions; see bench/serve.py), and the same searches come back (the home page, a popular speaker,
"anonymous sources", the next reader of a shared link). `PageCache` keeps the JSON-ready data of the
last `size` pages, keyed by what the page is (its path and parameters) and by the ledger's generation
(onrecord/serve/database.py), so that whatever a write changed is never served from here: a new
generation empties it. Identical requests that arrive while the first one is still being computed wait
for its result instead of running the same SQL again (200 readers of one link cost one query).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

DEFAULT_SIZE = 256  # pages kept: a search page's data is a few tens of kilobytes


class PageCache:
    """The data of the last `size` pages of the current generation; one computation per page at a time."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.generation = -1  # of the pages kept
        self.pages: OrderedDict[Hashable, Any] = OrderedDict()  # least recently used first
        self.pending: dict[tuple[int, Hashable], Future] = {}  # pages being computed now
        self.hits = self.misses = 0

    def get(self, generation: int, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The page `key` as of `generation` (the ledger's, read before `compute` reads the ledger): kept, being
        computed by another request (its result, or its exception), or computed now. A size of 0 keeps nothing."""
        with self.lock:
            if generation == self.generation and key in self.pages:
                self.pages.move_to_end(key)
                self.hits += 1
                return self.pages[key]
            waiting = self.pending.get((generation, key))
            if waiting is not None:
                self.hits += 1  # answered by the computation in flight
            else:
                mine: Future = Future()
                self.pending[(generation, key)] = mine
                self.misses += 1
        if waiting is not None:
            return waiting.result()
        try:
            value = compute()
        except BaseException as error:
            with self.lock:
                del self.pending[(generation, key)]
            mine.set_exception(error)
            raise
        with self.lock:
            del self.pending[(generation, key)]
            if generation > self.generation:  # a write committed: what is kept is out of date
                self.pages.clear()
                self.generation = generation
            if generation == self.generation and self.size:
                self.pages[key] = value
                while len(self.pages) > self.size:
                    self.pages.popitem(last=False)
        mine.set_result(value)
        return value

    def stats(self) -> dict[str, int]:
        """Pages kept, and requests answered from here (kept or in flight) or computed, since the server started."""
        with self.lock:
            return {"pages": len(self.pages), "hits": self.hits, "misses": self.misses, "generation": self.generation}
