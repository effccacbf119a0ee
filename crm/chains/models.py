from enum import StrEnum

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, TimestampMixin, VersionedMixin


class Stage(StrEnum):
    upstream = "upstream"
    midstream = "midstream"
    downstream = "downstream"


class Chain(VersionedMixin, Base):
    """An industry chain and its investment map (产业链 / 招商图谱)."""

    __tablename__ = "chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    is_focus: Mapped[bool] = mapped_column(Boolean, default=False)
    # 链长: the city leader the second level of 督办 on this chain's projects reaches.
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    segments: Mapped[list["Segment"]] = relationship(
        back_populates="chain", order_by="Segment.position", cascade="all, delete-orphan"
    )
    links: Mapped[list["SegmentLink"]] = relationship(
        order_by="SegmentLink.position", cascade="all, delete-orphan"
    )

    @property
    def audit_label(self) -> str:
        return self.code


class Segment(VersionedMixin, Base):
    """A segment (环节) of a chain; sub-segments name their parent, gap analysis uses leaves."""

    __tablename__ = "segment"
    __table_args__ = (UniqueConstraint("chain_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), index=True
    )
    is_direction: Mapped[bool] = mapped_column(Boolean, default=False)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    chain: Mapped[Chain] = relationship(back_populates="segments")
    parent: Mapped["Segment | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Segment"]] = relationship(back_populates="parent")


class SegmentLink(TimestampMixin, Base):
    """A supply relation: segment ``from`` supplies segment ``to``, possibly in another chain.

    A link belongs to the chain whose file declared it (``chain_id``).
    """

    __tablename__ = "segment_link"
    __table_args__ = (UniqueConstraint("from_segment_id", "to_segment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"), index=True)
    from_segment_id: Mapped[int] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), index=True
    )
    to_segment_id: Mapped[int] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    from_segment: Mapped[Segment] = relationship(foreign_keys=[from_segment_id])
    to_segment: Mapped[Segment] = relationship(foreign_keys=[to_segment_id])
