"""company name search index on SQLite (FTS5 trigram)

SQLite has no pg_trgm: an FTS5 table with the trigram tokenizer (SQLite 3.34 and later) over
``company.name_key`` and ``company.name_pinyin`` serves ``LIKE '%term%'`` for terms of three
characters or more; triggers keep it in step with ``company`` (external content: the names are
not stored twice). Shorter terms still scan ``name_key`` (crm.companies.search). On
PostgreSQL, and on an older SQLite, this migration does nothing.

Revision ID: 7d2c9e4f1a60
Revises: a7d3e91c5b20
Create Date: 2026-11-26 16:50:00.000000
"""

import sqlite3
from collections.abc import Sequence

from alembic import op

revision: str = "7d2c9e4f1a60"
down_revision: str | None = "a7d3e91c5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from crm.companies.search (migrations do not import crm modules that may change).
FTS_TABLE = "company_fts"
TRIGRAM_SINCE = (3, 34, 0)

CREATE = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(name_key, name_pinyin, "
    "content='company', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON company BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, name_key, name_pinyin) "
    "VALUES (new.id, new.name_key, new.name_pinyin); END",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON company BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_key, name_pinyin) "
    "VALUES ('delete', old.id, old.name_key, old.name_pinyin); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF name_key, name_pinyin ON company BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_key, name_pinyin) "
    "VALUES ('delete', old.id, old.name_key, old.name_pinyin); "
    f"INSERT INTO {FTS_TABLE}(rowid, name_key, name_pinyin) "
    "VALUES (new.id, new.name_key, new.name_pinyin); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]


def _applies() -> bool:
    return op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info >= TRIGRAM_SINCE


def upgrade() -> None:
    if _applies():
        for statement in CREATE:
            op.execute(statement)


def downgrade() -> None:
    if _applies():
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
