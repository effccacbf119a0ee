"""One place that renders every error as ``{"detail": …}`` with its status."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
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

    @app.exception_handler(IntegrityError)
    async def integrity(_request: Request, _error: IntegrityError) -> JSONResponse:
        detail = "the change conflicts with an existing record"
        return JSONResponse({"detail": detail}, status_code=409)
