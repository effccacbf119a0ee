"""Field types shared by the request schemas of several domains."""

from typing import Annotated

from pydantic import Field

# "chain-code:segment-code", the way every request names a segment.
SegmentKey = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*:[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=129),
]
LongText = Annotated[str, Field(max_length=10_000)]
