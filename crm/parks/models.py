from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.chains.models import Chain
from crm.companies.models import Company, Park
from crm.db import Base, UTCDateTime, VersionedMixin, utcnow
from crm.leads.models import Lead
from crm.projects.models import Project


class LandUse(StrEnum):
    industrial = "industrial"  # 工业用地
    m0 = "m0"  # 新型产业用地 M0
    warehousing = "warehousing"  # 仓储用地
    other = "other"


class SupplyMode(StrEnum):
    transfer = "transfer"  # 出让
    lease = "lease"  # 租赁
    lease_then_transfer = "lease_then_transfer"  # 先租后让
    flexible_term = "flexible_term"  # 弹性年期


class PlotStatus(StrEnum):
    reserve = "reserve"  # 储备
    available = "available"  # 可供应
    reserved = "reserved"  # 已预留 (for a lead)
    supplied = "supplied"  # 已供地
    started = "started"  # 已动工
    idle_suspected = "idle_suspected"  # 疑似闲置
    idle_confirmed = "idle_confirmed"  # 认定闲置
    fee_levied = "fee_levied"  # 已征闲置费
    reclaimed = "reclaimed"  # 已收回
    disposed = "disposed"  # 已处置


class DisposalPath(StrEnum):
    promote_start = "promote_start"  # 促进动工
    change_use = "change_use"  # 调整用途
    land_swap = "land_swap"  # 土地置换
    reclaim = "reclaim"  # 回收


class FactoryMode(StrEnum):
    rent = "rent"  # 租
    sale = "sale"  # 售
    build_to_suit = "build_to_suit"  # 代建 (建)


class FactoryStatus(StrEnum):
    vacant = "vacant"  # 空置
    reserved = "reserved"  # 已预留
    let = "let"  # 已出租
    sold = "sold"  # 已出售


class LandPlot(VersionedMixin, Base):
    """A plot of land a park can supply (地块), with its idle-land clock."""

    __tablename__ = "land_plot"
    __table_args__ = (UniqueConstraint("park_id", "plot_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("park.id"), index=True)
    plot_no: Mapped[str] = mapped_column(String(64))
    area_mu: Mapped[float] = mapped_column(Float)
    use: Mapped[LandUse] = mapped_column(Enum(LandUse, native_enum=False, length=16))
    supply_mode: Mapped[SupplyMode | None] = mapped_column(
        Enum(SupplyMode, native_enum=False, length=24)
    )
    term_years: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[float | None] = mapped_column(Float)  # 万元
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    # The lead a plot is reserved for, until it signs (then holder and project take over).
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    contracted_start_on: Mapped[date | None] = mapped_column(Date)
    actual_start_on: Mapped[date | None] = mapped_column(Date)
    built_ratio: Mapped[float | None] = mapped_column(Float)  # 0–1, built floor area / planned
    invested_ratio: Mapped[float | None] = mapped_column(Float)  # 0–1, invested / agreed
    work_stopped_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[PlotStatus] = mapped_column(
        Enum(PlotStatus, native_enum=False, length=16), index=True
    )
    status_on: Mapped[date | None] = mapped_column(Date)
    # The idle-land clock (crm.parks.clock): a delay of the government's own making stops it;
    # the days of delays that ended are kept so that the clock resumes where it stopped.
    # What the plot offers at its edge (配套), matched against a lead's special needs.
    dual_power: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pure_water: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hazardous_chemicals: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    government_delay: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    government_delay_since: Mapped[date | None] = mapped_column(Date)
    government_delay_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    idle_suspected_on: Mapped[date | None] = mapped_column(Date)
    fee_due: Mapped[float | None] = mapped_column(Float)  # 万元, 20% of the price
    fee_due_on: Mapped[date | None] = mapped_column(Date)
    reclaim_proposed_on: Mapped[date | None] = mapped_column(Date)
    disposal_path: Mapped[DisposalPath | None] = mapped_column(
        Enum(DisposalPath, native_enum=False, length=16)
    )
    notes: Mapped[str | None] = mapped_column(Text)

    park: Mapped[Park] = relationship()
    holder: Mapped[Company | None] = relationship()
    project: Mapped[Project | None] = relationship()
    lead: Mapped[Lead | None] = relationship()

    @property
    def audit_label(self) -> str:
        return self.plot_no


class PlotStatusChange(Base):
    """One dated move of a plot between statuses; never changed once written."""

    __tablename__ = "land_plot_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plot_id: Mapped[int] = mapped_column(ForeignKey("land_plot.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[PlotStatus | None] = mapped_column(
        Enum(PlotStatus, native_enum=False, length=16)
    )
    to_status: Mapped[PlotStatus] = mapped_column(Enum(PlotStatus, native_enum=False, length=16))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class Factory(VersionedMixin, Base):
    """A standard factory unit (标准厂房): one floor of one building in a park."""

    __tablename__ = "factory"
    __table_args__ = (UniqueConstraint("park_id", "building", "floor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("park.id"), index=True)
    building: Mapped[str] = mapped_column(String(64))
    floor: Mapped[str] = mapped_column(String(16))
    area_m2: Mapped[float] = mapped_column(Float)
    clear_height_m: Mapped[float | None] = mapped_column(Float)
    floor_load_kn: Mapped[float | None] = mapped_column(Float)  # kN/m²
    dual_power: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pure_water: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    clean_room: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hazardous_chemicals: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    operator: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[FactoryMode] = mapped_column(Enum(FactoryMode, native_enum=False, length=16))
    status: Mapped[FactoryStatus] = mapped_column(
        Enum(FactoryStatus, native_enum=False, length=16), index=True
    )
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    rent: Mapped[float | None] = mapped_column(Float)  # 元/m²·月
    notes: Mapped[str | None] = mapped_column(Text)

    park: Mapped[Park] = relationship()
    tenant: Mapped[Company | None] = relationship()
    project: Mapped[Project | None] = relationship()
    lead: Mapped[Lead | None] = relationship()

    @property
    def audit_label(self) -> str:
        return f"{self.building}-{self.floor}"


class StandardLandThreshold(VersionedMixin, Base):
    """标准地 admission thresholds, for one park or one industry (chain); a park and chain
    pair is the most specific. A site is offered to a lead whose investment meets them."""

    __tablename__ = "standard_land_threshold"
    __table_args__ = (UniqueConstraint("park_id", "chain_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("chain.id"), index=True)
    investment_per_mu: Mapped[float | None] = mapped_column(Float)  # 万元/亩 fixed-asset
    tax_per_mu: Mapped[float | None] = mapped_column(Float)  # 万元/亩·年
    output_per_mu: Mapped[float | None] = mapped_column(Float)  # 万元/亩·年

    park: Mapped[Park | None] = relationship()
    chain: Mapped[Chain | None] = relationship()


class SiteNeed(VersionedMixin, Base):
    """What a lead (or, once signed, its project) needs of a site: land, factory floor space
    and special conditions. Kept beside the lead and project, one row each at most."""

    __tablename__ = "site_need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), unique=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    land_mu: Mapped[float | None] = mapped_column(Float)
    factory_m2: Mapped[float | None] = mapped_column(Float)
    dual_power: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pure_water: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hazardous_chemicals: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    clean_room: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    floor_load_kn: Mapped[float | None] = mapped_column(Float)  # kN/m² at least
