"""The city's own yearly totals: the denominators of the parks' shares (not derivable from
firm data, so entered by the office from the statistics bureau's yearbook)."""

from sqlalchemy import CheckConstraint, Float, Integer
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, VersionedMixin


class CityYear(VersionedMixin, Base):
    """The whole city's land, GDP, industrial output and tax revenue for one year (万元, 亩)."""

    __tablename__ = "city_year"
    __table_args__ = (CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    land_mu: Mapped[float | None] = mapped_column(Float)  # 全市土地面积 (亩)
    gdp: Mapped[float | None] = mapped_column(Float)  # 地区生产总值 (万元)
    industrial_output: Mapped[float | None] = mapped_column(Float)  # 工业总产值 (万元)
    tax_revenue: Mapped[float | None] = mapped_column(Float)  # 税收收入 (万元)

    @property
    def audit_label(self) -> str:
        return f"全市 {self.year}"
