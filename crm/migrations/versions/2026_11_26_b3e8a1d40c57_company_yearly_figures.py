"""company yearly figures: the input of the 亩均 evaluation

One row per local company and year: land (own and rented, 亩), revenue, tax, added value,
R&D and fixed-asset investment (万元), energy (tce), emissions (equivalents), employees and
whether the firm is above designated size (规上).

Revision ID: b3e8a1d40c57
Revises: 0b6bd7c0fabc
Create Date: 2026-11-26 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e8a1d40c57"
down_revision: str | None = "0b6bd7c0fabc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    "land_own_mu",
    "land_rented_mu",
    "revenue",
    "tax",
    "added_value",
    "energy_tce",
    "emissions",
    "rd_spend",
)


def upgrade() -> None:
    op.create_table(
        "company_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in FIGURES),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("fixed_asset_investment", sa.Float(), nullable=True),
        sa.Column("above_size", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 1990 AND 2100", name=op.f("ck_company_year_year_range")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_company_year_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_year")),
        sa.UniqueConstraint("company_id", "year", name=op.f("uq_company_year_company_id_year")),
    )
    op.create_index(op.f("ix_company_year_company_id"), "company_year", ["company_id"])
    op.create_index(op.f("ix_company_year_year"), "company_year", ["year"])


def downgrade() -> None:
    op.drop_table("company_year")
