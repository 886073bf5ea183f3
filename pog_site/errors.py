"""The project's error type: a request the studio will not run.

A leaf module (it imports nothing of the project), so every app can raise it and the one
API (``pog_site.api``) can turn it into the JSON error shape without an import cycle.
"""

from __future__ import annotations


class RequestError(Exception):
    """A request the studio will not run; carries the HTTP status and the field at fault."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
