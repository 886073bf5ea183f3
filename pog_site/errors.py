"""The project's error type: a request the studio will not run.

A leaf module (it imports nothing of the project), so every app can raise it and the one
API (``pog_site.api``) can turn it into the JSON error shape without an import cycle; the
shape's schema (``ErrorOut``) is here too, for every router to declare.
"""

from __future__ import annotations

from ninja import Schema


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


# --- the error shape in the API schema ----------------------------------------------------


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    """Every refusal: ``{"error": {"code", "message", "field"}}`` (``field`` when one is at fault)."""

    error: ErrorDetail


# Who may ask (401), with what rights (403: scope, CSRF), the meters (429) and the kill
# switches (503); any URL or query string can carry text or a number the studio refuses (422).
SIGNED_IN = (401, 403, 422, 429, 503)
# Anyone may ask, unsigned: still metered per address (429), and still refused bad text (422).
PUBLIC = (422, 429)
# A JSON body: malformed (400), too large (413).
WITH_BODY = (400, 413)


def errors(*groups: int | tuple[int, ...]) -> dict[int, type[ErrorOut]]:
    """``{status: ErrorOut}`` for the statuses (or groups of them) an endpoint answers."""
    statuses: set[int] = set()
    for group in groups:
        statuses.update(group if isinstance(group, tuple) else (group,))
    return dict.fromkeys(sorted(statuses), ErrorOut)
