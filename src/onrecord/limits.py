"""Per-document time limits: a document that takes too long is a counted skip, never a dead run.

Two kinds. `time_limit` is soft: it interrupts Python code in this process, but a long C call (lxml
parsing, a torch forward pass, a regular expression backtracking) only when that call returns.
`call_within` is hard: the call runs in a worker process, which is killed when the limit passes.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class DocumentTimeout(BaseException):
    """A `time_limit` block or a `call_within` call ran past its limit.

    A BaseException, like KeyboardInterrupt, so that the broad `except Exception` blocks inside
    libraries (trafilatura has several) cannot swallow it and carry on with the slow document.
    """


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise DocumentTimeout inside the block once `seconds` of wall time have passed.

    Uses SIGALRM, so it only works on the main thread of a Unix process; elsewhere, and for a limit
    of 0 or None, it does nothing. Code stuck inside one long C call (lxml parsing a huge page) is
    interrupted only when that call returns: `call_within` is the hard limit for such work.
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


class WorkerDied(Exception):
    """A worker process ended in the middle of a call: killed from outside, out of memory, or a crash in C."""


class WorkerError(Exception):
    """An exception raised in a worker process that could not be sent back as itself; its message names it."""


MAX_WORKERS = 4  # worker processes kept, one per function called under a hard limit (the least recently used goes)
_WORKERS: dict[tuple[Callable, Callable | None], "_Worker"] = {}


def call_within(seconds: float | None, function: Callable, args: tuple = (), kwargs: dict[str, Any] | None = None,
                reply: Callable | None = None) -> Any:
    """`function(*args, **kwargs)` under a hard time limit of `seconds`: DocumentTimeout past it.

    The call runs in a worker process forked from this one at the first call of `function` and kept for the
    next, so what it loads (a model) stays loaded. Past the limit the worker is killed, wherever it is, and
    the next call forks a fresh one. Arguments and result cross the process boundary, so they must pickle:
    `reply`, run in the worker, turns the result into what is sent back (it runs here too, without a worker).
    An exception the call raises is raised here; a worker that dies mid-call raises WorkerDied.

    A limit of 0 or None runs the call in this process. Off the main thread (a server's request threads),
    where processes can't be forked, or inside a daemonic process (the web UI's paste workers, which may have
    no children and are themselves killed at their own limit), the limit is `time_limit`'s: soft, or none.
    """
    kwargs = kwargs or {}
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread() or (
        "fork" not in multiprocessing.get_all_start_methods()) or multiprocessing.current_process().daemon:
        with time_limit(seconds):
            result = function(*args, **kwargs)
            return reply(result) if reply else result
    key = (function, reply)
    worker = _WORKERS.pop(key, None)
    if worker is None or not worker.process.is_alive():
        if worker is not None:
            worker.close()
        while len(_WORKERS) >= MAX_WORKERS:
            _WORKERS.pop(next(iter(_WORKERS))).close()
        worker = _Worker(function, reply)
    try:
        done, value = worker.call(seconds, args, kwargs)
    except BaseException:  # past the limit, dead, or interrupted mid-call: its next answer can't be trusted
        worker.close()
        raise
    _WORKERS[key] = worker  # kept, as the most recently used
    if not done:
        raise value
    return value


def close_workers() -> None:
    """Stop every worker process `call_within` keeps (they are also stopped when this process exits)."""
    while _WORKERS:
        _WORKERS.popitem()[1].close()


class _Worker:
    """A forked process that runs calls of one function, one at a time, for as long as it lives."""

    def __init__(self, function: Callable, reply: Callable | None) -> None:
        context = multiprocessing.get_context("fork")  # the child has this process's memory: no model to reload
        self.connection, child_end = context.Pipe()
        # the parent's pipes and sockets, listed before the fork (not multiprocessing's own, made by start())
        inherited = [fd for fd in _channels() if fd not in (child_end.fileno(), self.connection.fileno())]
        name = f"onrecord worker: {getattr(function, '__qualname__', function)}"
        self.process = context.Process(
            target=_serve, args=(function, reply, child_end, self.connection, os.getpid(), inherited),
            name=name, daemon=True)
        self.process.start()
        child_end.close()

    def call(self, seconds: float, args: tuple, kwargs: dict[str, Any]) -> tuple[bool, Any]:
        """(True, result) or (False, the exception raised), from the worker; DocumentTimeout past `seconds`."""
        self.connection.send((args, kwargs))
        if not self.connection.poll(seconds):
            raise DocumentTimeout(f"over {seconds:g} s")
        try:
            return self.connection.recv()
        except EOFError:
            self.process.join(1)
            code = self.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise WorkerDied(f"the worker process ended mid-call ({how})") from None

    def close(self) -> None:
        """Kill the process (it may be stuck inside a C call) and release its pipe."""
        self.process.kill()
        self.process.join()
        self.connection.close()


def _serve(function: Callable, reply: Callable | None, connection, parent_end, parent: int,
           inherited: list[int]) -> None:
    """The worker's loop: a call's (args, kwargs) in, (done, result or exception) out, until the pipe closes."""
    _end_with_parent(parent)
    parent_end.close()  # so that the pipe reads as closed once the parent is gone, however it ended
    for other in _WORKERS.values():  # other workers' pipes, copied by the fork: only the parent's to hold
        other.connection.close()
    _close_channels(inherited)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a handler the parent installed (Ray's, say)
    if "torch" in sys.modules:
        # OpenMP's thread pool does not survive a fork: a forked child that runs a parallel torch operation
        # waits for the parent's threads forever. One thread never starts the pool (PolNeAR dev's output is
        # the same byte for byte, and on a loaded machine one thread is faster than a contended pool).
        sys.modules["torch"].set_num_threads(1)
    while True:
        try:
            args, kwargs = connection.recv()
        except EOFError:
            return
        try:
            result = function(*args, **kwargs)
            message = (True, reply(result) if reply else result)
        except Exception as error:
            message = (False, error)
        try:
            payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
            if not message[0]:
                pickle.loads(payload)  # an exception whose class can't be rebuilt from its arguments fails here
        except Exception as error:
            sent = message[1] if not message[0] else error
            payload = pickle.dumps((False, WorkerError(f"{type(sent).__name__}: {sent}")))
        connection.send_bytes(payload)


def _channels() -> list[int]:
    """This process's open pipes and sockets (beyond stdin, stdout, stderr); none where /proc can't list them."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # not Linux
        return []
    found = []
    for fd in fds:
        try:
            mode = os.fstat(fd).st_mode
        except OSError:  # the listing's own descriptor, closed since
            continue
        if fd > 2 and (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            found.append(fd)
    return found


def _close_channels(fds: list[int]) -> None:
    """Close, in the worker, the parent's pipes and sockets that the fork copied: a copy held here would keep
    them open after the parent closes them — a subprocess the parent talks to through a pipe (a browser's
    driver) would wait forever for end-of-file, a server's listening port would stay bound. Nothing in the
    worker uses them."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:  # closed already (another worker's pipe, above)
            pass


def _end_with_parent(parent: int) -> None:
    """Have Linux kill this worker when its parent ends, even mid-call (an idle worker ends anyway, as its
    pipe closes; one stuck in C would otherwise run on for hours)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe alone ends an idle worker
        return
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(0)
