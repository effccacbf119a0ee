"""Company export: every company as a row under Chinese headers, read as plain rows through
a server-side cursor; reads back through ``crm.companies.importer.import_companies``.

A company's segments and tags are looked up once per batch of rows, not per company.
"""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, select

from crm.chains.models import Chain, Segment
from crm.companies.import_columns import CHINESE_HEADERS
from crm.companies.models import Company, CompanyTag, Park, company_segment
from crm.exporting import streamed_batches


def export_rows(engine: Engine) -> tuple[list[str], Iterator[list[Any]]]:
    """The headers, and every company's row by id, read when iterated."""
    return list(CHINESE_HEADERS.values()), _rows(engine)


def _rows(engine: Engine) -> Iterator[list[Any]]:
    query = (
        select(
            Company.id,
            Company.name,
            Company.credit_code,
            Company.province,
            Company.city,
            Company.revenue,
            Company.employees,
            Company.is_local,
            Park.name,
            Company.listing,
        )
        .outerjoin(Park, Company.park_id == Park.id)
        .order_by(Company.id)
    )
    for connection, batch in streamed_batches(engine, query):
        ids = [row[0] for row in batch]
        segments = _joined(connection, _segments_query(ids))
        tags = _joined(connection, _tags_query(ids))
        for id_, name, code, province, city, revenue, employees, local, park, listing in batch:
            yield [
                name,
                code,
                province,
                city,
                segments.get(id_, ""),
                tags.get(id_, ""),
                revenue,
                employees,
                "是" if local else "否",
                park,
                listing,
            ]


def _segments_query(ids: list[int]):
    return (
        select(company_segment.c.company_id, Chain.code + ":" + Segment.code)
        .join(Segment, company_segment.c.segment_id == Segment.id)
        .join(Chain, Segment.chain_id == Chain.id)
        .where(company_segment.c.company_id.in_(ids))
        .order_by(company_segment.c.company_id, Segment.id)
    )


def _tags_query(ids: list[int]):
    return (
        select(CompanyTag.company_id, CompanyTag.tag)
        .where(CompanyTag.company_id.in_(ids))
        .order_by(CompanyTag.company_id, CompanyTag.tag)
    )


def _joined(connection: Connection, query) -> dict[int, str]:
    """``{company id: "a;b"}`` from (company id, value) rows in order."""
    parts: dict[int, list[str]] = {}
    for company_id, value in connection.execute(query):
        parts.setdefault(company_id, []).append(getattr(value, "value", value))
    return {company_id: ";".join(values) for company_id, values in parts.items()}
