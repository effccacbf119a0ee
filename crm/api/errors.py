"""One place that renders every error as ``{"detail": …}`` with its status."""

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.errors import DomainError


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return value


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(StaleDataError)
    async def stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        detail = "the record was changed by someone else; reload it"
        return JSONResponse({"detail": detail}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's own rendering, except that echoed inputs such as NaN or Infinity (which
        # Python's JSON parser accepts and JSON cannot carry) are shown as text.
        detail = _json_safe(jsonable_encoder(error.errors()))
        return JSONResponse({"detail": detail}, status_code=422)

    # Numbers the database cannot hold (an id past 2**63, say) are bad input, not a crash.
    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(_request: Request, _error: Exception) -> JSONResponse:
        detail = [{"loc": ["request"], "msg": "a value is out of range", "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def integrity(_request: Request, _error: IntegrityError) -> JSONResponse:
        detail = "the change conflicts with an existing record"
        return JSONResponse({"detail": detail}, status_code=409)
