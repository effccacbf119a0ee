"""Is a company an SME (中小企业)? The test the 专精特新 and 小巨人 tags and tiers need.

By 《中小企业划型标准规定》(工信部联企业〔2011〕300号), industry: a firm is medium, small or
micro when it has fewer than 1,000 employees OR less than 40,000 万元 (4亿元) revenue. So only
a firm with 1,000 or more employees AND 4亿元 or more revenue is large; a 世界500强 is large too.
An unknown figure does not make a firm large.
"""

from crm.companies.models import Tag

LARGE_EMPLOYEES = 1000
LARGE_REVENUE_YI = 4.0  # 亿元
SME_TAGS = frozenset({Tag.srdi, Tag.little_giant})


def not_sme_reason(
    *, employees: int | None, revenue_yi: float | None, tags: set[Tag] | frozenset[Tag]
) -> str | None:
    """Why the firm is no SME (a message naming the rule), or None when it may be one."""
    if Tag.fortune500 in tags:
        return "世界500强企业不属于中小企业，不能认定为专精特新或小巨人（专精特新须为中小企业）"
    if (
        employees is not None
        and revenue_yi is not None
        and employees >= LARGE_EMPLOYEES
        and revenue_yi >= LARGE_REVENUE_YI
    ):
        return (
            f"从业人员 {employees} 人且营业收入 {revenue_yi:g} 亿元，按工信部联企业〔2011〕300号"
            "工业企业划型标准（从业人员1000人以上且营业收入4亿元以上为大型企业）不属于中小企业，"
            "不能认定为专精特新或小巨人"
        )
    return None
