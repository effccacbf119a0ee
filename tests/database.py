"""Emptying and counting the test database's tables (the schema itself stays)."""

from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm.all_models import metadata


def empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.execute(text(f"SELECT COUNT(*) FROM {t.name}")).scalar_one()
            for t in metadata.sorted_tables
        }
