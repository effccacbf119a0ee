"""lead park and inferred construction start

Leads get an intended park (意向园区). Existing signed leads take their project's park; the
others take the one park that leads their chain, when exactly one does.

A milestone implies its predecessors: projects that reached production without a construction
start get the production day as their start, flagged as inferred.

Revision ID: 3f7a1c2d9b4e
Revises: 9884db488124
Create Date: 2026-11-26 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f7a1c2d9b4e"
down_revision: str | None = "9884db488124"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAIN_PARKS = (
    "FROM park_chain JOIN segment ON segment.chain_id = park_chain.chain_id "
    "WHERE segment.id = lead.segment_id"
)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: on SQLite a batch (copy-and-move) of ``lead`` would
    # drop a table other rows point at, which foreign keys refuse once there is data.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE lead ADD COLUMN park_id INTEGER "
            "CONSTRAINT fk_lead_park_id_park REFERENCES park (id)"
        )
    else:
        op.add_column("lead", sa.Column("park_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_lead_park_id_park"), "lead", "park", ["park_id"], ["id"])
    op.create_index(op.f("ix_lead_park_id"), "lead", ["park_id"], unique=False)
    op.add_column(
        "project",
        sa.Column(
            "construction_start_inferred", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.execute(
        "UPDATE project SET construction_started_on = production_started_on, "
        "construction_start_inferred = TRUE "
        "WHERE construction_started_on IS NULL AND production_started_on IS NOT NULL"
    )
    op.execute(
        "UPDATE lead SET park_id = (SELECT project.park_id FROM project "
        "WHERE project.lead_id = lead.id) WHERE park_id IS NULL"
    )
    op.execute(
        f"UPDATE lead SET park_id = (SELECT MIN(park_chain.park_id) {CHAIN_PARKS}) "
        f"WHERE park_id IS NULL AND (SELECT COUNT(*) {CHAIN_PARKS}) = 1"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE project SET construction_started_on = NULL WHERE construction_start_inferred"
    )
    op.drop_index(op.f("ix_lead_park_id"), table_name="lead")
    if op.get_bind().dialect.name == "sqlite":
        # Native DROP COLUMN (SQLite 3.35+), for the reason given in ``upgrade``.
        op.execute("ALTER TABLE project DROP COLUMN construction_start_inferred")
        op.execute("ALTER TABLE lead DROP COLUMN park_id")
    else:
        op.drop_column("project", "construction_start_inferred")
        op.drop_constraint(op.f("fk_lead_park_id_park"), "lead", type_="foreignkey")
        op.drop_column("lead", "park_id")
