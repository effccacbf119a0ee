"""targets per park and county, for funding and large projects; stage history by lead and time

Annual targets get a park or a county as their subject (beside the city and task forces) and
five more figures: 到位资金 and its 省外 part (万元), and the number of projects signed at
≥ 1亿, ≥ 10亿 and ≥ 20亿. One row per year and subject, by a unique index that folds NULLs.

The stage history gets an index on (lead, time): a windowed funnel reads the moves inside the
window by time, then each lead's furthest stage before the window by (lead, time).

Revision ID: 60a355dcd851
Revises: 7d2c9e4f1a60
Create Date: 2026-11-26 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "60a355dcd851"
down_revision: str | None = "7d2c9e4f1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_FIGURES = (
    ("funding", sa.Float()),
    ("funding_outside_province", sa.Float()),
    ("signed_at_least_1yi", sa.Integer()),
    ("signed_at_least_10yi", sa.Integer()),
    ("signed_at_least_20yi", sa.Integer()),
)
SUBJECT = (
    "year",
    sa.text("coalesce(task_force_id, 0)"),
    sa.text("coalesce(park_id, 0)"),
    sa.text("coalesce(county, '')"),
)


def upgrade() -> None:
    # Nothing points at annual_target, so a batch (copy-and-move) is safe on SQLite.
    with op.batch_alter_table("annual_target", schema=None) as batch_op:
        batch_op.add_column(sa.Column("park_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("county", sa.String(length=50), nullable=True))
        for name, type_ in NEW_FIGURES:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_annual_target_park_id_park"),
            "park",
            ["park_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_annual_target_park_id"), ["park_id"], unique=False)
        batch_op.drop_constraint("uq_annual_target_year_task_force_id", type_="unique")
    op.create_index("uq_annual_target_year_subject", "annual_target", list(SUBJECT), unique=True)
    op.create_index(
        "ix_lead_stage_change_lead_id_at", "lead_stage_change", ["lead_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_lead_stage_change_lead_id_at", table_name="lead_stage_change")
    op.execute("DELETE FROM annual_target WHERE park_id IS NOT NULL OR county IS NOT NULL")
    op.drop_index("uq_annual_target_year_subject", table_name="annual_target")
    with op.batch_alter_table("annual_target", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_annual_target_year_task_force_id", ["year", "task_force_id"]
        )
        batch_op.drop_index(batch_op.f("ix_annual_target_park_id"))
        batch_op.drop_constraint(batch_op.f("fk_annual_target_park_id_park"), type_="foreignkey")
        for name, _ in reversed(NEW_FIGURES):
            batch_op.drop_column(name)
        batch_op.drop_column("county")
        batch_op.drop_column("park_id")
