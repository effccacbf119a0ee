"""Demo data for 亩均论英雄: yearly figures of every local company for 2023–2025, the default
scheme of each year, the computed grading, published (so grade changes show year on year).

Figures are derived from the company's own revenue (亿元, the group's) and employees, with a
``random.Random`` seeded by a fixed value and the company's id, so the answer does not depend
on the order or number of companies. The local unit of a large group is a share of it; small
firms may fall below designated size (规上: revenue 2000万元); some rent their premises only.
Rough magnitudes (万元): revenue 300–1,200 per 亩, tax 2–8 % of revenue, energy 0.03–0.6 tce
per 万元, R&D 0.5–6 % of revenue. Idempotent: a (company, year) with figures keeps them, a year
with a scheme keeps it.
"""

from datetime import UTC, datetime
from random import Random

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crm.companies.models import Company
from crm.db import utcnow
from crm.evaluation import grading
from crm.evaluation import scheme as schemes
from crm.evaluation.models import CompanyYear

SEED = 20_260_023
YEARS = (2023, 2024, 2025)
ABOVE_SIZE_REVENUE = 2000.0  # 万元: 规模以上工业企业 (主营业务收入 2000 万元及以上)
LOCAL_CAP = 300_000.0  # 万元: the local plant of a large group turns over at most about 30亿


def load_evaluation(session: Session) -> int:
    """Figures for every local company, then the three years graded and published; returns
    how many figure rows were added."""
    companies = session.scalars(select(Company).where(Company.is_local).order_by(Company.id))
    have = {tuple(row) for row in session.execute(select(CompanyYear.company_id, CompanyYear.year))}
    now = utcnow()
    rows = [
        {**row, "version": 1, "created_at": now, "updated_at": now}
        for company in companies
        for row in company_years(company)
        if (row["company_id"], row["year"]) not in have
    ]
    if rows:
        session.execute(insert(CompanyYear), rows)
    for year in YEARS:
        if schemes.find(session, year) is not None:
            continue
        schemes.create_default(session, year)
        grading.run(session, year, by="admin", now=_published_on(year))
        grading.publish(session, year, by="admin", now=_published_on(year))
    return len(rows)


def _published_on(year: int) -> datetime:
    """The grading of a year is published in the spring after it (as 亩均 lists are)."""
    return datetime(year + 1, 4, 28, 9, 0, tzinfo=UTC)


def company_years(company: Company) -> list[dict]:
    rng = Random(f"{SEED}-{company.id}")
    group_revenue = (company.revenue or 0.3) * 10_000.0
    # The local unit: all of a small firm, a share of a large group's.
    share = 1.0 if group_revenue <= 50_000 else rng.uniform(0.05, 0.3)
    base = min(group_revenue * share, LOCAL_CAP)
    if group_revenue < 12_000:
        base *= rng.uniform(0.15, 1.0)  # a small firm's local books: some fall below size
    employees = max(8, round((company.employees or base / 60) * min(share * 1.5, 1.0)))
    density = rng.lognormvariate(6.3, 0.45)  # revenue per 亩 (万元), about 550 in the middle
    if base < ABOVE_SIZE_REVENUE:
        density *= rng.uniform(0.3, 0.7)  # small workshops use their land thinly
    tax_rate = rng.uniform(0.015, 0.08)
    energy = rng.lognormvariate(-2.2, 0.8)  # tce per 万元 of revenue
    emission = rng.lognormvariate(-5.0, 0.8)  # equivalents per 万元 of revenue
    rd_rate = rng.uniform(0.003, 0.06)
    value_added = rng.uniform(0.18, 0.35)
    tenant = base < 8_000 and rng.random() < 0.4
    land = max(0.5, round(base / density, 1))
    own, rented = (None, land) if tenant else (land, rng.choice([None, None, round(land * 0.2, 1)]))
    trend = rng.uniform(-0.08, 0.15)
    rows = []
    revenue = base
    for year in YEARS:
        revenue = revenue * (1 + trend + rng.uniform(-0.1, 0.1)) if year > YEARS[0] else revenue
        above = revenue >= ABOVE_SIZE_REVENUE
        reports_more = above or rng.random() < 0.5  # below size: energy, emissions optional
        rows.append(
            {
                "company_id": company.id,
                "year": year,
                "land_own_mu": own,
                "land_rented_mu": rented,
                "revenue": round(revenue, 1),
                "tax": round(revenue * tax_rate * rng.uniform(0.85, 1.15), 1),
                "added_value": round(revenue * value_added, 1),
                "energy_tce": round(revenue * energy, 1) if reports_more else None,
                "emissions": round(revenue * emission, 2) if reports_more else None,
                "rd_spend": round(revenue * rd_rate * rng.uniform(0.8, 1.2), 1),
                "employees": max(5, round(employees * (revenue / base) ** 0.5)),
                "fixed_asset_investment": round(revenue * rng.uniform(0.02, 0.15), 1),
                "above_size": above,
            }
        )
    return rows
