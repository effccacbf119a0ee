"""Finding companies by name: text anywhere in the name, a credit code, or the name's pinyin.

Names are matched through ``name_key`` (the name folded for width, case and spaces), so
"ＡＢＣ 光电" finds "abc光电". Pinyin: ``name_pinyin`` holds the name's full pinyin and its
initials ("qingdaozhuohua qdzh" for 青岛卓华), filled whenever a name is set and by the
migration for older rows. On PostgreSQL both columns carry a pg_trgm GIN index, which serves
``LIKE '%term%'`` from three characters up; shorter terms (one or two Chinese characters) run
the same condition without the index: still correct, and the list reads in id order and stops
at a page, while the count is capped (crm.listing).
"""

import re

from pypinyin import lazy_pinyin
from sqlalchemy import ColumnElement, Select, or_, select

from crm.companies.models import Company
from crm.companies.schemas import normalise_name
from crm.listing import escape_like

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
_PINYIN_TERM = re.compile(r"[a-z]{2,}")


def name_pinyin(name: str) -> str:
    """``"<full pinyin> <initials>"``, lower case, letters and digits only."""
    syllables = _syllables(name)
    full = "".join(syllables)
    initials = "".join(s if s in name else s[:1] for s in syllables)  # "ABC" stays whole
    return f"{_letters(full)} {_letters(initials)}"


def _syllables(name: str) -> list[str]:
    """The name's pinyin, a syllable per Chinese character, other text passed through whole.
    pypinyin matches phrases, so 重庆 is chongqing and 银行 yinhang (one call, ~0.1–0.2 ms a
    name: a 100,000-row import spends 10–20 s here)."""
    return lazy_pinyin(name, errors="default")


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text.lower())


def name_matches(q: str) -> ColumnElement[bool]:
    """The condition "the company is what ``q`` names"."""
    key = normalise_name(q)
    conditions = [Company.name_key.like(f"%{escape_like(key)}%", escape="\\")]
    if len(q.strip()) == 18:
        conditions.append(Company.credit_code == q.strip().upper())
    if _PINYIN_TERM.fullmatch(key):
        conditions.append(Company.name_pinyin.like(f"%{key}%"))
    return or_(*conditions)


def matching_ids(q: str) -> Select:
    return select(Company.id).where(name_matches(q))
