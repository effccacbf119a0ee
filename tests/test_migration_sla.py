"""Migration a7d3e91c5b20 on existing tickets: due times recomputed in working days on the
Chinese calendar, and the city-level time added (on SQLite and PostgreSQL)."""

from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from crm import migrate
from tests.test_migration_figures import BEFORE, ROWS, STAMP, scratch_database
from tests.working_days import due, end_of, nth_working_day_after

AT = "3b7e51c0d2a4"  # the revision before the working-day SLA
RAISED = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)  # before the National Day holiday
NOW = datetime(2026, 10, 1, tzinfo=UTC)


def test_existing_tickets_get_working_day_due_times(tmp_path):
    with scratch_database(tmp_path) as url:
        migrate.upgrade(url, BEFORE)
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for statement in ROWS:
                    connection.execute(text(statement), {"now": NOW})
            migrate.upgrade(url, AT)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO green_card (id, project_id, card_no, issued_at, status, "
                        f"version, created_at, updated_at) VALUES (1, 1, 'GC-1', :now, 'active', {STAMP})"
                    ),
                    {"now": NOW},
                )
                connection.execute(
                    text(
                        "INSERT INTO service_ticket (id, project_id, green_card_id, category, title, "
                        "priority, status, raised_at, due_at, version, created_at, updated_at) "
                        "VALUES (1, 1, 1, 'land', '用地', 'high', 'open', :raised, :raised, "
                        f"{STAMP}), (2, 1, 1, 'land', '用电', 'urgent', 'resolved', :raised, "
                        f":raised, {STAMP})"
                    ),
                    {"now": NOW, "raised": RAISED},
                )
            migrate.upgrade(url)
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT id, due_at, city_due_at FROM service_ticket ORDER BY id")
                ).all()
                flags = connection.execute(
                    text("SELECT COUNT(*) FROM user_account WHERE city_leader")
                ).scalar_one()
        finally:
            engine.dispose()

    def moment(value) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    for (_id, due_at, city_due_at), days in zip(rows, (3, 1), strict=True):
        expected = due(RAISED, days)
        assert moment(due_at) == expected
        assert moment(city_due_at) == end_of(
            nth_working_day_after(expected.astimezone().date(), days)
        )
    assert flags == 0
