"""Tier rules where public criteria exist (see docs/ladder.md for the sources).

- 升规培育 (the pool of firms to be brought above designated size): a local firm not yet
  above designated size (规上); its latest yearly figures (crm.evaluation) say which.
- 省级专精特新 and 国家级专精特新"小巨人": an SME (crm.companies.sme), by the firm's own
  figures or, when it has them, its latest yearly figures.
- Every tier: a local company (the ladder cultivates firms already here).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.companies.models import Company
from crm.companies.sme import not_sme_reason
from crm.errors import Invalid
from crm.evaluation.models import CompanyYear
from crm.ladder.models import Tier

SME_TIERS = frozenset({Tier.srdi, Tier.little_giant})
TIER_NAMES = {
    Tier.upgrade: "升规培育",
    Tier.srdi: "省级专精特新",
    Tier.little_giant: '国家级专精特新"小巨人"',
    Tier.champion: "制造业单项冠军",
    Tier.large_group: "大企业大集团",
}


def latest_year(session: Session, company_id: int) -> CompanyYear | None:
    query = select(CompanyYear).where(CompanyYear.company_id == company_id)
    return session.scalar(query.order_by(CompanyYear.year.desc()).limit(1))


def require_eligible(session: Session, company: Company, tier: Tier) -> None:
    """422 naming the rule when the company may not be put in the tier now."""
    if not company.is_local:
        raise Invalid("tier", f"{company.name} 不是本地企业：四库三台阶只培育本地企业")
    figures = latest_year(session, company.id)
    if tier in SME_TIERS:
        tags = set(company.tags)
        reason = not_sme_reason(employees=company.employees, revenue_yi=company.revenue, tags=tags)
        if reason is None and figures is not None:
            revenue = figures.revenue / 10_000 if figures.revenue is not None else None
            reason = not_sme_reason(employees=figures.employees, revenue_yi=revenue, tags=tags)
        if reason:
            raise Invalid("tier", f"{TIER_NAMES[tier]}：{reason}")
    if tier == Tier.upgrade and figures is not None and figures.above_size:
        raise Invalid(
            "tier",
            f"升规培育：{company.name} {figures.year} 年已是规上企业，升规培育库只收规下企业",
        )
