"""Migration ccf200ea854b: rows written before it come out with full place names, a city
code, formal agreements and derived investor origins; downgrading drops the new columns.

Runs on a database of its own (a SQLite file, or a scratch database on the PostgreSQL server
that ``CRM_TEST_DATABASE_URL`` names), built by the real migrations up to the revision before.
"""

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from crm import migrate
from tests.conftest import _scratch_postgres_database

BEFORE = "3f7a1c2d9b4e"
PLACES = "ccf200ea854b"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


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
    return {"version": 1, "created_at": NOW, "updated_at": NOW, **row}


def _write_old_rows(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine)
    ids: dict[str, int] = {}

    def add(connection, table: str, **row) -> int:
        inserted = connection.execute(sa.insert(tables.tables[table]).values(**row))
        return inserted.inserted_primary_key[0]

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
        user = add(
            db,
            "user_account",
            **_stamp(
                username="zy",
                full_name="专员",
                role="specialist",
                password_hash="x",
                is_active=True,
                credentials_version=1,
            ),
        )
        for key, name, province, city in (
            ("shenzhen", "深圳甲公司", "广东", "深圳"),
            ("shenzhen_full", "深圳乙公司", "广东省", "深圳市"),
            ("chongqing", "重庆丙公司", "重庆", "重庆"),
            ("tokyo", "东京丁公司", "日本", "东京"),
        ):
            ids[key] = add(
                db,
                "company",
                **_stamp(name=name, name_key=name, province=province, city=city, is_local=False),
            )
        ids["centre"] = add(
            db, "task_force", **_stamp(name="驻重庆中心", kind="center", base_city="重庆")
        )
        leads = {}
        for key in ("shenzhen", "tokyo"):
            leads[key] = add(
                db,
                "lead",
                **_stamp(
                    company_id=ids[key],
                    segment_id=segment,
                    task_force_id=ids["centre"],
                    stage="signed",
                    highest_rank=4,
                    stage_changed_at=NOW,
                    priority="A",
                    source="center",
                ),
            )
        ids["visit"] = add(
            db,
            "visit",
            **_stamp(
                lead_id=leads["shenzhen"],
                date=date(2026, 10, 1),
                city="广州",
                participants=[],
                status="done",
            ),
        )
        for key in ("shenzhen", "tokyo"):
            ids[f"project_{key}"] = add(
                db,
                "project",
                **_stamp(
                    lead_id=leads[key],
                    specialist_id=user,
                    signed_on=date(2026, 10, 2),
                    planning_links=[],
                ),
            )
        ids["funding"] = add(
            db,
            "project_funding",
            project_id=ids["project_shenzhen"],
            date=date(2026, 10, 3),
            amount=500.0,
            at=NOW,
        )
    engine.dispose()
    return ids


def _read(url: str, sql: str, **params) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def test_upgrade_normalises_existing_rows(old_database):
    url = old_database
    ids = _write_old_rows(url)
    migrate.upgrade(url, PLACES)

    companies = dict(
        (row[0], row[1:]) for row in _read(url, "SELECT id, province, city, city_code FROM company")
    )
    assert companies[ids["shenzhen"]] == ("广东省", "深圳市", "440300")
    assert companies[ids["shenzhen_full"]] == ("广东省", "深圳市", "440300")
    assert companies[ids["chongqing"]] == ("重庆市", "重庆市", "500000")
    assert companies[ids["tokyo"]] == ("日本", "东京", None), "unknown places kept as typed"
    assert _read(url, "SELECT base_city FROM task_force") == [("重庆市",)]
    assert _read(url, "SELECT city FROM visit") == [("广州市",)]
    projects = dict(
        (row[0], row[1:])
        for row in _read(url, "SELECT id, agreement_type, investor_origin, name FROM project")
    )
    assert projects[ids["project_shenzhen"]] == ("formal", "other_province", None)
    assert projects[ids["project_tokyo"]] == ("formal", None, None)
    assert _read(url, "SELECT source_region FROM project_funding") == [("other_province",)]


def test_downgrade_drops_the_new_columns_and_keeps_the_rows(old_database):
    url = old_database
    ids = _write_old_rows(url)
    migrate.upgrade(url, PLACES)
    command.downgrade(migrate.alembic_config(url), BEFORE)
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    assert "city_code" not in {c["name"] for c in inspector.get_columns("company")}
    assert "agreement_type" not in {c["name"] for c in inspector.get_columns("project")}
    assert "source_region" not in {c["name"] for c in inspector.get_columns("project_funding")}
    engine.dispose()
    assert _read(url, "SELECT city FROM company WHERE id = :id", id=ids["shenzhen"]) == [
        ("深圳市",)
    ]
    migrate.upgrade(url, PLACES)  # and up again
    assert _read(url, "SELECT count(*) FROM project WHERE agreement_type = 'formal'") == [(2,)]
