"""亩均论英雄: the yearly evaluation scheme, the graded results and their itemised contributions.

A scheme (one per year) holds the indicators and weights of each population, the grade cuts
(rank shares) and the differentiated measures per grade. Results are written in bulk by
``crm.evaluation.scoring`` (not audited row by row: the run itself is recorded on the scheme).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.companies.models import Company
from crm.db import Base, UTCDateTime, VersionedMixin


class EvaluationScheme(VersionedMixin, Base):
    """The year's 亩均 evaluation scheme (评价办法), and whether its grading is published."""

    __tablename__ = "evaluation_scheme"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
        CheckConstraint(
            "0 < a_pct AND a_pct <= b_pct AND b_pct <= c_pct AND c_pct <= 100", name="cuts_order"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    # {population: [{"indicator": code, "weight": int, "direction": "higher" | "lower"}]}
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Grade cuts as cumulative rank shares within each population (percent of its firms).
    a_pct: Mapped[int] = mapped_column(Integer)
    b_pct: Mapped[int] = mapped_column(Integer)
    c_pct: Mapped[int] = mapped_column(Integer)
    # {grade: {"land": text, "energy": text, "emissions": text, "credit": text}}
    measures: Mapped[dict[str, Any]] = mapped_column(JSON)
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_by: Mapped[str | None] = mapped_column(String(64))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))

    @property
    def audit_label(self) -> str:
        return f"亩均评价 {self.year}"


class EvaluationResult(Base):
    """One firm's grade for one year: its population, score (0–100), rank and grade."""

    __tablename__ = "evaluation_result"
    __table_args__ = (UniqueConstraint("year", "company_id"),)
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    population: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float, default=0)
    rank: Mapped[int | None] = mapped_column(Integer)
    population_size: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(1))

    company: Mapped[Company] = relationship()
    contributions: Mapped[list["EvaluationContribution"]] = relationship(
        order_by="EvaluationContribution.id", passive_deletes=True
    )


class EvaluationContribution(Base):
    """One indicator's part of a firm's score: the value, its normalised 0–1 form, the points."""

    __tablename__ = "evaluation_contribution"
    __table_args__ = (UniqueConstraint("result_id", "indicator"),)
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_result.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(32))
    weight: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)  # None: a figure missing or a zero base
    benchmark: Mapped[float | None] = mapped_column(Float)  # the population's average
    normalised: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
