"""What every export shares: rows read through a server-side cursor on a connection of their
own, and a download that sends the file as it is written.

The rows are read on their own connection, opened when the first row is wanted, because a
streamed response is written after the request's session has closed. The query carries every
filter (the user's visibility included), so the connection needs nothing from the session.
"""

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, Engine, Row, Select

from crm.table_writing import MEDIA_TYPES, table_chunks

FETCH_ROWS = 2000


def streamed_batches(engine: Engine, query: Select) -> Iterator[tuple[Connection, list[Row]]]:
    """The query's rows ``FETCH_ROWS`` at a time, each batch with the connection reading them
    (to look up what the batch needs in the same snapshot)."""
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(
            query
        )
        for batch in result.partitions():
            yield connection, batch


def streamed_rows(engine: Engine, query: Select) -> Iterator[Row]:
    for _, batch in streamed_batches(engine, query):
        yield from batch


def download(
    file_format: str, filename: str, headers: list[str], rows: Iterable[Sequence[Any]]
) -> StreamingResponse:
    """The rows as a CSV or XLSX attachment, sent as it is written.

    The first row is read before the response starts, so a query the database refuses is
    still an error status, not a file cut short.
    """
    rows = iter(rows)
    first = list(itertools.islice(rows, 1))
    return StreamingResponse(
        table_chunks(file_format, headers, itertools.chain(first, rows)),
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def download_chunks(file_format: str, filename: str, chunks: Iterator[bytes]) -> StreamingResponse:
    """A file already in pieces (a CSV PostgreSQL's COPY writes) as an attachment; the first
    piece is taken before the response starts, so a refused statement is an error status."""
    first = list(itertools.islice(chunks, 1))
    return StreamingResponse(
        itertools.chain(first, chunks),
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
