from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm import places
from crm.chains.models import Chain, Segment
from crm.db import Base, VersionedMixin


class Tag(StrEnum):
    leader = "leader"  # 龙头 / 链主
    srdi = "srdi"  # 专精特新
    little_giant = "little_giant"  # 专精特新"小巨人"
    champion = "champion"  # 制造业单项冠军
    listed = "listed"  # 上市
    fortune500 = "fortune500"  # 世界500强


class ParkLevel(StrEnum):
    national = "national"
    provincial = "provincial"
    city = "city"


company_segment = Table(
    "company_segment",
    Base.metadata,
    Column("company_id", ForeignKey("company.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "segment_id", ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

park_chain = Table(
    "park_chain",
    Base.metadata,
    Column("park_id", ForeignKey("park.id", ondelete="CASCADE"), primary_key=True),
    Column("chain_id", ForeignKey("chain.id", ondelete="CASCADE"), primary_key=True),
)

chain_leader = Table(
    "chain_leader",
    Base.metadata,
    Column("chain_id", ForeignKey("chain.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "company_id", ForeignKey("company.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Park(VersionedMixin, Base):
    """An industrial park (园区) where local companies operate."""

    __tablename__ = "park"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    level: Mapped[ParkLevel] = mapped_column(Enum(ParkLevel, native_enum=False, length=16))
    area_mu: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)

    leading_chains: Mapped[list[Chain]] = relationship(secondary=park_chain, order_by=Chain.code)

    @property
    def audit_label(self) -> str:
        return self.name


class Company(VersionedMixin, Base):
    """A company (企业): a local firm or a target to attract."""

    __tablename__ = "company"
    # A company's identity: its credit code (unique below) or, without one, its normalised
    # name. Enforced here, so concurrent imports cannot store one company twice.
    __table_args__ = (
        Index(
            "uq_company_name_key_without_credit_code",
            "name_key",
            unique=True,
            sqlite_where=text("credit_code IS NULL"),
            postgresql_where=text("credit_code IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name folded for duplicate detection (width, case, spaces): see ``normalise_name``.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    # Full pinyin and initials of the name, for search (crm.companies.search); set with the name.
    name_pinyin: Mapped[str] = mapped_column(Text, default="", server_default="")
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50), index=True)
    # The city's division code (GB/T 2260) when the data set knows it; a city without one
    # is kept as typed and flagged (a foreign city, or a spelling to check).
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    revenue: Mapped[float | None] = mapped_column(Float)  # 亿元
    employees: Mapped[int | None] = mapped_column(Integer)
    listing: Mapped[str | None] = mapped_column(String(100))

    park: Mapped[Park | None] = relationship()
    segments: Mapped[list[Segment]] = relationship(secondary=company_segment, order_by=Segment.id)
    tag_rows: Mapped[list["CompanyTag"]] = relationship(
        cascade="all, delete-orphan", order_by="CompanyTag.tag"
    )
    leader_of: Mapped[list[Chain]] = relationship(secondary=chain_leader, order_by=Chain.code)

    @validates("province")
    def _full_province_name(self, _key: str, value: str | None) -> str | None:
        return places.province_name(value)

    @validates("city")
    def _full_city_name(self, _key: str, value: str | None) -> str | None:
        place = places.city(value)
        self.city_code = place.code if place else None
        return place.name if place else None

    @validates("name")
    def _set_name_pinyin(self, _key: str, name: str) -> str:
        from crm.companies.search import name_pinyin  # search imports this module

        self.name_pinyin = name_pinyin(name)
        return name

    @property
    def tags(self) -> list[Tag]:
        return [row.tag for row in self.tag_rows]

    @property
    def audit_label(self) -> str:
        return self.name


class CompanyTag(Base):
    __tablename__ = "company_tag"
    __audit__ = False  # recorded as a change of the company's tag_rows

    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[Tag] = mapped_column(
        Enum(Tag, native_enum=False, length=16), primary_key=True, index=True
    )

    @property
    def audit_label(self) -> str:
        return self.tag.value
