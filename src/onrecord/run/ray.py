"""The Ray engine: a sharded ingest's shards processed by a pool of Ray actors, one per worker, each loading
the extraction model once. Only the executor lives here; planning, processing and merging are the
engine-independent code in onrecord/run/shards.py.

Ray is an optional extra (`pip install "onrecord[ray]"`), imported only when this engine runs.

Why a pool of plain actors rather than Ray Data's `map_batches`: a shard is the unit of work, of retry
and of resumption, and a worker writes nothing but the shard's Parquet bytes, so there is no data for
Ray Data's streaming executor to move; actors give the same model-once-per-worker, with retries we
bound (`max_task_retries`; Ray Data retries a killed actor's task forever, so a shard that kills its
worker every time would never let the run end), without the executor's start-up and scheduling cost
on a small machine.
"""
from __future__ import annotations

import gc
import logging
import os
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from onrecord.pipeline import pipeline_version
from onrecord.options import ExtractOptions
from onrecord.run.shards import CRASH_HOOK_ENV, ShardError, ShardJob, ShardOutcome, ShardTask, process_shard

RAY_INSTALL = 'pip install "onrecord[ray]"'
DEFAULT_RETRIES = 3  # tries after the first, for a shard whose worker died (killed, out of memory, node lost)


def import_ray() -> Any:
    """The `ray` module, with usage statistics off; a one-line ShardError when the extra isn't installed."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # read when Ray starts: set before anything of it runs
    try:
        import ray
    except ImportError:
        raise ShardError(f"--engine ray needs Ray, which is not installed: {RAY_INSTALL}") from None
    return ray


class ShardWorker:
    """One worker process: loads the extraction model once, then processes shard after shard."""

    def __init__(self, extract: ExtractOptions, pipeline: str, cwd: str) -> None:
        if os.path.isdir(cwd):  # relative input paths are the driver's
            os.chdir(cwd)
        found = pipeline_version(extract)  # loads and checks the model, once per worker (again after a restart)
        if found != pipeline:
            raise ShardError(f"a worker extracts with {found!r} but the driver with {pipeline!r}: "
                             "install the same onrecord on every node")
        gc.freeze()  # the model stays for good: keep it out of the collector's full passes (as the CLI does)

    def process(self, task: ShardTask, job: ShardJob) -> bytes:
        """One shard's Parquet bytes."""
        return process_shard(task, job)


def describe(ray: Any, error: Exception) -> str:
    """A failed shard's reason on one line: the worker's own exception, or how the worker died."""
    if isinstance(error, ray.exceptions.RayTaskError) and error.cause is not None:
        return f"{type(error.cause).__name__}: {error.cause}".splitlines()[0]
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"


class RayExecutor:
    """Runs shards on a Ray cluster: the one at `address` ("auto", "ray://host:10001"), the one this process
    already joined, or else a local one started here (and stopped at the end) with `workers` CPUs."""

    def __init__(self, address: str | None = None, workers: int | None = None,
                 retries: int = DEFAULT_RETRIES) -> None:
        self.address = address
        self.workers = workers or 0
        self.retries = retries
        self.started = False
        self.ray: Any = None

    def __enter__(self) -> "RayExecutor":
        ray = self.ray = import_ray()
        if not ray.is_initialized():
            try:
                if self.address:
                    ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
                else:
                    ray.init(num_cpus=self.workers or os.cpu_count(), include_dashboard=False,
                             logging_level=logging.WARNING, log_to_driver=False)
                    self.started = True
            except Exception as error:  # a wrong address, a cluster of another Ray version, no /dev/shm
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray cluster"
                message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise ShardError(f"cannot start or reach {where}: {message}") from None
        cpus = int(ray.cluster_resources().get("CPU", 0))
        self.workers = self.workers or cpus
        if self.workers > cpus:
            self.__exit__()
            raise ShardError(f"--workers {self.workers} needs {self.workers} CPUs (one per worker); "
                             f"the Ray cluster has {cpus}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.started:
            self.ray.shutdown()
            self.started = False

    def run(self, tasks: Sequence[ShardTask], job: ShardJob) -> Iterator[ShardOutcome]:
        """Process `tasks` on min(workers, shards) actors, one shard at a time each; yields as shards finish.

        One at a time, because Ray retries every call queued on a worker that dies, and counts it against that
        call's retries: a shard that kills its worker would use up the retries of the shards queued behind it.
        The next shard is sent as soon as the last one's bytes are fetched, before the driver merges them.
        """
        ray = self.ray
        hook = os.environ.get(CRASH_HOOK_ENV)  # the test hook reaches workers of an already running cluster
        worker = ray.remote(ShardWorker).options(
            num_cpus=1, max_restarts=-1, max_task_retries=self.retries,
            runtime_env={"env_vars": {CRASH_HOOK_ENV: hook}} if hook else None)
        # The job (with the stored documents' fingerprints, 16 MB a million) goes into the object store once and
        # reaches each shard's call from there; the workers' constructors get only what loading the model needs.
        job_ref = ray.put(job)
        actors = [worker.remote(job.options.extract, job.pipeline, job.cwd)
                  for _ in range(min(self.workers, len(tasks)))]
        queue = deque(tasks)
        pending: dict[Any, tuple[ShardTask, Any]] = {}

        def submit(actor: Any) -> None:
            if queue:
                task = queue.popleft()
                pending[actor.process.remote(task, job_ref)] = (task, actor)

        try:
            for actor in actors:
                submit(actor)
            while pending:
                (done,), _ = ray.wait(list(pending), num_returns=1)
                task, actor = pending.pop(done)
                try:
                    outcome = ShardOutcome(task.index, data=ray.get(done))
                except ray.exceptions.RayError as error:  # after Ray's retries: the next run tries it again
                    outcome = ShardOutcome(task.index, error=describe(ray, error))
                submit(actor)
                yield outcome
        finally:
            for actor in actors:
                ray.kill(actor)
