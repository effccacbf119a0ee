from sqlalchemy import Float, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, VersionedMixin


class AnnualTarget(VersionedMixin, Base):
    """A year's targets (年度目标), overall (no task force) or for one task force."""

    __tablename__ = "annual_target"
    __table_args__ = (UniqueConstraint("year", "task_force_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    task_force_id: Mapped[int | None] = mapped_column(
        ForeignKey("task_force.id", ondelete="CASCADE"), index=True
    )
    signed_projects: Mapped[int | None] = mapped_column(Integer)
    signed_investment: Mapped[float | None] = mapped_column(Float)  # 万元
    started: Mapped[int | None] = mapped_column(Integer)
    producing: Mapped[int | None] = mapped_column(Integer)
