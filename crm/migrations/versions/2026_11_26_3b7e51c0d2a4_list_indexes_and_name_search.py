"""list indexes and name search

Leads: an index on (column, id) for each sort of the list, so a page is read in order instead
of sorting every lead; on PostgreSQL also (column DESC NULLS LAST, id DESC) for the nullable
sorts (expected investment, next follow-up). ``ix_lead_next_follow_up`` gives way to
(next_follow_up, id).

Companies: ``name_pinyin`` (full pinyin and initials of the name, crm.companies.search), filled
here for the rows that exist. On PostgreSQL, pg_trgm GIN indexes on ``name_key`` and
``name_pinyin`` serve ``LIKE '%term%'``. Creating the extension needs a superuser or (pg_trgm
being a trusted extension) CREATE on the database; without it the migration prints a warning
with the statements to run later and goes on without those two indexes (search still works,
scanning the table).

Revision ID: 3b7e51c0d2a4
Revises: ccf200ea854b
Create Date: 2026-11-26 14:20:00.000000
"""

import sys
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "3b7e51c0d2a4"
down_revision: str | None = "ccf200ea854b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEAD_SORTS = (
    "created_at",
    "updated_at",
    "stage_changed_at",
    "priority",
    "expected_investment",
    "next_follow_up",
)
NULLABLE_SORTS = ("expected_investment", "next_follow_up")
TRIGRAM_INDEXES = {
    "ix_company_name_key_trgm": "CREATE INDEX ix_company_name_key_trgm ON company "
    "USING gin (name_key gin_trgm_ops)",
    "ix_company_name_pinyin_trgm": "CREATE INDEX ix_company_name_pinyin_trgm ON company "
    "USING gin (name_pinyin gin_trgm_ops)",
}
BATCH = 2000


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_next_follow_up")
        for column in LEAD_SORTS:
            batch_op.create_index(f"ix_lead_{column}_id", [column, "id"], unique=False)
    if postgres:
        for column in NULLABLE_SORTS:
            op.execute(
                f"CREATE INDEX ix_lead_{column}_desc ON lead ({column} DESC NULLS LAST, id DESC)"
            )
    # A plain ADD COLUMN: batch mode would rebuild the company table on SQLite, which its
    # foreign keys refuse once rows point at it.
    op.add_column("company", sa.Column("name_pinyin", sa.Text(), nullable=False, server_default=""))
    _fill_name_pinyin()
    if postgres and _trigram_extension():
        for statement in TRIGRAM_INDEXES.values():
            op.execute(statement)


def _fill_name_pinyin() -> None:
    from crm.companies.search import name_pinyin

    connection = op.get_bind()
    company = sa.table("company", sa.column("id"), sa.column("name"), sa.column("name_pinyin"))
    update = (
        company.update()
        .where(company.c.id == sa.bindparam("company_id"))
        .values(name_pinyin=sa.bindparam("pinyin"))
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(company.c.id, company.c.name)
            .where(company.c.id > last_id)
            .order_by(company.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update, [{"company_id": row.id, "pinyin": name_pinyin(row.name)} for row in rows]
        )
        last_id = rows[-1].id


def _trigram_extension() -> bool:
    """Create pg_trgm if it is missing; False (and say why) if this role may not."""
    connection = op.get_bind()
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as error:
        print(
            "WARNING: could not create the pg_trgm extension "
            f"({error.orig or error}); company name search works without its indexes "
            "but scans the table. As a superuser run CREATE EXTENSION pg_trgm; then:\n  "
            + ";\n  ".join(TRIGRAM_INDEXES.values())
            + ";",
            file=sys.stderr,
        )
        return False
    return True


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for column in NULLABLE_SORTS:
            op.execute(f"DROP INDEX IF EXISTS ix_lead_{column}_desc")
    op.drop_column("company", "name_pinyin")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        for column in LEAD_SORTS:
            batch_op.drop_index(f"ix_lead_{column}_id")
        batch_op.create_index("ix_lead_next_follow_up", ["next_follow_up"], unique=False)
