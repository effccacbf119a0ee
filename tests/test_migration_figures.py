"""Migration 3f7a1c2d9b4e on existing rows: leads get an intended park, projects that
produce without a construction start get an inferred one (on SQLite and PostgreSQL)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import create_engine, text

from crm import migrate
from tests.conftest import _scratch_postgres_database

BEFORE = "9884db488124"
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
STAMP = "1, :now, :now"  # version, created_at, updated_at

ROWS = [
    # Two chains: 高新区 alone leads display; 经开区 and 科创园 both lead energy.
    f"INSERT INTO chain (id, code, name, is_focus, version, created_at, updated_at) VALUES "
    f"(1, 'display', '显示', FALSE, {STAMP}), (2, 'energy', '能源', FALSE, {STAMP})",
    "INSERT INTO segment (id, chain_id, code, name, stage, is_direction, products, position, "
    f"version, created_at, updated_at) VALUES (1, 1, 'panel', '面板', 'midstream', FALSE, '[]', "
    f"0, {STAMP}), (2, 2, 'cell', '电芯', 'midstream', FALSE, '[]', 0, {STAMP})",
    f"INSERT INTO park (id, name, level, version, created_at, updated_at) VALUES "
    f"(1, '高新区', 'national', {STAMP}), (2, '经开区', 'national', {STAMP}), "
    f"(3, '科创园', 'city', {STAMP})",
    "INSERT INTO park_chain (park_id, chain_id) VALUES (1, 1), (2, 2), (3, 2)",
    "INSERT INTO company (id, name, name_key, is_local, version, created_at, updated_at) VALUES "
    + ", ".join(f"({i}, '企业{i}', '企业{i}', FALSE, {STAMP})" for i in range(1, 5)),
    "INSERT INTO user_account (id, username, full_name, role, password_hash, is_active, version, "
    f"created_at, updated_at) VALUES (1, 'spec', '', 'specialist', 'x', TRUE, {STAMP})",
    # 1: display, signed in 经开区, producing without a start; 2: display, not signed;
    # 3: energy, not signed; 4: energy, signed without a park, started.
    "INSERT INTO lead (id, company_id, segment_id, stage, highest_rank, stage_changed_at, "
    "priority, source, version, created_at, updated_at) VALUES "
    + ", ".join(
        f"({i}, {i}, {segment}, '{stage}', {rank}, :now, 'B', 'other', {STAMP})"
        for i, segment, stage, rank in (
            (1, 1, "producing", 6),
            (2, 1, "identified", 0),
            (3, 2, "identified", 0),
            (4, 2, "started", 5),
        )
    ),
    "INSERT INTO project (id, lead_id, park_id, specialist_id, signed_on, "
    "construction_started_on, production_started_on, planning_links, version, created_at, "
    f"updated_at) VALUES (1, 1, 2, 1, '2025-12-30', NULL, '2026-03-01', '[]', {STAMP}), "
    f"(2, 4, NULL, 1, '2025-12-01', '2026-01-05', NULL, '[]', {STAMP})",
]


@contextmanager
def scratch_database(tmp_path) -> Iterator[str]:
    server_url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    with _scratch_postgres_database(server_url) as url:
        yield url


def test_existing_rows_get_parks_and_inferred_starts(tmp_path):
    with scratch_database(tmp_path) as url:
        migrate.upgrade(url, BEFORE)
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for statement in ROWS:
                    connection.execute(text(statement), {"now": NOW})
            migrate.upgrade(url)
            with engine.connect() as connection:
                parks = dict(
                    connection.execute(
                        text(
                            "SELECT lead.id, park.name FROM lead "
                            "LEFT JOIN park ON park.id = lead.park_id"
                        )
                    ).all()
                )
                starts = {
                    row[0]: (row[1], bool(row[2]))
                    for row in connection.execute(
                        text(
                            "SELECT id, construction_started_on, construction_start_inferred "
                            "FROM project"
                        )
                    )
                }
            # Down and up again, with the rows in place: the same result.
            command.downgrade(migrate.alembic_config(url), BEFORE)
            migrate.upgrade(url)
            with engine.connect() as connection:
                again = connection.execute(
                    text("SELECT COUNT(*) FROM lead WHERE park_id IS NOT NULL")
                ).scalar_one()
        finally:
            engine.dispose()
    assert again == 2
    # The project's park wins; else the one park leading the chain; two parks: none.
    assert parks == {1: "经开区", 2: "高新区", 3: None, 4: None}
    assert {k: (str(v[0]), v[1]) for k, v in starts.items()} == {
        1: (str(date(2026, 3, 1)), True),
        2: (str(date(2026, 1, 5)), False),
    }
