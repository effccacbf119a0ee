"""city yearly figures: the city's land, GDP, industrial output and tax per year

The denominators of the parks' shares (亩均 park figures); entered by the office.

Revision ID: a7f3c2d91e45
Revises: d5a7c3e19f42
Create Date: 2026-11-26 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7f3c2d91e45"
down_revision: str | None = "d5a7c3e19f42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "city_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in ("land_mu", "gdp", "industrial_output", "tax_revenue")
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 1990 AND 2100", name=op.f("ck_city_year_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_year")),
        sa.UniqueConstraint("year", name=op.f("uq_city_year_year")),
    )


def downgrade() -> None:
    op.drop_table("city_year")
