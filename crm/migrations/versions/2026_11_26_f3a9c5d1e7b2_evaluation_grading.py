"""亩均 evaluation: the yearly scheme, the graded results and their contributions

Revision ID: f3a9c5d1e7b2
Revises: a7f3c2d91e45
Create Date: 2026-11-26 20:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a9c5d1e7b2"
down_revision: str | None = "a7f3c2d91e45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_scheme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("a_pct", sa.Integer(), nullable=False),
        sa.Column("b_pct", sa.Integer(), nullable=False),
        sa.Column("c_pct", sa.Integer(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_by", sa.String(length=64), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_evaluation_scheme_year_range")
        ),
        sa.CheckConstraint(
            "0 < a_pct AND a_pct <= b_pct AND b_pct <= c_pct AND c_pct <= 100",
            name=op.f("ck_evaluation_scheme_cuts_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_scheme")),
        sa.UniqueConstraint("year", name=op.f("uq_evaluation_scheme_year")),
    )
    op.create_table(
        "evaluation_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("population_size", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_evaluation_result_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_result")),
        sa.UniqueConstraint(
            "year", "company_id", name=op.f("uq_evaluation_result_year_company_id")
        ),
    )
    op.create_index(op.f("ix_evaluation_result_year"), "evaluation_result", ["year"])
    op.create_index(op.f("ix_evaluation_result_company_id"), "evaluation_result", ["company_id"])
    op.create_table(
        "evaluation_contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("benchmark", sa.Float(), nullable=True),
        sa.Column("normalised", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["evaluation_result.id"],
            name=op.f("fk_evaluation_contribution_result_id_evaluation_result"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_contribution")),
        sa.UniqueConstraint(
            "result_id", "indicator", name=op.f("uq_evaluation_contribution_result_id_indicator")
        ),
    )
    op.create_index(
        op.f("ix_evaluation_contribution_result_id"), "evaluation_contribution", ["result_id"]
    )


def downgrade() -> None:
    op.drop_table("evaluation_contribution")
    op.drop_table("evaluation_result")
    op.drop_table("evaluation_scheme")
