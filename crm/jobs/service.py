"""Background imports: record one, run one, say how far it got.

The API and the imports page hand a large file to ``submit``; a runner
(``crm.jobs.runners``) later calls ``run`` in a worker, which imports the file with the very
importer the foreground import uses, in one transaction that also records the outcome.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker, undefer

from crm.audit import set_actor
from crm.auth.models import Role, User
from crm.auth.policy import Action, check
from crm.db import transaction, utcnow
from crm.errors import NotFound
from crm.import_review import ImportKind, dry_run, run_import
from crm.importing import ImportReport
from crm.jobs.models import ImportJob, JobStatus
from crm.jobs.schemas import ImportJobPublic

logger = logging.getLogger(__name__)

RecordProgress = Callable[[int, int, int], None]  # (job id, rows done, rows in all)
UNFINISHED = (JobStatus.queued, JobStatus.running)


def submit(
    session: Session,
    *,
    kind: ImportKind,
    content: bytes,
    filename: str,
    owner: str,
    partial: bool,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    check_only: bool = False,
) -> ImportJob:
    """Record an import to run in the background; the caller commits, then hands the id to
    the runner (a worker must not look for a row not yet committed).

    ``check_only``: a dry run (what importing the good rows would do; nothing is written).
    """
    options = {"partial": partial, "ignore": list(ignore), "sheet": sheet}
    job = ImportJob(
        kind=kind.value,
        filename=filename,
        owner=owner,
        options={**options, "dry_run": True} if check_only else options,
        content=content,
        status=JobStatus.queued,
        rows_done=0,
    )
    session.add(job)
    session.flush()
    return job


def get_for(session: Session, job_id: int, user: User) -> ImportJob:
    """The job, for the user who uploaded it or an admin (and only for a role that may
    import); another user's job is a 404, as if it did not exist."""
    check(user, "imports", Action.write)
    job = session.get(ImportJob, job_id)
    if job is None or (user.role != Role.admin and job.owner != user.username):
        raise NotFound(f"no import {job_id}")
    return job


def public(job: ImportJob, live: tuple[int, int] | None = None) -> ImportJobPublic:
    """The job as the API shows it; ``live`` is progress held in memory by the runner."""
    done, total = (
        live if live and job.status == JobStatus.running else (job.rows_done, job.rows_total)
    )
    report = ImportReport.model_validate(job.report) if job.report is not None else None
    return ImportJobPublic(
        id=job.id,
        kind=job.kind,
        filename=job.filename,
        owner=job.owner,
        dry_run=job.options.get("dry_run", False),
        status=job.status,
        rows_done=done,
        rows_total=total,
        refused=bool(report and report.errors and not report.applied),
        report=report,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def unfinished_ids(session: Session) -> list[int]:
    query = select(ImportJob.id).where(ImportJob.status.in_(UNFINISHED)).order_by(ImportJob.id)
    return list(session.scalars(query))


def run(factory: sessionmaker[Session], job_id: int, record_progress: RecordProgress) -> None:
    """Run a queued job: the import and the job's outcome are committed together, so a job
    is never "done" without its rows, nor its rows written without the job saying so."""
    if not _start(factory, job_id):
        return
    try:
        with transaction(factory) as session:
            job = session.get(ImportJob, job_id, options=[undefer(ImportJob.content)])
            set_actor(session, job.owner)
            options = {
                "ignore": job.options.get("ignore", []),
                "sheet": job.options.get("sheet"),
                "by": job.owner,
                "progress": lambda done, total: record_progress(job_id, done, total),
            }
            args = (session, ImportKind(job.kind), job.content, job.filename)
            if job.options.get("dry_run"):
                report = dry_run(*args, **options)
            else:
                report = run_import(*args, partial=job.options.get("partial", False), **options)
            _finish(job, report, utcnow())
    except Exception as error:  # noqa: BLE001 (any failure is the job's outcome)
        logger.exception("import job %s failed", job_id)
        _fail(factory, job_id, f"{type(error).__name__}: {error}")


def _start(factory: sessionmaker[Session], job_id: int) -> bool:
    """Mark the job running; False if it is gone or no longer queued (run already)."""
    with transaction(factory) as session:
        started = session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == JobStatus.queued)
            .values(status=JobStatus.running, started_at=utcnow())
        )
        return started.rowcount == 1


def _finish(job: ImportJob, report: ImportReport, now: datetime) -> None:
    job.status = JobStatus.done
    job.report = report.model_dump(mode="json")
    job.rows_done = job.rows_total = report.rows
    job.finished_at = now


def _fail(factory: sessionmaker[Session], job_id: int, message: str) -> None:
    with transaction(factory) as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status=JobStatus.failed, error=message[:2000], finished_at=utcnow())
        )


def fail_interrupted(factory: sessionmaker[Session]) -> None:
    """Jobs left running by a worker that stopped: their transaction was rolled back."""
    with transaction(factory) as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.status == JobStatus.running)
            .values(
                status=JobStatus.failed,
                error="the server stopped during the import; nothing was written",
                finished_at=utcnow(),
            )
        )


STALLED = "the worker running the import stopped (no heartbeat); nothing was written"


def fail_stalled(factory: sessionmaker[Session], job_ids: Iterable[int]) -> None:
    """Jobs whose worker died mid-import: the import's transaction died with its connection,
    so nothing was written; the job says so rather than staying "running" forever."""
    job_ids = list(job_ids)
    if not job_ids:
        return
    with transaction(factory) as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.id.in_(job_ids), ImportJob.status.in_(UNFINISHED))
            .values(status=JobStatus.failed, error=STALLED, finished_at=utcnow())
        )


def record_progress_in(factory: sessionmaker[Session]) -> RecordProgress:
    """Progress written in transactions of its own, visible while the import's runs."""

    def record(job_id: int, done: int, total: int) -> None:
        with transaction(factory) as session:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(rows_done=done, rows_total=total)
            )

    return record
