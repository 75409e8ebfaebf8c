"""Per-document time limits: a document that takes too long is a counted skip, never a dead run."""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class DocumentTimeout(BaseException):
    """A `time_limit` block ran past its limit.

    A BaseException, like KeyboardInterrupt, so that the broad `except Exception` blocks inside
    libraries (trafilatura has several) cannot swallow it and carry on with the slow document.
    """


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise DocumentTimeout inside the block once `seconds` of wall time have passed.

    Uses SIGALRM, so it only works on the main thread of a Unix process; elsewhere, and for a limit
    of 0 or None, it does nothing. Code stuck inside one long C call (lxml parsing a huge page) is
    interrupted only when that call returns, which is why readers also refuse oversized input.
    """
    if not seconds or seconds <= 0 or not hasattr(signal, "setitimer") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise DocumentTimeout(f"over {seconds:g} s")

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer_left, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    if outer_left and outer_left < seconds:  # inside another time_limit that ends sooner: keep its deadline
        signal.setitimer(signal.ITIMER_REAL, outer_left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_left:  # give the enclosing limit back what it had left
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-3))
