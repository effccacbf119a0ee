"""Lead export: the leads a query selects as rows under Chinese headers, read as plain rows
through a server-side cursor (never ORM objects), so an export of any size streams; a CSV
on PostgreSQL is written by ``COPY … TO STDOUT`` (``crm.copy_export``), the same bytes.

The rows read back through ``crm.leads.importer.import_leads``: into another database, the
leads before signing (later stages are not imported); into the same one, every row merges
into the lead it came from.
"""

from collections.abc import Iterator
from typing import Any

from fastapi.responses import Response
from sqlalchemy import Engine, Select
from sqlalchemy.orm import aliased

from crm import exporting
from crm.auth.models import User
from crm.chains.models import Chain, Segment
from crm.companies.models import Company, Park
from crm.copy_export import (
    copy_csv_chunks,
    iso_date_sql,
    mapped_sql,
    safe_text_sql,
    whole_number_sql,
)
from crm.exporting import download_chunks, streamed_rows
from crm.leads.import_rows import CHINESE_HEADERS, SOURCE_NAMES, STAGE_NAMES
from crm.leads.models import Lead
from crm.taskforces.models import TaskForce


def download(engine: Engine, query: Select, file_format: str, filename: str) -> Response:
    """The leads ``query`` selects as a streamed CSV or XLSX attachment; CSV on PostgreSQL
    is written by the database itself (``COPY … TO STDOUT``), the same bytes as elsewhere."""
    if file_format == "csv" and engine.dialect.name == "postgresql":
        return download_chunks(file_format, filename, copy_csv(engine, query))
    headers, rows = export_rows(engine, query)
    return exporting.download(file_format, filename, headers, rows)


def copy_csv(engine: Engine, query: Select) -> Iterator[bytes]:
    """The CSV file of the leads ``query`` selects, written by PostgreSQL's COPY."""
    owner = aliased(User)
    columns = [
        safe_text_sql(Company.name),
        safe_text_sql(Company.credit_code),
        safe_text_sql(Company.city),
        safe_text_sql(Chain.code + ":" + Segment.code),
        safe_text_sql(TaskForce.name),
        safe_text_sql(owner.username),
        safe_text_sql(Lead.priority),
        mapped_sql(Lead.source, SOURCE_NAMES),
        whole_number_sql(Lead.expected_investment),
        Lead.expected_jobs,
        iso_date_sql(Lead.next_follow_up),
        mapped_sql(Lead.stage, STAGE_NAMES),
        safe_text_sql(Lead.notes),
        safe_text_sql(Park.name),
    ]
    rows_query = _rows_query(query, columns, owner)
    return copy_csv_chunks(engine, list(CHINESE_HEADERS.values()), rows_query)


def export_rows(engine: Engine, query: Select) -> tuple[list[str], Iterator[list[Any]]]:
    """The headers, and the rows of the leads ``query`` (a ``select(Lead)`` with filters)
    selects, by id; the rows are read when iterated, on a connection of their own."""
    owner = aliased(User)
    columns = [
        Company.name,
        Company.credit_code,
        Company.city,
        Chain.code,
        Segment.code,
        TaskForce.name,
        owner.username,
        Lead.priority,
        Lead.source,
        Lead.expected_investment,
        Lead.expected_jobs,
        Lead.next_follow_up,
        Lead.stage,
        Lead.notes,
        Park.name,
    ]
    rows_query = _rows_query(query, columns, owner)
    rows = (_row(values) for values in streamed_rows(engine, rows_query))
    return list(CHINESE_HEADERS.values()), rows


def _rows_query(query: Select, columns: list, owner) -> Select:
    return (
        query.with_only_columns(*columns, maintain_column_froms=False)
        .select_from(Lead)
        .join(Company, Lead.company_id == Company.id)
        .join(Segment, Lead.segment_id == Segment.id)
        .join(Chain, Segment.chain_id == Chain.id)
        .outerjoin(TaskForce, Lead.task_force_id == TaskForce.id)
        .outerjoin(owner, Lead.owner_id == owner.id)
        .outerjoin(Park, Lead.park_id == Park.id)
        .order_by(Lead.id)
    )


def _row(values) -> list[Any]:
    (company, credit_code, city, chain, segment, task_force, owner, priority, source) = values[:9]
    investment, jobs, follow_up, stage, notes, park = values[9:]
    return [
        company,
        credit_code,
        city,
        f"{chain}:{segment}",
        task_force,
        owner,
        priority.value,
        SOURCE_NAMES[source],
        _number(investment),
        jobs,
        follow_up,
        STAGE_NAMES[stage],
        notes,
        park,
    ]


def _number(value: float | None) -> float | int | None:
    """50000 rather than 50000.0 in a CSV cell."""
    return int(value) if value is not None and value.is_integer() else value
