"""The firms-per-tier list as a file (rows for crm.exporting.download)."""

from collections.abc import Iterable, Iterator

from crm.ladder.models import PlanStatus
from crm.ladder.rules import TIER_NAMES
from crm.ladder.schemas import TierFirm

EXPORT_HEADERS = ["企业名称", "所在园区", "梯队", "进入日期", "认定文件", "联系市领导", "一企一策"]
PLAN_NAMES = {PlanStatus.draft: "编制中", PlanStatus.active: "实施中", PlanStatus.done: "已完成"}


def export_rows(items: Iterable[TierFirm]) -> Iterator[list]:
    for item in items:
        yield [
            item.company,
            item.park or "",
            TIER_NAMES[item.tier],
            item.entered_on,
            item.source_document or "",
            item.liaison or "",
            PLAN_NAMES.get(item.plan_status, "") if item.plan_status else "",
        ]
