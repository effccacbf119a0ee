"""cultivation ladder (四库三台阶) and tickets for local companies

Dated tiers per company, the liaison city leader of a firm, yearly plans (一企一策) with their
measures, yearly targets per tier; a service ticket is now either under a project's green card
or raised for a local company (``company_id``), exactly one.

Revision ID: 4c1e9b7d2a58
Revises: f3a9c5d1e7b2
Create Date: 2026-11-26 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c1e9b7d2a58"
down_revision: str | None = "f3a9c5d1e7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_SUBJECT = (
    "(project_id IS NOT NULL AND green_card_id IS NOT NULL AND company_id IS NULL)"
    " OR (project_id IS NULL AND green_card_id IS NULL AND company_id IS NOT NULL)"
)
TIERS = sa.Enum(
    "upgrade",
    "srdi",
    "little_giant",
    "champion",
    "large_group",
    name="tier",
    native_enum=False,
    length=16,
)


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _company_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["company_id"], ["company.id"], name=f"fk_{table}_company_id_company", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "company_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tier", TIERS, nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("source_document", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_versioned(),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on >= entered_on", name="ck_company_tier_dates"
        ),
        _company_fk("company_tier"),
        sa.PrimaryKeyConstraint("id", name="pk_company_tier"),
    )
    for column in ("company_id", "tier", "entered_on", "left_on"):
        op.create_index(f"ix_company_tier_{column}", "company_tier", [column])
    op.create_index(
        "uq_company_tier_open",
        "company_tier",
        ["company_id", "tier"],
        unique=True,
        sqlite_where=sa.text("left_on IS NULL"),
        postgresql_where=sa.text("left_on IS NULL"),
    )

    op.create_table(
        "company_liaison",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        *_versioned(),
        sa.CheckConstraint("until IS NULL OR until >= since", name="ck_company_liaison_dates"),
        _company_fk("company_liaison"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_company_liaison_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_company_liaison"),
    )
    op.create_index("ix_company_liaison_company_id", "company_liaison", ["company_id"])
    op.create_index("ix_company_liaison_user_id", "company_liaison", ["user_id"])
    op.create_index(
        "uq_company_liaison_current",
        "company_liaison",
        ["company_id"],
        unique=True,
        sqlite_where=sa.text("until IS NULL"),
        postgresql_where=sa.text("until IS NULL"),
    )

    op.create_table(
        "firm_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "active", "done", name="planstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        *_versioned(),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_firm_plan_year_range"),
        _company_fk("firm_plan"),
        sa.PrimaryKeyConstraint("id", name="pk_firm_plan"),
        sa.UniqueConstraint("company_id", "year", name="uq_firm_plan_company_id_year"),
    )
    op.create_index("ix_firm_plan_company_id", "firm_plan", ["company_id"])
    op.create_index("ix_firm_plan_year", "firm_plan", ["year"])

    op.create_table(
        "plan_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible_unit", sa.String(100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "dropped",
                name="measurestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["firm_plan.id"],
            name="fk_plan_measure_plan_id_firm_plan",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plan_measure"),
    )
    op.create_index("ix_plan_measure_plan_id", "plan_measure", ["plan_id"])

    op.create_table(
        "tier_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tier", TIERS, nullable=False),
        sa.Column("firms", sa.Integer(), nullable=False),
        *_versioned(),
        sa.CheckConstraint("firms >= 0", name="ck_tier_target_firms_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_tier_target"),
        sa.UniqueConstraint("year", "tier", name="uq_tier_target_year_tier"),
    )
    op.create_index("ix_tier_target_year", "tier_target", ["year"])

    # Tickets for local companies. No table refers to service_ticket, so on SQLite the batch
    # rebuild (the only way to drop NOT NULL there) copies the rows and drops the old table
    # without tripping a foreign key.
    with op.batch_alter_table("service_ticket") as batch:
        batch.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch.alter_column("project_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("green_card_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            "fk_service_ticket_company_id_company",
            "company",
            ["company_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_service_ticket_company_id", ["company_id"])
        batch.create_check_constraint("ck_service_ticket_one_subject", ONE_SUBJECT)


def downgrade() -> None:
    op.execute("DELETE FROM service_ticket WHERE company_id IS NOT NULL")
    with op.batch_alter_table("service_ticket") as batch:
        batch.drop_constraint("ck_service_ticket_one_subject", type_="check")
        batch.drop_index("ix_service_ticket_company_id")
        batch.drop_constraint("fk_service_ticket_company_id_company", type_="foreignkey")
        batch.alter_column("green_card_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("project_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("company_id")
    for table in ("tier_target", "plan_measure", "firm_plan", "company_liaison", "company_tier"):
        op.drop_table(table)
