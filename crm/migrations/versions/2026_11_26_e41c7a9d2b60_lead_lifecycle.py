"""lead lifecycle: pre-signing work, the lead's clock, visit kinds

Leads get what a bureau prepares before signing (specialist, think-tank assessment, planning
links, a draft policy package in ``lead_incentive`` with its approval) and their clock: the
last done visit and the last contact (that visit or the last stage move), backfilled here from
the visits and ``stage_changed_at`` and indexed as the list sorts them, plus the day a leader
last renewed a stale lead. Visits get a kind and, for an inbound inspection, the city leader
who received it; existing visits are outbound visits (外出拜访).

Revision ID: e41c7a9d2b60
Revises: 6d2e8f4a1b37
Create Date: 2026-11-26 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e41c7a9d2b60"
down_revision: str | None = "6d2e8f4a1b37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _lead_columns() -> list[sa.Column]:
    """New each time: Alembic binds a column to its table, and a migration may run twice."""
    return [
        sa.Column("assessment_org", sa.String(length=200), nullable=True),
        sa.Column("assessment_date", sa.Date(), nullable=True),
        sa.Column("assessment_conclusion", sa.Text(), nullable=True),
        sa.Column("assessment_url", sa.String(length=1000), nullable=True),
        sa.Column("planning_links", sa.JSON(), nullable=True),
        sa.Column("policy_status", sa.String(length=16), nullable=False, server_default="draft"),
        sa.Column("policy_approved_by", sa.String(length=64), nullable=True),
        sa.Column("policy_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("last_contact_on", sa.Date(), nullable=True),
        sa.Column("pause_renewed_on", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Plain ADD COLUMN on both databases: on SQLite a batch (copy-and-move) of ``lead`` would
    # drop a table other rows point at, which foreign keys refuse once there is data.
    if sqlite:
        op.execute(
            "ALTER TABLE lead ADD COLUMN specialist_id INTEGER "
            "CONSTRAINT fk_lead_specialist_id_user_account REFERENCES user_account (id)"
        )
    else:
        op.add_column("lead", sa.Column("specialist_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_lead_specialist_id_user_account"),
            "lead",
            "user_account",
            ["specialist_id"],
            ["id"],
        )
    op.create_index(op.f("ix_lead_specialist_id"), "lead", ["specialist_id"], unique=False)
    for column in _lead_columns():
        op.add_column("lead", column)
    op.add_column(
        "visit", sa.Column("kind", sa.String(length=16), nullable=False, server_default="outbound")
    )
    op.add_column("visit", sa.Column("received_by", sa.String(length=100), nullable=True))
    op.create_table(
        "lead_incentive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
            name=op.f("fk_lead_incentive_lead_id_lead"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_incentive")),
    )
    op.create_index(op.f("ix_lead_incentive_lead_id"), "lead_incentive", ["lead_id"])
    _backfill_clock(sqlite)
    op.create_index("ix_lead_last_contact_on_id", "lead", ["last_contact_on", "id"])
    op.create_index("ix_lead_last_visit_on_id", "lead", ["last_visit_on", "id"])


def _backfill_clock(sqlite: bool) -> None:
    moved_on = "date(stage_changed_at)" if sqlite else "CAST(stage_changed_at AS DATE)"
    op.execute(
        "UPDATE lead SET last_visit_on = (SELECT MAX(visit.date) FROM visit "
        "WHERE visit.lead_id = lead.id AND visit.status = 'done')"
    )
    op.execute(
        "UPDATE lead SET last_contact_on = CASE "
        f"WHEN last_visit_on IS NOT NULL AND last_visit_on > {moved_on} THEN last_visit_on "
        f"ELSE {moved_on} END"
    )


def downgrade() -> None:
    op.drop_index("ix_lead_last_visit_on_id", table_name="lead")
    op.drop_index("ix_lead_last_contact_on_id", table_name="lead")
    op.drop_index(op.f("ix_lead_incentive_lead_id"), table_name="lead_incentive")
    op.drop_table("lead_incentive")
    op.drop_index(op.f("ix_lead_specialist_id"), table_name="lead")
    if op.get_bind().dialect.name == "sqlite":
        # Native DROP COLUMN (SQLite 3.35+), for the reason given in ``upgrade``.
        for name in ("received_by", "kind"):
            op.execute(f"ALTER TABLE visit DROP COLUMN {name}")
        for column in reversed(_lead_columns()):
            op.execute(f"ALTER TABLE lead DROP COLUMN {column.name}")
        op.execute("ALTER TABLE lead DROP COLUMN specialist_id")
    else:
        op.drop_column("visit", "received_by")
        op.drop_column("visit", "kind")
        for column in reversed(_lead_columns()):
            op.drop_column("lead", column.name)
        op.drop_constraint(op.f("fk_lead_specialist_id_user_account"), "lead", type_="foreignkey")
        op.drop_column("lead", "specialist_id")
