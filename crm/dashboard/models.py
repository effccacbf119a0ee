from sqlalchemy import Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, VersionedMixin

# One row per year and subject; NULLs folded so the city's row (no subject) is unique too.
SUBJECT_INDEX = Index(
    "uq_annual_target_year_subject",
    "year",
    text("coalesce(task_force_id, 0)"),
    text("coalesce(park_id, 0)"),
    text("coalesce(county, '')"),
    unique=True,
)


class AnnualTarget(VersionedMixin, Base):
    """A year's targets (年度目标) for one subject: the whole city (no subject set), a task
    force, a park or a county (区县 of the home city). Money in 万元."""

    __tablename__ = "annual_target"
    __table_args__ = (SUBJECT_INDEX,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    task_force_id: Mapped[int | None] = mapped_column(
        ForeignKey("task_force.id", ondelete="CASCADE"), index=True
    )
    park_id: Mapped[int | None] = mapped_column(
        ForeignKey("park.id", ondelete="CASCADE"), index=True
    )
    county: Mapped[str | None] = mapped_column(String(50))
    signed_projects: Mapped[int | None] = mapped_column(Integer)
    signed_investment: Mapped[float | None] = mapped_column(Float)
    started: Mapped[int | None] = mapped_column(Integer)
    producing: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[float | None] = mapped_column(Float)  # 到位资金
    funding_outside_province: Mapped[float | None] = mapped_column(Float)  # 其中省外
    signed_at_least_1yi: Mapped[int | None] = mapped_column(Integer)  # 亿元以上项目
    signed_at_least_10yi: Mapped[int | None] = mapped_column(Integer)
    signed_at_least_20yi: Mapped[int | None] = mapped_column(Integer)
