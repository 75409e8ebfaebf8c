"""Per-document time limits: a slow block raises DocumentTimeout; no limit, no effect."""
from __future__ import annotations

import signal
import threading
import time

import pytest

from onrecord.limits import DocumentTimeout, time_limit


def test_slow_block_is_stopped():
    with pytest.raises(DocumentTimeout, match="over 0.1 s"):  # raised only if the alarm cut the sleep short
        with time_limit(0.1):
            time.sleep(30)


def test_broad_except_in_a_library_cannot_swallow_the_timeout():
    def stubborn():  # what a library with `except Exception: retry` does
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass

    with pytest.raises(DocumentTimeout):
        with time_limit(0.1):
            stubborn()


@pytest.mark.parametrize("seconds", [0, None])
def test_no_limit_is_a_no_op(seconds):
    with time_limit(seconds):
        time.sleep(0.05)


def test_fast_block_leaves_no_alarm_or_handler_behind():
    handler = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_inner_limit_keeps_the_outer_deadline():
    armed = []
    with pytest.raises(DocumentTimeout):  # had the 30 s limit replaced the 0.2 s one, the sleep would end first
        with time_limit(0.2):
            with time_limit(30):  # may not push the outer deadline back
                armed.append(signal.getitimer(signal.ITIMER_REAL)[0])  # the timer itself, not a clock
                time.sleep(20)
    assert 0 < armed[0] <= 0.2


def test_outer_limit_still_fires_after_an_inner_one_ends():
    with pytest.raises(DocumentTimeout):
        with time_limit(0.3):
            with time_limit(5):
                pass
            time.sleep(5)


def test_off_the_main_thread_it_does_nothing():
    outcome = []

    def work():
        with time_limit(0.05):
            time.sleep(0.2)
        outcome.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["finished"]


def test_a_worker_keeps_none_of_the_parents_pipes_open():
    """A subprocess this process talks to through a pipe sees end-of-file when this process closes its end,
    though a `call_within` worker was forked after the subprocess started (a browser driver that never
    saw it hung every browser test's teardown)."""
    import os
    import subprocess
    import sys

    from onrecord.limits import call_within, close_workers

    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert call_within(30, os.getpid) != os.getpid()  # ran in a forked worker, which stays
        reader.stdin.close()
        assert reader.wait(timeout=60) == 0  # end-of-file reached it: the worker holds no copy of the pipe
    finally:
        reader.kill()
        close_workers()
