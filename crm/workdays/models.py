from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, TimestampMixin


class Closure(TimestampMixin, Base):
    """A day the offices are closed beyond the statutory calendar (a local holiday, a
    typhoon day): no working day for any SLA."""

    __tablename__ = "workday_closure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(200))

    @property
    def audit_label(self) -> str:
        return self.day.isoformat()
