"""Park figures (亩均 per park): land used, output, added value and tax of the firms reporting,
per park and for all parks, their per-mu figures, shares of the city's totals, year on year.

Summed in SQL in one statement over the firms' yearly figures (this year and the one before);
the city's totals come from ``CityYear``.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.companies.models import Company, Park
from crm.errors import Conflict, NotFound
from crm.evaluation.city_models import CityYear
from crm.evaluation.figure_schemas import CityCreate, CityUpdate
from crm.evaluation.models import CompanyYear
from crm.updates import check_version

SUMMED = ("land_mu", "revenue", "added_value", "tax")
ALL_PARKS = "全部园区"


@dataclass
class Totals:
    firms: int = 0
    land_mu: float = 0.0
    revenue: float = 0.0
    added_value: float = 0.0
    tax: float = 0.0

    def add(self, other: "Totals") -> None:
        self.firms += other.firms
        for key in SUMMED:
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass
class ParkYear:
    park_id: int | None
    park: str
    year: int
    current: Totals
    previous: Totals
    city: CityYear | None = field(default=None, repr=False)

    def _ratio(self, part: float, whole: float | None, digits: int = 4) -> float | None:
        return round(part / whole, digits) if whole else None

    def public(self) -> dict:
        now, before, city = self.current, self.previous, self.city
        per_mu = {
            "revenue_per_mu": self._ratio(now.revenue, now.land_mu, 2),
            "tax_per_mu": self._ratio(now.tax, now.land_mu, 2),
        }
        before_per_mu = {
            "revenue_per_mu": self._ratio(before.revenue, before.land_mu, 2),
            "tax_per_mu": self._ratio(before.tax, before.land_mu, 2),
        }
        yoy = {key: _change(getattr(now, key), getattr(before, key)) for key in SUMMED}
        yoy |= {key: _change(per_mu[key], before_per_mu[key]) for key in per_mu}
        return {
            "park_id": self.park_id,
            "park": self.park,
            "year": self.year,
            "firms": now.firms,
            **{key: round(getattr(now, key), 2) for key in SUMMED},
            **per_mu,
            "land_share": self._ratio(now.land_mu, city.land_mu if city else None),
            "gdp_share": self._ratio(now.added_value, city.gdp if city else None),
            "output_share": self._ratio(now.revenue, city.industrial_output if city else None),
            "tax_share": self._ratio(now.tax, city.tax_revenue if city else None),
            "previous": {
                "firms": before.firms,
                **{key: round(getattr(before, key), 2) for key in SUMMED},
                **before_per_mu,
            },
            "yoy": yoy,
        }


def _change(now: float | None, before: float | None) -> float | None:
    """Relative change year on year (0.1 = +10%), None without a base."""
    if now is None or not before:
        return None
    return round((now - before) / before, 4)


def _sums(session: Session, year: int) -> dict[tuple[int, int], Totals]:
    """(park id, year) → the sums of the firms of that park reporting that year."""
    land = func.coalesce(CompanyYear.land_own_mu, 0) + func.coalesce(CompanyYear.land_rented_mu, 0)
    rows = session.execute(
        select(
            Company.park_id,
            CompanyYear.year,
            func.count(CompanyYear.id),
            func.coalesce(func.sum(land), 0),
            func.coalesce(func.sum(CompanyYear.revenue), 0),
            func.coalesce(func.sum(CompanyYear.added_value), 0),
            func.coalesce(func.sum(CompanyYear.tax), 0),
        )
        .join(CompanyYear.company)
        .where(Company.park_id.is_not(None), CompanyYear.year.in_((year, year - 1)))
        .group_by(Company.park_id, CompanyYear.year)
    )
    return {
        (park_id, row_year): Totals(int(n), float(mu), float(rev), float(av), float(tax))
        for park_id, row_year, n, mu, rev, av, tax in rows
    }


def park_figures(session: Session, year: int) -> dict:
    """Every park's figures for ``year`` and the all-parks total, with the city's totals."""
    sums = _sums(session, year)
    city = session.scalar(select(CityYear).where(CityYear.year == year))
    parks = session.execute(select(Park.id, Park.name).order_by(Park.id)).all()
    items, total = [], ParkYear(None, ALL_PARKS, year, Totals(), Totals(), city)
    for park_id, name in parks:
        item = ParkYear(
            park_id,
            name,
            year,
            sums.get((park_id, year), Totals()),
            sums.get((park_id, year - 1), Totals()),
            city,
        )
        total.current.add(item.current)
        total.previous.add(item.previous)
        items.append(item.public())
    return {
        "year": year,
        "city": _city_public(city),
        "items": items,
        "total": total.public(),
    }


def years(session: Session) -> list[int]:
    """The years with firm or city figures, newest first."""
    found = set(session.scalars(select(CompanyYear.year).distinct()))
    found |= set(session.scalars(select(CityYear.year)))
    return sorted(found, reverse=True)


# --- the city's totals ------------------------------------------------------------------------


def _city_public(city: CityYear | None) -> dict | None:
    if city is None:
        return None
    return {
        key: getattr(city, key)
        for key in ("id", "version", "year", "land_mu", "gdp", "industrial_output", "tax_revenue")
    }


def list_city_years(session: Session) -> list[CityYear]:
    return list(session.scalars(select(CityYear).order_by(CityYear.year.desc())))


def get_city_year(session: Session, city_year_id: int) -> CityYear:
    city = session.get(CityYear, city_year_id)
    if city is None:
        raise NotFound(f"city figures {city_year_id} not found")
    return city


def create_city_year(session: Session, data: CityCreate) -> CityYear:
    if session.scalar(select(CityYear.id).where(CityYear.year == data.year)) is not None:
        raise Conflict(f"the city's figures for {data.year} already exist")
    city = CityYear(**data.model_dump())
    session.add(city)
    session.flush()
    return city


def update_city_year(session: Session, city: CityYear, data: CityUpdate) -> CityYear:
    check_version(city, data.version, f"city figures {city.year}")
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(city, key, value)
    session.flush()
    return city
