"""project milestones get their own version: an edit from a stale read is refused (409)

Revision ID: d5a7c3e19f42
Revises: c91f2e7b5a08
Create Date: 2026-11-26 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a7c3e19f42"
down_revision: str | None = "c91f2e7b5a08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain add_column: a batch rebuild of a table other tables point at fails on SQLite.
    op.add_column(
        "project_milestone",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("project_milestone") as batch_op:
        batch_op.drop_column("version")
