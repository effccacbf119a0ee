from typing import Annotated

from fastapi import APIRouter, Query

from crm.api.deps import DbSession
from crm.reports.monthly import monthly_report
from crm.reports.schemas import MonthlyReport

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/monthly", response_model=MonthlyReport)
def monthly(
    session: DbSession,
    year: Annotated[int, Query(ge=2000, le=2100)],
    month: Annotated[int, Query(ge=1, le=12)],
):
    """The monthly bulletin (月度招商引资通报): for the city, each unit kind and its units,
    each park and each chain, 本月 / 累计 (1 January to the month's end) / 目标 / 完成率 /
    同比 (累计 against the same period last year) of 新签约 (count and 亿元), 新开工, 新投产
    and 到位资金, with 开工率, 投产率, 资金到位率, and each 完成率 against 序时进度 (month / 12)
    as `status`. Figures are the dashboard's (`counting_rule`); `indicators`, `rates`,
    `colour_rule` and `targets_note` define them."""
    return monthly_report(session, year, month)
