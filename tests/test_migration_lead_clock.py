"""Migration e41c7a9d2b60: existing leads get their clock backfilled (last done visit; last
contact = that visit or the last stage move, whichever is later), existing visits are outbound
visits; downgrading drops the new columns and table and keeps the rows.

Runs on a database of its own, built by the real migrations up to the revision before.
"""

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from crm import migrate
from tests.conftest import _scratch_postgres_database

BEFORE = "3b7e51c0d2a4"
CLOCK = "e41c7a9d2b60"
# Noon UTC, so the moment's day is the same in every server time zone between UTC-11 and +11.
MOVED = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def old_database(tmp_path) -> Iterator[str]:
    server_url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not server_url:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, BEFORE)
        yield url
        return
    with _scratch_postgres_database(server_url) as url:
        migrate.upgrade(url, BEFORE)
        yield url


def _stamp(**row) -> dict:
    return {"version": 1, "created_at": MOVED, "updated_at": MOVED, **row}


def _write_old_rows(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine)
    ids: dict[str, int] = {}

    def add(connection, table: str, **row) -> int:
        return connection.execute(
            sa.insert(tables.tables[table]).values(**row)
        ).inserted_primary_key[0]

    with engine.begin() as db:
        chain = add(db, "chain", **_stamp(code="new-display", name="新型显示", is_focus=True))
        segment = add(
            db,
            "segment",
            **_stamp(
                chain_id=chain,
                code="panel",
                name="面板",
                stage="midstream",
                is_direction=False,
                products=[],
                position=0,
            ),
        )
        for key in ("visited_later", "visited_earlier", "never_visited"):
            company = add(db, "company", **_stamp(name=key, name_key=key, is_local=False))
            ids[key] = add(
                db,
                "lead",
                **_stamp(
                    company_id=company,
                    segment_id=segment,
                    stage="contacted",
                    highest_rank=1,
                    stage_changed_at=MOVED,
                    priority="B",
                    source="other",
                ),
            )
        visits = [
            ("visited_later", date(2026, 10, 5), "done"),
            ("visited_later", date(2026, 10, 9), "done"),
            ("visited_later", date(2026, 12, 1), "planned"),  # planned: not a visit yet
            ("visited_earlier", date(2026, 8, 20), "done"),
            ("never_visited", date(2026, 10, 1), "cancelled"),
        ]
        for key, day, status in visits:
            add(
                db,
                "visit",
                **_stamp(lead_id=ids[key], date=day, participants=[], status=status),
            )
    engine.dispose()
    return ids


def _read(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(sql))]
    engine.dispose()
    return rows


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def test_upgrade_backfills_the_clock_and_visit_kinds(old_database):
    ids = _write_old_rows(old_database)
    migrate.upgrade(old_database, CLOCK)
    rows = {
        row[0]: (_day(row[1]) if row[1] else None, _day(row[2]), row[3])
        for row in _read(
            old_database, "SELECT id, last_visit_on, last_contact_on, policy_status FROM lead"
        )
    }
    assert rows[ids["visited_later"]] == (date(2026, 10, 9), date(2026, 10, 9), "draft")
    assert rows[ids["visited_earlier"]] == (date(2026, 8, 20), date(2026, 9, 1), "draft")
    assert rows[ids["never_visited"]] == (None, date(2026, 9, 1), "draft")
    assert _read(old_database, "SELECT DISTINCT kind FROM visit") == [("outbound",)]
    assert _read(old_database, "SELECT count(*) FROM lead_incentive") == [(0,)]


def test_downgrade_drops_what_it_added_and_up_again(old_database):
    _write_old_rows(old_database)
    migrate.upgrade(old_database, CLOCK)
    command.downgrade(migrate.alembic_config(old_database), BEFORE)
    engine = sa.create_engine(old_database)
    inspector = sa.inspect(engine)
    lead_columns = {c["name"] for c in inspector.get_columns("lead")}
    assert not lead_columns & {"specialist_id", "last_contact_on", "policy_status"}
    assert "kind" not in {c["name"] for c in inspector.get_columns("visit")}
    assert "lead_incentive" not in inspector.get_table_names()
    engine.dispose()
    assert _read(old_database, "SELECT count(*) FROM lead") == [(3,)]
    migrate.upgrade(old_database, CLOCK)
    assert _read(old_database, "SELECT count(*) FROM lead WHERE last_contact_on IS NOT NULL") == [
        (3,)
    ]
