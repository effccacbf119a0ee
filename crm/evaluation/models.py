from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.companies.models import Company
from crm.db import Base, VersionedMixin


class CompanyYear(VersionedMixin, Base):
    """One local company's figures for one year (亩均 evaluation input).

    Money in 万元, land in 亩, energy in tonnes of standard coal (tce), emissions in
    pollutant equivalents (排放当量). A figure not reported is NULL, never 0.
    """

    __tablename__ = "company_year"
    __table_args__ = (
        UniqueConstraint("company_id", "year"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    land_own_mu: Mapped[float | None] = mapped_column(Float)  # 自有用地 (亩)
    land_rented_mu: Mapped[float | None] = mapped_column(Float)  # 租用用地 (亩)
    revenue: Mapped[float | None] = mapped_column(Float)  # 营业收入 (万元)
    tax: Mapped[float | None] = mapped_column(Float)  # 实缴税金 (万元)
    added_value: Mapped[float | None] = mapped_column(Float)  # 工业增加值 (万元)
    energy_tce: Mapped[float | None] = mapped_column(Float)  # 综合能耗 (吨标准煤)
    emissions: Mapped[float | None] = mapped_column(Float)  # 主要污染物排放当量
    rd_spend: Mapped[float | None] = mapped_column(Float)  # 研发经费 (万元)
    employees: Mapped[int | None] = mapped_column(Integer)  # 年平均职工人数
    fixed_asset_investment: Mapped[float | None] = mapped_column(Float)  # 固定资产投资 (万元)
    above_size: Mapped[bool] = mapped_column(Boolean, default=False)  # 规上

    company: Mapped[Company] = relationship()

    @property
    def land_mu(self) -> float:
        """All land the firm uses, own and rented (the 亩 in 亩均)."""
        return (self.land_own_mu or 0) + (self.land_rented_mu or 0)

    @property
    def audit_label(self) -> str:
        return f"{self.company.name} {self.year}"
