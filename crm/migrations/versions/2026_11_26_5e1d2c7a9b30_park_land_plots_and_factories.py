"""park land plots, standard factories, 标准地 thresholds and site needs

Parks as carriers: land plots with their idle-land clock and dated status history, standard
factories, 标准地 admission thresholds per park or chain, and what a lead or project needs of
a site (one row each, beside the lead and project tables rather than in them).

Revision ID: 5e1d2c7a9b30
Revises: 3b7e51c0d2a4
Create Date: 2026-11-26 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1d2c7a9b30"
down_revision: str | None = "3b7e51c0d2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from crm.parks.models when this was written (migrations do not import crm.*).
LAND_USES = ("industrial", "m0", "warehousing", "other")
SUPPLY_MODES = ("transfer", "lease", "lease_then_transfer", "flexible_term")
PLOT_STATUSES = (
    "reserve",
    "available",
    "reserved",
    "supplied",
    "started",
    "idle_suspected",
    "idle_confirmed",
    "fee_levied",
    "reclaimed",
    "disposed",
)
DISPOSAL_PATHS = ("promote_start", "change_use", "land_swap", "reclaim")
FACTORY_MODES = ("rent", "sale", "build_to_suit")
FACTORY_STATUSES = ("vacant", "reserved", "let", "sold")


def _enum(values: tuple[str, ...], name: str, length: int) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "land_plot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("plot_no", sa.String(length=64), nullable=False),
        sa.Column("area_mu", sa.Float(), nullable=False),
        sa.Column("use", _enum(LAND_USES, "landuse", 16), nullable=False),
        sa.Column("supply_mode", _enum(SUPPLY_MODES, "supplymode", 24), nullable=True),
        sa.Column("term_years", sa.Integer(), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("contracted_start_on", sa.Date(), nullable=True),
        sa.Column("actual_start_on", sa.Date(), nullable=True),
        sa.Column("built_ratio", sa.Float(), nullable=True),
        sa.Column("invested_ratio", sa.Float(), nullable=True),
        sa.Column("work_stopped_on", sa.Date(), nullable=True),
        sa.Column("status", _enum(PLOT_STATUSES, "plotstatus", 16), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=True),
        _flag("dual_power"),
        _flag("pure_water"),
        _flag("hazardous_chemicals"),
        _flag("government_delay"),
        sa.Column("government_delay_since", sa.Date(), nullable=True),
        sa.Column("government_delay_days", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("idle_suspected_on", sa.Date(), nullable=True),
        sa.Column("fee_due", sa.Float(), nullable=True),
        sa.Column("fee_due_on", sa.Date(), nullable=True),
        sa.Column("reclaim_proposed_on", sa.Date(), nullable=True),
        sa.Column("disposal_path", _enum(DISPOSAL_PATHS, "disposalpath", 16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_land_plot_park_id_park")),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["company.id"], name=op.f("fk_land_plot_holder_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_land_plot_project_id_project")
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name=op.f("fk_land_plot_lead_id_lead")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_land_plot")),
        sa.UniqueConstraint("park_id", "plot_no", name=op.f("uq_land_plot_park_id_plot_no")),
    )
    for column in ("park_id", "holder_id", "project_id", "lead_id", "status"):
        op.create_index(op.f(f"ix_land_plot_{column}"), "land_plot", [column])

    op.create_table(
        "land_plot_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plot_id", sa.Integer(), nullable=False),
        sa.Column("from_status", _enum(PLOT_STATUSES, "plotstatus", 16), nullable=True),
        sa.Column("to_status", _enum(PLOT_STATUSES, "plotstatus", 16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plot_id"],
            ["land_plot.id"],
            name=op.f("fk_land_plot_status_change_plot_id_land_plot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_land_plot_status_change")),
    )
    op.create_index(
        op.f("ix_land_plot_status_change_plot_id"), "land_plot_status_change", ["plot_id"]
    )

    op.create_table(
        "factory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=64), nullable=False),
        sa.Column("floor", sa.String(length=16), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("clear_height_m", sa.Float(), nullable=True),
        sa.Column("floor_load_kn", sa.Float(), nullable=True),
        _flag("dual_power"),
        _flag("pure_water"),
        _flag("clean_room"),
        _flag("hazardous_chemicals"),
        sa.Column("operator", sa.String(length=200), nullable=True),
        sa.Column("mode", _enum(FACTORY_MODES, "factorymode", 16), nullable=False),
        sa.Column("status", _enum(FACTORY_STATUSES, "factorystatus", 16), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("rent", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_factory_park_id_park")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["company.id"], name=op.f("fk_factory_tenant_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_factory_project_id_project")
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name=op.f("fk_factory_lead_id_lead")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factory")),
        sa.UniqueConstraint(
            "park_id", "building", "floor", name=op.f("uq_factory_park_id_building_floor")
        ),
    )
    for column in ("park_id", "tenant_id", "project_id", "lead_id", "status"):
        op.create_index(op.f(f"ix_factory_{column}"), "factory", [column])

    op.create_table(
        "standard_land_threshold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("chain_id", sa.Integer(), nullable=True),
        sa.Column("investment_per_mu", sa.Float(), nullable=True),
        sa.Column("tax_per_mu", sa.Float(), nullable=True),
        sa.Column("output_per_mu", sa.Float(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["park_id"], ["park.id"], name=op.f("fk_standard_land_threshold_park_id_park")
        ),
        sa.ForeignKeyConstraint(
            ["chain_id"], ["chain.id"], name=op.f("fk_standard_land_threshold_chain_id_chain")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_land_threshold")),
        sa.UniqueConstraint(
            "park_id", "chain_id", name=op.f("uq_standard_land_threshold_park_id_chain_id")
        ),
    )
    op.create_index(
        op.f("ix_standard_land_threshold_park_id"), "standard_land_threshold", ["park_id"]
    )
    op.create_index(
        op.f("ix_standard_land_threshold_chain_id"), "standard_land_threshold", ["chain_id"]
    )

    op.create_table(
        "site_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("land_mu", sa.Float(), nullable=True),
        sa.Column("factory_m2", sa.Float(), nullable=True),
        _flag("dual_power"),
        _flag("pure_water"),
        _flag("hazardous_chemicals"),
        _flag("clean_room"),
        sa.Column("floor_load_kn", sa.Float(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_site_need_lead_id_lead"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_site_need_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_need")),
        sa.UniqueConstraint("lead_id", name=op.f("uq_site_need_lead_id")),
        sa.UniqueConstraint("project_id", name=op.f("uq_site_need_project_id")),
    )


def downgrade() -> None:
    op.drop_table("site_need")
    op.drop_table("standard_land_threshold")
    op.drop_table("factory")
    op.drop_table("land_plot_status_change")
    op.drop_table("land_plot")
