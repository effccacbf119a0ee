"""Finding companies by name: text anywhere in the name, a credit code, or the name's pinyin.

Names are matched through ``name_key`` (the name folded for width, case and spaces), so
"ＡＢＣ 光电" finds "abc光电". Pinyin: ``name_pinyin`` holds the name's full pinyin and its
initials ("qingdaozhuohua qdzh" for 青岛卓华), filled whenever a name is set and by the
migration for older rows. On PostgreSQL both columns carry a pg_trgm GIN index, which serves
``LIKE '%term%'`` from three characters up; shorter terms (one or two Chinese characters) run
the same condition without the index: still correct, and the list reads in id order and stops
at a page, while the count is capped (crm.listing). On SQLite an FTS5 table with the trigram
tokenizer plays pg_trgm's part (``IndexedContains``).
"""

import re
import sqlite3
from functools import lru_cache

from pypinyin import lazy_pinyin
from pypinyin.core import Pinyin
from sqlalchemy import Boolean, ColumnElement, Select, String, bindparam, column, or_, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from crm.companies.models import Company
from crm.companies.schemas import normalise_name
from crm.listing import escape_like

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
_PINYIN_TERM = re.compile(r"[a-z]{2,}")
_LIKE_SPECIAL = re.compile(r"[%_\\]")
TRIGRAM = 3  # characters a trigram index needs
FTS_TABLE = "company_fts"  # SQLite: FTS5, trigram tokenizer, over name_key and name_pinyin
TRIGRAM_SINCE = (3, 34, 0)


def name_pinyin(name: str) -> str:
    """``"<full pinyin> <initials>"``, lower case, letters and digits only."""
    syllables = _syllables(name)
    full = "".join(syllables)
    initials = "".join(s if s in name else s[:1] for s in syllables)  # "ABC" stays whole
    return f"{_letters(full)} {_letters(initials)}"


def _syllables(name: str) -> list[str]:
    """The name's pinyin, a syllable per Chinese character, other text passed through whole.

    pypinyin cuts the name into phrases and reads each phrase alone, so 重庆 is chongqing and
    银行 yinhang. Company names repeat their phrases (有限公司, 科技, a city's name), so each
    phrase's reading is remembered: the same answer as one ``lazy_pinyin`` call on the name,
    at a fraction of its ~0.1–0.2 ms a name (an import of 100,000 companies spent 10–20 s
    here).
    """
    return [syllable for phrase in _PHRASES.seg(name) for syllable in _phrase_pinyin(phrase)]


_PHRASES = Pinyin()  # pypinyin's default segmenter, as ``lazy_pinyin`` uses


@lru_cache(maxsize=50_000)
def _phrase_pinyin(phrase: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(phrase, errors="default"))


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text.lower())


def name_matches(q: str) -> ColumnElement[bool]:
    """The condition "the company is what ``q`` names"."""
    key = normalise_name(q)
    conditions = [_contains(Company.name_key, key)]
    if len(q.strip()) == 18:
        conditions.append(Company.credit_code == q.strip().upper())
    if _PINYIN_TERM.fullmatch(key):
        conditions.append(_contains(Company.name_pinyin, key))
    return or_(*conditions)


def _contains(column, key: str) -> ColumnElement[bool]:
    if len(key) >= TRIGRAM and not _LIKE_SPECIAL.search(key):
        return IndexedContains(column, key)
    return column.like(f"%{escape_like(key)}%", escape="\\")


class IndexedContains(ColumnElement[bool]):
    """``column LIKE '%key%'`` where a trigram index serves it: pg_trgm's GIN index on
    PostgreSQL reads the plain LIKE; on SQLite the rows come from the FTS5 trigram table
    (migration 7d2c9e4f1a60) when the SQLite has that tokenizer."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition already: no "= 1" on SQLite
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column, key: str):
        self.column = column
        self.pattern = bindparam(None, f"%{key}%", type_=String())


@compiles(IndexedContains)
def _plain_like(element: IndexedContains, compiler, **kw) -> str:
    return compiler.process(element.column.like(element.pattern), **kw)


@compiles(IndexedContains, "sqlite")
def _fts_like(element: IndexedContains, compiler, **kw) -> str:
    if sqlite3.sqlite_version_info < TRIGRAM_SINCE:
        return _plain_like(element, compiler, **kw)
    name = element.column.key
    fts = table(FTS_TABLE, column("rowid"), column(name))
    rows = select(fts.c.rowid).where(fts.c[name].like(element.pattern))
    return compiler.process(Company.id.in_(rows), **kw)


def matching_ids(q: str) -> Select:
    return select(Company.id).where(name_matches(q))
