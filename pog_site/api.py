"""The one NinjaAPI: identity, the JSON error shape, and every app's router."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from accounts.identity import session_identity, token_from_bearer
from accounts.killswitch import Identity, blocking
from pog_site.errors import RequestError
from pog_site.inputs import INT64_MAX, INT64_MIN, StudioParser, out_of_range

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class StudioAuth(AuthBase):
    """Bearer token, or the browser session (with its CSRF check on unsafe methods)."""

    openapi_type = "http"

    def __init__(self) -> None:
        self.openapi_scheme = "bearer"
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        token = token_from_bearer(request.headers.get("Authorization"))
        if token is not None:
            # Looking needs "read"; anything that changes or makes something needs "generate".
            scope = "read" if request.method in SAFE_METHODS else "generate"
            if not token.allows(scope):
                raise RequestError(
                    403, "scope", f"This token may not do that: it needs the '{scope}' scope.", None
                )
            _refuse_if_stopped(Identity(token.user.pk, None, token.pk, token.user.is_staff))
            return token.user
        user = session_identity(request, create=request.method not in SAFE_METHODS)
        if user is None:
            return None
        if request.method not in SAFE_METHODS:
            failure = check_csrf(request)
            if failure is not None:
                raise RequestError(403, "csrf", "CSRF check failed: send the X-CSRFToken header.", None)
        _refuse_if_stopped(Identity(user.pk, request.session.session_key, None, user.is_staff))
        return user


def _refuse_if_stopped(identity: Identity) -> None:
    switch = blocking(identity, member_teams=True)
    if switch is not None:
        raise RequestError(503, "stopped", f"Stopped by the studio's staff: {switch.reason}", None)


studio_auth = StudioAuth()

api = NinjaAPI(
    title="POG Studio API",
    version="1",
    description="Tap a limb, say what you want, get a real game asset.",
    auth=studio_auth,
    urls_namespace="api",
    parser=StudioParser(),
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(RequestError)
def _request_error(request: HttpRequest, exc: RequestError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.field)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first: dict[str, Any] = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "payload", "query", "path")]
    field = ".".join(loc) or None
    limit = (first.get("ctx") or {}).get("le", (first.get("ctx") or {}).get("ge"))
    if first.get("type") in ("less_than_equal", "greater_than_equal") and limit in (INT64_MAX, INT64_MIN):
        # A whole number past what the database stores (an ``Int64`` field): said as such.
        problem = out_of_range(field)
        return error_response(request, 422, problem.code, problem.message, field)
    message = first.get("msg", "Invalid request.")
    if field:
        message = f"{field}: {message}"
    return error_response(request, 422, "invalid", message, field)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        401,
        "unauthenticated",
        "Who are you? Send 'Authorization: Bearer <token>' (get one from POST /api/auth/guest) "
        "or use the studio in a browser.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, RequestError):
        # The parser's refusal, which ninja wraps as "Cannot parse request body".
        return _request_error(request, exc.__cause__)
    return error_response(request, exc.status_code, "error", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "too_large", "The request body is too large.")


@api.exception_handler(MultiPartParserError)
def _bad_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_response(request, 400, "invalid_form", f"The form body cannot be read: {exc}")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error_response(request, 400, "invalid_request", "The request cannot be read.")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The traceback goes to the log, never to the client (in debug mode too: the JSON shape
    # is part of the API).
    log.error("API %s %s failed", request.method, request.path, exc_info=exc)
    return error_response(
        request, 500, "server_error", "The studio tripped over its own feet. Please try again."
    )


def _register_routers() -> None:
    from accounts.api import router as accounts_router
    from accounts.api import settings_router
    from limbs.api import router as limbs_router
    from limbs.stream_api import router as stream_router
    from provenance.api import router as provenance_router
    from relics.api import router as relics_router

    api.add_router("/auth/", accounts_router)
    api.add_router("/", settings_router)
    api.add_router("/", limbs_router)
    api.add_router("/", stream_router)
    api.add_router("/provenance/", provenance_router)
    api.add_router("/relics/", relics_router)


_register_routers()
