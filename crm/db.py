"""Engine, session factory, declarative base and the mixins every mutable record uses."""

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import JSON, TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A moment given without a zone (a date in a query string, say) is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionedMixin(TimestampMixin):
    """Optimistic locking: every UPDATE checks and bumps ``version``.

    A stale write raises ``StaleDataError`` (rendered as 409), even between two requests
    that both read version N before either wrote.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}

    def touch(self) -> None:
        """Force an UPDATE (and so a version bump) when only related rows changed."""
        self.updated_at = utcnow()


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def take_write_lock(session: Session, table: str) -> None:
    """On SQLite, take the database's write lock now, before reading what will be written.

    SQLite has one writer at a time, and a transaction that read before another one committed
    cannot write after it ("database is locked"). Taking the lock first makes a read-then-write
    step wait its turn instead (up to the busy timeout). PostgreSQL locks rows, not the
    database: nothing to do there; its unique indexes settle races.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"UPDATE {table} SET id = id WHERE 0"))  # writes nothing


def insert_returning_ids(session: Session, table: Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (each with the same keys) into ``table``; their new ids, in order.

    SQLite does not promise the order in which a multi-row INSERT's RETURNING answers, so
    SQLAlchemy sends it one statement per row. There the database's write lock is taken and
    the ids SQLite would give (one past the largest: no table uses AUTOINCREMENT) are written
    with the rows, in batched statements. On PostgreSQL the ids are drawn from the table's
    sequence and the rows copied in (``copy_rows``): a multi-row INSERT of a thousand rows
    spends more time in the driver, splitting its text at each placeholder, than in the
    database.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        take_write_lock(session, table.name)
        last = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        ids = list(range(last + 1, last + 1 + len(rows)))
        session.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    ids = list(session.execute(NEW_IDS, {"table": table.name, "n": len(rows)}).scalars())
    names = list(rows[0])
    copied = _as_stored(table, dialect, names, rows)
    with_ids = ([new_id, *values] for new_id, values in zip(ids, copied, strict=True))
    copy_rows(session, table.name, ["id", *names], with_ids)
    return ids


def _as_stored(
    table: Table, dialect: Dialect, names: list[str], rows: list[dict]
) -> Iterator[list[Any]]:
    """Each row's values of ``names`` as the database stores them, for ``COPY``; which, unlike
    an INSERT, leaves out the columns' Python-side defaults, so every such column must be
    given."""
    missing = [c.name for c in table.c if c.default is not None and c.name not in names]
    if missing:
        raise ValueError(f"rows copied into {table.name} must give {', '.join(missing)}")
    processors = [(name, _copy_processor(table.c[name].type, dialect)) for name in names]
    return (
        [process(row[name]) if process else row[name] for name, process in processors]
        for row in rows
    )


def _copy_processor(type_: TypeEngine, dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of the column's type is written by COPY: as SQLAlchemy binds it (enum
    names, UTC timestamps), JSON as its text (the driver would write a list as an array;
    None is JSON null unless the column says otherwise, as SQLAlchemy writes it)."""
    if isinstance(type_, JSON):
        null = type_.none_as_null
        return lambda value: None if value is None and null else json.dumps(value)
    return type_.bind_processor(dialect)


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (each with the same keys, ids left to the database) into ``table``:
    copied in on PostgreSQL (see ``insert_returning_ids``), batched INSERTs elsewhere."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    copy_rows(session, table.name, names, _as_stored(table, dialect, names, rows))


# Ids for new rows, drawn from the table's sequence before they are copied in (COPY returns
# none).
NEW_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")


def copy_rows(session: Session, table: str, columns: list[str], rows: Iterable[Any]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (values as the database stores them)
    on the session's connection, in its transaction and savepoint (PostgreSQL). The driver's
    errors become SQLAlchemy's, as for an INSERT: a unique index refusing a row is an
    ``IntegrityError``, so a caller's retry reads again."""
    import psycopg

    raw = session.connection().connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:  # as SQLAlchemy wraps the driver's errors for an INSERT
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def update_checking_versions(session: Session, statement: Any, params: list[dict]) -> None:
    """Run an executemany UPDATE whose WHERE matches each row's id and the version read, as
    the ORM's ``version_id_col`` does: a row changed meanwhile matches nothing, and that is a
    ``StaleDataError`` (409), so the caller's savepoint is rolled back."""
    connection = session.connection()
    result = connection.execute(statement, params)
    if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        table = statement.table.name
        raise StaleDataError(
            f"UPDATE statement on table '{table}' expected to update {len(params)} row(s); "
            f"{result.rowcount} were matched."
        )


@contextmanager
def btree_lookups(session: Session) -> Iterator[None]:
    """Lookups by equality inside an import read B-tree indexes, not trigram ones (PostgreSQL).

    A trigram GIN index also answers ``=``. Its planner statistics are kept by VACUUM, which
    cannot run inside the import's transaction, so for a table that began the import empty
    they still say "empty", and the planner answers ``name_key IN (500 names)`` from it:
    reading the postings of trigrams nearly every name shares (有限公司), 1.4 s a lookup at
    5,000 companies and growing with every batch. GIN indexes are read by bitmap scans only;
    without those, the lookup takes the B-tree index. An error rolls the setting back with
    its transaction or savepoint.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    yield
    session.execute(text("SET LOCAL enable_bitmapscan TO DEFAULT"))


class PlannerStatistics:
    """Keeps PostgreSQL's statistics of the tables a long import fills current, inside the
    import's own transaction.

    A table that was empty or never analysed when an import began has no statistics; the
    planner then takes each batch's lookup (500 credit codes or names) for a large share of
    the table and reads all of it, so every batch reads every row written before it: an
    import of 200,000 companies took hours. ``ANALYZE`` in the same transaction counts the
    rows the import has written so far; it runs whenever the tables have doubled since the
    statistics were last taken, a handful of times per import. SQLite needs nothing.
    """

    def __init__(self, session: Session, tables: list[str], *, at_least: int = 2_000):
        self.session, self.tables, self.at_least = session, tables, at_least
        self.enabled = session.get_bind().dialect.name == "postgresql"
        self.known = self._estimate() if self.enabled else 0
        self.added = 0

    def _estimate(self) -> int:
        rows = self.session.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
            {"table": self.tables[0]},
        ).scalar_one()
        return max(int(rows), 0)

    def wrote(self, rows: int) -> None:
        if not self.enabled:
            return
        self.added += rows
        if self.added >= max(self.known, self.at_least) and self._analyze():
            self.known, self.added = self._estimate(), 0

    def _analyze(self) -> bool:
        """Whether the statistics were taken. ``ANALYZE`` keeps its lock until the import
        commits, so an import that finds another import holding it goes on with the
        statistics it has and tries again after its next batch, rather than wait: two
        imports waiting on each other (one for this lock, the other for a company the first
        wrote) would deadlock."""
        try:
            with self.session.begin_nested():
                self.session.execute(text("SET LOCAL lock_timeout = '100ms'"))
                for table in self.tables:
                    self.session.execute(text(f"ANALYZE {table}"))
                self.session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            return False
        return True


LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's error code for a lock_timeout


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
