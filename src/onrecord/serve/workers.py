"""The paste box's workers: a few processes that read and extract pasted articles, each paste within a time limit.

Reading a pasted page (lxml, trafilatura) and finding its attributions are seconds of CPU, and a hostile
page (one element with 50,000 attributes) can hold lxml in one C call for minutes, where no Python-level
time limit reaches. So none of it runs in the server's process: a paste goes to one of `size` worker
processes (spawned, each loading the model once, at a lower CPU priority than the server). A paste that
outlives `timeout` has its worker killed and replaced (PasteTimeout: 504). When every worker is busy and
`queue` pastes already wait for one, the next is refused at once (Busy: 503), never queued without end.

The server's event loop never waits on a worker: each admitted paste waits in a thread of a pool as large
as the number of pastes admitted, and the loop awaits that thread. The workers start on the first paste.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection

from onrecord.options import ExtractOptions
from onrecord.serve.params import BadParameter
from onrecord.serve.paste import PasteError, PasteJob, Prepared, prepare

log = logging.getLogger("onrecord.serve")

NICENESS = 5  # workers yield the CPU to the server: pages and searches go first
STARTUP_SECONDS = 300  # a worker loading its model on a loaded machine; not counted in a paste's time
WARM_UP = PasteJob({"text": "Ann Lee said the plan was ready.\n"}, None, False, 1000)  # loads the model


class Busy(Exception):
    """Every worker is busy and the queue is full: the paste is refused now (503, retry)."""


class PasteTimeout(Exception):
    """A paste outlived the time limit; its worker was killed and replaced (504)."""


class WorkerFailed(Exception):
    """A worker stopped without an answer (killed from outside, out of memory) or never started (503)."""


@dataclass(frozen=True)
class PoolSettings:
    """How many workers, how many pastes may wait for one, each paste's time limit, and what they extract with."""

    extract: ExtractOptions
    size: int = 2
    queue: int = 4
    timeout: float = 60.0


def work(connection: Connection, extract: ExtractOptions) -> None:
    """A worker's life: load the model, say so, then prepare pastes until the server closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is the server's to handle
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    try:
        prepare(WARM_UP, extract)
    except Exception as error:  # the server says why on the paste that needed this worker
        connection.send(("failed", f"the paste worker could not start: {type(error).__name__}: {error}"))
        return
    connection.send(("ready", None))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("ok", prepare(job, extract))
        except (BadParameter, PasteError) as error:  # one-line reasons, sent back as they are
            answer = ("refused", error)
        except Exception as error:  # noqa: BLE001 - a library bug on one paste: a message, and the worker lives on
            answer = ("failed", f"{type(error).__name__}: {error}")
        try:
            connection.send(answer)
        except OSError:  # the server stopped, or gave up on this paste and is killing this worker
            return


class Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, context, extract: ExtractOptions) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=work, args=(child, extract), name="onrecord-paste-worker", daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def prepare(self, job: PasteJob, timeout: float) -> Prepared:
        """The worker's answer to `job`: Prepared, or the refusal it raised; PasteTimeout or WorkerFailed otherwise."""
        try:
            if not self.ready:
                if not self.connection.poll(STARTUP_SECONDS):
                    raise WorkerFailed("the paste worker did not start")
                state, message = self.connection.recv()
                if state != "ready":
                    log.error("%s", message)  # the whole reason for the operator; the answer says less
                    raise WorkerFailed("the paste worker could not start; see the server's log")
                self.ready = True
            self.connection.send(job)
            if not self.connection.poll(timeout):
                raise PasteTimeout(f"the paste took longer than {timeout:g} s and was stopped "
                                   "(onrecord serve --paste-timeout)")
            state, result = self.connection.recv()
        except (EOFError, OSError):
            raise WorkerFailed("the paste worker stopped without an answer; try again") from None
        if state == "refused":
            raise result
        if state == "failed":
            log.error("paste failed in its worker: %s", result)
            raise PasteError(f"extraction failed ({result.split(':')[0]}); see the server's log")
        return result

    def stop(self, kill: bool = False) -> None:
        """End the process: killed at once, or asked to finish (its pipe closed) and killed if it lingers."""
        if kill:
            self.process.kill()
        self.connection.close()
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class WorkerPool:
    """`size` worker processes behind an admission count: at most size + queue pastes in flight, the rest refused."""

    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self.context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or locks forked
        self.idle: queue.Queue[Worker | None] = queue.Queue()  # None once closed
        self.workers: list[Worker] = []
        self.lock = threading.Lock()
        self.admitted = 0  # pastes running or waiting for a worker
        self.killed = 0  # workers killed for outliving the time limit
        self.closed = False
        self.waiting = ThreadPoolExecutor(settings.size + settings.queue, thread_name_prefix="onrecord-paste-wait")

    def admit(self) -> None:
        """Count a paste in, starting the workers on the first one; Busy when size + queue are already in."""
        with self.lock:
            if self.closed:
                raise WorkerFailed("the server is stopping")
            if self.admitted >= self.settings.size + self.settings.queue:
                raise Busy(f"busy: {self.admitted} pastes are being read or waiting; retry in a few seconds")
            if not self.workers:
                for _ in range(self.settings.size):
                    self.add_worker()
            self.admitted += 1

    def add_worker(self) -> None:
        worker = Worker(self.context, self.settings.extract)
        self.workers.append(worker)
        self.idle.put(worker)

    async def prepare(self, job: PasteJob, admitted: bool = False) -> Prepared:
        """Prepare `job` on a free worker, waiting in a thread (the event loop goes on); Busy when full.

        `admitted`: the caller already called `admit` (before reading the request's body, so a paste
        refused as busy costs no parsing); the count is released here, whatever happens.
        """
        if not admitted:
            self.admit()
        try:
            future = self.waiting.submit(self.run, job)
        except RuntimeError:  # the pool was closed between admit and submit
            self.release()
            raise WorkerFailed("the server is stopping") from None
        future.add_done_callback(lambda done: done.cancelled() and self.release())  # never ran: count it out here
        return await asyncio.wrap_future(future)

    def run(self, job: PasteJob) -> Prepared:
        """In a waiting thread: take a free worker, hand it the job, and put a live worker back afterwards."""
        try:
            worker = self.idle.get()
            if worker is None:  # closed: pass the word on to the next waiting thread
                self.idle.put(None)
                raise WorkerFailed("the server is stopping")
            try:
                return worker.prepare(job, self.settings.timeout)
            except (PasteTimeout, WorkerFailed) as error:
                worker = self.replace(worker, timed_out=isinstance(error, PasteTimeout))
                raise
            finally:
                self.idle.put(worker)  # None once closed: the next waiting thread hears it
        finally:
            self.release()

    def release(self) -> None:
        with self.lock:
            self.admitted -= 1

    def replace(self, worker: Worker, timed_out: bool) -> Worker | None:
        """Kill `worker` and start another in its place (it loads its model while it waits for the next paste);
        None once the pool is closed."""
        worker.stop(kill=True)
        with self.lock:
            if timed_out:
                self.killed += 1
            if worker in self.workers:
                self.workers.remove(worker)
            if self.closed:
                return None
            fresh = Worker(self.context, self.settings.extract)
            self.workers.append(fresh)
        log.warning("paste worker %d %s; started worker %d", worker.process.pid,
                    "killed after the time limit" if timed_out else "stopped", fresh.process.pid)
        return fresh

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and the bench)."""
        with self.lock:
            return [w.process.pid for w in self.workers]

    def close(self) -> None:
        """Stop every worker (when the server stops); pastes still waiting fail with WorkerFailed."""
        with self.lock:
            self.closed = True
            workers, self.workers = self.workers, []
        self.idle.put(None)
        for worker in workers:
            # killed, not asked: a worker holds nothing to save (stores happen in the server), and one still
            # loading its model would only hear its pipe close once loaded, seconds later
            worker.stop(kill=True)
        self.waiting.shutdown(wait=False, cancel_futures=True)
