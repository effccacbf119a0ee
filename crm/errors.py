"""Domain errors carrying their HTTP status; one handler renders them as ``{"detail": …}``."""

from typing import Any


class DomainError(Exception):
    status_code = 400
    # A refusal that must still be written down (a failed log-in counts against the rate
    # limit): the request's unit of work commits what it did instead of rolling back.
    keeps_changes = False

    def __init__(self, detail: Any):
        super().__init__(detail)
        self.detail = detail

    @property
    def headers(self) -> dict[str, str] | None:
        """Response headers that go with the error."""
        return None


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class NotAuthenticated(DomainError):
    status_code = 401

    @property
    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class TooManyAttempts(DomainError):
    """Too many failed log-ins; ``retry_after`` seconds until the next attempt is heard."""

    status_code = 429

    def __init__(self, detail: Any, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


class NotPermitted(DomainError):
    """Refused by the authorisation policy; ``field`` names the request field that was refused,
    when it is one field (a leader moving a lead to another task force, say)."""

    status_code = 403

    def __init__(self, detail: Any, *, field: str | None = None):
        super().__init__(f"{field}: {detail}" if field else detail)
        self.field = field


class Invalid(DomainError):
    """Bad input that passed schema validation but breaks a business rule.

    Rendered like FastAPI's own validation errors, so clients read one shape for every 422.
    """

    status_code = 422

    def __init__(self, field: str | tuple[str | int, ...], message: str):
        loc = (field,) if isinstance(field, str) else field
        where = [] if loc[0] in ("query", "path") else ["body"]
        super().__init__([{"loc": [*where, *loc], "msg": message, "type": "value_error"}])
        self.field = field
        self.message = message

    def __str__(self) -> str:
        field = self.field if isinstance(self.field, str) else ".".join(map(str, self.field))
        return f"{field}: {self.message}"
