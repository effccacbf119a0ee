"""Who runs background imports: one small interface, two runners.

- ``ProcrastinateRunner`` (PostgreSQL): jobs are deferred to procrastinate's queue, whose
  tables live in the same database (created by a migration); a procrastinate worker runs them,
  in the server process (``crm serve``, ``crm demo``) or in ``crm worker``.
- ``ThreadRunner`` (SQLite, one writer at a time): a one-thread pool in the server process.
"""

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crm.db import transaction
from crm.jobs import service

QUEUE = "imports"
TASK = "crm.import_file"
SWEEP = "crm.fail_stalled_imports"
# A procrastinate worker writes its heartbeat every 10 s; one silent for this long is gone
# (procrastinate's own default for pruning stalled workers).
STALLED_AFTER_SECONDS = 30.0


class JobRunner:
    """Run import jobs: ``submit`` after the job's row is committed; ``start``/``stop`` a
    worker beside the server; ``work_until_idle`` runs what is queued, then returns."""

    def submit(self, job_id: int) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Begin working jobs in the background (jobs left queued included)."""

    def stop(self) -> None:
        """Stop working, after the job in hand."""

    def work_until_idle(self) -> None:
        raise NotImplementedError

    def live_progress(self, job_id: int) -> tuple[int, int] | None:
        """Progress kept in memory rather than in the job's row, if any."""
        return None


class ThreadRunner(JobRunner):
    """SQLite: the import holds the database's one write lock for its whole transaction, so
    progress is kept in memory (the worker is this process), not written to the job's row."""

    def __init__(self, factory: sessionmaker[Session]):
        self.factory = factory
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-import")
        self.futures: list[Future] = []
        self.progress: dict[int, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def submit(self, job_id: int) -> None:
        with self.lock:
            self.futures = [f for f in self.futures if not f.done()]
            self.futures.append(self.executor.submit(self._run, job_id))

    def _run(self, job_id: int) -> None:
        try:
            service.run(self.factory, job_id, self._record)
        finally:
            self.progress.pop(job_id, None)

    def _record(self, job_id: int, done: int, total: int) -> None:
        self.progress[job_id] = (done, total)

    def start(self) -> None:
        service.fail_interrupted(self.factory)
        with transaction(self.factory) as session:
            queued = service.unfinished_ids(session)
        for job_id in queued:
            self.submit(job_id)

    def stop(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def work_until_idle(self) -> None:
        with self.lock:
            pending = list(self.futures)
        wait(pending)

    def live_progress(self, job_id: int) -> tuple[int, int] | None:
        return self.progress.get(job_id)


class ProcrastinateRunner(JobRunner):
    """PostgreSQL: procrastinate's queue; progress is written to the job's row as it goes."""

    def __init__(self, factory: sessionmaker[Session], database_url: str):
        import procrastinate

        self.factory = factory
        self.conninfo = libpq_url(database_url)
        self.record = service.record_progress_in(factory)
        self.defer_app = self._app(procrastinate.SyncPsycopgConnector(conninfo=self.conninfo))
        self.enabled = False
        self.thread: threading.Thread | None = None
        self.thread_lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.worker_task: asyncio.Task | None = None

    def _app(self, connector):
        import procrastinate

        app = procrastinate.App(connector=connector)

        @app.task(name=TASK, queue=QUEUE)
        def import_file(job_id: int) -> None:
            service.run(self.factory, job_id, self.record)

        # Every minute one worker (the queueing lock keeps it to one) fails the imports of
        # workers that died: a worker also does it as it starts.
        @app.periodic(cron="* * * * *", periodic_id=SWEEP)
        @app.task(name=SWEEP, queue=QUEUE, queueing_lock=SWEEP, pass_context=True)
        async def fail_stalled_imports(context, timestamp: int) -> None:
            await self.fail_stalled_async(context.app)

        return app

    async def fail_stalled_async(self, app) -> list[int]:
        """Import jobs left "doing" by workers with no heartbeat for ``STALLED_AFTER_SECONDS``
        (procrastinate's stalled-job query): failed in procrastinate and in our job rows.
        Returns the import job ids failed."""
        from procrastinate.jobs import Status

        stalled = await app.job_manager.get_stalled_jobs(
            queue=QUEUE, task_name=TASK, seconds_since_heartbeat=STALLED_AFTER_SECONDS
        )
        failed = []
        for job in stalled:
            await app.job_manager.finish_job_by_id_async(
                job.id, status=Status.FAILED, delete_job=False
            )
            failed.append(int(job.task_kwargs["job_id"]))
        await asyncio.to_thread(service.fail_stalled, self.factory, failed)
        return failed

    def fail_stalled(self) -> list[int]:
        """``fail_stalled_async`` from synchronous code (a thread of its own, see
        ``work_until_idle``)."""

        async def sweep() -> list[int]:
            app = self.worker_app()
            async with app.open_async():
                return await self.fail_stalled_async(app)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-jobs-sweep") as pool:
            return pool.submit(asyncio.run, sweep()).result()

    def worker_app(self):
        import procrastinate

        return self._app(procrastinate.PsycopgConnector(conninfo=self.conninfo))

    def submit(self, job_id: int) -> None:
        with self.defer_app.open():
            self.defer_app.tasks[TASK].defer(job_id=job_id)
        if self.enabled:
            self._ensure_worker()

    def start(self) -> None:
        """Work jobs beside the server: a worker thread starts now if jobs are waiting, else
        with the first job submitted here (a server that imports nothing holds no worker)."""
        self.enabled = True
        with transaction(self.factory) as session:
            waiting = service.unfinished_ids(session)
        if waiting:
            self._ensure_worker()

    def _ensure_worker(self) -> None:
        with self.thread_lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, name="crm-worker", daemon=True)
                self.thread.start()

    def _serve(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._work())
        finally:
            self.loop.close()

    async def _work(self) -> None:
        app = self.worker_app()
        async with app.open_async():
            self.worker_task = asyncio.current_task()
            await self.fail_stalled_async(app)
            with contextlib.suppress(asyncio.CancelledError):  # stop() cancels it
                await app.run_worker_async(queues=[QUEUE], install_signal_handlers=False, wait=True)

    def stop(self) -> None:
        if self.loop is not None and self.worker_task is not None:
            self.loop.call_soon_threadsafe(self.worker_task.cancel)
        if self.thread is not None:
            self.thread.join(timeout=60)

    def work_until_idle(self) -> None:
        # procrastinate's sync entry point runs its own event loop: in a thread of its own, so
        # a caller already inside a running loop (an async test, a browser driver) may use it.
        run = partial(
            self.worker_app().run_worker, queues=[QUEUE], wait=False, install_signal_handlers=False
        )
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-jobs-drain") as pool:
            pool.submit(run).result()

    def run_forever(self) -> None:
        """``crm worker``: work jobs until stopped (Ctrl+C, SIGTERM)."""
        self.fail_stalled()
        self.worker_app().run_worker(queues=[QUEUE], wait=True)


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no ``+psycopg`` driver part)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def make_runner(engine: Engine, factory: sessionmaker[Session]) -> JobRunner:
    if engine.dialect.name == "postgresql":
        return ProcrastinateRunner(factory, engine.url.render_as_string(hide_password=False))
    return ThreadRunner(factory)


@contextlib.asynccontextmanager
async def job_worker(app) -> AsyncIterator[None]:
    """The app's lifespan: the job worker runs beside the server unless told not to."""
    runner: JobRunner = app.state.jobs
    in_process = app.state.settings.jobs_in_process
    if in_process:
        await asyncio.to_thread(runner.start)
    try:
        yield
    finally:
        if in_process:
            await asyncio.to_thread(runner.stop)
