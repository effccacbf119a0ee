"""One place that renders every error as ``{"detail": …}`` with its status."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.errors import DomainError, NotAuthenticated


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, NotAuthenticated) else None
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=headers
        )

    @app.exception_handler(StaleDataError)
    async def stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        detail = "the record was changed by someone else; reload it"
        return JSONResponse({"detail": detail}, status_code=409)

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
