"""What a long import does for PostgreSQL's planner inside its own transaction: statistics
of the tables it fills are taken again as they grow (otherwise a table that began empty is
read whole by every batch's lookup), and its lookups leave bitmap scans (the only way to read
a trigram index, whose statistics VACUUM keeps and cannot update there) switched off only
while they run. PostgreSQL only: SQLite has neither."""

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DataError

from crm.companies.models import Company
from crm.companies.search import name_pinyin
from crm.db import PlannerStatistics, btree_lookups, insert_returning_ids, utcnow


@pytest.fixture(autouse=True)
def _postgres_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics and bitmap scans are PostgreSQL's")


def _reltuples(session) -> float:
    return session.execute(
        text("SELECT reltuples FROM pg_class WHERE relname = 'company'")
    ).scalar()


def _companies(first: int, count: int) -> list[dict]:
    now = utcnow()
    return [
        {
            "name": f"规划测试{n}有限公司",
            "name_key": f"规划测试{n}有限公司",
            "name_pinyin": name_pinyin(f"规划测试{n}有限公司"),
            "is_local": False,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(first, first + count)
    ]


def test_statistics_are_taken_again_each_time_the_tables_double(db):
    with db() as session:
        session.execute(text("ANALYZE company"))  # whatever earlier tests left: empty now
        statistics = PlannerStatistics(session, ["company"], at_least=1_000)
        session.execute(insert(Company), _companies(0, 600))
        statistics.wrote(600)
        assert _reltuples(session) < 600  # not yet: under the threshold
        session.execute(insert(Company), _companies(600, 600))
        statistics.wrote(600)
        assert _reltuples(session) == 1_200  # the transaction's own rows are counted
        session.execute(insert(Company), _companies(1_200, 600))
        statistics.wrote(600)
        assert _reltuples(session) == 1_200  # 600 more is not a doubling
        assert session.scalar(select(func.count()).select_from(Company)) == 1_800
        session.rollback()


def test_lookups_switch_bitmap_scans_off_and_back_on(db):
    with db() as session:
        assert session.execute(text("SHOW enable_bitmapscan")).scalar() == "on"
        with btree_lookups(session):
            assert session.execute(text("SHOW enable_bitmapscan")).scalar() == "off"
        assert session.execute(text("SHOW enable_bitmapscan")).scalar() == "on"
        session.rollback()


def test_an_import_does_not_wait_for_statistics_another_import_is_taking(db):
    with db() as other, db() as session:
        other.execute(text("ANALYZE company"))  # its lock is held until it commits
        statistics = PlannerStatistics(session, ["company"], at_least=1)
        session.execute(insert(Company), _companies(0, 10))
        statistics.wrote(10)  # returns at once, without the statistics
        assert statistics.added == 10
        assert session.scalar(select(func.count()).select_from(Company)) == 10
        assert session.execute(text("SHOW lock_timeout")).scalar() == "0"
        other.rollback()
        session.execute(insert(Company), _companies(10, 10))
        statistics.wrote(10)  # the lock is free again: taken, counting all 20 rows
        assert (statistics.added, _reltuples(session)) == (0, 20)
        session.rollback()


def test_copied_rows_are_stored_as_an_insert_stores_them_and_must_give_their_defaults(db):
    """``insert_returning_ids`` copies rows in on PostgreSQL, ids in the rows' order (enums and
    JSON: ``test_lead_import_bulk`` compares every column with what the ORM wrote); a column
    whose default only SQLAlchemy knows must be given, since COPY would leave it NULL."""
    rows = _companies(0, 3)
    with db() as session:
        ids = insert_returning_ids(session, Company.__table__, rows)
        stored = session.scalars(select(Company).where(Company.id.in_(ids))).all()
        assert sorted(c.name for c in stored) == sorted(r["name"] for r in rows)
        assert [c.id for c in sorted(stored, key=lambda c: c.name)] == [
            i for _, i in sorted(zip([r["name"] for r in rows], ids, strict=True))
        ]
        assert all(c.created_at == rows[0]["created_at"] for c in stored)
        without_version = [{k: v for k, v in row.items() if k != "version"} for row in rows]
        with pytest.raises(ValueError, match="must give version"):
            insert_returning_ids(session, Company.__table__, without_version)
        session.rollback()


def test_a_value_the_database_refuses_in_a_copy_is_sqlalchemys_error(db):
    """As for an INSERT: the driver's error comes wrapped (a DataError renders as 422)."""
    rows = _companies(0, 1)
    rows[0]["name"] = "坏\x00名"  # PostgreSQL text cannot hold NUL
    with db() as session:
        with pytest.raises(DataError):
            insert_returning_ids(session, Company.__table__, rows)
        session.rollback()
