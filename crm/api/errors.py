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


# --- what the OpenAPI schema says about them ----------------------------------------------------

ERROR_BODY = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "description": "what went wrong"}},
    "required": ["detail"],
}
# Every refusal but a validation error has the shape ``ERROR_BODY``; 422 keeps FastAPI's own
# documentation (and a route's own ``responses=`` wins over these).
_ERRORS = {
    400: "the request body could not be parsed (malformed JSON or multipart)",
    401: "not signed in, or the token is invalid or expired",
    403: "the signed-in user's role, or the record's ownership, does not allow this",
    404: "a record the request names does not exist",
    409: "a stale `version`, or a conflict with an existing record",
}
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})


def install_error_docs(app: FastAPI) -> None:
    """Document the errors every operation may answer, by rule, so a new route cannot forget
    them: 400 if it takes a body, 401 if it needs a token, 403 and 409 if it also writes, 404
    if it names a record in its path."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_errors(build())  # build() keeps the schema as app.openapi_schema
        return app.openapi_schema

    app.openapi = openapi


def _document_errors(schema: dict[str, Any]) -> None:
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_BODY
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in _errors_of(path, method, operation):
                operation["responses"].setdefault(
                    str(status),
                    {
                        "description": _ERRORS[status],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    statuses = []
    if "requestBody" in operation:
        statuses.append(400)
    if operation.get("security"):
        statuses.append(401)
        if method in UNSAFE_METHODS:
            statuses += [403, 409]
    if "{" in path:
        statuses.append(404)
    return sorted(statuses)
