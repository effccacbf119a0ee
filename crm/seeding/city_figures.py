"""Demo data: the city's own yearly totals (land, GDP, industrial output, tax) for 2023–2025,
the denominators of the park figures' shares.

A prefecture-level city of about 3,240 km² (4.86 million 亩) whose GDP grows 4–5% a year;
sized so that, with the demo firms' figures, the parks hold about 0.6% of its land and give
about a quarter of its GDP and half of its tax (the proportions a model case reports). The
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
    2023: (4_860_000, 13_050_000, 26_000_000, 1_260_000),
    2024: (4_860_000, 13_600_000, 26_900_000, 1_330_000),
    2025: (4_860_000, 14_250_000, 28_000_000, 1_390_000),
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
