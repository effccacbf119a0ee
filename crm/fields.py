"""Field types shared by the request schemas of several domains, and their base class."""

import re
import typing
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator


class _Multiline:
    """Marks a text type that may hold tabs and line breaks (``LongText``)."""


MULTILINE = _Multiline()
# C0 control characters: invisible, refused by XLSX and (NUL) by PostgreSQL. Long text keeps
# tab and line breaks (a browser's textarea sends CR LF).
CONTROL = re.compile(r"[\x00-\x1f]")
CONTROL_IN_LONG_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# "chain-code:segment-code", the way every request names a segment.
SegmentKey = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*:[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=129),
]
LongText = Annotated[str, Field(max_length=10_000), MULTILINE]


class InputModel(BaseModel):
    """What a request (or an imported row) gives: no text field holds a control character."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        pattern = CONTROL_IN_LONG_TEXT if _is_long_text(cls, info.field_name) else CONTROL
        for text in _texts(value):
            found = pattern.search(text)
            if found:
                raise ValueError(
                    f"control character U+{ord(found.group()):04X} is not allowed in text"
                )
        return value


@cache
def _is_long_text(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    if field is None:
        return False
    return MULTILINE in field.metadata or _marked(field.annotation)


def _marked(annotation: Any) -> bool:
    if MULTILINE in getattr(annotation, "__metadata__", ()):
        return True
    return any(_marked(arg) for arg in typing.get_args(annotation))


def _texts(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
