"""places and what projects report

Places: company provinces and cities, task forces' base cities and visits' cities are rewritten
to the full names of China's administrative divisions (深圳 → 深圳市, 重庆 → 重庆市, 广东 →
广东省), with the city's division code on companies; names the data set does not know stay as
typed. Projects gain what reports count: name, agreement type (existing projects were signed
contracts: formal), investor origin (derived from the company's place), fixed-asset investment
and county; a funding entry gains its source region (the project's investor origin).

Downgrading drops the new columns; place names stay in their full form (a valid spelling).

Revision ID: ccf200ea854b
Revises: 3f7a1c2d9b4e
Create Date: 2026-11-26 13:53:30.372205
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm import places

revision: str = "ccf200ea854b"
down_revision: str | None = "3f7a1c2d9b4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORIGINS = ("overseas", "other_province", "other_city", "local")


def upgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("city_code", sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f("ix_company_city_code"), ["city_code"], unique=False)

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "agreement_type",
                sa.Enum("framework", "formal", name="agreementtype", native_enum=False, length=16),
                nullable=False,
                server_default="formal",
            )
        )
        batch_op.add_column(sa.Column("investor_origin", _origin(), nullable=True))
        batch_op.add_column(sa.Column("fixed_asset_investment", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("county", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("county_code", sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f("ix_project_county_code"), ["county_code"], unique=False)

    with op.batch_alter_table("project_funding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_region", _origin(), nullable=True))

    connection = op.get_bind()
    _normalise_company_places(connection)
    _normalise_cities(connection, "task_force", "base_city")
    _normalise_cities(connection, "visit", "city")
    _derive_investor_origins(connection)


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+ has it): a batch rebuild of company or
    # project would drop a table that other rows still reference.
    op.drop_column("project_funding", "source_region")
    op.drop_index(op.f("ix_project_county_code"), table_name="project")
    for column in (
        "county_code",
        "county",
        "fixed_asset_investment",
        "investor_origin",
        "agreement_type",
        "name",
    ):
        op.drop_column("project", column)
    op.drop_index(op.f("ix_company_city_code"), table_name="company")
    op.drop_column("company", "city_code")


def _origin() -> sa.Enum:
    return sa.Enum(*ORIGINS, name="investororigin", native_enum=False, length=16)


def _normalise_company_places(connection: sa.Connection) -> None:
    """One UPDATE per distinct spelling, not per row."""
    for (province,) in connection.execute(sa.text("SELECT DISTINCT province FROM company")):
        full = places.province_name(province)
        if province is not None and full != province:
            connection.execute(
                sa.text("UPDATE company SET province = :full WHERE province = :typed"),
                {"full": full, "typed": province},
            )
    for (city,) in connection.execute(sa.text("SELECT DISTINCT city FROM company")):
        place = places.city(city)
        if place is None:
            continue
        connection.execute(
            sa.text("UPDATE company SET city = :full, city_code = :code WHERE city = :typed"),
            {"full": place.name, "code": place.code, "typed": city},
        )


def _normalise_cities(connection: sa.Connection, table: str, column: str) -> None:
    rows = connection.execute(sa.text(f"SELECT DISTINCT {column} FROM {table}"))
    for (city,) in rows.all():
        full = places.city_name(city)
        if city is not None and full != city:
            connection.execute(
                sa.text(f"UPDATE {table} SET {column} = :full WHERE {column} = :typed"),
                {"full": full, "typed": city},
            )


def _derive_investor_origins(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT project.id, company.province, company.city, company.is_local FROM project "
            "JOIN lead ON lead.id = project.lead_id JOIN company ON company.id = lead.company_id"
        )
    ).all()
    for project_id, province, city, is_local in rows:
        origin = places.investor_origin(
            province_text=province, city_text=city, is_local=bool(is_local)
        )
        if origin is None:
            continue
        connection.execute(
            sa.text("UPDATE project SET investor_origin = :origin WHERE id = :id"),
            {"origin": origin.value, "id": project_id},
        )
        connection.execute(
            sa.text("UPDATE project_funding SET source_region = :origin WHERE project_id = :id"),
            {"origin": origin.value, "id": project_id},
        )
