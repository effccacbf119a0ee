"""Emptying and counting the test database's tables (the schema itself stays)."""

from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm.all_models import metadata


def empty_tables(engine: Engine) -> None:
    """Every table empty and every id counting from 1 again, as after the migrations."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            _empty_postgres(connection, tables)
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def _empty_postgres(connection, tables: list[str]) -> None:
    """TRUNCATE gives each table new files (and syncs them): about a second for all of them,
    more than most tests take. So only the tables holding rows are truncated, and the id
    sequences a test used on a table it emptied again are restarted."""
    probes = " UNION ALL ".join(
        f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM {table})" for table in tables
    )
    holding = list(connection.execute(text(probes)).scalars())
    if holding:
        connection.execute(text(f"TRUNCATE {', '.join(holding)} RESTART IDENTITY CASCADE"))
    used = connection.execute(
        text(
            "SELECT s.seqrelid::regclass::text FROM pg_sequence s"
            " JOIN pg_depend d ON d.objid = s.seqrelid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE t.relname = ANY(:tables) AND pg_sequence_last_value(s.seqrelid) IS NOT NULL"
        ),
        {"tables": tables},
    ).scalars()
    for sequence in used:
        connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.execute(text(f"SELECT COUNT(*) FROM {t.name}")).scalar_one()
            for t in metadata.sorted_tables
        }
