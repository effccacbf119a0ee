"""milestone plans, evidence files and funding schedules

Every project gets its eight milestones, planned from its signing date by the default schedule
(months after signing, copied here as it stood), and its known dates (land, construction
start, production start) as accepted actuals: the reports already count them.

Revision ID: 7d41c9a2e5f3
Revises: 5e1d2c7a9b30
Create Date: 2026-11-26 16:40:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "7d41c9a2e5f3"
down_revision: str | None = "5e1d2c7a9b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (kind, months after signing, the project column holding its date if any)
SCHEDULE = (
    ("filed", 1, None),
    ("land_supplied", 2, "land_on"),
    ("planning_permit", 3, None),
    ("construction_permit", 5, None),
    ("construction_started", 6, "construction_started_on"),
    ("completed", 18, None),
    ("production_started", 20, "production_started_on"),
    ("registered", 26, None),
)
OPINION = "recorded before milestone plans existed"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def upgrade() -> None:
    op.create_table(
        "project_evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_evidence_file_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_evidence_file")),
    )
    op.create_index(
        op.f("ix_project_evidence_file_project_id"), "project_evidence_file", ["project_id"]
    )
    op.create_table(
        "project_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("actual_on", sa.Date(), nullable=True),
        sa.Column("evidence_url", sa.String(length=1000), nullable=True),
        sa.Column("evidence_file_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification", sa.String(length=16), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_file_id"],
            ["project_evidence_file.id"],
            name=op.f("fk_project_milestone_evidence_file_id_project_evidence_file"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_milestone_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_milestone")),
        sa.UniqueConstraint(
            "project_id", "kind", name=op.f("uq_project_milestone_project_id_kind")
        ),
    )
    op.create_index(op.f("ix_project_milestone_project_id"), "project_milestone", ["project_id"])
    op.create_index(op.f("ix_project_milestone_planned_on"), "project_milestone", ["planned_on"])
    op.create_index(
        op.f("ix_project_milestone_verification"), "project_milestone", ["verification"]
    )
    op.create_table(
        "project_funding_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_funding_instalment_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_funding_instalment")),
    )
    op.create_index(
        op.f("ix_project_funding_instalment_project_id"),
        "project_funding_instalment",
        ["project_id"],
    )
    _plan_existing_projects()


def _plan_existing_projects() -> None:
    bind = op.get_bind()
    projects = (
        bind.execute(
            sa.text(
                "SELECT id, signed_on, land_on, construction_started_on, production_started_on "
                "FROM project"
            )
        )
        .mappings()
        .all()
    )
    milestone = sa.table(
        "project_milestone",
        sa.column("project_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("position", sa.Integer),
        sa.column("planned_on", sa.Date),
        sa.column("actual_on", sa.Date),
        sa.column("verification", sa.String),
        sa.column("opinion", sa.Text),
    )
    rows = []
    for project in projects:
        signed_on = project["signed_on"]
        if isinstance(signed_on, str):
            signed_on = date.fromisoformat(signed_on)
        for position, (kind, months, column) in enumerate(SCHEDULE):
            actual = project[column] if column else None
            if isinstance(actual, str):
                actual = date.fromisoformat(actual)
            rows.append(
                {
                    "project_id": project["id"],
                    "kind": kind,
                    "position": position,
                    "planned_on": _add_months(signed_on, months),
                    "actual_on": actual,
                    "verification": "accepted" if actual else None,
                    "opinion": OPINION if actual else None,
                }
            )
    if rows:
        op.bulk_insert(milestone, rows)


def downgrade() -> None:
    op.drop_table("project_funding_instalment")
    op.drop_table("project_milestone")
    op.drop_table("project_evidence_file")
