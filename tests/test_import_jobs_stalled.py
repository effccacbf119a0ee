"""A worker that dies mid-import (killed, out of memory, the machine restarted) leaves its
job "doing" in procrastinate and "running" in ours. Its heartbeat stops: a worker's start
and the minutely sweep fail such jobs in both, so ``GET /api/imports/{id}`` says the import
failed and wrote nothing. A job whose worker still beats is left alone. PostgreSQL only
(on SQLite the worker is the server itself: a restart fails what was running)."""

import pytest
from sqlalchemy import text

from tests.test_import_jobs import GOOD, chain, upload  # noqa: F401 (chain is a fixture)


@pytest.fixture(autouse=True)
def _postgres_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("procrastinate runs background jobs on PostgreSQL only")


# The queue's job for an import job (the newest: import job ids restart between tests).
QUEUED = (
    "SELECT max(id) FROM procrastinate_jobs "
    "WHERE task_name = 'crm.import_file' AND (args->>'job_id')::int = :job"
)


def _taken_by_worker(engine, job_id: int, heartbeat_age: str) -> None:
    """What a worker does when it takes the job, by a worker whose last heartbeat is
    ``heartbeat_age`` old."""
    with engine.begin() as connection:
        worker = connection.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - CAST(:age AS interval)) RETURNING id"
            ),
            {"age": heartbeat_age},
        ).scalar_one()
        taken = connection.execute(
            text(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker "
                f"WHERE id = ({QUEUED})"
            ),
            {"worker": worker, "job": job_id},
        )
        assert taken.rowcount == 1
        connection.execute(
            text("UPDATE import_job SET status = 'running', started_at = now() WHERE id = :id"),
            {"id": job_id},
        )


def _queue_status(engine, job_id: int) -> str:
    with engine.connect() as connection:
        return connection.execute(
            text(f"SELECT status FROM procrastinate_jobs WHERE id = ({QUEUED})"),
            {"job": job_id},
        ).scalar_one()


def test_a_job_of_a_dead_worker_is_failed_and_wrote_nothing(app, staff, chain, engine):  # noqa: F811
    dead = upload(staff, "/api/import/companies", GOOD[:3], background="true").json()
    alive = upload(staff, "/api/import/companies", GOOD[3:6], background="true").json()
    _taken_by_worker(engine, dead["id"], "1 hour")
    _taken_by_worker(engine, alive["id"], "1 second")

    assert app.state.jobs.fail_stalled() == [dead["id"]]

    job = staff.get(f"/api/imports/{dead['id']}").json()
    assert job["status"] == "failed"
    assert "heartbeat" in job["error"] and job["finished_at"] is not None
    assert _queue_status(engine, dead["id"]) == "failed"
    assert staff.get("/api/companies").json()["total"] == 0
    # the job whose worker still beats is left to it
    assert staff.get(f"/api/imports/{alive['id']}").json()["status"] == "running"
    assert _queue_status(engine, alive["id"]) == "doing"
    assert app.state.jobs.fail_stalled() == []  # nothing left to fail
