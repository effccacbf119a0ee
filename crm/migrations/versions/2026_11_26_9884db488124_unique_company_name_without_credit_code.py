"""unique company name without credit code

A company's identity is its credit code or, without one, its normalised name (``name_key``);
the database now enforces the second, so concurrent imports cannot store a company twice.

Companies without a credit code that already share a name (possible before, through the API)
keep their rows: all but the oldest get ``#<id>`` after their ``name_key``. Imports matched only
the oldest one anyway, so nothing that was found by name before is lost.

Revision ID: 9884db488124
Revises: 5cc87e1a9e85
Create Date: 2026-11-26 11:04:31.499094
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9884db488124"
down_revision: str | None = "5cc87e1a9e85"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT_CODE = sa.text("credit_code IS NULL")


def upgrade() -> None:
    op.execute(
        "UPDATE company SET name_key = substr(name_key, 1, 180) || '#' || CAST(id AS VARCHAR) "
        "WHERE credit_code IS NULL AND EXISTS (SELECT 1 FROM company AS older "
        "WHERE older.credit_code IS NULL AND older.name_key = company.name_key "
        "AND older.id < company.id)"
    )
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.create_index(
            "uq_company_name_key_without_credit_code",
            ["name_key"],
            unique=True,
            sqlite_where=WITHOUT_CODE,
            postgresql_where=WITHOUT_CODE,
        )


def downgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_company_name_key_without_credit_code",
            sqlite_where=WITHOUT_CODE,
            postgresql_where=WITHOUT_CODE,
        )
