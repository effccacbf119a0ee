"""Demo data: the city's own yearly totals (land, GDP, industrial output, tax) for 2023–2025,
the denominators of the park figures' shares.

A prefecture-level city of about 5,100 km² (7.65 million 亩) whose GDP grows about 6% a year;
the parks hold a sliver of its land and, by design of 亩均论英雄, a large part of its tax. The
step does not read the firms' figures (another step seeds them): shares are computed from
whatever firm figures exist when the park figures are read. Idempotent: a year already
entered is left as it is.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.evaluation import park_figures
from crm.evaluation.city_models import CityYear
from crm.evaluation.figure_schemas import CityCreate

# year: (land 亩, GDP 万元, industrial output 万元, tax revenue 万元) — a 统计年鉴's orders.
CITY_YEARS = {
    2023: (7_650_000, 24_800_000, 31_500_000, 1_020_000),
    2024: (7_650_000, 26_350_000, 33_900_000, 1_068_000),
    2025: (7_650_000, 27_960_000, 36_200_000, 1_121_000),
}


def load_city_figures(session: Session) -> int:
    """Enter the city's totals of each demo year not entered yet; returns how many."""
    have = set(session.scalars(select(CityYear.year)))
    entered = 0
    for year, (land_mu, gdp, output, tax) in CITY_YEARS.items():
        if year in have:
            continue
        data = CityCreate(
            year=year, land_mu=land_mu, gdp=gdp, industrial_output=output, tax_revenue=tax
        )
        park_figures.create_city_year(session, data)
        entered += 1
    return entered
